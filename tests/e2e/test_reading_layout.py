"""The reading layout in a browser: help one tap away on a phone, the table of
contents that stays in view on a wide screen, and "Back to top" on a phone."""

import pytest
from playwright.sync_api import expect

from articles.models import BACK_TO_TOP_MIN_WORDS
from core.models import SiteSettings
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import make_article, make_faq, make_section

SECTION_COUNT = 8


def paragraphs(words):
    sentence = "Recovery is a process that takes time, patience and support. "
    return "\n\n".join([sentence * 8] * (words // 80 + 1))


@pytest.fixture
def article():
    """An article with long sections (each ends with "Back to top"), a short last one,
    and a question: a page far taller than the window."""
    article = make_article(title="Living with withdrawal, day by day")
    for position in range(1, SECTION_COUNT):
        make_section(
            article,
            heading=f"Part {position} of the week",
            body=paragraphs(BACK_TO_TOP_MIN_WORDS),
        )
    make_section(article, heading="A short last word", body="Be kind to yourself.")
    make_faq(article)
    return article


def box(locator):
    found = locator.bounding_box()
    assert found, "the element is not drawn"
    return found


def in_window(locator, page):
    found = box(locator)
    height = page.viewport_size["height"]
    return found["y"] >= 0 and found["y"] + found["height"] <= height


def test_on_a_phone_get_help_is_one_tap_from_the_header(live_server, new_page, article):
    page = new_page(viewport=PHONE)
    page.goto(live_server.url + article.get_absolute_url())
    site = SiteSettings.load()

    get_help = page.locator(".site-header").get_by_role("link", name="Get help", exact=True)
    expect(get_help).to_be_visible()
    expect(page.locator("#site-nav")).to_be_hidden()  # no need to open the Menu
    get_help.click()

    help_section = page.locator("#help")
    expect(help_section).to_be_focused()
    expect(page).to_have_url(live_server.url + article.get_absolute_url() + "#help")
    call = help_section.get_by_role("link", name="Call 988")
    text = help_section.get_by_role("link", name="Text 988")
    helpline = help_section.get_by_role("link", name=site.helpline_phone)
    emergency = help_section.get_by_role("link", name="Call 911")
    for link, href in [
        (call, "tel:988"),
        (text, "sms:988"),
        (helpline, f"tel:{site.helpline_tel}"),
        (emergency, "tel:911"),
    ]:
        expect(link).to_have_attribute("href", href)
        expect(link).to_be_in_viewport()
        link_box = box(link)
        assert link_box["height"] >= 44 and link_box["width"] >= 44, "too small to tap"
    assert page.console_errors == []


def test_on_a_wide_screen_the_contents_stay_in_view_and_mark_the_section(
    live_server, new_page, article
):
    page = new_page(viewport=DESKTOP)
    page.goto(live_server.url + article.get_absolute_url())
    toc = page.locator("#contents")
    body = page.locator("#article-body")
    help_box = page.locator(".article > .help-box")

    # Side by side: the contents and help box to the right of the reading column.
    assert box(toc)["x"] > box(body)["x"] + box(body)["width"]
    assert box(help_box)["x"] == pytest.approx(box(toc)["x"], abs=1)
    assert box(help_box)["y"] < box(body)["y"]
    # A comfortable measure: the reading column is 65 to 75 characters wide.
    characters = page.evaluate(
        """() => {
            const p = document.querySelector('#article-body p');
            const probe = document.createElement('span');
            probe.textContent = '0'.repeat(100);
            probe.style.whiteSpace = 'nowrap';
            p.append(probe);
            const perChar = probe.getBoundingClientRect().width / 100;
            probe.remove();
            return p.getBoundingClientRect().width / perChar;
        }"""
    )
    assert 60 <= characters <= 76

    late = page.locator(f"#part-{SECTION_COUNT - 1}-of-the-week")
    late.locator("h2").scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)
    late_link = toc.get_by_role("link", name=f"Part {SECTION_COUNT - 1} of the week")
    expect(late_link).to_have_attribute("aria-current", "location")
    assert in_window(toc, page), "the contents scrolled away"
    assert page.evaluate("window.scrollY") > 3 * page.viewport_size["height"]
    expect(toc.locator("[aria-current]")).to_have_count(1)

    # Following a link marks that part instead.
    first_link = toc.get_by_role("link", name="Part 2 of the week")
    first_link.click()
    expect(first_link).to_have_attribute("aria-current", "location")
    expect(late_link).not_to_have_attribute("aria-current", "location")
    assert in_window(toc, page)
    # Wide screens keep the contents in view, so no "Back to top" there.
    expect(page.locator(".back-to-top").first).to_be_hidden()
    assert page.console_errors == []


def test_on_a_phone_the_contents_come_first_and_long_sections_lead_back_to_top(
    live_server, new_page, article
):
    page = new_page(viewport=PHONE)
    page.goto(live_server.url + article.get_absolute_url())
    toc = page.locator("#contents")
    body = page.locator("#article-body")

    # No side column: the contents sit above the body, as wide as it.
    assert box(toc)["y"] + box(toc)["height"] <= box(body)["y"]
    assert box(toc)["x"] == pytest.approx(box(body)["x"], abs=1)
    assert box(toc)["width"] == pytest.approx(box(body)["width"], abs=1)

    back_links = page.get_by_role("link", name="Back to top")
    expect(back_links).to_have_count(SECTION_COUNT - 1)  # not after the short last one
    back = page.locator("#part-3-of-the-week").get_by_role("link", name="Back to top")
    back.scroll_into_view_if_needed()
    back.focus()
    outline = back.evaluate("(link) => getComputedStyle(link).outlineStyle")
    assert outline == "solid", "focus must be visible"
    page.keyboard.press("Enter")

    title = page.get_by_role("heading", level=1)
    expect(title).to_be_in_viewport()
    expect(page).to_have_url(live_server.url + article.get_absolute_url() + "#article-title")
    assert page.console_errors == []


def test_without_javascript_the_contents_are_a_plain_list(live_server, new_page, article):
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    page.goto(live_server.url + article.get_absolute_url())

    toc = page.locator("#contents")
    expect(toc.get_by_role("link")).to_have_count(SECTION_COUNT + 1)  # and the questions
    expect(toc.locator("[aria-current]")).to_have_count(0)
    toc.get_by_role("link", name="A short last word").click()
    expect(page.locator("#a-short-last-word")).to_be_in_viewport()


def rows_of_cards(grid):
    """The cards of a grid as rows: lists of (left, right) edges, top to bottom."""
    rows = {}
    for card in grid.locator(":scope > .article-card").all():
        found = box(card)
        rows.setdefault(round(found["y"]), []).append((found["x"], found["x"] + found["width"]))
    return [sorted(rows[top]) for top in sorted(rows)]


def test_home_card_grids_fill_every_row_whatever_the_number_of_cards(
    live_server, new_page, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    page = new_page(viewport=DESKTOP)
    for number in range(1, 10):
        make_article(title=f"Article number {number}", is_featured=number <= 3)
        page.goto(live_server.url + "/")
        grids = page.locator(".card-grid")
        expect(grids.first).to_be_visible()
        for grid in grids.all():
            grid_box = box(grid)
            for row in rows_of_cards(grid):
                assert row[0][0] == pytest.approx(grid_box["x"], abs=1), (number, row)
                right = grid_box["x"] + grid_box["width"]
                assert row[-1][1] == pytest.approx(right, abs=1), (number, row)
    assert page.console_errors == []
