"""Moderators are emailed by sweeps queued when a post commits: exactly one email per new
pending comment, even when sweeps overlap, and never one about a comment made pending
another way."""

import io
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comments import notifications, services, tasks
from comments.models import Comment
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
MODERATORS = ["queue@recovery.test"]


@pytest.fixture(autouse=True)
def moderators(settings):
    settings.COMMENTS_MODERATOR_EMAILS = MODERATORS
    settings.COMMENTS_FLOOD_SECONDS = 0


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def post(comment_post_data, django_capture_on_commit_callbacks):
    """POST the "Leave a Reply" form; return the comment it stored.

    What the post queues on commit runs too, also inside a test's transaction.
    """

    def send(article, body, client=None, **overrides):
        data = comment_post_data(body=body, **overrides)
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or Client()).post(
                reverse("comments:post", args=[article.slug]), data
            )
        assert response.status_code == 302
        return Comment.objects.latest("id")

    return send


def flagged_comment(article, body):
    """A comment as the posting path leaves it, written directly."""
    return Comment.objects.create(
        article=article,
        author_name="Sam",
        author_email="sam@example.org",
        body=body,
        awaits_moderator_email=True,
    )


def announced_comment_ids():
    """The comment each email in the outbox is about, from its admin link."""
    ids = []
    for email in mail.outbox:
        assert email.to == MODERATORS
        marker = "/admin/comments/comment/"
        ids.append(int(email.body.split(marker)[1].split("/")[0]))
    return ids


def run_worker():
    """What `db_worker` does with each ready task: claim it (a commit), then run it.

    (The command itself closes the connection between tasks, which a test cannot.)
    """
    while True:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                return
            row.claim("test-worker")
        result = row.task_result
        row.set_successful(row.task.call(*result.args, **result.kwargs))


def test_pending_posts_get_one_email_each_urgent_first(post, database_tasks):
    article = make_article()
    bodies = ["First question.", "I want to end my life tonight.", "Third question."]
    comments = [post(article, body) for body in bodies]

    assert mail.outbox == []
    run_worker()

    assert sorted(announced_comment_ids()) == [comment.pk for comment in comments]
    assert announced_comment_ids()[0] == comments[1].pk  # the urgent one first
    urgent = [email for email in mail.outbox if email.subject.startswith("URGENT")]
    assert len(urgent) == 1 and "URGENT" in urgent[0].body
    assert not Comment.objects.filter(awaits_moderator_email=True).exists()

    run_worker()  # nothing new: nothing sent twice
    assert len(mail.outbox) == 3


def test_approved_and_spam_posts_email_no_one(post, database_tasks):
    article = make_article()
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")
    post(article, "Trusted, so published at once.")
    post(article, "Caught by the honeypot.", fax_number="http://pills.example")

    run_worker()
    notifications.announce_pending_comments()

    assert sorted(Comment.objects.values_list("status", flat=True)) == [
        Status.APPROVED,
        Status.APPROVED,
        Status.SPAM,
    ]
    assert mail.outbox == []
    assert not DBTaskResult.objects.exists()  # and queue no sweep


def test_a_post_queues_its_sweep_only_once_committed(
    comment_post_data, database_tasks, django_capture_on_commit_callbacks
):
    article = make_article()

    with django_capture_on_commit_callbacks() as on_commit:
        response = Client().post(
            reverse("comments:post", args=[article.slug]), comment_post_data(body="Is it safe?")
        )
        assert response.status_code == 302
        # Still inside the test's transaction: a worker could not see the comment yet.
        assert not DBTaskResult.objects.exists()

    assert len(on_commit) == 1
    on_commit[0]()
    run_worker()
    assert announced_comment_ids() == [Comment.objects.get().pk]


def test_comments_made_pending_another_way_email_no_one():
    article = make_article()
    restored = make_comment(article, status=Status.SPAM)
    restored.previous_status = Status.PENDING
    restored.save()
    added_in_admin = make_comment(article, status=Status.PENDING)
    # Posted, then marked spam by a moderator before any sweep, then restored.
    posted = flagged_comment(article, "Seen by a moderator already.")
    services.moderate(Comment.objects.filter(pk=posted.pk), Status.SPAM)

    assert services.restore(Comment.objects.filter(pk__in=[restored.pk, posted.pk])) == 2
    notifications.announce_pending_comments()

    assert set(Comment.objects.pending().values_list("pk", flat=True)) == {
        restored.pk,
        added_in_admin.pk,
        posted.pk,
    }
    assert mail.outbox == []


def test_a_failed_send_leaves_the_comment_awaiting_its_email(post, database_tasks, settings):
    comment = post(make_article(), "Hello?")
    # Nothing listens on the discard port: sending fails as with an SMTP server down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(OSError):
        notifications.announce_pending_comments()

    assert Comment.objects.get().awaits_moderator_email is True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.announce_pending_comments() == 1
    assert announced_comment_ids() == [comment.pk]


def test_a_failed_send_keeps_the_emails_already_sent_announced(settings):
    article = make_article()
    first, second = flagged_comment(article, "One."), flagged_comment(article, "Two.")
    # The second comment's email fails: its article title breaks the subject template's
    # header check (a newline), a real error from Django's mail code.
    Comment.objects.filter(pk=second.pk).update(article=make_article(title="Bad\ntitle"))

    with pytest.raises(ValueError):
        notifications.announce_pending_comments()

    assert announced_comment_ids() == [first.pk]
    assert list(Comment.objects.filter(awaits_moderator_email=True)) == [second]


# --- Concurrency -----------------------------------------------------------------------


def run_in_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        barrier.wait()
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_email_exactly_once(monkeypatch):
    monkeypatch.setattr(notifications, "BATCH_SIZE", 2)  # so the sweeps interleave
    article = make_article()
    comments = [flagged_comment(article, f"Question number {number}.") for number in range(20)]

    run_in_threads(2, notifications.announce_pending_comments)

    assert sorted(announced_comment_ids()) == [comment.pk for comment in comments]
    assert not Comment.objects.filter(awaits_moderator_email=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_post_during_a_sweep_gets_exactly_one_email(post, database_tasks, monkeypatch):
    monkeypatch.setattr(notifications, "BATCH_SIZE", 2)
    article = make_article()
    earlier = [flagged_comment(article, f"Earlier question {number}.") for number in range(4)]
    sending, release = threading.Event(), threading.Event()
    send = notifications.send_pending_comment_email

    def slow_send(comment):
        # The first sweep stops in its first send, holding the locks of its first batch.
        if not sending.is_set():
            sending.set()
            release.wait(5)
        return send(comment)

    monkeypatch.setattr(notifications, "send_pending_comment_email", slow_send)
    errors = []

    def first_sweep():
        try:
            notifications.announce_pending_comments()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    sweeper = threading.Thread(target=first_sweep)
    sweeper.start()
    try:
        assert sending.wait(5)
        posted = post(article, "Posted while a sweep is sending.")
        run_worker()  # the post's own sweep, beside the first one
    finally:
        release.set()
        sweeper.join()

    assert errors == []
    assert sorted(announced_comment_ids()) == [comment.pk for comment in [*earlier, posted]]
    assert not Comment.objects.filter(awaits_moderator_email=True).exists()


@pytest.mark.django_db(transaction=True)
def test_eight_clients_posting_with_a_worker_get_every_comment_announced_once(post, database_tasks):
    article = make_article()

    def post_five(client_number):
        client = Client()
        try:
            for number in range(5):
                post(article, f"Question {client_number}.{number}?", client=client)
        finally:
            connection.close()

    posters = [threading.Thread(target=post_five, args=[number]) for number in range(8)]
    for thread in posters:
        thread.start()
    while any(thread.is_alive() for thread in posters):
        run_worker()
    for thread in posters:
        thread.join()
    run_worker()

    pending = Comment.objects.pending().values_list("pk", flat=True)
    assert len(pending) == 40
    assert sorted(announced_comment_ids()) == sorted(pending)


def test_daily_maintenance_sends_what_a_failed_sweep_left(database_tasks):
    comment = flagged_comment(make_article(), "Left over by a sweep that failed.")

    call_command("comments_maintenance", stdout=io.StringIO())
    run_worker()

    assert announced_comment_ids() == [comment.pk]
    call_command("comments_maintenance", stdout=io.StringIO())
    assert not DBTaskResult.objects.ready().exists()
    assert tasks.queue_sweep_for_stragglers() == 0
