"""A reader searches with a brand name from the header and lands on the right section."""

import re

from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from articles.models import SearchSynonym
from tests.e2e.conftest import PHONE
from tests.factories import make_article, make_section


def bup_article():
    # Transactional tests empty the tables: the group is made here, as an editor would.
    SearchSynonym.objects.get_or_create(terms="buprenorphine\nSuboxone\nSubutex\nSublocade")
    article = make_article(
        title="Starting treatment for opioid use disorder",
        summary="What the first weeks of treatment look like.",
    )
    make_section(article, heading="Your first visit", body="You meet the team. " * 40)
    make_section(article, heading="Daily life", body="Work and family routines. " * 40)
    make_section(
        article,
        heading="The first dose",
        body=(
            "Wait until withdrawal has begun. Then:\n\n"
            "- take **buprenorphine** under the tongue\n"
            "- let it dissolve without swallowing\n\n"
            "Ask the [pharmacist](https://example.org/pharmacy) about missed doses."
        ),
    )
    make_article(title="Sleep in recovery", summary="Rest matters in early recovery.")
    return article


def test_a_reader_searches_a_brand_name_and_reaches_the_right_section(
    live_server, new_page, screenshot
):
    article = bup_article()
    section = article.sections.get(heading="The first dose")
    page = new_page()

    page.goto(live_server.url)
    box = page.get_by_role("searchbox", name="Search articles").first
    box.fill("suboxone")
    box.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    expect(page.get_by_role("status").first).to_contain_text(
        "1 article found for “suboxone”. Also searched for: buprenorphine, Subutex, Sublocade."
    )
    result = page.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.get_by_role("heading", level=2)).to_have_text(article.title)
    passage = result.locator(".search-result-passage")
    expect(passage).to_have_text(
        "In The first dose: take buprenorphine under the tongue ·"
        " let it dissolve without swallowing ·"
        " Ask the pharmacist about missed doses."
    )
    expect(passage.locator("mark")).to_have_text(["buprenorphine"])
    for markup in ("- ", "**", "](", "example.org"):
        assert markup not in passage.inner_text()
    screenshot(page, "search-suboxone-desktop")

    passage.get_by_role("link", name="The first dose").click()
    expect(page).to_have_url(re.compile(f"{article.get_absolute_url()}#{section.anchor}$"))
    expect(page.get_by_role("heading", name="The first dose", exact=True)).to_be_in_viewport()
    assert page.console_errors == []


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, selector="body"):
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, context={"include": [[selector]]}, options=options)
    return results.violations_count, results.generate_report()


def test_the_search_page_on_a_phone_is_accessible(live_server, new_page):
    bup_article()
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/search/?q=suboxone")

    expect(page.locator(".search-result mark").first).to_have_text("buprenorphine")
    count, report = axe_violations(page)
    assert count == 0, report
    assert page.console_errors == []


def test_an_editor_adds_a_synonym_group_and_the_next_search_uses_it(live_server, new_page):
    # The Editors group and its permissions, as the data migrations make them.
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", content_type__model="searchsynonym"
        )
    )
    editor = User.objects.create_user("edith", password="a long pass phrase", is_staff=True)
    editor.groups.add(group)
    make_article(title="Calmer withdrawal", summary="Lofexidine eases the physical symptoms.")
    reader, page = new_page(), new_page()

    reader.goto(f"{live_server.url}/search/?q=lucemyra")
    expect(reader.get_by_role("status").first).to_contain_text("No articles matched")

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a long pass phrase")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/articles/searchsynonym/add/")
    count, report = axe_violations(page, "#content")
    assert count == 0, report
    page.console_errors.clear()  # axe's inline styles, refused by the admin's CSP
    page.get_by_label("Terms").fill("lofexidine\nLucemyra")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("lofexidine / Lucemyra")

    reader.reload()
    expect(reader.locator(".search-result h2")).to_have_text("Calmer withdrawal")
    expect(reader.get_by_role("status").first).to_contain_text("Also searched for: lofexidine.")
    assert page.console_errors == [] and reader.console_errors == []
