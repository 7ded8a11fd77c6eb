"""Several app servers: two gunicorn servers behind one nginx front (deploy/nginx.conf
with both servers upstream), on one PostgreSQL (the test database) and one Redis, as in
production with FRONT_CACHE_SECONDS=1 and TRUSTED_PROXY_COUNT=1."""

import gzip
import re
import time
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User

from comments.models import Comment
from core.models import SiteSettings
from scripts import nginx_front
from tests import servers
from tests.conftest import delete_redis_keys
from tests.factories import make_article, make_comment
from tests.test_nginx_front import BROWSER, start_nginx, wait_for

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"

# The servers run on the real clock, this process maybe on TEST_INSTANT's: an article
# published "now" here could be in the servers' future.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def test_the_site_file_takes_several_upstream_servers():
    site = nginx_front.render_site({"gunicorn": ["127.0.0.1:8001", "127.0.0.1:8002"]})

    upstream = re.search(r"upstream recovery_site \{(.*?)\}", site, re.S).group(1)
    assert re.findall(r"^\s*server (\S+);", upstream, re.M) == ["127.0.0.1:8001", "127.0.0.1:8002"]


@pytest.fixture
def shared_redis(redis_url):
    """One Redis for both servers, under a key prefix of this test's own, emptied after."""
    prefix = f"several_servers_{uuid.uuid4().hex}"
    yield redis_url, prefix
    delete_redis_keys(redis_url, prefix)


class Site:
    def __init__(self, first, second, front_port):
        self.first, self.second, self.front_port = first, second, front_port

    def front(self, path, **kwargs):
        return servers.request(self.front_port, path, **kwargs)


@pytest.fixture
def site(nginx_binary, transactional_db, static_root, shared_redis, tmp_path):
    redis_url, prefix = shared_redis
    started = []
    nginx = None
    try:
        for name in ("first", "second"):
            env = servers.production_env(
                static_root,
                REDIS_URL=redis_url,
                CACHE_KEY_PREFIX=prefix,
                FRONT_CACHE_SECONDS=1,
                TRUSTED_PROXY_COUNT=1,
                GUNICORN_ACCESSLOG=tmp_path / f"{name}-access.log",
            )
            started.append(servers.Gunicorn(env, log=tmp_path / f"{name}.log"))
        upstream = [f"127.0.0.1:{server.port}" for server in started]
        nginx, port = start_nginx(nginx_binary, tmp_path / "front", upstream=upstream)
        yield Site(*started, port)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for server in started:
            server.stop()


@pytest.fixture
def article():
    SiteSettings.load()
    article = make_article(title="Understanding withdrawal", published_at=LONG_AGO)
    make_comment(article, body="The first approved comment.")
    return article


def cookies_of(response):
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port):
    """Sign in to the admin on the server at ``port``; the cookies of the session."""
    # Hashed as production checks it (the tests' own hasher is not among the servers').
    hasher = PBKDF2PasswordHasher()
    password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    User.objects.create_superuser("editor", "editor@example.org", password=None)
    User.objects.filter(username="editor").update(password=password)
    form = servers.request(port, "/admin/login/")
    cookies = cookies_of(form)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
    answer = servers.request(
        port,
        "/admin/login/",
        method="POST",
        body=urlencode(
            {
                "username": "editor",
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.decode(),
                "next": "/admin/",
            }
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    assert answer.status == 302, answer.body[:2000]
    return {**cookies, **cookies_of(answer)}


def moderate(port, cookies, comment, action):
    """Run a comment admin action (approve, unapprove...) on the server at ``port``."""
    answer = servers.request(
        port,
        "/admin/comments/comment/",
        method="POST",
        body=urlencode(
            {
                "action": action,
                "_selected_action": comment.pk,
                "index": 0,
                "csrfmiddlewaretoken": cookies["csrftoken"],
            }
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        },
    )
    assert answer.status == 302, answer.body[:2000]


def shows(response, text):
    body = response.body
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return text.encode() in body


def test_a_change_through_one_server_reaches_the_other_and_the_front(site, article):
    path = article.get_absolute_url()
    cookies = sign_in(site.first.port)
    pending = make_comment(article, status=Comment.Status.PENDING, body="Approved on one.")
    for server in (site.first, site.second):
        servers.request(server.port, path)
        assert servers.request(server.port, path).getheader("X-Page-Cache") == "hit"
    site.front(path, headers=BROWSER)
    assert site.front(path, headers=BROWSER).getheader("X-Front-Cache") == "HIT"

    moderate(site.first.port, cookies, pending, "approve")
    approved_at = time.monotonic()

    # Each server's Django answers with the change at once: the page the second had
    # cached is not read again.
    on_second = servers.request(site.second.port, path)
    assert shows(on_second, "Approved on one.")
    assert on_second.getheader("X-Page-Cache") == "miss"
    assert shows(servers.request(site.first.port, path), "Approved on one.")
    # The front within its window: FRONT_CACHE_SECONDS (1) + 1 s, as nginx counts seconds.
    assert wait_for(lambda: shows(site.front(path, headers=BROWSER), "Approved on one."), 3)
    assert time.monotonic() - approved_at < 2.5

    # And back: a change through the second server, after the first cached the page.
    assert servers.request(site.first.port, path).getheader("X-Page-Cache") == "hit"
    moderate(site.second.port, cookies, pending, "unapprove")

    assert not shows(servers.request(site.first.port, path), "Approved on one.")
    assert wait_for(lambda: not shows(site.front(path, headers=BROWSER), "Approved on one."), 3)


def test_flood_control_holds_across_servers_behind_the_front(site, article, tmp_path):
    token = servers.form_token(site.front_port)

    answers = [
        servers.post_comment(
            site.front_port,
            article,
            f"Comment number {number}.",
            token=token,
            # Written by the client: ignored, nginx appends the real address.
            headers={"X-Forwarded-For": f"192.0.2.{number}"},
        ).status
        for number in range(6)
    ]

    assert answers == [302] + [429] * 5
    posted = Comment.objects.filter(body__startswith="Comment number")
    assert list(posted.values_list("body", flat=True)) == ["Comment number 0."]
    # nginx took turns: both servers refused some.
    for name in ("first", "second"):
        log = (tmp_path / f"{name}-access.log").read_text()
        assert '"POST /comments/post/' in log and '" 429 ' in log
