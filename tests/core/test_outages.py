"""The database out, in this process: the connection's address becomes a closed port
(a real refused connection), or a real query outlasts its limit. What readers and
commenters get then, and that the site recovers by itself. tests/test_faults.py does
the same with a database server and gunicorn of its own, stopped and frozen."""

import re
import socket
import time

import pytest
from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from core import database
from tests.factories import make_article


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Outage:
    """Take the database away from this process's connection, and bring it back."""

    def __init__(self):
        self.saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}

    def start(self):
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))

    def end(self):
        connection.close()
        connection.settings_dict.update(self.saved)


@pytest.fixture
def outage(transactional_db):
    outage = Outage()
    yield outage
    outage.end()


@pytest.fixture
def article():
    return make_article(title="Sleep in early recovery", slug="sleep-in-early-recovery")


def assert_calm_503(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]


def test_a_comment_sent_while_the_database_is_down_comes_back_filled_in(
    client, outage, article, comment_post_data
):
    data = comment_post_data(
        body="Three weeks sober & sleeping <better> now.",
        author_name="Robin Lee",
        author_email="robin@example.org",
        author_url="https://robin.example.org/",
        save_details="on",
    )
    outage.start()

    response = client.post(reverse("comments:post", args=[article.slug]), data)

    assert_calm_503(response)
    content = response.content.decode()
    assert "Your comment is not saved yet" in content
    assert "Please press Post Comment again in a minute." in content
    # What was typed, escaped, in a form that sends it to the same place again.
    assert "Three weeks sober &amp; sleeping &lt;better&gt; now.</textarea>" in content
    for value in ("Robin Lee", "robin@example.org", "https://robin.example.org/"):
        assert f'value="{value}"' in content
    assert re.search(r"<input type=\"checkbox\" name=\"save_details\"[^>]* checked", content)
    assert f'action="{reverse("comments:post", args=[article.slug])}"' in content
    assert 'name="csrfmiddlewaretoken" value="' in content
    assert f'value="{data["timestamp"]}"' in content
    assert f'href="{article.get_absolute_url()}"' in content
    # The site's design and its helpline, with the defaults standing in for settings.
    assert 'id="main-content"' in content and "1-800-662-4357" in content

    outage.end()
    assert not Comment.objects.exists()
    # Sent again once the database is back, it is taken.
    assert client.post(reverse("comments:post", args=[article.slug]), data).status_code == 302
    assert Comment.objects.get().body == "Three weeks sober & sleeping <better> now."


def test_a_comment_sent_without_its_token_while_the_database_is_down_is_kept(
    outage, article, comment_post_data
):
    # JavaScript off on a shared page: the form comes without its CSRF token.
    client = Client(enforce_csrf_checks=True)
    data = comment_post_data(body="No script, no database, still here.")
    outage.start()

    response = client.post(reverse("comments:post", args=[article.slug]), data)

    assert_calm_503(response)
    content = response.content.decode()
    assert "Your comment is not saved yet" in content
    assert "No script, no database, still here.</textarea>" in content
    assert 'name="csrfmiddlewaretoken" value="' in content


@pytest.mark.parametrize("path", ["/search/?q=sleep", "/articles/?page=1&sort=odd", "/"])
def test_a_page_that_needs_the_database_is_the_503_page(client, outage, path):
    outage.start()

    response = client.get(path)

    assert_calm_503(response)
    content = response.content.decode()
    assert "This page cannot be shown right now" in content
    assert "try again in a minute" in content


def test_a_reader_with_a_personal_cookie_gets_the_503_page(client, outage, article):
    client.cookies["sessionid"] = "a-session-that-cannot-be-read-now"
    outage.start()

    response = client.get(article.get_absolute_url())

    assert_calm_503(response)
    assert "This page cannot be shown right now" in response.content.decode()


def test_a_cached_page_is_served_without_the_database(client, outage, article):
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200
    outage.start()

    again = client.get(article.get_absolute_url())

    assert again.status_code == 200
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content


def test_healthz_reports_the_outage_and_the_recovery(client, outage):
    assert client.get("/healthz").status_code == 200
    outage.start()

    assert client.get("/healthz").status_code == 503

    outage.end()
    assert client.get("/healthz").status_code == 200


def test_the_site_recovers_by_itself_when_the_database_comes_back(client, outage, article):
    outage.start()
    assert client.get(reverse("articles:search"), {"q": "sleep"}).status_code == 503

    outage.end()
    response = client.get(reverse("articles:search"), {"q": "sleep"})

    assert response.status_code == 200
    assert "Sleep in early recovery" in response.content.decode()


def test_connections_have_a_connect_and_a_statement_timeout(db):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["connect_timeout"] == settings.DATABASE_CONNECT_TIMEOUT == 2
    assert settings.DATABASE_STATEMENT_TIMEOUT == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("5s",)


@pytest.mark.django_db(transaction=True)
def test_a_query_gives_up_at_the_wait_limit_and_its_connection_is_replaced():
    started = time.monotonic()
    with pytest.raises(OperationalError), database.wait_limit(0.3), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(3)")
    assert time.monotonic() - started < 2

    # What Django does between requests: the broken connection is dropped ...
    close_old_connections()
    # ... and the next query opens a new one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_the_waits_of_a_block_share_its_limit():
    with database.wait_limit(1.0), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.6)")
        started = time.monotonic()
        with pytest.raises(OperationalError):
            cursor.execute("SELECT pg_sleep(3)")
    assert time.monotonic() - started < 0.9
    close_old_connections()


@pytest.mark.django_db(transaction=True)
def test_a_shorter_limit_inside_a_block_wins_and_uses_up_the_outer_one():
    with database.wait_limit(2):
        with database.wait_limit(0.4), pytest.raises(OperationalError), connection.cursor() as c:
            c.execute("SELECT pg_sleep(3)")
        close_old_connections()
        with database.wait_limit(30):
            started = time.monotonic()
            with pytest.raises(OperationalError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(3)")
            # What was left of the outer two seconds, not thirty.
            assert 1.2 < time.monotonic() - started < 1.9
    close_old_connections()


class QueryingMiddleware:
    """A middleware that reads the database before any view (as a session or
    authentication backend may)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.ensure_connection()
        return self.get_response(request)


def test_an_outage_met_outside_a_view_is_the_503_page_too(client, outage, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.core.test_outages.QueryingMiddleware"]
    client.raise_request_exception = False
    outage.start()

    response = client.get("/search/?q=sleep")

    assert_calm_503(response)
    assert "This page cannot be shown right now" in response.content.decode()


@pytest.mark.parametrize(
    ("environment", "options"),
    [
        ({}, {"connect_timeout": 2, "options": "-c statement_timeout=5s"}),
        (
            {"DATABASE_CONNECT_TIMEOUT": "7", "DATABASE_STATEMENT_TIMEOUT": "30"},
            {"connect_timeout": 7, "options": "-c statement_timeout=30s"},
        ),
        ({"DATABASE_CONNECT_TIMEOUT": "0", "DATABASE_STATEMENT_TIMEOUT": "0"}, {}),
    ],
)
def test_the_database_timeouts_come_from_the_environment(environment, options):
    from tests.test_settings import run_django

    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
        "from django.conf import settings; o = settings.DATABASES['default']['OPTIONS'];"
        "print({k: o[k] for k in ('connect_timeout', 'options') if k in o})"
    )
    # The embedded database, when DATABASE_URL is unset, adds its socket as "host".
    result = run_django(code, DEBUG="1", **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(options)


def test_an_outage_sends_the_admins_no_email_per_request(client, outage, settings, mailoutbox):
    settings.ADMINS = [("Site admin", "admin@example.org")]
    outage.start()

    for _ in range(3):
        assert client.get("/search/?q=sleep").status_code == 503

    assert mailoutbox == []
