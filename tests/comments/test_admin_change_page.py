"""A comment's own admin page: the moderation buttons and the reply as the center."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from comments import services
from comments.models import Comment
from core.models import AuditEntry, SiteSettings
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = AuditEntry.Action
CRISIS_TEXT = "Some days I feel nobody would miss me if I was gone."


def make_staff(username, groups=(), permissions=()):
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="comments", codename__in=permissions)
    )
    return user


@pytest.fixture
def moderator():
    return make_staff("moderator", groups=["Moderators"])


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def article():
    return make_article(title="Naloxone at home", slug="naloxone-at-home")


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def moderate_url(comment):
    return reverse("admin:comments_comment_moderate", args=[comment.pk])


def reply_url(comment):
    return reverse("admin:comments_comment_reply", args=[comment.pk])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def page_text(response):
    return " ".join(strip_tags(response.content.decode()).split())


def status_of(comment):
    return Comment.objects.get(pk=comment.pk).status


def center_replies():
    return Comment.objects.filter(is_center_reply=True)


def press(client, comment, action):
    """Press a moderation button of the comment's page; follow the redirect back."""
    response = client.post(moderate_url(comment), {"action": action}, follow=True)
    assert response.redirect_chain == [(change_url(comment), 302)]
    return response


def send_reply(client, comment, body, **extra):
    response = client.post(reply_url(comment), {"reply-body": body, **extra}, follow=True)
    assert response.redirect_chain == [(change_url(comment), 302)]
    return response


def reply_box(response):
    form = response.context["reply_form"]
    return form["body"].value() if form is not None else None


# --- Moderation buttons -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        (Status.PENDING, ["approve", "mark_spam", "move_to_trash"]),
        (Status.APPROVED, ["unapprove", "mark_spam", "move_to_trash"]),
        (Status.SPAM, ["restore", "move_to_trash"]),
        (Status.TRASH, ["restore"]),
    ],
)
def test_page_offers_the_buttons_that_make_sense_for_the_status(
    moderator_client, article, status, buttons
):
    comment = make_comment(article, status=status)

    response = moderator_client.get(change_url(comment))

    assert response.status_code == 200
    assert [name for name, _label in response.context["moderation_buttons"]] == buttons
    html = response.content.decode()
    for name in buttons:
        assert f'name="action" value="{name}"' in html
    assert html.count('name="action" value=') == len(buttons)
    assert f'action="{moderate_url(comment)}"' in html


def test_withdrawn_comment_has_no_buttons_and_no_reply_box(moderator_client, article):
    comment = services.withdraw_comment(make_comment(article, status=Status.APPROVED))

    response = moderator_client.get(change_url(comment))

    assert response.context["moderation_buttons"] == []
    assert response.context["reply_form"] is None
    assert 'name="action" value=' not in response.content.decode()


@pytest.mark.parametrize(
    ("start", "action", "end", "message", "logged"),
    [
        (
            Status.PENDING,
            "approve",
            Status.APPROVED,
            "1 comment approved.",
            Action.COMMENT_APPROVED,
        ),
        (
            Status.PENDING,
            "mark_spam",
            Status.SPAM,
            "1 comment marked as spam.",
            Action.COMMENT_SPAM,
        ),
        (
            Status.PENDING,
            "move_to_trash",
            Status.TRASH,
            "1 comment moved to trash.",
            Action.COMMENT_TRASHED,
        ),
        (
            Status.APPROVED,
            "unapprove",
            Status.PENDING,
            "1 comment moved back to pending.",
            Action.COMMENT_UNAPPROVED,
        ),
        (
            Status.APPROVED,
            "mark_spam",
            Status.SPAM,
            "1 comment marked as spam.",
            Action.COMMENT_SPAM,
        ),
        (
            Status.APPROVED,
            "move_to_trash",
            Status.TRASH,
            "1 comment moved to trash.",
            Action.COMMENT_TRASHED,
        ),
        (Status.SPAM, "restore", Status.PENDING, "1 comment restored.", Action.COMMENT_RESTORED),
        (
            Status.SPAM,
            "move_to_trash",
            Status.TRASH,
            "1 comment moved to trash.",
            Action.COMMENT_TRASHED,
        ),
        (Status.TRASH, "restore", Status.PENDING, "1 comment restored.", Action.COMMENT_RESTORED),
    ],
)
def test_each_button_moves_only_this_comment_logs_it_and_comes_back_with_a_message(
    moderator_client, moderator, article, start, action, end, message, logged
):
    comment = make_comment(article, status=start)
    bystander = make_comment(article, status=start)

    response = press(moderator_client, comment, action)

    assert status_of(comment) == end
    assert status_of(bystander) == start
    assert messages_of(response) == [message]
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.action, entry.object_id) == (moderator, logged, str(comment.pk))


def test_restore_puts_an_approved_comment_back_where_it_was(moderator_client, article):
    comment = make_comment(article, status=Status.APPROVED)
    press(moderator_client, comment, "move_to_trash")

    press(moderator_client, comment, "restore")

    assert status_of(comment) == Status.APPROVED


def test_approving_from_the_page_counts_the_comment_and_shows_it(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING, body="Narcan saved my brother.")
    client = Client()
    assert "Narcan saved my brother." not in client.get(article.get_absolute_url()).content.decode()

    press(moderator_client, comment, "approve")

    article.refresh_from_db()
    assert article.comment_count == 1
    assert "Narcan saved my brother." in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.APPROVED, "approve"),
        (Status.PENDING, "restore"),
        (Status.TRASH, "mark_spam"),
        (Status.PENDING, "delete_permanently"),
        (Status.PENDING, "nonsense"),
        (Status.PENDING, ""),
    ],
)
def test_a_button_the_status_does_not_offer_changes_nothing(
    moderator_client, article, status, action
):
    comment = make_comment(article, status=status)

    response = press(moderator_client, comment, action)

    assert status_of(comment) == status
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert messages_of(response) == [
        "That button does not apply to this comment as it stands: nothing changed."
    ]
    assert not AuditEntry.objects.exists()


# --- Permissions, methods, CSRF -----------------------------------------------------


@pytest.fixture
def viewer_client(client):
    client.force_login(make_staff("viewer", permissions=["view_comment"]))
    return client


def test_staff_who_may_only_view_see_no_buttons_and_no_reply_box(viewer_client, article):
    comment = make_comment(article, status=Status.PENDING, is_urgent=True)

    response = viewer_client.get(change_url(comment))

    assert response.status_code == 200
    assert "moderation_buttons" not in response.context
    html = response.content.decode()
    assert 'name="action" value=' not in html
    assert "reply-body" not in html


@pytest.mark.parametrize("username", ["viewer", "outsider"])
def test_staff_without_change_permission_cannot_press_a_button_or_reply(client, article, username):
    permissions = ["view_comment"] if username == "viewer" else []
    client.force_login(make_staff(username, permissions=permissions))
    comment = make_comment(article, status=Status.PENDING)

    assert client.post(moderate_url(comment), {"action": "approve"}).status_code == 403
    response = client.post(reply_url(comment), {"reply-body": "Hello", "approve_parent": "1"})

    assert response.status_code == 403
    assert status_of(comment) == Status.PENDING
    assert not center_replies().exists()
    assert not AuditEntry.objects.exists()


def test_anonymous_visitor_is_sent_to_the_login_page(client, article):
    comment = make_comment(article, status=Status.PENDING)

    response = client.post(moderate_url(comment), {"action": "approve"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert status_of(comment) == Status.PENDING


def test_get_changes_nothing(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING)

    assert moderator_client.get(moderate_url(comment), {"action": "approve"}).status_code == 405
    assert moderator_client.get(reply_url(comment), {"reply-body": "Hi"}).status_code == 405
    assert moderator_client.get(change_url(comment)).status_code == 200

    assert status_of(comment) == Status.PENDING
    assert not center_replies().exists()
    assert not AuditEntry.objects.exists()


def test_posts_without_the_csrf_token_are_refused(moderator, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    comment = make_comment(article, status=Status.PENDING)

    assert client.post(moderate_url(comment), {"action": "approve"}).status_code == 403
    assert client.post(reply_url(comment), {"reply-body": "Hi"}).status_code == 403
    assert status_of(comment) == Status.PENDING
    assert not center_replies().exists()


def test_unknown_comment_is_not_found(moderator_client):
    assert moderator_client.post("/admin/comments/comment/999999/moderate/").status_code == 404
    assert moderator_client.post("/admin/comments/comment/999999/reply/").status_code == 404


# --- Reply as the center --------------------------------------------------------------


def test_reply_is_published_threaded_and_marked_as_the_centers(
    moderator_client, moderator, article, settings
):
    settings.DEFAULT_FROM_EMAIL = "Harbor <team@harbor.example>"
    comment = make_comment(article, status=Status.APPROVED, author_name="Dana")
    reader = Client()
    assert reader.get(article.get_absolute_url()).status_code == 200  # cached now

    response = send_reply(moderator_client, comment, "  Thank you, Dana. We are here for you.  ")

    assert messages_of(response) == ["Your reply was published as Harbor Recovery Center."]
    reply = center_replies().get()
    assert reply.status == Status.APPROVED
    assert reply.parent == comment
    assert reply.article == article
    assert reply.body == "Thank you, Dana. We are here for you."
    assert reply.author_name == "Harbor Recovery Center"
    assert reply.user == moderator
    assert reply.author_email == "team@harbor.example"
    assert reply.decided_by == Comment.Rule.STAFF
    assert not reply.is_urgent
    article.refresh_from_db()
    assert article.comment_count == 2

    html = reader.get(article.get_absolute_url()).content.decode()
    start = html.index(f'id="comment-{comment.pk}"')
    nested = html.index(f'id="comment-{reply.pk}"')
    assert start < nested
    assert 'class="comment depth-1 comment-center-reply"' in html
    badge = '<span class="comment-badge">Reply from Harbor Recovery Center</span>'
    assert html.count(badge) == 1
    assert html.index(badge) > nested


def test_reply_writes_an_audit_entry_without_personal_data(moderator_client, moderator, article):
    comment = make_comment(article, status=Status.APPROVED, author_name="Dana")

    send_reply(moderator_client, comment, "We are glad you wrote.")

    reply = center_replies().get()
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.username, entry.action) == (
        moderator,
        "moderator",
        Action.COMMENT_CENTER_REPLY,
    )
    assert entry.object_id == str(reply.pk)
    assert entry.detail == f"In reply to comment #{comment.pk}"
    assert "Dana" not in entry.object_text + entry.detail


def test_reply_signs_with_the_site_name_editors_set(moderator_client, article):
    site = SiteSettings.load()
    site.site_name = "Lakeside Recovery"
    site.save()
    comment = make_comment(article, status=Status.APPROVED)

    send_reply(moderator_client, comment, "We are glad you wrote.")

    assert center_replies().get().author_name == "Lakeside Recovery"
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Reply from Lakeside Recovery" in html


def test_reply_to_a_comment_at_the_depth_cap_hangs_at_the_cap(moderator_client, article, settings):
    settings.COMMENTS_MAX_DEPTH = 2
    top = make_comment(article)
    deepest = make_comment(article, parent=top)

    send_reply(moderator_client, deepest, "Thank you for sharing this.")

    assert center_replies().get().parent == top


def test_reply_to_a_pending_comment_approves_it_with_the_reply(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING)

    response = moderator_client.get(change_url(comment))
    assert response.context["reply_approves"] is True
    assert "Approve the comment and publish the reply" in page_text(response)
    send_reply(moderator_client, comment, "Welcome, and thank you.", approve_parent="1")

    assert status_of(comment) == Status.APPROVED
    assert center_replies().get().parent_id == comment.pk
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        Action.COMMENT_APPROVED,
        Action.COMMENT_CENTER_REPLY,
    ]
    article.refresh_from_db()
    assert article.comment_count == 2


def test_reply_to_a_pending_comment_without_approving_it_stores_nothing(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING)

    response = send_reply(moderator_client, comment, "Welcome, and thank you.")

    assert messages_of(response) == [
        "Approve the comment before replying: a reply is shown under it."
    ]
    assert status_of(comment) == Status.PENDING
    assert not center_replies().exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", [Status.SPAM, Status.TRASH])
def test_spam_and_trash_get_no_reply_box_and_a_posted_reply_is_refused(
    moderator_client, article, status
):
    comment = make_comment(article, status=status)

    assert moderator_client.get(change_url(comment)).context["reply_form"] is None
    response = send_reply(moderator_client, comment, "Hello there.", approve_parent="1")

    assert messages_of(response) == ["Only a published comment can have a reply. Restore it first."]
    assert status_of(comment) == status
    assert not center_replies().exists()


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_empty_reply_says_so_and_stores_nothing(moderator_client, article, body):
    comment = make_comment(article, status=Status.PENDING)

    response = send_reply(moderator_client, comment, body, approve_parent="1")

    assert messages_of(response) == ["Write a reply before sending it: nothing was posted."]
    assert status_of(comment) == Status.PENDING
    assert not center_replies().exists()
    assert not AuditEntry.objects.exists()


def test_too_long_reply_is_refused_and_stores_nothing(moderator_client, article):
    comment = make_comment(article, status=Status.APPROVED)

    response = send_reply(moderator_client, comment, "x" * 10_001)

    assert len(messages_of(response)) == 1
    assert "10000 characters" in messages_of(response)[0]
    assert not center_replies().exists()


def test_the_same_reply_twice_on_one_article_is_refused_and_rolls_back_the_approval(
    moderator_client, article
):
    first = make_comment(article, status=Status.APPROVED)
    second = make_comment(article, status=Status.PENDING)
    send_reply(moderator_client, first, "We are here for you.")

    response = send_reply(moderator_client, second, "We are here for you.", approve_parent="1")

    assert messages_of(response) == [
        "The center already posted this same reply on this article. "
        "Change the wording to send it again."
    ]
    assert status_of(second) == Status.PENDING
    assert center_replies().count() == 1
    assert AuditEntry.objects.count() == 1


# --- Prepared reply for urgent comments -----------------------------------------------


def test_urgent_comment_offers_a_prepared_reply_pointing_to_help(moderator_client, article):
    site = SiteSettings.load()
    site.helpline_name = "Lakeside Helpline"
    site.helpline_phone = "1-800-555-0199"
    site.save()
    comment = make_comment(
        article, status=Status.PENDING, is_urgent=True, author_name="Sam", body=CRISIS_TEXT
    )

    response = moderator_client.get(change_url(comment))

    prepared = reply_box(response)
    assert prepared.startswith("Thank you for writing to us, Sam.")
    for needed in (
        "call or text 988",
        "Suicide & Crisis Lifeline",
        "Lakeside Helpline",
        "1-800-555-0199",
        "call 911",
    ):
        assert needed in prepared
    assert prepared.rstrip().endswith(f"The team at {site.site_name}")
    text = page_text(response)
    assert "Urgent: this comment uses crisis language." in text
    assert "do not publish it: write to its author by email instead" in text
    # In the box, escaped once: the ampersand of "Suicide & Crisis" is text, not markup.
    assert "Suicide &amp; Crisis Lifeline" in response.content.decode()


def test_prepared_reply_keeps_a_name_with_markup_as_text(moderator_client, article):
    comment = make_comment(
        article, status=Status.APPROVED, is_urgent=True, author_name="<b>Sam</b>"
    )

    response = moderator_client.get(change_url(comment))

    assert reply_box(response).startswith("Thank you for writing to us, <b>Sam</b>.")
    assert "<b>Sam</b>" not in response.content.decode()


@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED])
def test_ordinary_comment_gets_an_empty_reply_box(moderator_client, article, status):
    comment = make_comment(article, status=status, body="Thank you for this article.")

    response = moderator_client.get(change_url(comment))

    assert response.context["reply_form"] is not None
    assert reply_box(response) == ""
    assert "crisis language. Its author saw 988" not in page_text(response)


def test_edited_prepared_reply_is_what_gets_published(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING, is_urgent=True, body=CRISIS_TEXT)
    prepared = reply_box(moderator_client.get(change_url(comment)))
    edited = prepared.replace("Thank you for writing to us", "Thank you for telling us this")

    send_reply(moderator_client, comment, edited, approve_parent="1")

    reply = center_replies().get()
    assert reply.body == edited.strip()
    assert reply.is_center_reply and not reply.is_urgent
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Thank you for telling us this" in html


def test_counts_stay_true_after_replies(moderator_client, article):
    approved = make_comment(article, status=Status.APPROVED)
    pending = make_comment(article, status=Status.PENDING)

    send_reply(moderator_client, approved, "Thank you for this.")
    send_reply(moderator_client, pending, "Welcome to the conversation.", approve_parent="1")

    assert services.recount_comments() == 0
    article.refresh_from_db()
    assert article.comment_count == 4


# --- A reply never stands alone -------------------------------------------------------


@pytest.fixture
def answered(moderator_client, article):
    """An approved comment with the center's reply under it."""
    comment = make_comment(article, status=Status.APPROVED, author_name="Sam")
    send_reply(moderator_client, comment, "Sam, thank you for trusting us with this.")
    AuditEntry.objects.all().delete()
    return comment


@pytest.mark.parametrize(
    ("action", "logged"),
    [
        ("unapprove", Action.COMMENT_UNAPPROVED),
        ("mark_spam", Action.COMMENT_SPAM),
        ("move_to_trash", Action.COMMENT_TRASHED),
    ],
)
def test_the_centers_reply_goes_to_trash_when_its_comment_leaves_the_site(
    moderator_client, moderator, article, answered, action, logged
):
    reply = center_replies().get()

    press(moderator_client, answered, action)

    assert status_of(reply) == Status.TRASH
    article.refresh_from_db()
    assert article.comment_count == 0
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "thank you for trusting us" not in html
    lines = AuditEntry.objects.order_by("pk")
    assert [(line.action, line.object_id) for line in lines] == [
        (logged, str(answered.pk)),
        (Action.COMMENT_TRASHED, str(reply.pk)),
    ]
    assert lines[1].user == moderator
    assert lines[1].detail == f"With comment #{answered.pk}, which it answers"


def test_the_centers_reply_follows_a_bulk_action_too(moderator_client, article, answered):
    reply = center_replies().get()

    moderator_client.post(
        reverse("admin:comments_comment_changelist"),
        {"action": "move_to_trash", "_selected_action": [answered.pk]},
    )

    assert status_of(reply) == Status.TRASH


def test_the_centers_reply_goes_when_its_author_withdraws_the_comment(article, answered):
    reply = center_replies().get()

    services.withdraw_comment(Comment.objects.get(pk=answered.pk))

    assert status_of(reply) == Status.TRASH
    article.refresh_from_db()
    assert article.comment_count == 0


def test_moving_a_reply_leaves_the_comment_it_answers_alone(moderator_client, article, answered):
    reply = center_replies().get()
    reader_reply = make_comment(article, parent=answered, status=Status.APPROVED)

    press(moderator_client, reply, "move_to_trash")
    press(moderator_client, reader_reply, "mark_spam")

    assert status_of(answered) == Status.APPROVED
    assert status_of(reply) == Status.TRASH


def test_the_centers_reply_goes_to_trash_when_its_comment_is_deleted(
    moderator_client, article, answered
):
    reply = center_replies().get()

    response = moderator_client.post(
        reverse("admin:comments_comment_delete", args=[answered.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=answered.pk).exists()
    assert status_of(reply) == Status.TRASH
    assert "thank you for trusting us" not in (
        Client().get(article.get_absolute_url()).content.decode()
    )
