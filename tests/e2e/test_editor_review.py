"""A medical reviewer's journey: the dashboard lists an overdue article, they mark it
reviewed, and readers see the new dates and who reviewed it. axe-core checks the
dashboard, the "Mark as reviewed" page and the reviewer's page; screenshots of each
at phone and desktop widths."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import add_months
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.e2e.test_journeys import admin_log_in, url_of
from tests.factories import make_article, make_reviewer

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
REVIEW_MIGRATION = importlib.import_module("articles.migrations.0012_reviewers")


def medical_reviewers_group():
    """The "Medical reviewers" group. A data migration creates it, but transactional
    tests flush the database afterwards, so recreate it the way the migration does."""
    group, _created = Group.objects.get_or_create(name=REVIEW_MIGRATION.MEDICAL_REVIEWERS)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=REVIEW_MIGRATION.MEDICAL_REVIEWER_CODENAMES,
        )
    )
    return group


def long_date(day):
    return f"{day:%B} {day.day}, {day.year}"


def assert_no_axe_violations(page, name):
    violations = axe_violations(page)
    assert not violations, f"axe-core on {name}:\n{describe_violations(violations)}"


@pytest.fixture
def overdue_article():
    reviewer = make_reviewer(
        name="Dr. Ana Ruiz",
        slug="ana-ruiz",
        credentials="MD, addiction medicine",
        bio="Ana treats opioid use disorder and trains the center's nurses.",
        has_public_page=True,
    )
    due = timezone.localdate() - datetime.timedelta(days=35)
    return make_article(
        title="Naloxone at home",
        slug="naloxone-at-home",
        sections=2,
        reviewer=reviewer,
        reviewed_on=add_months(due, -12),
        next_review_due=due,
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_medical_reviewer_marks_an_overdue_article_reviewed(
    live_server, new_page, screenshot, overdue_article, viewport
):
    user = User.objects.create_user("rosa", password="steady-river-4411", is_staff=True)
    user.groups.add(medical_reviewers_group())
    page = new_page(viewport=VIEWPORTS[viewport])
    admin_log_in(page, live_server, "rosa", "steady-river-4411")

    # The dashboard on the admin index lists the overdue article.
    dashboard = page.get_by_role("region", name="What needs attention")
    overdue = dashboard.get_by_role("region", name="Overdue reviews (1)")
    expect(overdue.get_by_role("link", name="Naloxone at home")).to_be_visible()
    assert_no_axe_violations(page, "the dashboard")
    screenshot(page, f"admin-dashboard-{viewport}")

    overdue.get_by_role("link", name="Naloxone at home").click()
    page.get_by_role("link", name="Mark as reviewed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark as reviewed")
    expect(page.get_by_label("Medical reviewer")).to_have_value(str(overdue_article.reviewer.pk))
    page.get_by_label("Note (optional)").fill("Doses checked against current guidance.")
    assert_no_axe_violations(page, "the Mark as reviewed page")
    screenshot(page, f"admin-mark-reviewed-{viewport}")

    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("1 article marked as reviewed.")).to_be_visible()

    today = timezone.localdate()
    page.goto(url_of(live_server, "/admin/"))
    expect(
        page.get_by_role("region", name="What needs attention").get_by_role(
            "region", name="Overdue reviews (0)"
        )
    ).to_be_visible()

    # Readers see who reviewed it, when, and when the next review is due.
    page.goto(url_of(live_server, overdue_article))
    expect(page.locator(".article-meta")).to_contain_text(
        "Medically reviewed byDr. Ana Ruiz, MD, addiction medicine"
    )
    expect(page.locator(".review-dates")).to_have_text(
        f"Last reviewed {long_date(today)} · Next review due {long_date(add_months(today, 12))}"
    )

    page.locator(".article-meta").get_by_role("link", name="Dr. Ana Ruiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr. Ana Ruiz")
    expect(page.get_by_role("link", name="Naloxone at home")).to_be_visible()
    assert_no_axe_violations(page, "the reviewer's page")
    screenshot(page, f"reviewer-{viewport}")
    assert page.console_errors == []
