"""Screenshots for people to review: the main pages on a phone and on a desktop.

The PNGs go to screenshots/ (git-ignored), named ``<page>-<phone|desktop>.png``.
Each test also checks what a reviewer would notice first: the page drew its
heading, nothing is wider than the screen, every image loaded, and the browser
logged no error.
"""

import struct

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.factories import make_comment

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
DEMO_SLUG = "heroin-withdrawal-physiology"


@pytest.fixture
def article(settings):
    """The long demo article with an approved thread (a comment and a reply)."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    call_command("load_demo_content", verbosity=0)
    article = Article.objects.get(slug=DEMO_SLUG)
    first = make_comment(
        article,
        author_name="Marta Kowalski",
        author_url="https://example.org/marta",
        body="Day three was the hardest for my son. Knowing what to expect helped us both.",
    )
    make_comment(
        article,
        parent=first,
        author_name="Jordan Lee",
        body="Same for my brother. It eased after about a week.",
    )
    make_comment(article, author_name="Ana Souza", body="Thank you for writing this so plainly.")
    return article


def png_width(path):
    """The width in pixels, read from the PNG's header (IHDR, bytes 16 to 20)."""
    with path.open("rb") as png:
        header = png.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">I", header[16:20])[0]


def broken_images(page):
    """Images the browser fetched but could not draw."""
    return page.evaluate(
        """() => Array.from(document.images)
            .filter((img) => img.complete && img.naturalWidth === 0)
            .map((img) => img.currentSrc || img.src)"""
    )


def save_page(page, screenshot, name, viewport):
    page.wait_for_load_state("load")
    path = screenshot(page, name)
    assert png_width(path) == viewport["width"], f"{name} is wider than the screen"
    assert broken_images(page) == [], f"images on {name} did not load"


def save_part(locator, screenshot, name, viewport):
    locator.scroll_into_view_if_needed()
    path = screenshot(locator, name)
    assert 0 < png_width(path) <= viewport["width"], f"{name} is wider than the screen"


def unexpected_errors(page, status=None):
    """Console errors, less Chromium's note on a status the page is meant to have."""
    note = f"the server responded with a status of {status}"
    return [message for message in page.console_errors if status is None or note not in message]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_of_home_list_and_not_found(
    live_server, new_page, screenshot, article, viewport
):
    size = VIEWPORTS[viewport]
    page = new_page(viewport=size)

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    save_page(page, screenshot, f"home-{viewport}", size)

    page.goto(live_server.url + "/articles/")
    expect(page.get_by_role("heading", level=1, name="All articles")).to_be_visible()
    save_page(page, screenshot, f"list-{viewport}", size)
    assert unexpected_errors(page) == []

    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    save_page(page, screenshot, f"404-{viewport}", size)
    assert unexpected_errors(page, status=404) == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_of_an_article(live_server, new_page, screenshot, article, viewport):
    size = VIEWPORTS[viewport]
    page = new_page(viewport=size)
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)

    save_page(page, screenshot, f"article-{viewport}", size)
    # What a visitor sees first: exactly one screen, from the top.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"article-top-{viewport}.png"))

    faq = page.locator("#faq")
    faq.locator("summary").first.click()
    expect(faq.locator("details").first).to_have_js_property("open", True)
    save_part(faq, screenshot, f"article-faq-{viewport}", size)

    comments = page.locator(".comment-list")
    expect(comments.locator(".children .comment")).to_have_count(1)
    save_part(comments, screenshot, f"article-comments-{viewport}", size)

    page.get_by_role("textbox", name="Email").fill("not an address")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#respond .field-errors").first).to_be_visible()
    save_part(page.locator("#respond"), screenshot, f"article-form-errors-{viewport}", size)
    assert unexpected_errors(page, status=400) == []
