"""The comment form's fields: crispy-forms' markup, reused per shape of blank form
(comments/form_html.py) and filled with each visitor's own values."""

import pytest
from crispy_forms.utils import render_crispy_form
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from comments import form_html
from comments.forms import CommentForm
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

HOSTILE = {
    "author_name": "\"><script>alert('name')</script> &amp; Co",
    "author_email": "o'neil+<x>@example.org",
    "author_url": 'https://example.org/?a=1&b="2"',
}


@pytest.fixture(autouse=True)
def fresh_shapes(monkeypatch):
    # Each test starts without the shapes rendered by earlier tests in this process.
    monkeypatch.setattr(form_html, "_rendered", {})


@pytest.fixture
def article():
    return make_article()


def blank_form(article, user=None, **initial):
    return CommentForm(article=article, user=user, initial=initial)


def shapes(article):
    reply_to = make_comment(article)
    staff = User.objects.create_user("editor", "editor@example.org", "pw", first_name="Ed")
    return {
        "anonymous": blank_form(article),
        "reply": blank_form(article, parent=reply_to.pk),
        "saved details": blank_form(article, **HOSTILE, save_details=True),
        "name only": blank_form(article, author_name="Sam", save_details=True),
        "logged in": blank_form(article, user=staff),
        "logged in reply": blank_form(article, user=staff, parent=reply_to.pk),
    }


def test_every_shape_is_what_crispy_renders_first_time_and_from_the_copy(article):
    for name, form in shapes(article).items():
        expected = str(render_crispy_form(form))
        assert form_html.render_comment_form(form) == expected, name  # renders the shape
        assert form_html.render_comment_form(form) == expected, name  # fills the copy
    assert len(form_html._rendered) == 6


def test_a_copy_carries_only_the_visitors_own_values(article):
    first = blank_form(article, **HOSTILE, save_details=True)
    form_html.render_comment_form(first)
    second = blank_form(
        article,
        author_name="Robin",
        author_email="r@example.org",
        author_url="https://robin.example/",
        save_details=True,
    )

    html = form_html.render_comment_form(second)

    assert len(form_html._rendered) == 1  # the same shape: the copy was used
    assert html == str(render_crispy_form(second))
    assert 'value="Robin"' in html and "example.org/?a=1" not in html and "script" not in html
    assert second["timestamp"].value() in html
    assert first["timestamp"].value() not in html


def test_hostile_saved_details_are_escaped(article):
    form = blank_form(article, **HOSTILE, save_details=True)
    form_html.render_comment_form(form)

    html = form_html.render_comment_form(form)

    assert "<script>" not in html
    assert (
        'value="&quot;&gt;&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt; &amp;amp; Co"'
        in (html)
    )
    assert 'value="https://example.org/?a=1&amp;b=&quot;2&quot;"' in html
    assert "\ue000" not in html


def test_a_form_with_errors_is_rendered_by_crispy(article):
    form = CommentForm({"body": "", "author_name": "Sam"}, article=article)
    assert not form.is_valid()

    html = form_html.render_comment_form(form)

    assert html == str(render_crispy_form(form))
    assert "Please write your comment." in html
    assert form_html._rendered == {}


def test_the_page_fills_in_the_remembered_details(client, article, comment_post_data):
    client.post(
        reverse("comments:post", args=[article.slug]),
        comment_post_data(author_name="Pat <Lee>", save_details="on"),
    )

    remembered = client.get(article.get_absolute_url()).content.decode()
    stranger = Client().get(article.get_absolute_url()).content.decode()

    assert 'name="author_name" value="Pat &lt;Lee&gt;"' in remembered
    assert "Pat &lt;Lee&gt;" not in stranger
    assert 'name="author_name" autocomplete="name"' in stranger


def test_attributes_set_on_one_form_are_part_of_its_shape(article):
    plain = blank_form(article)
    focused = blank_form(article)
    focused.fields["body"].widget.attrs["autofocus"] = True

    plain_html = form_html.render_comment_form(plain)
    focused_html = form_html.render_comment_form(focused)

    assert len(form_html._rendered) == 2
    assert "autofocus" in focused_html and "autofocus" not in plain_html
    assert focused_html == str(render_crispy_form(focused))
    assert plain_html == str(render_crispy_form(plain))
