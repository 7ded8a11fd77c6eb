"""Host headers the site does not serve: the 400 page, never a 5xx, nothing stored."""

import pytest

from .conftest import assert_not_a_server_error, assert_nothing_stored

pytestmark = pytest.mark.django_db

BAD_HOSTS = [
    "evil.example",
    "evil.example:80",
    "testserver.evil.example",
    "testserver@evil.example",
    "testserver:abc",
    "[::1",
    "test server",
    "testserver\t",
    "t\u0435stserver",  # a Cyrillic e
    "%00",
    "..",
    "a" * 300,
    "",
]

PATHS = ["/", "/articles/", "/articles/{slug}/", "/search/?q=withdrawal", "/admin/login/"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("host", BAD_HOSTS, ids=lambda h: repr(h[:30]))
def test_pages_for_a_host_we_do_not_serve(reader, article, host, path):
    response = reader.get(path.format(slug=article.slug), headers={"host": host})

    assert_not_a_server_error(response)
    assert response.status_code == 400


@pytest.mark.parametrize("host", BAD_HOSTS, ids=lambda h: repr(h[:30]))
def test_a_comment_for_a_host_we_do_not_serve_is_not_stored(
    csrf_reader, article, comment_post_data, host
):
    response = csrf_reader.post(
        f"/comments/post/{article.slug}/",
        {**comment_post_data(), "csrfmiddlewaretoken": csrf_reader.csrf_token},
        headers={"host": host},
    )

    assert response.status_code == 400
    assert_nothing_stored()
