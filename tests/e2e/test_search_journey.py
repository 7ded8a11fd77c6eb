"""A reader searches with a brand name from the header and lands on the right section."""

import re

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


def test_the_search_page_on_a_phone_is_accessible(live_server, new_page):
    from axe_playwright_python.sync_playwright import Axe

    bup_article()
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/search/?q=suboxone")

    expect(page.locator(".search-result mark").first).to_have_text("buprenorphine")
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    assert results.violations_count == 0, results.generate_report()
    assert page.console_errors == []
