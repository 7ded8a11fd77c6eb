"""Admin sign-in protection (django-axes): wrong passwords lock a username out from one
address for a cool-off, read through the trusted proxies as comments read addresses."""

import io
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    # As in production behind deploy/nginx.conf: every request comes from 127.0.0.1
    # and nginx appends the client's address to X-Forwarded-For.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timezone.timedelta(minutes=15)


@pytest.fixture
def editor():
    return User.objects.create_superuser("editor", "editor@example.org", PASSWORD)


def sign_in(password, forwarded_for=ATTACKER, client=None):
    client = client or Client(REMOTE_ADDR="127.0.0.1")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": password, "next": "/admin/"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    response.client = client
    return response


def is_signed_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(times, forwarded_for=ATTACKER):
    return [sign_in("wrong guess", forwarded_for).status_code for _ in range(times)]


def test_wrong_passwords_lock_out_until_the_cool_off_has_passed(editor, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    assert fail(4) == [200] * 4  # the form again, with its error
    assert is_signed_in(sign_in(PASSWORD))  # a success clears the count
    assert fail(5) == [200] * 4 + [429]

    time_machine.move_to(start + timezone.timedelta(minutes=1), tick=False)
    refused = sign_in(PASSWORD)
    assert refused.status_code == 429
    assert refused.client.get("/admin/").status_code == 302  # not signed in

    # The refused try started the wait again.
    time_machine.move_to(start + timezone.timedelta(minutes=15, seconds=30), tick=False)
    assert sign_in(PASSWORD).status_code == 429
    time_machine.move_to(start + timezone.timedelta(minutes=31), tick=False)
    accepted = sign_in(PASSWORD)
    assert is_signed_in(accepted)
    assert accepted.client.get("/admin/").status_code == 200


def test_the_lockout_page_is_calm_and_in_the_admins_look(editor):
    fail(5)

    response = sign_in(PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "<h1>Too many failed sign-ins</h1>" in page
    assert "paused for 15 minutes" in page
    assert "Recovery Center administration" in page  # the admin's header
    assert 'href="/admin/login/"' in page


def test_another_client_behind_the_same_proxy_is_not_locked_out(editor):
    fail(5)

    assert is_signed_in(sign_in(PASSWORD, forwarded_for="203.0.113.9"))


def test_addresses_written_by_the_client_beyond_the_trusted_proxy_are_ignored(editor):
    # Each try claims another origin to the left of what nginx appended.
    for number in range(5):
        sign_in("wrong guess", forwarded_for=f"192.0.2.{number}, {ATTACKER}")

    assert sign_in(PASSWORD, forwarded_for=f"192.0.2.99, {ATTACKER}").status_code == 429
    assert AccessAttempt.objects.get().ip_address == ATTACKER


def test_failures_and_lockouts_are_listed_for_superusers(editor):
    fail(6)
    admin = Client()
    admin.force_login(editor)

    index = admin.get("/admin/").content.decode()
    attempts = admin.get("/admin/axes/accessattempt/").content.decode()
    failures = admin.get("/admin/axes/accessfailurelog/")

    assert "Axes" in index and "Access attempts" in index and "Access failures" in index
    assert ATTACKER in attempts and "editor" in attempts
    assert failures.status_code == 200
    assert AccessFailureLog.objects.filter(username="editor", locked_out=True).exists()
    assert AccessFailureLog.objects.count() == 6


def test_the_lockout_is_lifted_by_a_command(editor):
    fail(5)
    assert sign_in(PASSWORD).status_code == 429

    call_command("axes_reset_username", "editor", stdout=io.StringIO())

    assert is_signed_in(sign_in(PASSWORD))


def test_logs_name_neither_the_username_nor_the_address(editor, caplog):
    with caplog.at_level(logging.INFO, logger="axes"):
        fail(6)

    assert "Locking out a client at /admin/login/" in caplog.text
    assert ATTACKER not in caplog.text
    assert "editor" not in caplog.text
