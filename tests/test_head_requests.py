"""HEAD requests under gunicorn (recovery_site/gunicorn.conf.py): the headers a GET
would have, no body, and nothing in the server's log."""

from datetime import UTC, datetime

import pytest
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from core.middleware import HeadWithoutBodyMiddleware
from core.models import SiteSettings
from tests import servers
from tests.factories import make_article

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def server(transactional_db, static_root, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "note.txt").write_bytes(b"A file served by Django itself.\n" * 20)
    started = servers.Gunicorn(
        servers.production_env(
            static_root, REDIS_URL=None, SERVE_MEDIA="1", MEDIA_ROOT=media, LOG_LEVEL="INFO"
        ),
        log=tmp_path / "gunicorn.log",
    )
    yield started
    started.stop()


@pytest.mark.slow
def test_head_answers_have_no_body_and_log_no_warning(server):
    SiteSettings.load()
    article = make_article(title="Understanding withdrawal", published_at=LONG_AGO)
    paths = [
        "/",
        article.get_absolute_url(),
        "/healthz",
        "/no-such-page/",
        "/media/note.txt",
        "/static/css/site.css",
    ]

    # Files and the health check are the same bytes each time; a page holds a fresh
    # form timestamp and CSRF token, whose lengths may differ by a character or two.
    same_bytes = {"/healthz", "/media/note.txt", "/static/css/site.css"}

    for path in paths:
        get = servers.request(server.port, path)
        head = servers.request(server.port, path, method="HEAD")

        assert head.status == get.status, path
        assert head.body == b"", path
        assert head.getheader("Content-Type") == get.getheader("Content-Type"), path
        # The length the GET's body has, as RFC 9110 lets a HEAD answer say.
        length = int(head.getheader("Content-Length"))
        if path in same_bytes:
            assert length == len(get.body), path
        else:
            assert abs(length - len(get.body)) < 10, path

    log = server.log.read_text()
    assert "Booting worker" in log  # the log is the server's, at INFO
    assert "no-body response" not in log


# Closing a response sends request_finished, whose handler checks the database
# connection a worker may already hold.
@pytest.mark.django_db
def test_a_streamed_file_is_closed_unread_on_head(tmp_path):
    path = tmp_path / "hero.txt"
    path.write_bytes(b"x" * 5000)
    opened = open(path, "rb")  # noqa: SIM115 # the response closes it
    middleware = HeadWithoutBodyMiddleware(lambda request: FileResponse(opened))

    response = middleware(RequestFactory().head("/media/hero.txt"))

    assert b"".join(response.streaming_content) == b""
    assert response["Content-Length"] == "5000"
    response.close()
    assert opened.closed


def test_get_keeps_its_body():
    middleware = HeadWithoutBodyMiddleware(lambda request: HttpResponse(b"hello"))

    assert middleware(RequestFactory().get("/")).content == b"hello"
