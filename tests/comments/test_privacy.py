"""What commenters reveal stays private: moderator emails, data retention, personal-data
tools and the withdraw link."""

import hashlib
import io
import json
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail, signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.services import WITHDRAW_SALT, withdraw_token
from comments.tasks import announce_pending_comments
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
COMMENTER_IP = "198.51.100.23"
COMMENTER_BROWSER = "PrivateBrowser/7.1 (commenter's machine)"
COMMENTER_EMAIL = "sam@example.org"  # the comment_post_data default


def make_staff(username, groups=(), **fields):
    user = User.objects.create_user(username, password="pw", is_staff=True, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def days_ago(days):
    return timezone.now() - timezone.timedelta(days=days)


@pytest.fixture
def article():
    return make_article(title="Naloxone at home", slug="naloxone-at-home")


def run_command(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# --- Notifications ------------------------------------------------------------------


@pytest.fixture
def moderator_emails():
    """Who may moderate (and who may not); returns the addresses that must be emailed."""
    make_staff("moderator", groups=["Moderators"], email="moderator@recovery.test")
    make_staff("silent-moderator", groups=["Moderators"])  # no email address
    make_staff("former", groups=["Moderators"], email="former@recovery.test", is_active=False)
    make_staff("editor", groups=["Editors"], email="editor@recovery.test")
    User.objects.create_user("reader", password="pw", email="reader@recovery.test")
    User.objects.create_superuser("root", password="pw", email="root@recovery.test")
    return ["moderator@recovery.test", "root@recovery.test"]


@pytest.fixture
def submit(client, article, django_capture_on_commit_callbacks):
    """POST the "Leave a Reply" form and run the on-commit notification task."""

    def post(data, as_client=client):
        with django_capture_on_commit_callbacks(execute=True):
            response = as_client.post(
                reverse("comments:post", args=[article.slug]),
                data,
                REMOTE_ADDR=COMMENTER_IP,
                HTTP_USER_AGENT=COMMENTER_BROWSER,
            )
        assert response.status_code == 302
        return Comment.objects.latest("id")

    return post


@pytest.mark.parametrize(
    ("body", "urgent"),
    [
        ("Is the nasal spray safe to keep in a hot car over the summer?", False),
        ("I want to end my life and nobody would notice tonight.", True),
    ],
    ids=["ordinary", "urgent"],
)
def test_a_pending_comment_sends_moderators_one_email(
    submit, comment_post_data, moderator_emails, article, settings, body, urgent
):
    comment = submit(comment_post_data(body=body))

    assert comment.status == Status.PENDING
    assert comment.is_urgent is urgent
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == moderator_emails
    assert article.title in email.subject
    admin_url = settings.SITE_URL + reverse("admin:comments_comment_change", args=[comment.pk])
    assert admin_url in email.body
    assert email.subject.startswith("URGENT") is urgent
    assert ("URGENT" in email.body) is urgent


@pytest.mark.parametrize(
    "body",
    [
        "Is the nasal spray safe to keep in a hot car over the summer?",
        "I want to end my life and nobody would notice tonight.",
    ],
    ids=["ordinary", "urgent"],
)
def test_the_moderator_email_carries_no_commenter_email_ip_or_text(
    submit, comment_post_data, moderator_emails, body
):
    submit(comment_post_data(body=body, author_url="https://sam.example.org/blog"))

    [email] = mail.outbox
    whole_message = email.message().as_string()
    for secret in (
        COMMENTER_EMAIL,
        COMMENTER_IP,
        COMMENTER_BROWSER,
        body,
        body[:25],
        "sam.example.org",
    ):
        assert secret not in whole_message
        assert secret not in email.subject
        assert secret not in email.body


def test_moderator_email_goes_to_the_configured_addresses_when_set(
    submit, comment_post_data, moderator_emails, settings
):
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@recovery.test", "lead@recovery.test"]

    submit(comment_post_data())

    [email] = mail.outbox
    assert email.to == ["queue@recovery.test", "lead@recovery.test"]


def test_a_staff_users_approved_comment_sends_no_email(
    client, submit, comment_post_data, moderator_emails
):
    client.force_login(make_staff("writer", groups=["Editors"], email="writer@recovery.test"))

    comment = submit(comment_post_data())

    assert comment.status == Status.APPROVED
    assert mail.outbox == []


def test_a_previously_approved_commenters_comment_sends_no_email(
    submit, comment_post_data, moderator_emails, article
):
    make_comment(article, author_name="Sam Rivera", author_email=COMMENTER_EMAIL)

    comment = submit(comment_post_data(body="Back again with another question."))

    assert comment.status == Status.APPROVED
    assert mail.outbox == []


@pytest.mark.parametrize(
    "overrides",
    [{"fax_number": "http://pills.example"}, {"timestamp": "forged"}],
    ids=["honeypot", "forged-timestamp"],
)
def test_spam_sends_no_email(submit, comment_post_data, moderator_emails, overrides):
    comment = submit(comment_post_data(**overrides))

    assert comment.status == Status.SPAM
    assert mail.outbox == []


def test_no_email_when_the_comment_was_moderated_before_the_task_ran(moderator_emails, article):
    comment = make_comment(article, status=Status.PENDING, awaits_moderator_email=True)
    comment.move_to(Status.APPROVED)
    comment.save()

    announce_pending_comments.enqueue()

    assert mail.outbox == []


# --- Daily maintenance --------------------------------------------------------------


@pytest.mark.parametrize("retention_days", [30, 7])
def test_maintenance_empties_only_old_trash(settings, article, retention_days):
    settings.COMMENTS_TRASH_RETENTION_DAYS = retention_days
    old_trash = make_comment(article, status=Status.TRASH)
    new_trash = make_comment(article, status=Status.TRASH)
    old_spam = make_comment(article, status=Status.SPAM)
    old_approved = make_comment(article, status=Status.APPROVED)
    reply_to_old_trash = make_comment(article, parent=old_trash)
    Comment.objects.filter(pk__in=[old_trash.pk, old_spam.pk, old_approved.pk]).update(
        status_changed_at=days_ago(retention_days + 1)
    )
    Comment.objects.filter(pk=new_trash.pk).update(status_changed_at=days_ago(retention_days - 1))

    output = run_command("comments_maintenance")

    remaining = set(Comment.objects.values_list("pk", flat=True))
    assert remaining == {new_trash.pk, old_spam.pk, old_approved.pk, reply_to_old_trash.pk}
    assert Comment.objects.get(pk=reply_to_old_trash.pk).parent_id is None
    assert f"Deleted 1 comment(s) from the trash (older than {retention_days} days)" in output


@pytest.mark.parametrize("retention_days", [30, 7])
def test_maintenance_erases_ip_and_browser_of_old_comments_only(settings, article, retention_days):
    settings.COMMENTS_IP_RETENTION_DAYS = retention_days
    old = [
        make_comment(article, created_at=days_ago(retention_days + 1)),
        make_comment(article, status=Status.SPAM, created_at=days_ago(retention_days + 30)),
        make_comment(article, created_at=days_ago(retention_days + 1), ip_address=None),
    ]
    recent = make_comment(article, created_at=days_ago(retention_days - 1))

    output = run_command("comments_maintenance")

    for comment in old:
        comment.refresh_from_db()
        assert (comment.ip_address, comment.user_agent) == (None, "")
        assert comment.body.startswith("Comment number")
    recent.refresh_from_db()
    assert (recent.ip_address, recent.user_agent) == ("203.0.113.7", "Mozilla/5.0 (test)")
    assert (
        f"erased IP address and browser of 3 comment(s) (older than {retention_days} days)"
        in output
    )
    assert "Deleted 0 comment(s)" in output


def test_maintenance_run_twice_has_nothing_left_to_do(article):
    make_comment(article, created_at=days_ago(40))
    run_command("comments_maintenance")

    output = run_command("comments_maintenance")

    assert "Deleted 0 comment(s)" in output
    assert "of 0 comment(s)" in output


# --- Personal-data tools ------------------------------------------------------------


@pytest.fixture
def sams_comments(article):
    other_article = make_article(title="Finding a meeting")
    return [
        make_comment(article, author_email="sam@example.org", author_name="Sam"),
        make_comment(
            other_article,
            author_email="SAM@Example.ORG",
            author_name="Sam R.",
            author_url="https://sam.example.org/",
            status=Status.PENDING,
        ),
        make_comment(article, author_email="Sam@example.org", status=Status.SPAM),
    ]


@pytest.fixture
def others_comments(article):
    return [
        make_comment(article, author_email="alex@example.org", author_name="Sam"),
        make_comment(article, author_email="sam@example.org.evil.test"),
        make_comment(article, author_email="xsam@example.org"),
    ]


def test_export_lists_every_comment_by_that_email_and_no_others(sams_comments, others_comments):
    output = run_command("export_commenter_data", "Sam@EXAMPLE.org")

    data = json.loads(output)
    exported = {entry["id"]: entry for entry in data["comments"]}
    assert set(exported) == {comment.pk for comment in sams_comments}
    pending = sams_comments[1]
    expected = {
        "article": "Finding a meeting",
        "name": "Sam R.",
        "email": "SAM@Example.ORG",
        "website": "https://sam.example.org/",
        "text": pending.body,
        "status": "pending",
        "ip_address": "203.0.113.7",
        "browser": "Mozilla/5.0 (test)",
    }
    assert {key: exported[pending.pk][key] for key in expected} == expected
    assert exported[pending.pk]["article_url"].endswith(pending.article.get_absolute_url())
    for comment in others_comments:
        assert comment.author_email not in output


def test_export_of_an_unknown_email_is_an_empty_list(others_comments):
    data = json.loads(run_command("export_commenter_data", "nobody@example.org"))

    assert data["comments"] == []


def snapshot(comment):
    """Every stored field of ``comment``, as now in the database."""
    return Comment.objects.filter(pk=comment.pk).values().get()


@pytest.mark.parametrize(
    ("options", "text_kept"), [((), True), (("--remove-text",), False)], ids=["keep", "remove"]
)
def test_erase_anonymises_that_emails_comments_only(
    sams_comments, others_comments, options, text_kept
):
    before = {comment.pk: snapshot(comment) for comment in others_comments}

    output = run_command("erase_commenter_data", "SAM@example.org", *options)

    for comment in sams_comments:
        erased = Comment.objects.get(pk=comment.pk)
        assert erased.author_name == "Anonymous"
        assert "sam" not in erased.author_email.lower()
        assert (erased.author_url, erased.ip_address, erased.user_agent) == ("", None, "")
        assert erased.status == comment.status
        assert (erased.body == comment.body) is text_kept
        assert (comment.body in erased.body_html) is text_kept
    for comment in others_comments:
        assert snapshot(comment) == before[comment.pk]
    assert "Anonymised 3 comment(s)" in output
    assert ("text kept" if text_kept else "text removed") in output
    assert json.loads(run_command("export_commenter_data", "sam@example.org"))["comments"] == []


def test_erase_also_unlinks_the_commenters_user_account(article):
    user = User.objects.create_user("sam", password="pw", email="sam@example.org")
    comment = make_comment(article, user=user, author_email="sam@example.org")

    run_command("erase_commenter_data", "sam@example.org")

    comment.refresh_from_db()
    assert comment.user is None


# --- The withdraw link --------------------------------------------------------------


def withdraw_url(comment):
    return reverse("comments:withdraw", args=[withdraw_token(comment)])


@pytest.fixture
def own_comment(article):
    return make_comment(
        article,
        author_name="Sam Rivera",
        author_email="sam@example.org",
        author_url="https://sam.example.org/",
        body="I relapsed last week after two years clean.",
    )


def test_withdraw_link_shows_a_noindex_confirmation_page(client, own_comment):
    response = client.get(withdraw_url(own_comment))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert "Withdraw your comment?" in html
    assert 'method="post"' in html
    own_comment.refresh_from_db()
    assert own_comment.status == Status.APPROVED
    assert not own_comment.is_withdrawn


def test_withdrawing_hides_the_comment_and_erases_personal_data(client, article, own_comment):
    before = client.get(article.get_absolute_url()).content.decode()
    assert f'id="{own_comment.anchor}"' in before

    response = client.post(withdraw_url(own_comment))

    assert response.status_code == 302
    assert response.url == f"{article.get_absolute_url()}#comments"
    comment = Comment.objects.get(pk=own_comment.pk)
    assert comment.status == Status.TRASH
    assert comment.is_withdrawn
    assert comment.author_name == "Anonymous"
    assert "sam" not in comment.author_email
    assert (comment.author_url, comment.ip_address, comment.user_agent) == ("", None, "")
    assert "relapsed" not in comment.body
    assert "relapsed" not in comment.body_html
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'id="{own_comment.anchor}"' not in page
    assert "relapsed" not in page
    assert "Sam Rivera" not in page


def test_withdrawing_keeps_the_replies_of_others(client, article, own_comment):
    reply = make_comment(article, parent=own_comment, body="Sending you strength, friend.")

    client.post(withdraw_url(own_comment))

    page = client.get(article.get_absolute_url()).content.decode()
    assert f'id="{reply.anchor}"' in page
    assert "Sending you strength" in page


def test_withdraw_link_from_the_thank_you_message_works(
    client, article, comment_post_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("comments:post", args=[article.slug]), comment_post_data(), follow=True
        )
    link = re.search(r'href="(/comments/withdraw/[^"]+/)"', response.content.decode()).group(1)

    assert client.get(link).status_code == 200
    client.post(link)

    assert Comment.objects.get().is_withdrawn


def test_a_withdraw_link_works_only_once(client, own_comment):
    url = withdraw_url(own_comment)
    client.post(url)

    assert client.get(url).status_code == 404
    again = client.post(url)
    assert again.status_code == 404
    assert '<meta name="robots" content="noindex">' in again.content.decode()


def tamper(token):
    """The same token with the last two characters of its signature changed."""
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def payload(comment):
    return {"c": comment.pk}


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda comment: tamper(withdraw_token(comment)), id="bad-signature"),
        pytest.param(lambda comment: "not-a-token", id="garbage"),
        pytest.param(lambda comment: signing.dumps(payload(comment)), id="other-salt"),
        pytest.param(
            lambda comment: signing.dumps(payload(comment), key="x" * 50, salt=WITHDRAW_SALT),
            id="other-key",
        ),
        pytest.param(
            lambda comment: signing.dumps([comment.pk], salt=WITHDRAW_SALT), id="not-a-dict"
        ),
    ],
)
def test_a_tampered_withdraw_link_is_refused(client, own_comment, make_token):
    url = reverse("comments:withdraw", args=[make_token(own_comment)])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    own_comment.refresh_from_db()
    assert not own_comment.is_withdrawn
    assert own_comment.author_email == "sam@example.org"


def test_a_withdraw_link_for_a_deleted_comment_is_refused(client, own_comment):
    url = withdraw_url(own_comment)
    own_comment.delete()

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("withdraw_days", [30, 7])
def test_a_withdraw_link_for_an_old_comment_is_refused(
    client, settings, own_comment, withdraw_days
):
    settings.COMMENTS_WITHDRAW_DAYS = withdraw_days
    url = withdraw_url(own_comment)
    Comment.objects.filter(pk=own_comment.pk).update(created_at=days_ago(withdraw_days + 1))

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    own_comment.refresh_from_db()
    assert not own_comment.is_withdrawn


def test_a_withdraw_link_inside_the_window_still_works(client, own_comment):
    Comment.objects.filter(pk=own_comment.pk).update(created_at=days_ago(29))

    assert client.get(withdraw_url(own_comment)).status_code == 200


# --- Email addresses stay out of public pages ---------------------------------------


@pytest.mark.parametrize(
    "query", ["", "?replyto={first}", "?cpage=2"], ids=["page", "reply", "second-page"]
)
def test_commenter_emails_never_appear_in_the_article_page(client, article, settings, query):
    settings.COMMENTS_PER_PAGE = 1
    emails = ["private.person@example.org", "Another.Reader@Example.net"]
    first = make_comment(article, author_email=emails[0], author_url="https://blog.test/")
    make_comment(article, author_email=emails[1], parent=first)
    user = User.objects.create_user("member", password="pw", email="member.mail@example.com")
    make_comment(article, author_email=user.email, user=user)
    emails.append(user.email)

    response = client.get(article.get_absolute_url() + query.format(first=first.pk))

    assert response.status_code == 200
    html = response.content.decode().lower()
    assert 'class="comment-author"' in html
    for email in emails:
        normalised = email.lower()
        assert normalised not in html
        assert normalised.split("@")[0] not in html
        assert hashlib.md5(normalised.encode()).hexdigest() not in html
        assert hashlib.sha256(normalised.encode()).hexdigest() not in html
