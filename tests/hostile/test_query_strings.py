"""Odd query strings on every public address and on the admin's changelists. A NUL
character gets the 400 page (PostgreSQL cannot compare a string holding one); anything
else is read or ignored, never a 5xx, and a GET stores nothing."""

import pytest

from comments import services
from comments.models import Comment

from .conftest import assert_not_a_server_error

pytestmark = pytest.mark.django_db

# Each public address with the query parameters its view reads ("x" stands for one it
# does not read). {slug}, {comment} and {token} are filled in from the test's data.
PUBLIC_URLS = [
    ("/", []),
    ("/articles/", ["page", "topic"]),
    ("/topics/", []),
    ("/topics/opioids/", ["page"]),
    ("/articles/{slug}/", ["cpage"]),
    ("/search/", ["q", "page"]),
    ("/feed/", []),
    ("/feed/atom/", []),
    ("/topics/opioids/feed/", []),
    ("/sitemap.xml", ["p"]),
    ("/comments/feed/{slug}/", []),
    ("/comments/{comment}/", []),
    ("/comments/withdraw/{token}/", []),
    ("/comments/form-token/", []),
    ("/robots.txt", []),
    ("/healthz", []),
    ("/favicon.ico", []),
]

# Query strings, {p} standing for each parameter name.
ODD_QUERIES = [
    "{p}=%00",
    "%00{p}=a%00b",
    "{p}=%01%1F%7F%E2%80%AE%E2%80%8F%FF%FE%ED%A0%80",
    "{p}=-1",
    "{p}=" + "9" * 400,
    "{p}=<script>alert(1)</script>' OR 1=1--../../etc/passwd" + "a" * 5000,
    "{p}=1&{p}=2&{p}[]=3&&=&%&%zz",
]

NUL_QUERIES = {"{p}=%00", "%00{p}=a%00b"}


@pytest.fixture
def filled(article, approved):
    return {
        "slug": article.slug,
        "comment": approved.pk,
        "token": services.withdraw_url(approved).rstrip("/").rsplit("/", 1)[-1],
    }


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize(("url", "params"), PUBLIC_URLS, ids=[url for url, _ in PUBLIC_URLS])
def test_odd_query_strings_on_public_pages(reader, filled, url, params, query):
    comments_before = Comment.objects.count()
    query_string = "&".join(query.format(p=param) for param in [*params, "x"])

    response = reader.get(f"{url.format(**filled)}?{query_string}")

    assert_not_a_server_error(response)
    if query in NUL_QUERIES:
        assert response.status_code == 400
    assert Comment.objects.count() == comments_before


ADMIN_CHANGELISTS = [
    (
        "comments/comment",
        [
            "status__exact",
            "is_urgent__exact",
            "decided_by__exact",
            "article__id__exact",
            "ip_address",
            "author_email",
            "created_at__gte",
            "created_at__year",
            "q",
            "o",
            "p",
        ],
    ),
    ("articles/article", ["status__exact", "topics__id__exact", "q", "o", "p", "e"]),
    ("articles/topic", ["q", "o", "p"]),
    ("auth/user", ["is_staff__exact", "groups__id__exact", "q", "o"]),
]

ODD_ADMIN_VALUES = ["a%00b", "abc", "99999999999999999999999", "%FF1'--"]


@pytest.mark.parametrize("value", ODD_ADMIN_VALUES)
@pytest.mark.parametrize(
    ("changelist", "param"),
    [(changelist, param) for changelist, params in ADMIN_CHANGELISTS for param in params],
)
def test_odd_filters_on_admin_changelists(admin_client, approved, changelist, param, value):
    admin_client.raise_request_exception = False

    response = admin_client.get(f"/admin/{changelist}/?{param}={value}")

    assert_not_a_server_error(response)
    if "%00" in value:
        assert response.status_code == 400
