"""Comment moderation in the Django admin: bulk actions, the changelist, permissions."""

import importlib

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from comments.models import Comment
from comments.services import withdraw_comment
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
CHANGELIST = reverse("admin:comments_comment_changelist")
moderators_migration = importlib.import_module("comments.migrations.0002_moderators_group")


def make_staff(username, groups=(), **fields):
    user = User.objects.create_user(username, password="pw", is_staff=True, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def moderator_client(client):
    client.force_login(make_staff("moderator", groups=["Moderators"]))
    return client


@pytest.fixture
def article():
    return make_article(title="Naloxone at home", slug="naloxone-at-home")


def run_action(client, action, comments):
    """Post a bulk action the way the changelist's action form does; follow the redirect."""
    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [comment.pk for comment in comments]},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain, "the action did not redirect back to the changelist"
    return response


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def statuses(*comments):
    return [Comment.objects.get(pk=comment.pk).status for comment in comments]


def page_text(response):
    """The page's visible text with whitespace collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


def listed_ids(response):
    return [comment.pk for comment in response.context["cl"].result_list]


# --- Bulk actions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "selected", "expected_statuses", "message"),
    [
        (
            "approve",
            [Status.PENDING, Status.PENDING, Status.APPROVED],
            [Status.APPROVED] * 3,
            "2 comments approved.",
        ),
        (
            "approve",
            [Status.SPAM],
            [Status.APPROVED],
            "1 comment approved.",
        ),
        (
            "unapprove",
            [Status.APPROVED, Status.APPROVED, Status.SPAM, Status.TRASH],
            [Status.PENDING, Status.PENDING, Status.SPAM, Status.TRASH],
            "2 comments moved back to pending.",
        ),
        (
            "mark_spam",
            [Status.PENDING, Status.APPROVED, Status.SPAM],
            [Status.SPAM] * 3,
            "2 comments marked as spam.",
        ),
        (
            "move_to_trash",
            [Status.PENDING, Status.APPROVED, Status.SPAM, Status.TRASH],
            [Status.TRASH] * 4,
            "3 comments moved to trash.",
        ),
        (
            "restore",
            [Status.PENDING, Status.APPROVED],
            [Status.PENDING, Status.APPROVED],
            "0 comments restored.",
        ),
    ],
)
def test_bulk_action_changes_the_selected_comments_and_reports_how_many(
    moderator_client, article, action, selected, expected_statuses, message
):
    comments = [make_comment(article, status=status) for status in selected]
    bystander = make_comment(article, status=Status.PENDING)

    response = run_action(moderator_client, action, comments)

    assert statuses(*comments) == expected_statuses
    assert statuses(bystander) == [Status.PENDING]
    assert messages_of(response) == [message]
    assert message in page_text(response)


@pytest.mark.parametrize(
    ("start", "actions", "message"),
    [
        (Status.APPROVED, ["move_to_trash"], "1 comment restored."),
        (Status.PENDING, ["mark_spam"], "1 comment restored."),
        (Status.APPROVED, ["mark_spam"], "1 comment restored."),
        (Status.PENDING, ["move_to_trash"], "1 comment restored."),
        (Status.APPROVED, ["mark_spam", "move_to_trash"], "1 comment restored."),
        (Status.PENDING, ["move_to_trash", "mark_spam"], "1 comment restored."),
    ],
)
def test_restore_returns_a_comment_to_its_status_before_spam_or_trash(
    moderator_client, article, start, actions, message
):
    comment = make_comment(article, status=start)
    for action in actions:
        run_action(moderator_client, action, [comment])
    assert statuses(comment) != [start]

    response = run_action(moderator_client, "restore", [comment])

    assert statuses(comment) == [start]
    assert messages_of(response) == [message]


def test_restore_counts_only_comments_that_were_in_spam_or_trash(moderator_client, article):
    trashed = make_comment(article, status=Status.APPROVED)
    spammed = make_comment(article, status=Status.PENDING)
    run_action(moderator_client, "move_to_trash", [trashed])
    run_action(moderator_client, "mark_spam", [spammed])
    untouched = make_comment(article, status=Status.APPROVED)

    response = run_action(moderator_client, "restore", [trashed, spammed, untouched])

    assert statuses(trashed, spammed, untouched) == [
        Status.APPROVED,
        Status.PENDING,
        Status.APPROVED,
    ]
    assert messages_of(response) == ["2 comments restored."]


def test_spam_that_came_in_as_spam_is_restored_to_pending(moderator_client, article):
    comment = make_comment(article, status=Status.SPAM)

    response = run_action(moderator_client, "restore", [comment])

    assert statuses(comment) == [Status.PENDING]
    assert messages_of(response) == ["1 comment restored."]


def test_delete_permanently_removes_only_trashed_comments(moderator_client, article):
    trashed = [make_comment(article, status=Status.TRASH) for _ in range(2)]
    others = [make_comment(article, status=status) for status in (Status.APPROVED, Status.SPAM)]

    response = run_action(moderator_client, "delete_permanently", [*trashed, *others])

    assert not Comment.objects.filter(pk__in=[comment.pk for comment in trashed]).exists()
    assert statuses(*others) == [Status.APPROVED, Status.SPAM]
    assert messages_of(response) == ["2 comments deleted permanently."]


def test_delete_permanently_with_nothing_in_the_trash_reports_zero(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING)

    response = run_action(moderator_client, "delete_permanently", [comment])

    assert statuses(comment) == [Status.PENDING]
    assert messages_of(response) == ["0 comments deleted permanently."]


def test_the_built_in_delete_action_is_not_offered(moderator_client):
    response = moderator_client.get(CHANGELIST)

    offered = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in offered
    assert {
        "approve",
        "unapprove",
        "mark_spam",
        "move_to_trash",
        "restore",
        "delete_permanently",
    } <= set(offered)


def test_deleting_a_reply_moves_its_replies_up_one_level(moderator_client, article):
    top = make_comment(article)
    middle = make_comment(article, parent=top, status=Status.TRASH)
    replies = [make_comment(article, parent=middle) for _ in range(2)]
    grandchild = make_comment(article, parent=replies[0])

    run_action(moderator_client, "delete_permanently", [middle])

    assert not Comment.objects.filter(pk=middle.pk).exists()
    assert [Comment.objects.get(pk=reply.pk).parent_id for reply in replies] == [top.pk] * 2
    assert Comment.objects.get(pk=grandchild.pk).parent_id == replies[0].pk
    assert statuses(*replies, grandchild) == [Status.APPROVED] * 3


def test_deleting_a_top_level_comment_makes_its_replies_top_level(moderator_client, article):
    top = make_comment(article, status=Status.TRASH)
    reply = make_comment(article, parent=top)

    run_action(moderator_client, "delete_permanently", [top])

    assert Comment.objects.get(pk=reply.pk).parent_id is None


def test_deleting_a_comment_and_its_reply_together_keeps_the_grandchild(moderator_client, article):
    top = make_comment(article)
    first = make_comment(article, parent=top, status=Status.TRASH)
    second = make_comment(article, parent=first, status=Status.TRASH)
    grandchild = make_comment(article, parent=second)

    response = run_action(moderator_client, "delete_permanently", [first, second])

    assert messages_of(response) == ["2 comments deleted permanently."]
    assert Comment.objects.get(pk=grandchild.pk).parent_id == top.pk


@pytest.mark.parametrize("action", ["approve", "restore", "mark_spam", "unapprove"])
def test_a_withdrawn_comment_cannot_be_brought_back_by_an_action(moderator_client, article, action):
    comment = withdraw_comment(make_comment(article, status=Status.APPROVED))
    assert comment.previous_status == Status.APPROVED

    response = run_action(moderator_client, action, [comment])

    comment.refresh_from_db()
    assert comment.status == Status.TRASH
    assert comment.is_withdrawn
    assert messages_of(response)[0].startswith("0 comments")


@pytest.mark.parametrize("action", ["restore", "approve", "mark_spam"])
def test_taking_a_comment_out_of_the_trash_next_to_its_repost_does_not_crash(
    moderator_client, article, action
):
    original = make_comment(article, author_email="sam@example.org", body="Same words.")
    run_action(moderator_client, "move_to_trash", [original])
    make_comment(
        article, author_email="Sam@Example.org", body="Same  words.", status=Status.PENDING
    )
    other = make_comment(article, status=Status.TRASH, previous_status=Status.PENDING)

    response = run_action(moderator_client, action, [original, other])

    assert statuses(original) == [Status.TRASH]
    assert statuses(other) != [Status.TRASH]
    assert messages_of(response)[0].startswith("1 comment ")


# --- The changelist -----------------------------------------------------------------


def test_status_filter_shows_a_count_for_each_status(moderator_client, article):
    for status, count in ((Status.PENDING, 2), (Status.APPROVED, 3), (Status.SPAM, 1)):
        for _ in range(count):
            make_comment(article, status=status)

    response = moderator_client.get(CHANGELIST)

    text = page_text(response)
    for label in ("Pending (2)", "Approved (3)", "Spam (1)", "Trash (0)"):
        assert label in text


def test_status_filter_lists_only_that_status(moderator_client, article):
    pending = [make_comment(article, status=Status.PENDING) for _ in range(2)]
    make_comment(article, status=Status.APPROVED)

    response = moderator_client.get(CHANGELIST, {"status__exact": "pending"})

    assert sorted(listed_ids(response)) == sorted(comment.pk for comment in pending)


def test_urgent_pending_comments_are_listed_first_then_the_newest(moderator_client, article):
    now = timezone.now()
    urgent_old = make_comment(
        article,
        status=Status.PENDING,
        is_urgent=True,
        created_at=now - timezone.timedelta(days=3),
    )
    urgent_approved = make_comment(
        article,
        status=Status.APPROVED,
        is_urgent=True,
        created_at=now - timezone.timedelta(days=4),
    )
    oldest = make_comment(
        article, status=Status.PENDING, created_at=now - timezone.timedelta(days=5)
    )
    newest = make_comment(
        article, status=Status.PENDING, created_at=now - timezone.timedelta(hours=1)
    )

    response = moderator_client.get(CHANGELIST)

    assert listed_ids(response) == [urgent_old.pk, newest.pk, urgent_approved.pk, oldest.pk]


def test_urgent_comments_are_marked_in_the_list(moderator_client, article):
    make_comment(article, status=Status.PENDING, is_urgent=True, body="I want to end my life")

    response = moderator_client.get(CHANGELIST)

    assert "URGENT I want to end my life" in page_text(response)


@pytest.mark.parametrize(
    "query",
    ["Jordan Blake", "jblake@example.net", "198.51.100.42", "198.51.100", "methadone clinic"],
    ids=["name", "email", "ip", "partial-ip", "text"],
)
def test_search_finds_a_comment_by_name_email_ip_and_text(moderator_client, article, query):
    wanted = make_comment(
        article,
        author_name="Jordan Blake",
        author_email="jblake@example.net",
        ip_address="198.51.100.42",
        body="Which methadone clinic did you go to?",
        status=Status.PENDING,
    )
    make_comment(article, ip_address="203.0.113.9")

    response = moderator_client.get(CHANGELIST, {"q": query})

    assert response.status_code == 200
    assert listed_ids(response) == [wanted.pk]


def test_changelist_has_a_date_hierarchy(moderator_client, article):
    comment = make_comment(article)

    response = moderator_client.get(CHANGELIST)
    year = timezone.localtime(comment.created_at).year

    assert response.context["cl"].date_hierarchy == "created_at"
    assert f"?created_at__year={year}" in response.content.decode()
    by_year = moderator_client.get(CHANGELIST, {"created_at__year": year})
    assert listed_ids(by_year) == [comment.pk]
    assert listed_ids(moderator_client.get(CHANGELIST, {"created_at__year": year - 1})) == []


def test_changelist_links_to_the_article_and_to_approved_comments_on_the_site(
    moderator_client, article
):
    approved = make_comment(article, status=Status.APPROVED)
    pending = make_comment(article, status=Status.PENDING)

    response = moderator_client.get(CHANGELIST)
    html = response.content.decode()

    assert html.count(f'href="{article.get_absolute_url()}"') == 2
    assert f'href="{approved.get_absolute_url()}"' in html
    assert f'href="{pending.get_absolute_url()}"' not in html
    # The link is a permalink that redirects to the page and anchor of the comment.
    on_site = moderator_client.get(approved.get_absolute_url())
    assert on_site["Location"] == f"/articles/naloxone-at-home/#{approved.anchor}"
    page = moderator_client.get(on_site["Location"].split("#")[0])
    assert f'id="{approved.anchor}"' in page.content.decode()
    assert moderator_client.get(pending.get_absolute_url()).status_code == 404


def test_on_site_link_opens_the_comments_page_that_shows_the_comment(
    moderator_client, article, settings
):
    settings.COMMENTS_PER_PAGE = 1
    make_comment(article)
    later = make_comment(article)

    html = moderator_client.get(CHANGELIST).content.decode()
    assert f'href="{later.get_absolute_url()}"' in html

    redirect = moderator_client.get(later.get_absolute_url())
    assert redirect["Location"] == f"{article.get_absolute_url()}?cpage=2#{later.anchor}"
    page = moderator_client.get(redirect["Location"].split("#")[0])
    assert f'id="{later.anchor}"' in page.content.decode()


def test_comments_cannot_be_added_in_the_admin(client, moderator_client):
    response = moderator_client.get(CHANGELIST)
    assert reverse("admin:comments_comment_add") not in response.content.decode()
    assert moderator_client.get(reverse("admin:comments_comment_add")).status_code == 403

    client.force_login(User.objects.create_superuser("root", password="pw"))
    assert client.get(reverse("admin:comments_comment_add")).status_code == 403


def test_comment_change_page_renders_for_a_moderator(moderator_client, article):
    comment = make_comment(article, decided_by=Comment.Rule.CRISIS, is_urgent=True)

    response = moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assert response.status_code == 200
    assert "Crisis language" in page_text(response)


# --- The admin index ----------------------------------------------------------------


def test_admin_index_shows_moderators_the_pending_and_urgent_counts(moderator_client, article):
    for _ in range(2):
        make_comment(article, status=Status.PENDING)
    make_comment(article, status=Status.PENDING, is_urgent=True)
    make_comment(article, status=Status.APPROVED, is_urgent=True)
    make_comment(article, status=Status.SPAM)

    response = moderator_client.get(reverse("admin:index"))

    text = page_text(response)
    assert "3 comments awaiting moderation, 1 urgent." in text
    html = response.content.decode()
    assert f'href="{CHANGELIST}?status__exact=pending"' in html
    assert f'href="{CHANGELIST}?status__exact=pending&amp;is_urgent__exact=1"' in html


def test_admin_index_without_urgent_comments_shows_no_urgent_count(moderator_client, article):
    make_comment(article, status=Status.PENDING)

    text = page_text(moderator_client.get(reverse("admin:index")))

    assert "1 comment awaiting moderation." in text
    assert "urgent" not in text


def test_admin_index_hides_the_count_from_staff_without_comment_permissions(client, article):
    make_comment(article, status=Status.PENDING)
    client.force_login(make_staff("editor", groups=["Editors"]))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "awaiting moderation" not in page_text(response)


# --- Permissions --------------------------------------------------------------------


def test_moderators_group_has_the_comment_permissions_and_reads_the_audit_log():
    permissions = Group.objects.get(name="Moderators").permissions.all()

    assert {(p.content_type.app_label, p.codename) for p in permissions} == {
        ("comments", codename) for codename in moderators_migration.CODENAMES
    } | {("core", "view_auditentry")}


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_topic_changelist"),
        reverse("admin:auth_user_changelist"),
    ],
)
def test_moderator_cannot_open_the_article_admin(moderator_client, url):
    assert moderator_client.get(url).status_code == 403


def test_moderator_cannot_edit_or_add_articles(moderator_client, article):
    change_url = reverse("admin:articles_article_change", args=[article.pk])

    assert moderator_client.get(change_url).status_code == 403
    response = moderator_client.post(change_url, {"title": "Hijacked", "slug": "hijacked"})
    assert response.status_code == 403
    added = moderator_client.post(
        reverse("admin:articles_article_add"), {"title": "New", "slug": "new"}
    )
    assert added.status_code == 403
    article.refresh_from_db()
    assert article.title == "Naloxone at home"
    assert not article.__class__.objects.filter(slug="new").exists()


def test_moderator_can_open_the_moderation_lists(moderator_client):
    response = moderator_client.get(
        reverse("admin:comments_moderationlists_changelist"), follow=True
    )

    assert response.status_code == 200
    assert "crisis_keys" in response.content.decode()


def test_editor_cannot_see_or_moderate_comments(client, article):
    comment = make_comment(article, status=Status.PENDING)
    client.force_login(make_staff("editor", groups=["Editors"]))

    assert client.get(CHANGELIST).status_code == 403
    response = client.post(CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]})
    assert response.status_code == 403
    assert statuses(comment) == [Status.PENDING]


def test_staff_without_comment_permissions_cannot_post_actions(client, article):
    comment = make_comment(article, status=Status.TRASH)
    client.force_login(make_staff("outsider"))

    response = client.post(
        CHANGELIST, {"action": "delete_permanently", "_selected_action": [comment.pk]}
    )

    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
