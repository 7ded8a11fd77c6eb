"""The comment section's cached fragments (comments/sections.py): a personal page (a
returning commenter, an editor) reuses the thread and the form's fields that do not
depend on the reader, and never shows one reader's comments or details to another."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from core.models import SiteSettings
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    SiteSettings.load()
    article = make_article(title="Understanding withdrawal", sections=2)
    make_comment(article, body="The first approved comment.")
    return article


def returning_commenter(article, comment_post_data, name):
    """A browser that posted a comment with "save my details" and saw it approved."""
    reader = Client()
    reader.post(
        reverse("comments:post", args=[article.slug]),
        comment_post_data(save_details="on", author_name=name, author_email=f"{name}@x.org"),
    )
    Comment.objects.filter(author_name=name).update(status=Comment.Status.APPROVED)
    # The "Thank you" and the pending comment are behind them; the details cookie stays.
    reader.cookies.pop("comments_mine")
    reader.cookies.pop("messages", None)
    return reader


def comment_queries(reader, url):
    with CaptureQueriesContext(connection) as queries:
        content = reader.get(url).content.decode()
    return content, [q for q in queries.captured_queries if "comments_comment" in q["sql"]]


def test_a_returning_commenter_reuses_the_cached_thread_and_form(
    article, comment_post_data, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    reader = returning_commenter(article, comment_post_data, "Kim")
    url = article.get_absolute_url()

    first, first_queries = comment_queries(reader, url)
    again, again_queries = comment_queries(reader, url)

    assert "The first approved comment." in first and 'value="Kim"' in first
    assert first_queries and not again_queries  # the thread came from the cache
    assert "The first approved comment." in again and 'value="Kim"' in again


def test_each_returning_commenter_gets_their_own_details(article, comment_post_data, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    kim = returning_commenter(article, comment_post_data, "Kim")
    lee = returning_commenter(article, comment_post_data, "Lee")
    url = article.get_absolute_url()

    kims, lees, strangers = kim.get(url), lee.get(url), Client().get(url)

    assert 'value="Kim"' in kims.content.decode() and "Lee@x.org" not in kims.content.decode()
    assert 'value="Lee"' in lees.content.decode() and "Kim@x.org" not in lees.content.decode()
    assert "Kim@x.org" not in strangers.content.decode()
    # Each page carries its reader's own CSRF token and form timestamp.
    assert kims.cookies["csrftoken"].value != lees.cookies["csrftoken"].value


def test_a_new_approved_comment_shows_at_once_on_a_personal_page(
    article, comment_post_data, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    reader = returning_commenter(article, comment_post_data, "Kim")
    url = article.get_absolute_url()
    reader.get(url)

    make_comment(article, body="Approved a moment later.")

    assert "Approved a moment later." in reader.get(url).content.decode()


def test_the_cached_thread_never_holds_a_readers_own_comments(client, article, comment_post_data):
    url = article.get_absolute_url()
    client.post(reverse("comments:post", args=[article.slug]), comment_post_data(body="Mine."))
    client.get(url)  # the "Thank you" message

    mine = client.get(url).content.decode()
    editor = Client()
    editor.force_login(User.objects.create_user("editor", password="pw", is_staff=True))
    for _ in range(2):
        others = editor.get(url).content.decode()

    assert "Mine." in mine and "Withdraw my comment" in mine
    assert "Mine." not in others and "Withdraw my comment" not in others


def test_the_cached_thread_follows_comments_closing(article, settings, comment_post_data):
    settings.COMMENTS_FLOOD_SECONDS = 0
    reader = returning_commenter(article, comment_post_data, "Kim")
    url = article.get_absolute_url()
    assert "comment-reply-link" in reader.get(url).content.decode()

    article.allows_comments = False
    article.save()

    content = reader.get(url).content.decode()
    assert "comment-reply-link" not in content and "Comments are closed." in content


@pytest.mark.parametrize(
    ("cpage", "shown"),
    [("2", "The second thread."), ("x", "The first approved comment."), ("99999", "The second")],
)
def test_any_comment_page_number_renders(client, article, settings, cpage, shown):
    settings.COMMENTS_PER_PAGE = 1
    make_comment(article, body="The second thread.")
    reader = Client()
    reader.cookies["comment_author"] = "not signed"  # personal: no shared page

    response = reader.get(article.get_absolute_url() + f"?cpage={cpage}")

    assert response.status_code == 200
    assert shown in response.content.decode()
