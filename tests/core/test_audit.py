"""The audit log: what writes an entry, who may read it, and what it never holds."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import services
from comments.models import Comment
from core import audit
from core.models import AuditEntry
from tests.articles.test_admin import article_form_data, make_staff, section_rows
from tests.factories import (
    default_reviewer,
    make_article,
    make_comment,
    make_reviewed_draft,
    make_topic,
)

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
Status = Comment.Status
ARTICLE_ADD = reverse("admin:articles_article_add")
AUDIT_LIST = reverse("admin:core_auditentry_changelist")
COMMENTS = reverse("admin:comments_comment_changelist")
# A fixed local instant (the site's time zone) for everything about publication times.
NOW = timezone.make_aware(datetime(2026, 3, 10, 12, 0))


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def editor():
    return make_staff("editor", groups=["Editors"])


@pytest.fixture
def moderator():
    return make_staff("moderator", groups=["Moderators"])


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def form_time(moment):
    local = timezone.localtime(moment)
    return {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M:%S")}


def publication_data(*, status, published_at=None, unpublish_at=None, **overrides):
    """The article form's data with the given status and times."""
    data = article_form_data(
        make_topic(),
        section_rows(1),
        [],
        status=status,
        reviewer=str(default_reviewer().pk),
        **overrides,
    )
    for name, moment in (("published_at", published_at), ("unpublish_at", unpublish_at)):
        parts = form_time(moment) if moment else {"date": "", "time": ""}
        data[f"{name}_0"], data[f"{name}_1"] = parts["date"], parts["time"]
    return data


def save_article(client, data, article=None):
    """Post the article form (a new article unless ``article`` is given)."""
    url = reverse("admin:articles_article_change", args=[article.pk]) if article else ARTICLE_ADD
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    return Article.objects.get(slug=data["slug"])


def existing_article(**fields):
    """An article matching article_form_data's title and slug, without sections,
    reviewed by a medical reviewer (as publishing requires)."""
    return make_reviewed_draft(
        title="Supervised detox", slug="supervised-detox", **{"status": "published", **fields}
    )


# --- record() ------------------------------------------------------------------------


def test_record_keeps_who_what_and_the_object_even_after_both_are_gone(editor):
    article = make_article(title="Naloxone at home")

    entry = audit.record(editor, Action.PUBLISHED, article, "Public from today")

    article_id = article.pk
    article.delete()
    editor.delete()
    entry.refresh_from_db()
    assert (entry.user, entry.username, entry.action) == (None, "editor", Action.PUBLISHED)
    assert (entry.object_id, entry.object_text) == (str(article_id), "Naloxone at home")
    assert entry.content_type.model_class() is Article
    assert entry.detail == "Public from today"


def test_record_by_the_site_itself_has_no_person():
    entry = audit.record(None, Action.COMMENT_DELETED, make_article())

    assert (entry.user, entry.username) == (None, "")


def test_an_unknown_action_is_refused_by_the_database(editor):
    with pytest.raises(ValueError):
        audit.record(editor, "rewrote history", make_article())
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.create(action="rewrote", object_id="1", object_text="x")


# --- Articles ------------------------------------------------------------------------


def only_entry():
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, entries
    return entries[0]


def test_publishing_a_draft_writes_one_published_entry(editor_client, editor, now):
    draft = existing_article(status=Article.Status.DRAFT, published_at=None)

    article = save_article(
        editor_client,
        publication_data(status="published", published_at=now - timedelta(hours=1)),
        draft,
    )

    entry = only_entry()
    assert (entry.user, entry.action, entry.object_id) == (
        editor,
        Action.PUBLISHED,
        str(article.pk),
    )
    assert entry.object_text == "Supervised detox"
    assert entry.detail.startswith("Public from ")


def test_a_new_draft_writes_nothing(editor_client, now):
    save_article(editor_client, publication_data(status="draft"))

    assert not AuditEntry.objects.exists()


def test_scheduling_a_draft_writes_one_scheduled_entry(editor_client, editor, now):
    article = existing_article(status=Article.Status.DRAFT, published_at=None)

    save_article(
        editor_client,
        publication_data(
            status="published",
            published_at=now + timedelta(days=2),
            unpublish_at=now + timedelta(days=30),
        ),
        article,
    )

    entry = only_entry()
    assert (entry.user, entry.action, entry.object_id) == (
        editor,
        Action.SCHEDULED,
        str(article.pk),
    )
    assert entry.detail.startswith("For ") and ", until " in entry.detail


def test_unpublishing_writes_one_unpublished_entry(editor_client, editor, now):
    article = existing_article(published_at=now - timedelta(days=3))

    save_article(
        editor_client,
        publication_data(status="draft", published_at=now - timedelta(days=3)),
        article,
    )

    entry = only_entry()
    assert (entry.user, entry.action, entry.object_id) == (
        editor,
        Action.UNPUBLISHED,
        str(article.pk),
    )


def test_setting_an_unpublication_time_on_a_public_article_is_scheduled(editor_client, now):
    article = existing_article(published_at=now - timedelta(days=3))

    save_article(
        editor_client,
        publication_data(
            status="published",
            published_at=now - timedelta(days=3),
            unpublish_at=now + timedelta(days=7),
        ),
        article,
    )

    entry = only_entry()
    assert entry.action == Action.SCHEDULED
    assert entry.detail.startswith("Unpublication at ")


def test_editing_the_text_of_a_public_article_writes_nothing(editor_client, now):
    published_at = now - timedelta(days=3)
    article = existing_article(published_at=published_at)

    save_article(
        editor_client,
        publication_data(
            status="published",
            published_at=published_at,
            summary="A better summary, in one plain sentence.",
        ),
        article,
    )

    assert Article.objects.get(pk=article.pk).summary.startswith("A better summary")
    assert not AuditEntry.objects.exists()


def test_a_refused_save_writes_no_entry(editor_client, now):
    data = publication_data(
        status="published", published_at=now, unpublish_at=now - timedelta(days=1)
    )

    response = editor_client.post(ARTICLE_ADD, data)

    assert response.status_code == 200
    assert not Article.objects.exists() and not AuditEntry.objects.exists()


def test_deleting_an_article_writes_one_deleted_entry(editor_client, editor):
    article = make_article(title="Old notice")

    response = editor_client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    entry = only_entry()
    assert (entry.user, entry.action, entry.object_id, entry.object_text) == (
        editor,
        Action.DELETED,
        str(article.pk),
        "Old notice",
    )
    assert not Article.objects.filter(pk=article.pk).exists()


def test_bulk_deleting_articles_writes_one_entry_each(editor_client, editor):
    articles = [make_article(title=f"Notice {n}") for n in range(3)]
    kept = make_article(title="Kept")

    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [article.pk for article in articles],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    entries = AuditEntry.objects.order_by("object_text")
    assert [(e.action, e.object_text, e.user) for e in entries] == [
        (Action.DELETED, f"Notice {n}", editor) for n in range(3)
    ]
    assert list(Article.objects.all()) == [kept]


# --- Comments ------------------------------------------------------------------------


@pytest.fixture
def article():
    return make_article(title="Naloxone at home")


@pytest.mark.parametrize(
    ("action", "status", "unmoved_status", "expected"),
    [
        ("approve", Status.PENDING, Status.APPROVED, Action.COMMENT_APPROVED),
        ("unapprove", Status.APPROVED, Status.PENDING, Action.COMMENT_UNAPPROVED),
        ("mark_spam", Status.PENDING, Status.SPAM, Action.COMMENT_SPAM),
        ("move_to_trash", Status.APPROVED, Status.TRASH, Action.COMMENT_TRASHED),
        ("restore", Status.SPAM, Status.PENDING, Action.COMMENT_RESTORED),
        ("delete_permanently", Status.TRASH, Status.PENDING, Action.COMMENT_DELETED),
    ],
)
def test_each_moderation_action_writes_one_entry_per_comment_it_moves(
    client, moderator, article, action, status, unmoved_status, expected
):
    """The selection holds one comment the action moves and one it leaves alone."""
    client.force_login(moderator)
    moved = make_comment(article, status=status, author_name="Dana Q", body="My story.")
    unmoved = make_comment(article, status=unmoved_status)

    client.post(COMMENTS, {"action": action, "_selected_action": [moved.pk, unmoved.pk]})

    entry = only_entry()
    assert (entry.user, entry.username, entry.action) == (moderator, "moderator", expected)
    assert (entry.object_id, entry.object_text) == (
        str(moved.pk),
        f"Comment #{moved.pk} on Naloxone at home",
    )
    assert entry.content_type.model_class() is Comment


def test_deleting_a_comment_from_its_page_writes_one_entry(client, moderator, article):
    client.force_login(moderator)
    comment = make_comment(article, status=Status.SPAM)

    response = client.post(
        reverse("admin:comments_comment_delete", args=[comment.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    entry = only_entry()
    assert (entry.user, entry.action, entry.object_id) == (
        moderator,
        Action.COMMENT_DELETED,
        str(comment.pk),
    )


def test_emptying_old_trash_is_logged_as_the_sites_own_doing(article, time_machine):
    comment = make_comment(article, status=Status.TRASH)
    time_machine.move_to(timezone.now() + timedelta(days=400), tick=False)

    call_command("comments_maintenance", stdout=open("/dev/null", "w"))  # noqa: SIM115

    entry = only_entry()
    assert (entry.user, entry.username, entry.action) == (None, "", Action.COMMENT_DELETED)
    assert entry.object_id == str(comment.pk)
    assert "trash" in entry.detail


def test_a_move_that_fails_writes_no_entry(article, moderator):
    body = "The same words twice."
    make_comment(article, status=Status.APPROVED, author_email="a@example.org", body=body)
    trashed = make_comment(article, status=Status.TRASH, author_email="a@example.org", body=body)

    assert services.restore(Comment.objects.filter(pk=trashed.pk), by=moderator) == 0

    assert not AuditEntry.objects.exists()


def test_no_personal_data_of_commenters_reaches_the_log(client, moderator, article):
    client.force_login(moderator)
    comment = make_comment(
        article,
        status=Status.PENDING,
        author_name="Dana Quill",
        author_email="dana.quill@example.org",
        author_url="https://dana.example.org",
        body="Day forty of being sober, thanks to my sister.",
        ip_address="203.0.113.77",
        user_agent="QuillBrowser/1.0",
    )
    for action in ("approve", "mark_spam", "restore", "move_to_trash", "delete_permanently"):
        client.post(COMMENTS, {"action": action, "_selected_action": [comment.pk]})

    assert AuditEntry.objects.count() == 5
    stored = " ".join(
        " ".join(str(value) for value in row)
        for row in AuditEntry.objects.values_list("username", "object_text", "detail", "object_id")
    )
    for personal in ("Dana", "Quill", "dana.quill", "sober", "203.0.113", "QuillBrowser"):
        assert personal not in stored
    listing = client.get(AUDIT_LIST).content.decode()
    assert "Quill" not in listing and f"Comment #{comment.pk} on Naloxone at home" in listing


# --- The admin list ------------------------------------------------------------------


@pytest.fixture
def entries(editor, moderator, article):
    other_article = make_article(title="Tapering safely")
    comment = make_comment(article)
    return {
        "published": audit.record(editor, Action.PUBLISHED, article),
        "deleted": audit.record(editor, Action.DELETED, other_article),
        "approved": audit.record(moderator, Action.COMMENT_APPROVED, comment),
    }


def listed(response):
    assert response.status_code == 200
    return {entry.pk for entry in response.context["cl"].result_list}


def test_superusers_see_every_entry_but_cannot_add_change_or_delete(client, entries):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    entry = entries["published"]

    assert listed(client.get(AUDIT_LIST)) == {e.pk for e in entries.values()}
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    detail = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert (
        client.post(
            reverse("admin:core_auditentry_change", args=[entry.pk]), {"detail": "forged"}
        ).status_code
        == 403
    )
    delete = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = client.post(
        AUDIT_LIST, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert AuditEntry.objects.count() == 3, bulk.status_code


def test_editors_see_the_article_entries_and_moderators_the_comment_entries(
    client, editor, moderator, entries
):
    client.force_login(editor)
    assert listed(client.get(AUDIT_LIST)) == {entries["published"].pk, entries["deleted"].pk}
    assert (
        client.get(
            reverse("admin:core_auditentry_change", args=[entries["approved"].pk])
        ).status_code
        == 302
    )  # not one of theirs: back to the index

    client.force_login(moderator)
    assert listed(client.get(AUDIT_LIST)) == {entries["approved"].pk}


def test_staff_outside_both_groups_cannot_open_the_log(client, entries):
    client.force_login(make_staff("outsider"))

    assert client.get(AUDIT_LIST).status_code == 403


def test_the_log_filters_by_person_action_and_date_and_searches_objects(client, entries):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    AuditEntry.objects.filter(pk=entries["deleted"].pk).update(
        created_at=timezone.make_aware(datetime(2025, 6, 1, 9, 0))
    )

    assert listed(client.get(AUDIT_LIST, {"username": "moderator"})) == {entries["approved"].pk}
    assert listed(client.get(AUDIT_LIST, {"action__exact": "deleted"})) == {entries["deleted"].pk}
    assert listed(client.get(AUDIT_LIST, {"created_at__year": "2025"})) == {entries["deleted"].pk}
    assert listed(client.get(AUDIT_LIST, {"q": "tapering"})) == {entries["deleted"].pk}
    page = client.get(AUDIT_LIST).content.decode()
    assert "By who" in page and "By action" in page


def test_a_date_filter_value_no_date_can_have_is_a_bad_request_not_a_crash(client, entries):
    client.force_login(User.objects.create_superuser("root", password="pw"))

    assert client.get(AUDIT_LIST, {"created_at__month": "99999999999"}).status_code == 400
