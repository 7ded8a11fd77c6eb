"""Old WordPress addresses in a real browser: a reader follows an old /?p= link and a
dated permalink to the article; an editor looks an old address up in the admin."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.factories import make_article
from wordpress.legacy import add_article_addresses


@pytest.fixture
def moved_article():
    article = make_article(title="Tapering safely", slug="tapering-safely")
    add_article_addresses(
        article,
        post_id=42,
        link="https://old.example.org/2019/05/03/tapering-safely/",
        slug="tapering-safely",
        posted_on=date(2019, 5, 3),
    )
    return article


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_reader_follows_old_links_to_the_article(new_page, live_server, moved_article, viewport):
    page = new_page(viewport=viewport)

    for old in ["/?p=42", "/2019/05/03/Tapering-Safely"]:
        page.goto(live_server.url + old)
        expect(page).to_have_url(live_server.url + "/articles/tapering-safely/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tapering safely")

    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert page.console_errors == []


def test_an_editor_looks_an_old_address_up(new_page, live_server, moved_article):
    from django.contrib.auth.models import Group, Permission

    from tests.articles.test_admin import make_staff

    # Transactional tests flush the groups the migrations made.
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="view_legacyaddress"))
    make_staff("editor", groups=["Editors"])
    page = new_page()
    page.goto(live_server.url + "/admin/login/?next=/admin/wordpress/legacyaddress/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.locator("#searchbar").fill("/2019/05/03/tapering-safely/")
    page.get_by_role("button", name="Search").click()

    results = page.locator("#result_list")
    expect(results).to_contain_text("/2019/05/03/tapering-safely")
    expect(results).to_contain_text("/articles/tapering-safely/")
    expect(results).not_to_contain_text("/?p=42")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
