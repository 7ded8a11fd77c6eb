"""An editor's journey through the checks before publishing, in Chromium.

Publishing an article with no reviewer, no review, a one-word summary and no section
is refused with a message per item and saves nothing; once fixed it saves as a draft,
a medical reviewer marks it reviewed, and the editor schedules it; the advisory
Content checks panel suggests other wording for a stigmatising word. axe finds no
WCAG A or AA violation in the refusal box or the panel.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, LanguageGuidance, PublicationState
from articles.reviews import mark_reviewed
from tests.e2e.conftest import DESKTOP, PHONE, unfold_row
from tests.e2e.test_accessibility import WCAG_TAGS, describe_violations
from tests.factories import make_reviewer

PASSWORD = "steady-harbour-4821"


@pytest.fixture
def editor():
    """An editor, and the word list entry the journey meets. Data migrations create
    the Editors group and seed the list, but transactional tests flush the database
    afterwards, so both are made again here."""
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            content_type__model__in=[
                "article",
                "section",
                "faq",
                "topic",
                "reviewer",
                "languageguidance",
                "allowedphrase",
            ],
        )
    )
    LanguageGuidance.objects.get_or_create(
        term="addict",
        defaults={
            "suggestion": "person with a substance use disorder",
            "explanation": "Put the person first.",
        },
    )
    user = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
    user.groups.add(group)
    return user


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("edith")


def assert_accessible(page, selector):
    """No console error so far, and no WCAG A or AA violation inside ``selector``.

    Console errors first: injecting axe sets inline styles, which the page's CSP
    refuses and logs; they are cleared after the run.
    """
    from axe_playwright_python.sync_playwright import Axe

    assert page.console_errors == [], "\n".join(page.console_errors)

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    response = Axe().run(page, context={"include": [[selector]]}, options=options).response
    assert response["passes"] or response["incomplete"] or response["inapplicable"]
    violations = response["violations"]
    assert not violations, describe_violations(violations)
    page.console_errors.clear()


def test_editor_is_refused_then_publishes_and_sees_the_advice(
    live_server, new_page, editor, screenshot
):
    reviewer = make_reviewer(name="Dr. Ana Ruiz", credentials="MD, addiction medicine")
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_title").fill("Empty article")
    page.locator("#id_summary").fill("x")
    page.locator("#id_author").fill("Editorial team")
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save and continue editing").first.click()

    refused = page.locator("#publishing-refused")
    expect(refused.get_by_role("heading")).to_have_text("Not published: fix these first")
    for message in [
        "Choose the medical reviewer before publishing.",
        "they use “Mark as reviewed”",
        "Write a summary of at least one full sentence",
        "Add at least one section",
    ]:
        expect(refused).to_contain_text(message)
    # Next to its field too, and what the editor typed is still there.
    expect(page.locator(".field-reviewer .errorlist")).to_have_text(
        "Choose the medical reviewer before publishing."
    )
    expect(page.locator("#id_summary")).to_have_value("x")
    assert Article.objects.count() == 0
    assert_accessible(page, "#publishing-refused")
    screenshot(page, "editor-checks-refused-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "editor-checks-refused-phone")
    page.set_viewport_size(DESKTOP)

    # Fixed, but not reviewed yet: it saves as a draft.
    page.locator("#id_summary").fill("An article that explains one thing well and briefly.")
    page.locator("#id_reviewer").select_option(str(reviewer.pk))
    page.locator("#id_status").select_option("draft")
    page.get_by_role("button", name="Add another Section").click()
    page.locator("#id_sections-0-position").fill("1")
    page.locator("#id_sections-0-heading").fill("Who we help")
    page.locator("#id_sections-0-body").fill("We help every addict who asks. Call us today.")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT

    # The medical reviewer signs it off (their own journey is test_editor_review.py);
    # the editor then schedules it for tomorrow.
    doctor = User.objects.create_user("ana", is_staff=True)
    mark_reviewed([article], reviewer=reviewer, reviewed_on=timezone.localdate(), by=doctor)
    page.reload()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.locator("#id_status").select_option("published")
    page.locator("#id_published_at_0").fill(tomorrow.isoformat())
    page.locator("#id_published_at_1").fill("09:00:00")
    page.get_by_role("button", name="Save and continue editing").first.click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.publication_state == PublicationState.SCHEDULED
    expect(page.locator(".field-publication")).to_contain_text("Scheduled")
    unfold_row(page, "sections", 0)
    panel = page.locator(".content-checks")
    expect(panel.get_by_role("heading", name="Content checks")).to_be_visible()
    expect(panel).to_contain_text("Section: Who we help")
    expect(panel).to_contain_text("“addict”: consider “person with a substance use disorder”.")
    expect(panel).to_contain_text("Reading grade")
    assert_accessible(page, ".content-checks")
    screenshot(panel, "editor-checks-panel-desktop")
    page.set_viewport_size(PHONE)
    screenshot(panel, "editor-checks-panel-phone")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/languageguidance/",
        "/admin/articles/languageguidance/add/",
        "/admin/articles/allowedphrase/",
    ],
)
def test_the_word_list_pages_are_accessible(live_server, page, editor, path):
    log_in(page, live_server)
    page.goto(f"{live_server.url}{path}")

    expect(page.locator("#content")).to_be_visible()
    assert_accessible(page, "#content")
