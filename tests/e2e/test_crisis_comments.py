"""Browser journeys: the author of a comment that signals a crisis, and the author who
presses Post Comment faster than the minimum time."""

import re
from datetime import UTC, datetime, timedelta

from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from core.models import SiteSettings
from tests.e2e.conftest import PHONE
from tests.factories import make_article, make_comment

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Chromium logs every response with an error status; the form that comes back is 422.
STATUS_422 = "Failed to load resource: the server responded with a status of 422"


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in Axe().run(page, options=options).response["violations"]
    ]


def fill_comment(page, body, name="Sam Rivera", email="sam@example.org"):
    form = page.locator("#commentform")
    form.get_by_role("textbox", name="Comment").fill(body)
    form.get_by_role("textbox", name="Name").fill(name)
    form.get_by_role("textbox", name="Email").fill(email)


def test_a_returning_commenter_in_crisis_sees_help_at_once_and_is_not_published(
    live_server, new_page, settings, screenshot
):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_MODERATOR_EMAILS = ["queue@recovery.test"]
    article = make_article(title="Coping with cravings")
    # An approved comment: the policy would publish Sam's next comment at once.
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")
    veiled = "Some days I feel nobody would miss me."
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    fill_comment(page, veiled)
    page.get_by_role("button", name="Post Comment").click()

    # The author lands on the help under the comment, and it has the focus.
    expect(page).to_have_url(re.compile(r"#comment-\d+-help$"))
    comment = Comment.objects.get(body=veiled)
    help_box = page.get_by_role("region", name="You can talk to someone right now")
    expect(help_box).to_be_focused()
    expect(help_box).to_be_in_viewport()
    expect(help_box.get_by_role("link", name="call 988")).to_have_attribute("href", "tel:988")
    expect(help_box.get_by_role("link", name="text 988")).to_have_attribute("href", "sms:988")
    expect(help_box.get_by_role("link", name="call 911")).to_have_attribute("href", "tel:911")
    site = SiteSettings.load()
    expect(help_box.get_by_role("link", name=site.helpline_phone)).to_have_attribute(
        "href", f"tel:{site.helpline_tel}"
    )
    # The status message at the top says the same.
    status = page.get_by_role("status")
    expect(status.get_by_role("link", name="call 988")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "crisis-help-phone")

    # Held as urgent, moderators emailed at once, and nobody else sees it.
    assert (comment.status, comment.is_urgent) == (Comment.Status.PENDING, True)
    assert [email.subject[:6] for email in mail.outbox] == ["URGENT"]
    stranger = new_page()
    stranger.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(stranger.locator("#comments")).not_to_contain_text(veiled)
    assert page.console_errors == [] and stranger.console_errors == []


def test_a_comment_sent_too_fast_comes_back_and_the_second_press_sends_it(
    live_server, page, settings, time_machine
):
    # Longer than any machine takes to fill the form in: the first press is too fast.
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 600
    time_machine.move_to(datetime.now(UTC), tick=True)
    article = make_article(title="Sleep in early recovery")
    body = "Does the insomnia get better after the first month?"

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    fill_comment(page, body, name="Jo Park", email="jo@example.org")
    page.get_by_role("button", name="Post Comment").click()

    problem = page.get_by_role("alert")
    expect(problem).to_have_text("Please check your comment and press Post Comment again.")
    expect(problem).to_be_focused()
    form = page.locator("#commentform")
    expect(form.get_by_role("textbox", name="Comment")).to_have_value(body)
    expect(form.get_by_role("textbox", name="Name")).to_have_value("Jo Park")
    assert Comment.objects.count() == 0

    # The author reads it over; the minimum time passes; the second press sends it.
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=601), tick=True)
    page.get_by_role("button", name="Post Comment").click()

    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    expect(page.locator("#comments")).to_contain_text("Your comment is awaiting moderation.")
    comment = Comment.objects.get()
    assert (comment.body, comment.status) == (body, Comment.Status.PENDING)
    assert [error.startswith(STATUS_422) for error in page.console_errors] == [True]
