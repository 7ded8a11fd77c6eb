"""Requests Django cannot read: the site's own 400 page, never a 500."""

import pytest
from django.test import Client

from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    # With the CSRF check on, as in production: the check is what reads a POST's body.
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal", sections=1, topics=[make_topic()])


# Django reads form posts as UTF-8 and refuses any other charset a form names
# (a charset Python does not know is ignored).
UNREADABLE_CHARSETS = ["latin-1", "utf8", "utf-16", "iso-8859-1"]


def post_in_charset(reader, path, charset):
    reader.get("/comments/form-token/")  # a CSRF cookie, so the check reads the body
    token = reader.cookies["csrftoken"].value
    return reader.generic(
        "POST",
        path,
        b"csrfmiddlewaretoken=" + token.encode() + b"&body=caf%E9",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        headers={"X-CSRFToken": token},
    )


@pytest.mark.parametrize("charset", UNREADABLE_CHARSETS)
@pytest.mark.parametrize(
    "path", ["/", "/articles/", "/comments/post/{slug}/", "/admin/login/", "/search/"]
)
def test_a_form_post_in_another_charset_gets_the_400_page(reader, article, path, charset):
    response = post_in_charset(reader, path.format(slug=article.slug), charset)

    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not read that request" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "<header" in page  # the site's layout, not Django's bare page
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("charset", UNREADABLE_CHARSETS)
def test_such_a_post_to_an_unknown_address_gets_the_404_page(reader, charset):
    response = post_in_charset(reader, "/no-such-page/", charset)

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["topic=%00", "topic=a%00b", "page=%00", "%00=1", "q=%00"],
)
def test_a_nul_in_the_query_string_gets_the_400_page(reader, article, query):
    response = reader.get(f"/articles/?{query}")

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("comments/comment", "status__exact=%00"),
        ("comments/comment", "ip_address=%00"),
        ("comments/comment", "author_email=%00"),
        ("comments/comment", "decided_by__exact=%00"),
        ("articles/article", "status__exact=%00"),
    ],
)
def test_a_nul_in_an_admin_filter_gets_a_400(admin_client, changelist, query):
    admin_client.raise_request_exception = False

    response = admin_client.get(f"/admin/{changelist}/?{query}")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "ip_address=abc",
        "ip_address=1.2.3",
        "created_at__year=99999999999999999999",
        "created_at__month=0",
    ],
)
def test_a_filter_value_its_field_cannot_hold_gets_a_400(admin_client, query):
    admin_client.raise_request_exception = False

    response = admin_client.get(f"/admin/comments/comment/?{query}")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", ["ip_address=203.0.113.9", "created_at__year=2026", "status__exact=pending", "q=abc"]
)
def test_filter_values_that_fit_their_field_still_filter(admin_client, query):
    assert admin_client.get(f"/admin/comments/comment/?{query}").status_code == 200


def test_a_comment_in_another_charset_without_a_csrf_cookie_gets_the_400_page(reader, article):
    # The CSRF failure view reshows a comment post from its body, which cannot be read.
    response = reader.generic(
        "POST",
        f"/comments/post/{article.slug}/",
        b"body=caf%E9",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
        headers={"Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
