"""Browser journey: an editor edits an article twice, compares two revisions in the
history, restores one and sees the restored text on the public page."""

import importlib

from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from articles.revisions import record_revision
from tests.e2e.conftest import DESKTOP, PHONE, unfold_row
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.factories import make_article, make_topic

PASSWORD = "steady-willow-3141"


def editors_group():
    """The "Editors" group. A data migration creates it, but transactional tests
    flush the database afterwards, so recreate it with the migration's permissions."""
    migration = importlib.import_module("articles.migrations.0002_editors_group")
    group, _created = Group.objects.get_or_create(name=migration.GROUP_NAME)
    group.permissions.set(Permission.objects.filter(codename__in=migration.editor_codenames()))
    return group


def make_editor():
    user = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    return user


def log_in(page, live_server):
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("edith".upper(), ignore_case=True)


def edit_first_section(page, live_server, article, body, note=""):
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    unfold_row(page, "sections", 0)
    page.locator("textarea[name='sections-0-body']").fill(body)
    if note:
        page.get_by_label("Revision note").fill(note)
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def assert_accessible(page, name):
    violations = axe_violations(page)
    assert violations == [], f"{name}:\n{describe_violations(violations)}"


def screenshots(page, screenshot, name):
    for viewport_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.reload()
        screenshot(page, f"revisions-{name}-{viewport_name}")


def test_editor_compares_two_revisions_and_restores_one(live_server, page, screenshot):
    make_editor()
    article = make_article(
        title="Supervised detox",
        sections=2,
        faqs=1,
        topics=[make_topic(name="Withdrawal")],
        published_at=timezone.now().replace(microsecond=0) - timezone.timedelta(hours=1),
    )
    record_revision(article, comment="Imported")
    log_in(page, live_server)

    edit_first_section(page, live_server, article, "Detox takes about a week.")
    edit_first_section(
        page, live_server, article, "Detox takes five to seven days.", note="More precise"
    )

    # History: newest first, with the note.
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change history")
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("More precise")
    assert_accessible(page, "history")
    screenshots(page, screenshot, "history")

    # Compare the newest with the one before it: the changed words, marked.
    rows.first.get_by_role("link", name="Compare with previous").click()
    changed = page.locator(".diff-child").filter(has_text="Section heading 1")
    expect(changed.locator("del")).to_contain_text("about a week")
    expect(changed.locator("ins")).to_contain_text("five to seven days")
    expect(changed.locator("ins .visually-hidden").first).to_contain_text("added")
    assert_accessible(page, "compare")
    screenshots(page, screenshot, "compare")

    # Any two: the oldest and the newest, chosen with the radio buttons.
    page.get_by_role("link", name="Back to the history").click()
    page.locator("#change-history tbody tr").last.locator("input[name='old']").check()
    page.get_by_role("button", name="Compare the chosen revisions").click()
    expect(page.locator(".diff-child ins").first).to_contain_text("five to seven days")

    # Restore the middle revision, then save it.
    page.get_by_role("link", name="Back to the history").click()
    page.locator("#change-history tbody tr").nth(1).get_by_role("link", name="Restore").click()
    expect(page.locator(".revision-restore-note")).to_contain_text("does not publish")
    expect(page.locator("textarea[name='sections-0-body']")).to_have_value(
        "Detox takes about a week."
    )
    assert_accessible(page, "restore")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Detox takes about a week.")
    expect(page.locator("main")).not_to_contain_text("five to seven days")


def test_editor_recovers_a_deleted_article(live_server, page):
    make_editor()
    article = make_article(title="Naloxone at home", sections=2, faqs=1)
    record_revision(article, comment="Imported")
    log_in(page, live_server)

    page.goto(live_server.url + reverse("admin:articles_article_delete", args=[article.pk]))
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("deleted successfully")

    page.get_by_role("link", name="Recover deleted articles").click()
    assert_accessible(page, "recover list")
    page.get_by_role("link", name=str(timezone.localtime().year), exact=False).first.click()
    expect(page.locator(".revision-restore-note")).to_contain_text("deleted article")
    assert_accessible(page, "recover form")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Naloxone at home")
    expect(page.locator("main")).to_contain_text("Section heading 2")
