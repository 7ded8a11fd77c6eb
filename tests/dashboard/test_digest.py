"""The weekly digest email to editors: who gets it, what it holds (nothing personal),
and once per ISO week however many times cron runs it."""

import datetime
import socket

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.models import Article, add_months
from comments.models import Comment
from dashboard.digest import send_editors_digest
from dashboard.models import DigestWeek
from tests.articles.test_admin import make_staff
from tests.factories import make_article, make_comment, make_reviewer

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# 2027-01-01 is a Friday in ISO week 53 of 2026, which began on Monday 2026-12-28.
MONDAY = datetime.datetime(2026, 12, 28, 12, tzinfo=datetime.UTC)


def staff_with_email(username, groups=(), **fields):
    user = make_staff(username, groups=groups)
    user.email = f"{username}@example.org"
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


@pytest.fixture
def people():
    return {
        "editor": staff_with_email("editor", groups=["Editors"]),
        "boss": User.objects.create_superuser("boss", "boss@example.org", "pw"),
        "no_email": make_staff("quiet", groups=["Editors"]),
        "gone": staff_with_email("gone", groups=["Editors"], is_active=False),
        "moderator": staff_with_email("moderator", groups=["Moderators"]),
    }


@pytest.fixture
def work(time_machine, settings):
    settings.SITE_URL = "https://recovery.example"
    time_machine.move_to(MONDAY, tick=False)
    reviewer = make_reviewer()
    overdue = make_article(
        title="Overdue <article>",
        reviewer=reviewer,
        reviewed_on=datetime.date(2025, 12, 1),
        next_review_due=datetime.date(2026, 12, 1),
    )
    make_article(title="Draft article", status=Article.Status.DRAFT, published_at=None)
    article = make_article(title="Naloxone at home")
    make_comment(
        article,
        status=Comment.Status.PENDING,
        is_urgent=True,
        author_name="Pat Secret",
        author_email="pat@private.example",
        body="Please call me back tonight",
        ip_address="198.51.100.23",
    )
    return {"overdue": overdue, "reviewer": reviewer}


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_editors_and_superusers_with_an_email_get_the_digest(people, work):
    assert send_editors_digest() == 2

    assert set(by_recipient()) == {"editor@example.org", "boss@example.org"}
    assert mail.outbox[0].subject == "Editors' digest, week of December 28, 2026"


def test_the_digest_lists_the_dashboard_panels_with_links(people, work):
    send_editors_digest()

    editor = by_recipient()["editor@example.org"]
    body = editor.body
    assert "OVERDUE REVIEWS (1)" in body
    assert "1 article is overdue for medical review." in body
    change = f"/admin/articles/article/{work['overdue'].pk}/change/"
    assert f"- Overdue <article> (due Dec. 1, 2026): https://recovery.example{change}" in body
    assert "https://recovery.example/admin/articles/article/?review=overdue" in body
    assert "DRAFTS (1)" in body and "Draft article" in body
    # Editors cannot moderate comments: their digest leaves the panel out.
    assert "awaiting moderation" not in body
    html, mimetype = editor.alternatives[0]
    assert mimetype == "text/html"
    assert "Overdue &lt;article&gt;" in html
    assert f'href="https://recovery.example{change}"' in html


def test_the_digest_holds_no_personal_data(people, work):
    send_editors_digest()

    boss = by_recipient()["boss@example.org"]
    assert "1 comment awaiting moderation, 1 urgent." in boss.body
    for text in [boss.body, boss.alternatives[0][0]]:
        for secret in ["Pat Secret", "pat@private.example", "call me back", "198.51.100.23"]:
            assert secret not in text


def test_the_digest_goes_out_once_per_iso_week(people, work, time_machine):
    assert send_editors_digest() == 2
    # Friday January 1 and Sunday January 3 are still ISO week 53 of 2026.
    time_machine.move_to(MONDAY + datetime.timedelta(days=4), tick=False)
    assert send_editors_digest() is None
    time_machine.move_to(MONDAY + datetime.timedelta(days=6, hours=10), tick=False)
    assert send_editors_digest() is None
    assert len(mail.outbox) == 2

    # Monday January 4: week 1 of 2027.
    time_machine.move_to(MONDAY + datetime.timedelta(days=7), tick=False)
    assert send_editors_digest() == 2

    assert list(DigestWeek.objects.values_list("week_start", "recipient_count")) == [
        (datetime.date(2027, 1, 4), 2),
        (datetime.date(2026, 12, 28), 2),
    ]


def test_the_command_queues_the_task_and_a_second_run_sends_nothing(people, work, settings, capsys):
    settings.TASKS = IMMEDIATE

    call_command("send_editors_digest")
    call_command("send_editors_digest")

    assert len(mail.outbox) == 2
    assert "Queued the editors' digest." in capsys.readouterr().out


def test_the_command_only_queues_for_the_worker(people, work, settings):
    settings.TASKS = DATABASE

    call_command("send_editors_digest")

    assert mail.outbox == []
    (queued,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.task_path == "dashboard.tasks.send_editors_digest"


def test_when_mail_fails_the_week_is_not_recorded_and_the_next_run_sends(people, work, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 1

    with pytest.raises(OSError):
        send_editors_digest()
    assert not DigestWeek.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_editors_digest() == 2


def test_a_digest_week_after_the_due_date_lists_what_became_overdue(people, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    due = datetime.date(2027, 1, 2)
    make_article(
        title="Soon overdue",
        reviewer=make_reviewer(),
        reviewed_on=add_months(due, -12),
        next_review_due=due,
    )

    send_editors_digest()
    assert "1 article falls due for review within 30 days." in mail.outbox[0].body
    assert "0 articles are overdue" in mail.outbox[0].body

    time_machine.move_to(MONDAY + datetime.timedelta(days=7), tick=False)
    send_editors_digest()
    assert "1 article is overdue for medical review." in mail.outbox[-1].body
