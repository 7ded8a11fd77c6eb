"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Without Chromium the tests skip with one reason line; with CI or REQUIRE_BROWSER set
they fail instead, so CI can never pass by skipping them.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise
# refuse database access from it (tests only, as djangoproject.com does).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
BROWSER_REQUIRED = bool(os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if BROWSER_REQUIRED:
            pytest.fail(f"Browser tests must run (CI/REQUIRE_BROWSER is set) but {message}")
        pytest.skip(f"Browser tests skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleErrors(list):
    """Console errors and uncaught page errors seen during a test."""


def record_and_dismiss(page, dialog):
    # A listener that leaves a dialog open would block the page until the timeout.
    page.console_errors.append(f"dialog: {dialog.type}: {dialog.message}")
    dialog.dismiss()


@pytest.fixture
def new_page(browser):
    """Factory: ``new_page(viewport=PHONE, java_script_enabled=True)`` -> Page.

    Each call opens a separate browser context (its own cookies), so two calls are
    two different visitors. Console errors are collected on ``page.console_errors``.
    """
    contexts = []

    def make(viewport=DESKTOP, **context_options):
        context = browser.new_context(viewport=viewport, **context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = ConsoleErrors()
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        page.on("dialog", lambda dialog: record_and_dismiss(page, dialog))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot():
    """``screenshot(page_or_locator, name)`` saves a PNG in screenshots/ (git-ignored).

    A page is captured whole (full page); a locator, just that element.
    """

    def take(target, name):
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if hasattr(target, "goto"):
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path

    return take


def unfold_row(page, prefix, index):
    """Open a section or FAQ row of the article form (saved rows start folded)."""
    details = page.locator(f"#{prefix}-{index} > details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
