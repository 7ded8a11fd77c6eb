"""nginx in front of the site with deploy/nginx.conf, as in production: a real nginx
(started here, in a folder of its own) before a live server running gunicorn's
application (recovery_site.wsgi, the fast path included), FRONT_CACHE_SECONDS=1."""

import gzip
import json
import socket
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test.testcases import LiveServerThread

from comments.cookies import OWN_COMMENTS_COOKIE, OWN_COMMENTS_SALT
from comments.models import Comment
from core import caching
from core.models import SiteSettings
from scripts import nginx_front
from tests import servers
from tests.factories import make_article, make_comment

BROWSER = {"Accept-Encoding": "gzip, deflate, br", "Accept": "text/html"}


def test_the_config_passes_by_every_personal_cookie(settings):
    over_http = caching.personal_cookie_names()
    # The session cookie's name under HTTPS_ONLY (tests/test_settings.py).
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    over_https = caching.personal_cookie_names()

    assert over_http != over_https
    assert nginx_front.personal_cookies_in() == sorted({*over_http, *over_https})


class Recorder:
    """WSGI wrapper: what reached the app server (fast path or Django), in order."""

    def __init__(self, application):
        self.application = application
        self.seen = []

    def __call__(self, environ, start_response):
        def record(status, headers, exc_info=None):
            self.seen.append(
                {
                    "method": environ["REQUEST_METHOD"],
                    "path": environ["PATH_INFO"],
                    "status": int(status.split()[0]),
                    "conditional": "HTTP_IF_NONE_MATCH" in environ,
                    "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
                    "forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
                    "host": environ.get("HTTP_HOST"),
                    "accept_encoding": environ.get("HTTP_ACCEPT_ENCODING"),
                }
            )
            return start_response(status, headers, exc_info)

        return self.application(environ, record)

    def to(self, path, method="GET"):
        return [seen for seen in self.seen if seen["path"] == path and seen["method"] == method]


class Front:
    def __init__(self, port, recorder):
        self.port = port
        self.recorder = recorder

    def request(self, path, **kwargs):
        return servers.request(self.port, path, **kwargs)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_nginx(nginx_binary, root, *, upstream, attempts=3):
    """Start nginx in ``root`` on a free port; return the process and the port.

    Another process (a parallel test worker) may bind the port between the probe and
    nginx's own bind: nginx then exits, and we try again with another port.
    """
    pid_file = root / "nginx.pid"
    for _attempt in range(attempts):
        port = free_port()
        config = nginx_front.write_config(root, port=port, upstream=upstream)
        command = [nginx_binary, "-p", str(root), "-c", str(config), "-e", "logs/error.log"]
        nginx = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # nginx writes its pid file once it is listening.
        deadline = time.monotonic() + 10
        while not pid_file.exists() and nginx.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if pid_file.exists():
            return nginx, port
        if nginx.poll() is None:
            nginx.kill()
            nginx.wait()
            pytest.fail("nginx did not start within 10 s")
        error = nginx.stderr.read().decode()
        if "Address already in use" not in error:
            pytest.fail(f"nginx did not start: {error}")
    pytest.fail(f"nginx found no free port in {attempts} attempts")


@pytest.fixture
def front(nginx_binary, transactional_db, settings, tmp_path):
    settings.FRONT_CACHE_SECONDS = 1
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SECURE_SSL_REDIRECT = False
    settings.TRUSTED_PROXY_COUNT = 1
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    from recovery_site.wsgi import application

    recorder = Recorder(application)
    server = LiveServerThread("127.0.0.1", lambda django: recorder)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error

    nginx = None
    try:
        nginx, port = start_nginx(nginx_binary, tmp_path, upstream=f"127.0.0.1:{server.port}")
        yield Front(port, recorder)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        server.terminate()


@pytest.fixture
def article():
    # Made by the first page otherwise: a change while it renders, which Django does not
    # store (nor share with nginx).
    SiteSettings.load()
    article = make_article(title="Understanding withdrawal", sections=2, faqs=1)
    make_comment(article, body="The first approved comment.")
    return article


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def until_expired():
    # X-Accel-Expires: 1 keeps a copy to the end of the next whole second (nginx counts
    # in seconds): between 1 and 2 s. Not timed from our clock's fraction of a second:
    # nginx reads the real clock, and tests may run with a moved one (TEST_INSTANT).
    time.sleep(2.05)


@pytest.mark.parametrize("path", ["/", "/articles/", "article"])
def test_a_second_anonymous_reader_is_answered_by_nginx_alone(front, article, path):
    path = article.get_absolute_url() if path == "article" else path

    first = front.request(path, headers=BROWSER)
    second = front.request(path, headers=BROWSER)

    assert first.status == second.status == 200
    assert (first.getheader("X-Front-Cache"), second.getheader("X-Front-Cache")) == (
        "MISS",
        "HIT",
    )
    assert second.body == first.body
    assert len(front.recorder.to(path)) == 1
    # X-Accel-Expires is for nginx alone; what browsers keep is Cache-Control's to say.
    assert second.getheader("X-Accel-Expires") is None
    assert second.getheader("Cache-Control") == "public, max-age=0, must-revalidate"
    assert second.getheader("Set-Cookie") is None


def test_a_reader_with_a_personal_cookie_gets_their_own_page_from_django(front, article):
    path = article.get_absolute_url()
    front.request(path, headers=BROWSER)
    assert front.request(path, headers=BROWSER).getheader("X-Front-Cache") == "HIT"
    pending = make_comment(article, status=Comment.Status.PENDING, body="My comment, held.")
    signer = signing.get_cookie_signer(salt=OWN_COMMENTS_COOKIE + OWN_COMMENTS_SALT)
    cookie = SimpleCookie()
    cookie[OWN_COMMENTS_COOKIE] = signer.sign(json.dumps([pending.pk]))
    personal = {**BROWSER, "Accept-Encoding": "", "Cookie": cookie.output(header="").strip()}

    answers = [front.request(path, headers=personal) for _ in range(2)]

    for answer in answers:
        assert answer.getheader("X-Front-Cache") == "BYPASS"
        assert "My comment, held." in answer.body.decode()
        assert "private" in answer.getheader("Cache-Control")
    assert len(front.recorder.to(path)) == 3
    # And what Django made for that reader was not kept for anyone else.
    assert "My comment, held." not in front.request(path).body.decode()


def test_uploads_are_served_with_the_sites_security_headers(front, tmp_path):
    (tmp_path / "media" / "hero.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBP")

    answer = front.request("/media/hero.webp")

    assert answer.status == 200
    assert answer.getheader("X-Content-Type-Options") == "nosniff"
    assert answer.getheader("Cross-Origin-Resource-Policy") == "same-origin"


def test_a_comment_post_passes_through_with_the_readers_address(front, article):
    token = front.request("/comments/form-token/")
    assert token.status == 200 and token.getheader("X-Front-Cache") == "BYPASS"
    values = json.loads(token.body)
    csrf_cookie = SimpleCookie(token.getheader("Set-Cookie"))["csrftoken"].value
    form = {
        **values,
        "body": "Posted through nginx.",
        "author_name": "Sam Rivera",
        "author_email": "sam@example.org",
        "author_url": "",
        "fax_number": "",
        "parent": "",
    }
    path = f"/comments/post/{article.slug}/"

    answer = front.request(
        path,
        method="POST",
        body=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            # Written by the client: Django must not take it for the reader's address.
            "X-Forwarded-For": "198.51.100.1",
            "X-Forwarded-Proto": "https",
        },
    )

    assert answer.status == 302
    assert answer.getheader("X-Front-Cache") is None  # never looked up
    (posted,) = front.recorder.to(path, method="POST")
    assert posted["forwarded_for"] == "198.51.100.1, 127.0.0.1"
    assert posted["forwarded_proto"] == "http"
    assert posted["host"] == f"127.0.0.1:{front.port}"
    assert Comment.objects.get(body="Posted through nginx.").ip_address == "127.0.0.1"


def test_an_expired_page_is_revalidated_with_django_and_kept(front, article):
    path = article.get_absolute_url()
    first = front.request(path, headers=BROWSER)
    until_expired()

    # The first reader after expiry gets the kept copy while nginx asks Django again.
    stale = front.request(path, headers=BROWSER)

    assert stale.getheader("X-Front-Cache") == "STALE" and stale.body == first.body
    assert wait_for(lambda: len(front.recorder.to(path)) == 2, seconds=2)
    asked = front.recorder.to(path)[1]
    assert asked["conditional"] and asked["status"] == 304
    assert asked["accept_encoding"] == "gzip"
    again = front.request(path, headers=BROWSER)
    assert again.getheader("X-Front-Cache") == "HIT" and again.body == first.body


def test_a_newly_approved_comment_reaches_readers_within_two_seconds(front, article):
    path = article.get_absolute_url()
    front.request(path, headers=BROWSER)
    assert front.request(path, headers=BROWSER).getheader("X-Front-Cache") == "HIT"
    comment = make_comment(article, status=Comment.Status.PENDING, body="Newly approved.")
    comment.status = Comment.Status.APPROVED
    comment.save()
    approved_at = time.monotonic()

    def shown():
        return b"Newly approved." in gzip.decompress(front.request(path, headers=BROWSER).body)

    assert wait_for(shown, seconds=3)
    # Up to 2 s in nginx (X-Accel-Expires: 1, counted in whole seconds), then one
    # reader still gets the old copy while it is fetched.
    assert time.monotonic() - approved_at < 2.5


def test_gzip_and_plain_readers_each_get_their_own_bytes(front, article):
    path = article.get_absolute_url()
    plain_reader = {"Accept": "text/html"}
    gzip_reader = {"Accept": "text/html", "Accept-Encoding": "gzip"}

    first_gzip = front.request(path, headers=gzip_reader)
    first_plain = front.request(path, headers=plain_reader)
    answers = [
        front.request(path, headers=gzip_reader),
        front.request(path, headers=plain_reader),
        front.request(path, headers=BROWSER),  # another way of accepting gzip
        front.request(path, headers={"Accept-Encoding": "identity"}),
    ]

    assert first_gzip.getheader("X-Front-Cache") == first_plain.getheader("X-Front-Cache")
    assert first_gzip.getheader("X-Front-Cache") == "MISS"
    assert [answer.getheader("X-Front-Cache") for answer in answers] == ["HIT"] * 4
    html = first_plain.body
    assert html.lstrip().lower().startswith(b"<!doctype html>")
    for answer in (first_gzip, answers[0], answers[2]):
        assert answer.getheader("Content-Encoding") == "gzip"
        assert gzip.decompress(answer.body) == html
    for answer in (first_plain, answers[1], answers[3]):
        assert answer.getheader("Content-Encoding") is None
        assert answer.body == html
    assert len(front.recorder.to(path)) == 2


def test_only_the_wordpress_upload_takes_a_large_body(front):
    body = b"x" * (11 * 1024 * 1024)
    headers = {"Content-Type": "application/octet-stream"}

    elsewhere = front.request("/admin/login/", method="POST", headers=headers, body=body)
    upload = front.request(
        "/admin/wordpress/importrun/upload/", method="POST", headers=headers, body=body
    )

    assert elsewhere.status == 413
    # Through to Django, which refuses it for want of a sign-in and a CSRF token.
    assert upload.status == 403
