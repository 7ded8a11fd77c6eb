"""Security headers and cookies (Mozilla HTTP Observatory A+): every response carries
the whole set, whatever answered it and whichever middleware refused the request."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_article

pytestmark = pytest.mark.django_db

HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture
def https(settings):
    """The production settings HTTPS_ONLY gives (HSTS, redirect to https)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.fixture
def client():
    # A server error is answered, not raised into the test.
    return Client(raise_request_exception=False)


def assert_security_headers(response, *, over_https=True):
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers.get("Strict-Transport-Security") == (HSTS if over_https else None)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == (
        "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
    )
    assert headers["X-Frame-Options"] == "DENY"


def test_a_public_page(client, https):
    make_article(title="Understanding withdrawal")

    response = client.get("/", secure=True)

    assert response.status_code == 200
    assert_security_headers(response)


def test_the_admin(client, https):
    response = client.get(reverse("admin:login"), secure=True)

    assert response.status_code == 200
    assert_security_headers(response)


def test_a_page_not_found(client, https):
    response = client.get("/no-such-page/", secure=True)

    assert response.status_code == 404
    assert_security_headers(response)


def test_a_bad_host(client, https):
    # Refused by CommonMiddleware, inside the middleware that add most headers.
    response = client.get("/", secure=True, headers={"host": "attacker.example"})

    assert response.status_code == 400
    assert_security_headers(response)


def test_a_bad_host_over_http_refused_by_the_https_redirect(client, https):
    # Django's SecurityMiddleware asks for the host to redirect to, and refuses it.
    response = client.get("/articles/", headers={"host": "attacker.example"})

    assert response.status_code == 400
    assert_security_headers(response, over_https=False)


def test_a_suspicious_request(client, https, settings):
    # Django refuses a body with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS.
    article = make_article(title="Understanding withdrawal")
    fields = {f"field{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(reverse("comments:post", args=[article.slug]), fields, secure=True)

    assert response.status_code == 400
    assert_security_headers(response)


def test_a_server_error(client, https):
    https.ROOT_URLCONF = "tests.core.failing_urls"

    response = client.get("/test-failure/", secure=True)

    assert response.status_code == 500
    assert_security_headers(response)


def test_plain_http_gets_no_hsts(client, settings):
    # Development (HTTPS_ONLY off): a browser must not be told to insist on https.
    response = client.get("/")

    assert response.status_code == 200
    assert_security_headers(response, over_https=False)


# --- Cookies ----------------------------------------------------------------------------


def test_under_https_the_csrf_cookie_is_a_host_cookie(client, https):
    # What a browser requires of a __Host- cookie: Secure, path /, no domain.
    https.CSRF_COOKIE_NAME = "__Host-csrftoken"

    response = client.get(reverse("comments:form_token"), secure=True)

    cookie = response.cookies["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""


def post_comment(client, article, data, **extra):
    return client.post(reverse("comments:post", args=[article.slug]), data, **extra)


def test_over_https_every_deleted_cookie_is_secure(client, https, comment_post_data):
    article = make_article(title="Understanding withdrawal")

    # Not ticking "Save my name..." deletes the saved details ...
    posted = post_comment(client, article, comment_post_data(), secure=True)
    # ... and the page the author lands on deletes the "Thank you" it showed.
    shown = client.get(posted["Location"], secure=True)

    deleted = [posted.cookies["comment_author"], shown.cookies["messages"]]
    for cookie in deleted:
        assert cookie.value == ""
        assert cookie["max-age"] == 0
        assert cookie["secure"] is True
    # And the cookies it sets are Secure as before.
    assert posted.cookies["comments_mine"]["secure"] is True


def test_over_plain_http_cookies_are_not_marked_secure(client, comment_post_data):
    # Development over http: a browser would drop a Secure cookie sent over http.
    article = make_article(title="Understanding withdrawal")

    posted = post_comment(client, article, comment_post_data())

    assert posted.cookies["comment_author"]["max-age"] == 0
    assert posted.cookies["comment_author"]["secure"] == ""
