"""Error reports carry no personal data: the emails to ADMINS about a failed comment
post, and the log lines about refused ones (core/error_reports.py)."""

import json
import logging

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.log import AdminEmailHandler

from comments.cookies import DETAILS_COOKIE, DETAILS_SALT
from comments.models import Comment
from core.error_reports import PrivateExceptionReporterFilter
from tests.factories import make_article

pytestmark = pytest.mark.django_db

COMMENT = {
    "body": "My brother relapsed on fentanyl last Tuesday",
    "author_name": "Dana Whitfield",
    "author_email": "dana.whitfield@example.org",
    "author_url": "https://dana-whitfield.example.net/",
}
READER = {
    "REMOTE_ADDR": "198.51.100.23",
    "HTTP_X_FORWARDED_FOR": "203.0.113.99",
    "HTTP_USER_AGENT": "DanasPhone/7.1 (Whitfield family tablet)",
}
PERSONAL = [*COMMENT.values(), *READER.values()]


@pytest.fixture
def reports(settings, monkeypatch):
    """Error emails go to ADMINS, HTML part included (Django leaves it out by default;
    it would show each frame's variables)."""
    settings.ADMINS = [("Site admin", "admin@example.org")]
    handlers = [h for h in logging.getLogger("django").handlers if isinstance(h, AdminEmailHandler)]
    assert handlers, "Django's mail_admins handler is not configured"
    for handler in handlers:
        monkeypatch.setattr(handler, "include_html", True)
    return mail.outbox


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def failing_comment_storage():
    """PostgreSQL refuses to store any comment: the comment view fails deep inside, with
    the commenter's data in its frames (undone with the test's transaction)."""
    table = Comment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_comment() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'storage refused by the test'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_comment BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_comment()"
        )


def saved_details_cookie():
    details = {"name": COMMENT["author_name"], "email": COMMENT["author_email"], "url": ""}
    return signing.get_cookie_signer(salt=DETAILS_COOKIE + DETAILS_SALT).sign(json.dumps(details))


def email_texts(email):
    return [email.subject, email.body, *(content for content, _type in email.alternatives)]


def assert_nothing_personal(texts):
    for text in texts:
        for value in PERSONAL:
            assert value not in text
            # Also as the report would quote it in a URL or a repr.
            assert json.dumps(value)[1:-1] not in text


def post_comment(client, article, data):
    client.cookies[DETAILS_COOKIE] = saved_details_cookie()
    return client.post(reverse("comments:post", args=[article.slug]), data, **READER)


def test_a_failed_comment_post_emails_the_admins_nothing_personal(
    client, article, reports, failing_comment_storage, comment_post_data, caplog
):
    response = post_comment(client, article, comment_post_data(**COMMENT))

    assert response.status_code == 500
    [email] = reports
    assert email.to == ["admin@example.org"]
    assert "storage refused by the test" in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "comments.views.post_comment" in email.body
    # What finds the bug stays: the path, the names of the fields.
    assert reverse("comments:post", args=[article.slug]) in email.subject
    assert "author_email" in email.body and "author_email" in html
    assert DETAILS_COOKIE in email.body
    assert "REQUEST_METHOD = 'POST'" in email.body
    assert "REMOTE_ADDR = '********************'" in email.body
    assert_nothing_personal(email_texts(email))
    # The log lines too (django.request's, with the traceback).
    assert "Internal Server Error" in caplog.text
    assert_nothing_personal([caplog.text])


def test_the_comment_view_hides_its_fields_even_from_djangos_own_filter(
    client, article, reports, failing_comment_storage, comment_post_data, settings
):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "django.views.debug.SafeExceptionReporterFilter"
    settings.DEFAULT_EXCEPTION_REPORTER = "django.views.debug.ExceptionReporter"

    client.post(reverse("comments:post", args=[article.slug]), comment_post_data(**COMMENT))

    [email] = reports
    assert "author_email = '********************'" in email.body
    for value in COMMENT.values():
        assert value not in email.body


@pytest.mark.parametrize(
    "data",
    [
        {"author_email": "not an address"},  # refused by the form: 400
        {"body": ""},  # nothing to post: 400
    ],
)
def test_a_refused_comment_logs_no_personal_data(
    client, article, reports, comment_post_data, caplog, data
):
    caplog.set_level(logging.INFO)

    response = post_comment(client, article, comment_post_data(**{**COMMENT, **data}))

    assert response.status_code == 400
    assert "Bad Request" in caplog.text
    assert_nothing_personal([caplog.text])
    assert reports == []


def test_a_search_that_fails_is_reported_without_what_was_searched(client, reports, settings):
    settings.ROOT_URLCONF = "tests.core.failing_urls"

    response = client.get("/test-failure/", {"q": COMMENT["body"], "page": "2"}, **READER)

    assert response.status_code == 500
    [email] = reports
    assert "http://testserver/test-failure/?q=%2A%2A" in email.body
    assert "q = '********************'" in email.body
    assert_nothing_personal(email_texts(email))


def test_passwords_inside_urls_stay_out_of_reports(settings):
    settings.DATABASE_URL = "postgres://site:hunter2-db@db.internal/site"
    caches = {"default": {"LOCATION": "redis://:hunter2-redis@redis.internal:6379/0"}}

    safe = PrivateExceptionReporterFilter().get_safe_settings()
    cleansed_caches = PrivateExceptionReporterFilter().cleanse_setting("CACHES", caches)

    assert "hunter2-db" not in safe["DATABASE_URL"]
    assert "hunter2-redis" not in str(cleansed_caches)
