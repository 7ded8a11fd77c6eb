"""Cached pages served cheaply (articles/page_cache.py): stored pre-compressed, the same
bytes for every anonymous reader, and answered by the WSGI fast path
(recovery_site/wsgi.py) with the same headers Django's middleware sends. Requests go through
the real WSGI application."""

import gzip
from http.cookies import SimpleCookie

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.urls import reverse

from articles import page_cache
from articles.models import SiteSettings
from tests.factories import make_article, make_comment, make_topic

pytestmark = pytest.mark.django_db

# Differ between a miss and a hit by design.
PER_RESPONSE = {"x-page-cache"}


@pytest.fixture(autouse=True)
def site_settings():
    return SiteSettings.load()


@pytest.fixture
def article():
    topic = make_topic(name="Opioids", slug="opioids")
    article = make_article(title="Understanding withdrawal", sections=3, faqs=2, topics=[topic])
    make_comment(article, body="The first approved comment.")
    return article


class Counted:
    """Django's WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.calls = 0
        self.application = None

    def __call__(self, environ, start_response):
        self.calls += 1
        # Built on first use, so that middleware reads the test's settings.
        self.application = self.application or WSGIHandler()
        return self.application(environ, start_response)


class Answer:
    def __init__(self, status, headers, body):
        self.status_code = int(status.split()[0])
        self.header_list = headers
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def cookies(self):
        cookies = SimpleCookie()
        for name, value in self.header_list:
            if name.lower() == "set-cookie":
                cookies.load(value)
        return cookies

    def text(self):
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode()


@pytest.fixture
def app():
    page_cache._routes.clear()
    counted = Counted()
    fast = page_cache.FastPath(counted)
    # As Django's test client does: the test's transaction holds the connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def call(path, method="GET", cookies="", secure=False, **environ):
        if cookies:
            environ["HTTP_COOKIE"] = cookies
        environ = RequestFactory().generic(method, path, secure=secure, **environ)
        sent = []
        body = b"".join(
            fast(environ.environ, lambda status, hdrs, exc=None: sent.extend([status, hdrs]))
        )
        return Answer(sent[0], sent[1], body)

    call.calls = lambda: counted.calls
    yield call
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    page_cache._routes.clear()


def fast_hit(app, url, **kwargs):
    """Serve ``url`` until the fast path answers it (a miss, a learning hit, then fast)."""
    app(url, **kwargs)
    app(url, **kwargs)
    before = app.calls()
    answer = app(url, **kwargs)
    assert app.calls() == before, "the fast path did not answer"
    return answer


# --- Pre-compressed pages ---------------------------------------------------------


def test_pages_are_compressed_once_when_stored_and_short_ones_not_at_all():
    fields = {"headers": {}, "stamps": {}, "stored_at": 0, "expires_at": 0}
    body = ("<p>début</p>" * 4000).encode()
    page = page_cache._page_from_html(body, **fields)
    short = page_cache._page_from_html(b"<p>ok</p>", **fields)

    assert gzip.decompress(page.gzipped) == body and len(page.gzipped) < len(body) // 20
    assert short.gzipped is None
    assert page.digest != short.digest


def test_browsers_get_gzip_and_others_the_plain_page_on_miss_and_hit(client, article):
    url = article.get_absolute_url()
    miss = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    hit = Client().get(url, headers={"accept-encoding": "gzip"})
    plain = Client().get(url)

    for response in (miss, hit):
        assert response["Content-Encoding"] == "gzip"
        assert int(response["Content-Length"]) == len(response.content)
        assert gzip.decompress(response.content) == plain.content
    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert not plain.has_header("Content-Encoding")
    for response in (miss, hit, plain):
        assert "Accept-Encoding" in response["Vary"] and "Cookie" in response["Vary"]


# --- The fast path ----------------------------------------------------------------


def test_the_fast_path_answers_a_cached_page_without_django(
    app, article, django_assert_num_queries
):
    url = article.get_absolute_url()
    miss = app(url, HTTP_ACCEPT_ENCODING="gzip")
    app(url, HTTP_ACCEPT_ENCODING="gzip")
    calls = app.calls()

    with django_assert_num_queries(0):
        fast = app(url, HTTP_ACCEPT_ENCODING="gzip")
        plain = app(url)

    assert app.calls() == calls
    assert miss.headers["x-page-cache"] == "miss" and fast.headers["x-page-cache"] == "hit"
    assert fast.body == miss.body
    assert plain.text() == miss.text()
    assert "content-encoding" not in plain.headers
    assert int(fast.headers["content-length"]) == len(fast.body)


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https with HSTS"])
def test_a_fast_hit_sends_the_headers_a_miss_sends(app, article, settings, secure):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.CSRF_COOKIE_SECURE = secure
    url = article.get_absolute_url()
    miss = app(url, secure=secure, HTTP_ACCEPT_ENCODING="gzip")
    fast = fast_hit(app, url, secure=secure, HTTP_ACCEPT_ENCODING="gzip")

    def lasting(answer):
        return {(n, v) for n, v in answer.headers.items() if n not in PER_RESPONSE}

    assert set(fast.headers) == set(miss.headers)
    assert lasting(fast) == lasting(miss)
    for name in (
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
        "cross-origin-opener-policy",
        "vary",
        "cache-control",
    ):
        assert name in fast.headers, name
    assert ("strict-transport-security" in fast.headers) is secure
    assert "set-cookie" not in fast.headers


def test_a_reader_with_a_csrf_cookie_gets_the_shared_page_from_the_fast_path(app, article):
    url = article.get_absolute_url()
    shared = fast_hit(app, url)

    fast = fast_hit(app, url, cookies="csrftoken=" + "a" * 32)

    assert fast.body == shared.body and "set-cookie" not in fast.headers


@pytest.mark.parametrize("cookie", ["sessionid", "messages", "comments_mine", "comment_author"])
def test_personal_cookies_go_to_django(app, article, cookie):
    url = article.get_absolute_url()
    fast_hit(app, url)
    before = app.calls()

    answer = app(url, cookies=f"{cookie}=something")

    assert app.calls() == before + 1
    assert "x-page-cache" not in answer.headers
    assert "no-store" in answer.headers["cache-control"]


def test_an_unknown_host_is_refused_as_before(app, article):
    url = article.get_absolute_url()
    fast_hit(app, url)
    before = app.calls()

    answer = app(url, HTTP_HOST="evil.example")

    assert answer.status_code == 400 and app.calls() == before + 1


def test_http_requests_are_redirected_by_django_when_https_is_required(app, article, settings):
    settings.SECURE_SSL_REDIRECT = True
    url = article.get_absolute_url()
    assert fast_hit(app, url, secure=True).status_code == 200
    before = app.calls()

    answers = [app(url), app(url)]

    # The page answered over https is never answered over http.
    assert [a.status_code for a in answers] == [301, 301]
    assert app.calls() == before + 2


def test_the_fast_path_answers_304_to_any_reader_with_the_etag(app, article):
    url = article.get_absolute_url()
    page = fast_hit(app, url)
    etag = page.headers["etag"]

    django_304 = app(url, HTTP_IF_NONE_MATCH=etag)
    before = app.calls()
    fast_304 = app(url, HTTP_IF_NONE_MATCH=etag)
    since_304 = app(url, HTTP_IF_MODIFIED_SINCE=page.headers["last-modified"])

    assert app.calls() == before
    assert (django_304.status_code, fast_304.status_code) == (304, 304)
    assert fast_304.body == b"" and fast_304.headers["etag"] == etag
    assert set(fast_304.headers) == set(django_304.headers)
    assert since_304.status_code == 304 and app.calls() == before
    assert app(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_head_gets_the_headers_without_the_body(app, article):
    url = article.get_absolute_url()
    get = fast_hit(app, url)
    app(url, method="HEAD")
    before = app.calls()

    head = app(url, method="HEAD")

    assert app.calls() == before
    assert head.status_code == 200 and head.body == b""
    assert int(head.headers["content-length"]) == len(get.body)


def test_a_stale_stamp_goes_to_django_and_shows_the_change(app, article):
    url = article.get_absolute_url()
    fast_hit(app, url)
    before = app.calls()

    make_comment(article, body="A brand new approved comment.")
    answer = app(url)

    assert app.calls() == before + 1
    assert answer.headers["x-page-cache"] == "miss"
    assert "A brand new approved comment." in answer.text()
    assert fast_hit(app, url).text().count("A brand new approved comment.") == 1


def test_list_pages_take_the_fast_path_with_their_query_string(app, article):
    url = reverse("articles:list") + "?topic=opioids"
    fast = fast_hit(app, url)

    assert fast.headers["x-page-cache"] == "hit" and "Understanding withdrawal" in fast.text()
    assert "last-modified" in fast.headers and "public" in fast.headers["cache-control"]
    before = app.calls()
    app(reverse("articles:list") + "?topic=opioids&utm_source=x")
    assert app.calls() == before + 1


def test_a_page_cache_turned_off_sends_everything_to_django(app, article, settings):
    url = article.get_absolute_url()
    fast_hit(app, url)
    settings.PAGE_CACHE_SECONDS = 0
    before = app.calls()

    answer = app(url)

    assert app.calls() == before + 1 and "x-page-cache" not in answer.headers


def test_a_failing_fast_path_hands_the_request_to_django(app, article, monkeypatch, caplog):
    url = article.get_absolute_url()
    fast_hit(app, url)
    read_stamps = page_cache._read_stamps
    failures = []

    def fail_once(keys):
        if not failures:
            failures.append(True)
            raise ConnectionError("Redis went away for a moment")
        return read_stamps(keys)

    monkeypatch.setattr(page_cache, "_read_stamps", fail_once)
    before = app.calls()

    answer = app(url)

    assert failures and app.calls() == before + 1
    assert answer.status_code == 200 and answer.headers["x-page-cache"] == "hit"
    assert "fast path failed" in caplog.text
