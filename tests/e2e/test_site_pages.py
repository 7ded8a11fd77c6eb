"""Site pages in a real browser: a reader opens the privacy notice from the footer, at
phone and desktop sizes, and axe finds nothing; an editor sees the live preview fill in
a placeholder."""

import pytest
from playwright.sync_api import expect

from pages.first_pages import PAGES
from pages.models import Page
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.factories import make_article


@pytest.fixture
def first_pages():
    # Transactional tests flush the database: the pages the migration made may be gone.
    for fields in PAGES:
        Page.objects.get_or_create(
            slug=fields["slug"],
            defaults={**fields, "is_published": True, "show_in_footer": True},
        )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_reader_opens_the_privacy_notice_from_the_footer(
    new_page, live_server, first_pages, settings, viewport, screenshot
):
    settings.COMMENTS_IP_RETENTION_DAYS = 21
    make_article(title="Understanding withdrawal")
    page = new_page(viewport=viewport)
    page.goto(live_server.url + "/")

    footer_nav = page.get_by_role("navigation", name="About this site")
    footer_nav.get_by_role("link", name="Privacy notice").click()

    expect(page).to_have_url(live_server.url + "/privacy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_text("erased 21 days after you post")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert page.console_errors == []
    screenshot(page, f"privacy-notice-{viewport['width']}")


def test_an_editor_previews_a_placeholder_as_they_type(new_page, live_server, settings):
    from django.contrib.auth.models import Group, Permission

    from tests.articles.test_admin import make_staff

    settings.COMMENTS_WITHDRAW_DAYS = 11
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="pages"))
    make_staff("editor", groups=["Editors"])
    page = new_page()
    page.goto(live_server.url + "/admin/login/?next=/admin/pages/page/add/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("textbox", name="Text:").fill(
        "## Links\n\nThey work for {{ withdraw_days }} days."
    )

    preview = page.locator(".markdown-preview-body")
    expect(preview.get_by_role("heading", level=2)).to_have_text("Links")
    expect(preview).to_contain_text("They work for 11 days.")
