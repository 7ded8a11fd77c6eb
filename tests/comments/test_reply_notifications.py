""" "Notify me of replies to my comment": opt-in, confirmed by a link sent to the address,
one email per visible reply (never twice, never to the replier), one-click unsubscribe
in every email, and nothing about any other commenter."""

import io
import json
import re
import threading
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import services, subscriptions, tasks
from comments.models import Comment, ReplyNotice, ReplySubscription
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
SUBSCRIBER = "sam@example.org"  # the comment_post_data default
REPLIER = "alex.private@example.net"
NOTIFY = "Notify me of replies to my comment by email"
LINK = re.compile(r"https?://\S+")
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def comment_settings(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@recovery.test"]
    settings.COMMENTS_REPLY_CONFIRM_DAYS = 3


@pytest.fixture
def article():
    return make_article(title="Naloxone at home", slug="naloxone-at-home")


@pytest.fixture
def post(comment_post_data, django_capture_on_commit_callbacks):
    """POST the "Leave a Reply" form, running what it queues on commit (the tasks run
    at once: tests use the immediate backend); return the comment it stored."""

    def send(article, client=None, **overrides):
        data = comment_post_data(**overrides)
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or Client()).post(
                reverse("comments:post", args=[article.slug]), data
            )
        assert response.status_code == 302, response.content
        return Comment.objects.latest("id")

    return send


def emails_to(address):
    return [email for email in mail.outbox if email.to == [address]]


def links_in(email):
    return LINK.findall(email.body)


def path_of(url):
    return urlsplit(url).path


def confirm_link(email):
    [link] = [link for link in links_in(email) if "/replies/confirm/" in link]
    return path_of(link)


def unsubscribe_link(email):
    [link] = [link for link in links_in(email) if "/replies/stop/" in link]
    return path_of(link)


@pytest.fixture
def subscribed(article, post, django_capture_on_commit_callbacks):
    """Sam's approved comment with a confirmed reply subscription (the confirm email
    is taken out of the outbox)."""

    def make(email=SUBSCRIBER, **overrides):
        comment = post(article, author_email=email, notify_replies="on", **overrides)
        with django_capture_on_commit_callbacks(execute=True):
            services.moderate(Comment.objects.filter(pk=comment.pk), Status.APPROVED)
        [confirmation] = emails_to(email)
        assert Client().post(confirm_link(confirmation)).status_code == 302
        mail.outbox.clear()
        return Comment.objects.get(pk=comment.pk)

    return make


def approve(comment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.moderate(Comment.objects.filter(pk=comment.pk), Status.APPROVED)


# --- Opting in ------------------------------------------------------------------------


def test_the_box_is_on_the_form_and_unticked(client, article):
    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    box = re.search(r'<input type="checkbox" name="notify_replies"[^>]*>', html).group(0)
    assert "checked" not in box
    assert f'<label for="id_notify_replies">{NOTIFY}</label>' in html


def test_the_box_is_offered_to_logged_in_commenters_too(client, article):
    client.force_login(User.objects.create_user("sam", password="pw", email="sam@example.org"))

    response = client.get(article.get_absolute_url())

    assert 'name="notify_replies"' in response.content.decode()


def test_without_the_box_nothing_is_stored_or_sent(article, post):
    post(article)

    assert not ReplySubscription.objects.exists()
    assert emails_to(SUBSCRIBER) == []


def test_ticking_the_box_stores_an_unconfirmed_subscription_and_sends_one_email(
    article, post, comment_post_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("comments:post", args=[article.slug]),
            comment_post_data(notify_replies="on"),
            follow=True,
        )

    comment = Comment.objects.get()
    subscription = ReplySubscription.objects.get()
    assert (subscription.comment, subscription.email) == (comment, SUBSCRIBER)
    assert subscription.confirmed_at is None and not subscription.is_active
    [email] = emails_to(SUBSCRIBER)
    assert "Naloxone at home" in email.subject
    assert "confirm" in email.subject.lower()
    assert confirm_link(email).startswith("/comments/replies/confirm/")
    assert email.extra_headers["List-Unsubscribe"] == (f"<{links_in(email)[-1]}>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "please open the link we just sent" in response.content.decode()


def test_a_logged_in_commenter_subscribes_with_the_accounts_address(article, post):
    client = Client()
    client.force_login(User.objects.create_user("kim", password="pw", email="kim@example.org"))

    post(article, client=client, notify_replies="on")

    assert ReplySubscription.objects.get().email == "kim@example.org"
    assert len(emails_to("kim@example.org")) == 1


def test_an_account_without_an_address_gets_no_subscription(article, post):
    client = Client()
    client.force_login(User.objects.create_user("kim", password="pw"))

    post(article, client=client, notify_replies="on")

    assert not ReplySubscription.objects.exists()
    assert [email.to for email in mail.outbox] == [["queue@recovery.test"]]


def test_spam_gets_no_subscription_and_no_email(article, post):
    post(article, notify_replies="on", fax_number="http://pills.example")

    assert Comment.objects.get().status == Status.SPAM
    assert not ReplySubscription.objects.exists()
    assert emails_to(SUBSCRIBER) == []


def test_no_confirm_email_for_a_comment_marked_spam_before_the_task_ran(article):
    comment = make_comment(article, status=Status.PENDING, author_email=SUBSCRIBER)
    subscription = ReplySubscription.objects.create(comment=comment, email=SUBSCRIBER)
    services.moderate(Comment.objects.filter(pk=comment.pk), Status.SPAM)

    assert subscriptions.send_confirmation(subscription.pk) == 0
    assert mail.outbox == []


# --- Confirming -----------------------------------------------------------------------


@pytest.fixture
def confirmation(article, post):
    """The confirm email of Sam's new comment."""
    post(article, notify_replies="on")
    [email] = emails_to(SUBSCRIBER)
    return email


def test_opening_the_confirm_link_writes_nothing(client, confirmation):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(confirm_link(confirmation))

    assert response.status_code == 200
    assert "Email me about replies?" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert [query["sql"] for query in queries if WRITES.match(query["sql"])] == []
    assert ReplySubscription.objects.get().confirmed_at is None


def test_pressing_confirm_confirms_and_again_changes_nothing(client, confirmation):
    url = confirm_link(confirmation)

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    confirmed_at = ReplySubscription.objects.get().confirmed_at
    assert confirmed_at is not None

    assert client.post(url).status_code == 302
    assert ReplySubscription.objects.get().confirmed_at == confirmed_at
    assert "You will hear about replies" in client.get(url).content.decode()


def test_confirming_needs_the_csrf_token(confirmation):
    client = Client(enforce_csrf_checks=True)

    assert client.post(confirm_link(confirmation)).status_code == 403
    assert ReplySubscription.objects.get().confirmed_at is None


def test_an_expired_confirm_link_is_refused_calmly(client, confirmation):
    later = timezone.now() + timezone.timedelta(days=3, minutes=1)
    with time_machine.travel(later):
        response = client.post(confirm_link(confirmation))

    assert response.status_code == 404
    assert "This link has expired" in response.content.decode()
    assert ReplySubscription.objects.get().confirmed_at is None


def test_a_confirm_link_still_works_on_its_last_day(client, confirmation):
    with time_machine.travel(timezone.now() + timezone.timedelta(days=2, hours=23)):
        assert client.post(confirm_link(confirmation)).status_code == 302

    assert ReplySubscription.objects.get().confirmed_at is not None


# Signed inside the test, not at collection: the clock may have been moved since.
@pytest.mark.parametrize(
    "make_token",
    [
        lambda: "not-a-token",
        lambda: signing.dumps({"s": 1}, salt="comments.withdraw"),
        lambda: signing.dumps({"s": 1}, salt=subscriptions.UNSUBSCRIBE_SALT),
        lambda: signing.dumps({"x": 1}, salt=subscriptions.CONFIRM_SALT),
    ],
    ids=["garbage", "other-salt", "unsubscribe-token", "no-id"],
)
def test_a_forged_confirm_link_is_refused(client, confirmation, make_token):
    response = client.post(reverse("comments:reply_confirm", args=[make_token()]))

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert ReplySubscription.objects.get().confirmed_at is None


# --- Reply emails ---------------------------------------------------------------------


def test_a_reply_published_by_a_rule_sends_one_email(article, subscribed, post):
    comment = subscribed()
    # Alex has an approved comment already: the reply is published at once.
    make_comment(article, author_name="Alex", author_email=REPLIER)

    reply = post(
        article,
        parent=comment.pk,
        author_name="Alex",
        author_email=REPLIER,
        body="Thank you, Sam. The pharmacy gave me two doses without a prescription.",
    )

    assert reply.status == Status.APPROVED
    [email] = emails_to(SUBSCRIBER)
    assert email.subject == 'Alex replied to your comment on "Naloxone at home"'
    assert "The pharmacy gave me two doses without a prescription." in email.body
    assert "Naloxone at home" in email.body
    reply_url = [link for link in links_in(email) if path_of(link) == reply.get_absolute_url()]
    assert len(reply_url) == 1
    assert unsubscribe_link(email).startswith("/comments/replies/stop/")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ReplyNotice.objects.get().reply == reply


def test_a_reply_approved_by_a_moderator_sends_one_email_and_never_again(
    article, subscribed, django_capture_on_commit_callbacks
):
    comment = subscribed()
    reply = make_comment(article, parent=comment, status=Status.PENDING, author_name="Alex")

    assert approve(reply, django_capture_on_commit_callbacks) == 1
    assert len(emails_to(SUBSCRIBER)) == 1

    # Unapproved, approved again, restored from the trash: still one email.
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(Comment.objects.filter(pk=reply.pk), Status.TRASH)
        services.restore(Comment.objects.filter(pk=reply.pk))
        services.moderate(Comment.objects.filter(pk=reply.pk), Status.PENDING)
    approve(reply, django_capture_on_commit_callbacks)
    subscriptions.send_reply_notifications([reply.pk])

    assert len(emails_to(SUBSCRIBER)) == 1


def test_the_centers_reply_from_the_admin_sends_one_email(
    article, subscribed, admin_user, django_capture_on_commit_callbacks
):
    comment = subscribed()

    with django_capture_on_commit_callbacks(execute=True):
        reply = services.post_center_reply(comment, "Thank you for writing.", by=admin_user)

    [email] = emails_to(SUBSCRIBER)
    assert reply.get_absolute_url() in email.body


def test_each_reply_gets_its_own_email(article, subscribed, django_capture_on_commit_callbacks):
    comment = subscribed()
    replies = [
        make_comment(article, parent=comment, status=Status.PENDING, body=f"Reply {n}.")
        for n in range(2)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(Comment.objects.filter(pk__in=[r.pk for r in replies]), Status.APPROVED)

    bodies = [email.body for email in emails_to(SUBSCRIBER)]
    assert len(bodies) == 2
    assert any("Reply 0." in body for body in bodies) and any("Reply 1." in body for body in bodies)


def test_the_email_names_no_other_commenter_beyond_what_the_page_shows(
    article, subscribed, django_capture_on_commit_callbacks
):
    comment = subscribed()
    reply = make_comment(
        article,
        parent=comment,
        status=Status.PENDING,
        author_name="Alex",
        author_email=REPLIER,
        author_url="https://alex.example.net/",
        ip_address="198.51.100.99",
        user_agent="AlexBrowser/1.0",
    )
    bystander = make_comment(article, author_email="bystander@example.com")

    approve(reply, django_capture_on_commit_callbacks)

    [email] = emails_to(SUBSCRIBER)
    message = email.message().as_string()
    for private in (REPLIER, "alex.example.net", "198.51.100.99", "AlexBrowser"):
        assert private not in message
    assert bystander.author_email not in message
    assert bystander.author_name not in message
    assert email.to == [SUBSCRIBER] and not email.cc and not email.bcc


def test_no_email_about_a_reply_to_yourself(
    article, subscribed, django_capture_on_commit_callbacks
):
    comment = subscribed()
    own = make_comment(
        article, parent=comment, status=Status.PENDING, author_email="SAM@Example.org "
    )

    approve(own, django_capture_on_commit_callbacks)

    assert emails_to(SUBSCRIBER) == []


def test_no_email_about_a_reply_from_the_same_account(
    article, post, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("sam", password="pw", email="sam@example.org")
    client = Client()
    client.force_login(user)
    comment = post(article, client=client, notify_replies="on")
    approve(comment, django_capture_on_commit_callbacks)
    client.post(confirm_link(emails_to("sam@example.org")[0]))
    user.email = "sam.new@example.org"
    user.save()
    mail.outbox.clear()

    reply = post(article, client=client, parent=comment.pk)
    approve(reply, django_capture_on_commit_callbacks)

    assert emails_to("sam@example.org") == []
    assert emails_to("sam.new@example.org") == []


def test_no_email_before_the_subscription_is_confirmed(
    article, post, django_capture_on_commit_callbacks
):
    comment = post(article, notify_replies="on")
    approve(comment, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    reply = make_comment(article, parent=comment, status=Status.PENDING)

    approve(reply, django_capture_on_commit_callbacks)
    subscriptions.send_reply_notifications([reply.pk])

    assert emails_to(SUBSCRIBER) == []


def test_no_email_after_unsubscribing(article, subscribed, django_capture_on_commit_callbacks):
    comment = subscribed()
    subscriptions.unsubscribe(ReplySubscription.objects.get())
    reply = make_comment(article, parent=comment, status=Status.PENDING)

    approve(reply, django_capture_on_commit_callbacks)
    subscriptions.send_reply_notifications([reply.pk])

    assert emails_to(SUBSCRIBER) == []


@pytest.mark.parametrize("subscribed_to", [None, "comment"], ids=["nobody", "subscriber"])
def test_only_replies_to_a_subscribed_comment_queue_a_task(
    article, settings, django_capture_on_commit_callbacks, subscribed_to
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    comment = make_comment(article)
    if subscribed_to:
        ReplySubscription.objects.create(
            comment=comment, email=SUBSCRIBER, confirmed_at=timezone.now()
        )
    reply = make_comment(article, parent=comment, status=Status.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(Comment.objects.filter(pk=reply.pk), Status.APPROVED)

    queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == (["comments.tasks.send_reply_notifications"] if subscribed_to else [])


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email(article):
    comment = make_comment(article, author_email=SUBSCRIBER)
    ReplySubscription.objects.create(comment=comment, email=SUBSCRIBER, confirmed_at=timezone.now())
    reply = make_comment(article, parent=comment)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        barrier.wait()
        try:
            subscriptions.send_reply_notifications([reply.pk])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(emails_to(SUBSCRIBER)) == 1
    assert ReplyNotice.objects.count() == 1


# --- Unsubscribing --------------------------------------------------------------------


@pytest.fixture
def reply_email(article, subscribed, django_capture_on_commit_callbacks):
    comment = subscribed()
    approve(
        make_comment(article, parent=comment, status=Status.PENDING),
        django_capture_on_commit_callbacks,
    )
    [email] = emails_to(SUBSCRIBER)
    return email


def test_every_email_has_the_same_unsubscribe_link_in_body_and_header(reply_email):
    link = [link for link in links_in(reply_email) if "/replies/stop/" in link]

    assert reply_email.extra_headers["List-Unsubscribe"] == f"<{link[0]}>"


def test_the_unsubscribe_page_shows_one_button_and_writes_nothing(client, reply_email):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(unsubscribe_link(reply_email))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<form method="post">') == 1 and "Unsubscribe</button>" in html
    assert [query["sql"] for query in queries if WRITES.match(query["sql"])] == []
    assert ReplySubscription.objects.get().is_active


def test_one_click_unsubscribe_works_without_a_csrf_token(
    article, reply_email, django_capture_on_commit_callbacks
):
    # As a mail client sends it (RFC 8058): no cookie, no token, this body.
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        unsubscribe_link(reply_email),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscription = ReplySubscription.objects.get()
    assert subscription.unsubscribed_at is not None
    mail.outbox.clear()
    another = make_comment(article, parent=subscription.comment, status=Status.PENDING)
    approve(another, django_capture_on_commit_callbacks)
    assert emails_to(SUBSCRIBER) == []


def test_unsubscribing_twice_or_after_erasure_is_calm(client, reply_email):
    url = unsubscribe_link(reply_email)
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200

    ReplySubscription.objects.all().delete()

    response = client.get(url)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()


def test_the_confirm_email_can_be_unsubscribed_too(client, confirmation):
    assert client.post(unsubscribe_link(confirmation)).status_code == 200

    # The confirm link no longer starts anything.
    client.post(confirm_link(confirmation))
    subscription = ReplySubscription.objects.get()
    assert subscription.confirmed_at is None and subscription.unsubscribed_at is not None


def test_a_forged_unsubscribe_link_is_refused(client, reply_email):
    token = signing.dumps({"s": ReplySubscription.objects.get().pk}, salt="other")

    response = client.post(reverse("comments:reply_unsubscribe", args=[token]))

    assert response.status_code == 404
    assert ReplySubscription.objects.get().is_active


# --- The commenter's data -------------------------------------------------------------


def run_command(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_export_includes_the_reply_subscription(subscribed):
    comment = subscribed()

    data = json.loads(run_command("export_commenter_data", SUBSCRIBER))

    [entry] = data["comments"]
    assert entry["id"] == comment.pk
    assert entry["reply_emails"]["email"] == SUBSCRIBER
    assert entry["reply_emails"]["confirmed_at"] is not None
    assert entry["reply_emails"]["unsubscribed_at"] is None


def test_erasing_a_commenters_data_deletes_their_subscriptions_only(article, subscribed):
    subscribed()
    other = make_comment(article, author_email="kim@example.org")
    ReplySubscription.objects.create(comment=other, email="kim@example.org")

    run_command("erase_commenter_data", "Sam@Example.org")

    assert list(ReplySubscription.objects.values_list("email", flat=True)) == ["kim@example.org"]


def test_withdrawing_a_comment_deletes_its_subscription(subscribed):
    comment = subscribed()

    services.withdraw_comment(comment)

    assert not ReplySubscription.objects.exists()


def test_maintenance_deletes_unconfirmed_and_stopped_subscriptions_after_the_window(article):
    def subscription(**fields):
        comment = make_comment(article)
        return ReplySubscription.objects.create(comment=comment, email="x@example.org", **fields)

    old = timezone.now() - timezone.timedelta(days=4)
    recent = timezone.now() - timezone.timedelta(days=2)
    kept = [
        subscription(created_at=recent),
        subscription(created_at=old, confirmed_at=old),
        subscription(created_at=recent, confirmed_at=recent, unsubscribed_at=recent),
    ]
    subscription(created_at=old)
    subscription(created_at=old, confirmed_at=old, unsubscribed_at=recent)

    output = run_command("comments_maintenance")

    assert set(ReplySubscription.objects.all()) == set(kept)
    assert "Deleted 2 unconfirmed or stopped reply subscription(s)." in output


def test_a_failed_send_is_tried_again_later_and_sends_once(
    article, subscribed, settings, django_capture_on_commit_callbacks
):
    comment = subscribed()
    reply = make_comment(article, parent=comment)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Nothing listens on the discard port: sending fails as with an SMTP server down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(OSError):
        tasks.send_reply_notifications.call([reply.pk])

    assert not ReplyNotice.objects.exists()
    retry = DBTaskResult.objects.get()
    assert retry.task_path == "comments.tasks.send_reply_notifications"
    assert retry.run_after > timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = retry.task_result
    assert tasks.send_reply_notifications.call(*result.args, **result.kwargs) == 1
    assert tasks.send_reply_notifications.call([reply.pk]) == 0
    assert len(emails_to(SUBSCRIBER)) == 1


def test_a_send_that_keeps_failing_stops_after_the_last_attempt(article, subscribed, settings):
    comment = subscribed()
    reply = make_comment(article, parent=comment)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(OSError):
        tasks.send_reply_notifications.call([reply.pk], attempt=tasks.REPLY_EMAIL_ATTEMPTS)

    assert not DBTaskResult.objects.exists()
