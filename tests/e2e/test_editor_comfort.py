"""An editor working in the long article's change form, in Chromium: folding sections,
reordering them by keyboard, by dragging and without JavaScript, the live Markdown
preview, and the audit log; axe-core on both pages, screenshots at both widths."""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from core import audit
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.e2e.test_journeys import assert_no_console_errors
from tests.factories import make_article

DEMO_SLUG = "heroin-withdrawal-physiology"
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
PASSWORD = "steady-tide-4821"


@pytest.fixture
def article():
    """The long demo article: ten sections, ten FAQs."""
    call_command("load_demo_content", verbosity=0)
    article = Article.objects.get(slug=DEMO_SLUG)
    assert article.sections.count() == 10
    return article


def editors_group():
    """The "Editors" group as the data migrations make it (transactional tests flush
    the database, groups included, after each test)."""
    editors = importlib.import_module("articles.migrations.0002_editors_group")
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label="articles", codename__in=editors.editor_codenames())
            | Q(content_type__app_label="core", codename="view_auditentry")
        )
    )
    return group


@pytest.fixture
def editor():
    user = User.objects.create_user("eddie", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    return user


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(user.username)


def open_change_form(page, live_server, article):
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    expect(page.locator("#sections-group .ordered-rows-tools")).to_be_visible()


def section_rows(page):
    return page.locator("#sections-group .inline-related.ordered-row:not(.empty-form)")


def summary_titles(page):
    return section_rows(page).locator(".ordered-row-title").all_inner_texts()


def position_values(page):
    return [
        row.locator("input[name$='-position']").input_value() for row in section_rows(page).all()
    ]


def save(page):
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def public_headings(page, live_server, article):
    page.goto(live_server.url + article.get_absolute_url())
    return page.locator("#article-body h2").all_inner_texts()


def test_editor_folds_the_long_form_and_opens_it_again(live_server, page, article, editor):
    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)
    details = section_rows(page).locator("details")

    # Saved rows start folded: the form shows the outline.
    expect(details).to_have_count(10)
    for index in range(10):
        expect(details.nth(index)).not_to_have_attribute("open", "")
    body = section_rows(page).first.locator("textarea")
    expect(body).to_be_hidden()

    page.get_by_role("button", name="Expand all sections").click()
    for index in range(10):
        expect(details.nth(index)).to_have_attribute("open", "")
    expect(body).to_be_visible()

    page.get_by_role("button", name="Collapse all sections").click()
    expect(body).to_be_hidden()

    # One row opens from its summary, by keyboard.
    summary = section_rows(page).nth(2).locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(section_rows(page).nth(2).locator("textarea")).to_be_visible()
    expect(section_rows(page).first.locator("textarea")).to_be_hidden()
    assert_no_console_errors(page)


def test_editor_reorders_by_keyboard_and_by_drag_then_readers_see_the_new_order(
    live_server, new_page, article, editor
):
    # Tall enough to show the first and the last section at once: a drag that has to
    # scroll the page starts from wherever the pointer lands after the scroll.
    page = new_page(viewport={"width": DESKTOP["width"], "height": 2400})
    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)
    original = summary_titles(page)
    first, second, last = original[0], original[1], original[-1]

    # Keyboard: Move down on the first section.
    move_down = page.locator("#sections-group").get_by_role("button", name=f"Move down: {first}")
    move_down.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#sections-group .ordered-rows-status")).to_have_text(
        f"{first} moved to position 2 of 10."
    )
    expect(move_down).to_be_focused()
    assert summary_titles(page)[:2] == [second, first]
    assert position_values(page) == [str(n) for n in range(1, 11)]

    # At the top, Move up says so rather than doing nothing in silence.
    section_rows(page).first.get_by_role("button", name=f"Move up: {second}").click()
    expect(page.locator("#sections-group .ordered-rows-status")).to_have_text(
        f"{second} is already first."
    )

    # Drag: the last section's handle onto the top half of the first row.
    handle = section_rows(page).last.locator(".ordered-row-handle")
    handle.drag_to(section_rows(page).first, target_position={"x": 200, "y": 4})

    expect(section_rows(page).first.locator(".ordered-row-title")).to_have_text(last)
    assert summary_titles(page) == [last, second, first, *original[2:-1]]
    assert position_values(page) == [str(n) for n in range(1, 11)]

    save(page)
    assert summary_titles(page) == [last, second, first, *original[2:-1]]
    assert public_headings(page, live_server, article) == [last, second, first, *original[2:-1]]
    assert_no_console_errors(page)


def test_a_new_section_moved_to_the_top_survives_removing_another_new_row(
    live_server, page, editor
):
    article = make_article(title="Short guide", sections=2)
    saved = list(article.sections.values_list("pk", "heading"))
    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)

    add = page.locator("#sections-group").get_by_role("button", name="Add another Section")
    add.click()
    add.click()
    fresh = section_rows(page).nth(2)
    fresh.get_by_role("textbox", name="Heading").fill("Fresh start")
    fresh.get_by_role("textbox", name="Body").fill("New words.")
    move_up = page.locator("#sections-group").get_by_role("button", name="Move up: Fresh start")
    move_up.click()
    move_up.click()
    expect(section_rows(page).first.locator(".ordered-row-title")).to_have_text("Fresh start")
    # Django's remove link on the other new row renumbers the rows' form indexes.
    section_rows(page).last.get_by_role("button", name="Remove").click()

    expect(section_rows(page)).to_have_count(3)
    assert summary_titles(page) == ["Fresh start", saved[0][1], saved[1][1]]
    save(page)
    sections = list(Article.objects.get(pk=article.pk).sections.values_list("pk", "heading"))
    assert [heading for _pk, heading in sections] == ["Fresh start", saved[0][1], saved[1][1]]
    assert sections[1:] == saved
    assert_no_console_errors(page)


def test_without_javascript_editors_reorder_by_position_numbers(
    live_server, new_page, article, editor
):
    page = new_page(java_script_enabled=False)
    log_in(page, live_server, editor)
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    original = summary_titles(page)

    # Nothing the script would add; the rows still fold and the numbers are inputs.
    expect(page.get_by_role("button", name="Expand all sections")).to_have_count(0)
    rows = section_rows(page)
    rows.nth(0).locator("summary").click()
    rows.nth(1).locator("summary").click()
    rows.nth(0).get_by_label("Position").fill("2")
    rows.nth(1).get_by_label("Position").fill("1")
    page.locator("input[name='_continue']").first.click()

    expect(page.locator(".messagelist .success")).to_be_visible()
    assert summary_titles(page)[:2] == [original[1], original[0]]
    assert public_headings(page, live_server, article)[:2] == [original[1], original[0]]


def test_the_live_preview_shows_rendered_markdown_beside_the_body(
    live_server, page, article, editor
):
    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)
    row = section_rows(page).first
    row.locator("summary").click()
    preview = row.locator(".markdown-preview")
    # The saved text is previewed as soon as the row opens.
    expect(preview.locator(".markdown-preview-body p").first).to_be_visible()
    assert Article.objects.get(pk=article.pk).updated_at == article.updated_at

    row.locator("textarea").fill(
        "Day **three** is often the hardest.\n\n- sleep\n- fluids\n\n<script>alert(1)</script>"
    )

    expect(preview.locator("strong")).to_have_text("three")
    expect(preview.locator("li")).to_have_count(2)
    expect(preview.locator("script")).to_have_count(0)
    expect(preview).to_have_accessible_name(f"Preview of Body ({summary_titles(page)[0]})")
    # Beside the text on a desktop screen.
    text_box = row.locator("textarea").bounding_box()
    preview_box = preview.bounding_box()
    assert preview_box["x"] >= text_box["x"] + text_box["width"]
    assert_no_console_errors(page)


def test_the_preview_says_calmly_when_the_text_is_too_long(live_server, page, article, editor):
    from articles.forms import MARKDOWN_PREVIEW_MAX_CHARS

    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)
    row = section_rows(page).first
    row.locator("summary").click()

    row.locator("textarea").fill("a" * (MARKDOWN_PREVIEW_MAX_CHARS + 1))

    expect(row.locator(".markdown-preview-status")).to_contain_text("too long to preview")
    assert_no_console_errors(page, expected_statuses=(400,))


def assert_no_axe_violations(page):
    """axe-core finds nothing; the page logged no error before it ran. (axe itself sets
    style attributes, which the strict CSP refuses with a console error: those are
    forgotten afterwards.)"""
    assert_no_console_errors(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    page.console_errors.clear()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_change_form_and_the_audit_log_have_no_axe_violations(
    live_server, new_page, article, editor, screenshot, viewport
):
    page = new_page(viewport=VIEWPORTS[viewport])
    audit.record(editor, audit.Action.PUBLISHED, article, "Public from today")
    audit.record(editor, audit.Action.SCHEDULED, article, "Unpublication next year")
    log_in(page, live_server, editor)
    open_change_form(page, live_server, article)

    assert_no_axe_violations(page)
    screenshot(page, f"admin-article-form-folded-{viewport}")

    page.get_by_role("button", name="Expand all sections").click()
    section_rows(page).first.locator("textarea").fill("A **bold** start.")
    expect(section_rows(page).first.locator(".markdown-preview strong")).to_have_text("bold")
    assert_no_axe_violations(page)
    screenshot(page, f"admin-article-form-open-{viewport}")

    page.goto(live_server.url + reverse("admin:core_auditentry_changelist"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("audit")
    expect(page.locator("#result_list")).to_contain_text(article.title)
    assert_no_axe_violations(page)
    screenshot(page, f"admin-audit-log-{viewport}")
