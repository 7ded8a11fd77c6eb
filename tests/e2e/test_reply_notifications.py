"""Browser journey: a commenter asks to hear about replies, confirms from the email,
gets one email when a moderator approves a reply, and unsubscribes from it."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment, ReplySubscription
from comments.services import moderate
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.e2e.test_journeys import (
    admin_log_in,
    assert_no_console_errors,
    fill_comment,
    landed_comment,
    make_moderator,
    post_comment,
    run_admin_action,
    url_of,
)
from tests.factories import make_article

NOTIFY = "Notify me of replies to my comment by email"
LINK = re.compile(r"https?://\S+")
PERMALINK = re.compile(r"/comments/\d+/$")


@pytest.fixture
def journey_settings(settings, live_server):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    # Links in the emails lead to this test's server.
    settings.SITE_URL = live_server.url
    return settings


def only_email_to(address):
    emails = [email for email in mail.outbox if email.to == [address]]
    assert len(emails) == 1, [email.subject for email in emails]
    return emails[0]


def link_in(email, part):
    [link] = [link for link in LINK.findall(email.body) if part in link]
    return link


def assert_no_axe_violations(page):
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def test_commenter_confirms_hears_of_a_reply_and_unsubscribes(
    live_server, new_page, journey_settings
):
    article = make_article(title="Naloxone at home")

    # Sam comments on a phone and ticks the box (unticked at first).
    sam = new_page(viewport=PHONE)
    sam.goto(url_of(live_server, article))
    box = sam.locator("#commentform").get_by_role("checkbox", name=NOTIFY)
    expect(box).not_to_be_checked()
    fill_comment(sam, body="Where do I keep the spray?", name="Sam Rivera", email="sam@example.org")
    box.check()
    post_comment(sam)
    landed_comment(sam)
    expect(sam.get_by_text("please open the link we just sent")).to_be_visible()

    # The confirm email: its link shows a button, and only the button confirms.
    confirmation = only_email_to("sam@example.org")
    sam.goto(link_in(confirmation, "/replies/confirm/"))
    expect(sam.get_by_role("heading", level=1)).to_have_text("Email me about replies?")
    assert ReplySubscription.objects.get().confirmed_at is None
    assert_no_axe_violations(sam)
    sam.get_by_role("button", name="Confirm").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("You will hear about replies")
    assert ReplySubscription.objects.get().is_active

    # Sam's comment is published; Alex replies to it from a desktop.
    sams_comment = Comment.objects.get()
    moderate(Comment.objects.filter(pk=sams_comment.pk), Comment.Status.APPROVED)
    alex = new_page()
    alex.goto(url_of(live_server, article))
    alex.locator(f"#comment-{sams_comment.pk}").get_by_role("link", name="Reply").click()
    reply_text = "Keep it at room temperature, away from the window."
    fill_comment(alex, body=reply_text, name="Alex", email="alex.private@example.net")
    post_comment(alex)
    landed_comment(alex)
    assert [email.to for email in mail.outbox if "replied" in email.subject] == []

    # A moderator approves the reply in the admin: Sam gets one email.
    moderator = new_page()
    admin_log_in(moderator, live_server, *make_moderator())
    moderator.goto(url_of(live_server, "/admin/comments/comment/?status__exact=pending"))
    run_admin_action(moderator, reply_text[:30], "Approve selected comments")
    expect(moderator.get_by_text("1 comment approved.")).to_be_visible()

    [reply_email] = [email for email in mail.outbox if "replied" in email.subject]
    assert reply_email.to == ["sam@example.org"]
    assert reply_text in reply_email.body and "Alex" in reply_email.subject
    assert "alex.private@example.net" not in reply_email.message().as_string()

    # The link in the email leads to the reply.
    [permalink] = [link for link in LINK.findall(reply_email.body) if PERMALINK.search(link)]
    sam.goto(permalink)
    expect(sam.locator("#comments").get_by_text(reply_text)).to_be_in_viewport()

    # Unsubscribing: the link in the email, one button.
    unsubscribe = link_in(reply_email, "/replies/stop/")
    assert reply_email.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    sam.goto(unsubscribe)
    expect(sam.get_by_role("heading", level=1)).to_have_text("Stop emails about replies?")
    assert_no_axe_violations(sam)
    sam.get_by_role("button", name="Unsubscribe").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert ReplySubscription.objects.get().unsubscribed_at is not None
    assert_no_axe_violations(sam)

    for person in (sam, alex, moderator):
        assert_no_console_errors(person)
