"""Mail out: an SMTP server that refuses connections (a closed port) or accepts them
and never answers (a listening socket nobody reads). A comment still lands, and its
moderators' email goes out once a real SMTP server (aiosmtpd) answers, by the retry
the failed sweep queued for itself. Tasks run as in production: queued in the
database, run by a worker."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from tests.factories import make_article

pytestmark = pytest.mark.django_db

MODERATORS = ["queue@recovery.test"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def smtp_settings(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 1
    settings.COMMENTS_MODERATOR_EMAILS = MODERATORS
    settings.COMMENTS_FLOOD_SECONDS = 0
    return settings


@pytest.fixture
def refusing_smtp():
    """A port nothing listens on."""
    return free_port()


@pytest.fixture
def silent_smtp():
    """A server that takes connections (the kernel does, into the backlog) and never
    says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def working_smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def run_worker():
    """What `db_worker` does with each ready task: claim it, run it, record how it
    ended (a failure is recorded, not raised)."""
    while True:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                return
            row.claim("test-worker")
        result = row.task_result
        try:
            row.set_successful(row.task.call(*result.args, **result.kwargs))
        except Exception as error:  # noqa: BLE001 - recorded, as the worker does
            row.set_failed(error)


def waiting_tasks():
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY)


@pytest.mark.parametrize("broken", ["refusing_smtp", "silent_smtp"])
def test_a_comment_lands_while_mail_is_out_and_its_email_follows(
    broken,
    request,
    smtp_settings,
    working_smtp,
    comment_post_data,
    django_capture_on_commit_callbacks,
    time_machine,
):
    time_machine.move_to(timezone.now(), tick=False)
    smtp_settings.EMAIL_PORT = request.getfixturevalue(broken)
    article = make_article()

    data = comment_post_data(body="Is it normal to feel this tired in week two?")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("comments:post", args=[article.slug]), data)

    # The post never waits on mail: it queues the sweep for the worker.
    assert response.status_code == 302
    assert waiting_tasks().count() == 1
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING and comment.awaits_moderator_email

    run_worker()  # fails (refused, or no answer within EMAIL_TIMEOUT) ...
    assert DBTaskResult.objects.failed().count() == 1
    comment.refresh_from_db()
    assert comment.awaits_moderator_email
    # ... and queues its retry for later, not at once.
    (retry,) = waiting_tasks()
    assert retry.run_after == timezone.now() + timezone.timedelta(minutes=5)

    smtp_settings.EMAIL_PORT = working_smtp.port
    run_worker()
    assert working_smtp.messages == []

    time_machine.move_to(retry.run_after, tick=False)
    run_worker()

    (message,) = working_smtp.messages
    assert message.rcpt_tos == MODERATORS
    assert f"/admin/comments/comment/{comment.pk}/" in message.content.decode()
    comment.refresh_from_db()
    assert not comment.awaits_moderator_email
    run_worker()
    assert len(working_smtp.messages) == 1


def test_one_retry_waits_however_many_sweeps_fail(
    smtp_settings,
    refusing_smtp,
    comment_post_data,
    django_capture_on_commit_callbacks,
    time_machine,
):
    time_machine.move_to(timezone.now(), tick=False)
    smtp_settings.EMAIL_PORT = refusing_smtp
    article = make_article()
    for number in range(3):
        data = comment_post_data(body=f"Question number {number}?")
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(reverse("comments:post", args=[article.slug]), data)

    run_worker()

    assert DBTaskResult.objects.failed().count() == 3
    (retry,) = waiting_tasks()
    assert Comment.objects.filter(awaits_moderator_email=True).count() == 3

    # The retry fails too: it queues the next one.
    time_machine.move_to(retry.run_after, tick=False)
    run_worker()
    assert DBTaskResult.objects.failed().count() == 4
    (later,) = waiting_tasks()
    assert later.run_after == retry.run_after + timezone.timedelta(minutes=5)


def test_email_timeout_comes_from_the_environment():
    from tests.test_settings import run_django

    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
        "from django.conf import settings; print(settings.EMAIL_TIMEOUT)"
    )
    assert run_django(code, DEBUG="1").stdout.strip().splitlines()[-1] == "10"
    assert run_django(code, DEBUG="1", EMAIL_TIMEOUT="3").stdout.strip().splitlines()[-1] == "3"
