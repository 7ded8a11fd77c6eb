"""Browser journey: a moderator answers an urgent comment as the center, from the
comment's own admin page, and readers see the reply threaded under it."""

import re

from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.factories import make_article, make_comment

CRISIS_TEXT = "Some days I feel nobody would miss me if I was gone."
MODERATOR = ("moira", "calm-harbor-2718")


def make_moderator():
    """A staff user in the "Moderators" group, made here: transactional tests flush the
    group its data migration created."""
    group, _created = Group.objects.get_or_create(name="Moderators")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="comments",
            codename__in=["view_comment", "change_comment", "delete_comment"],
        )
    )
    user = User.objects.create_user(MODERATOR[0], password=MODERATOR[1], is_staff=True)
    user.groups.add(group)


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(MODERATOR[0])
    page.get_by_label("Password").fill(MODERATOR[1])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_moderator_sends_the_prepared_reply_and_readers_see_it_threaded(
    live_server, new_page, screenshot
):
    article = make_article(title="Naloxone at home", slug="naloxone-at-home")
    make_comment(article, author_name="Ari", body="This helped my family understand.")
    urgent = make_comment(
        article,
        status=Comment.Status.PENDING,
        is_urgent=True,
        author_name="Sam",
        body=CRISIS_TEXT,
    )
    make_moderator()

    moderator = new_page()
    log_in(moderator, live_server)
    moderator.goto(f"{live_server.url}/admin/comments/comment/?status__exact=pending")
    moderator.get_by_role("link", name=re.compile("Some days I feel")).click()

    # The prepared reply, pointing to help, waits in the box.
    reply_box = moderator.get_by_role("textbox", name="Your reply")
    expect(reply_box).to_have_value(re.compile(r"^Thank you for writing to us, Sam\."))
    expect(reply_box).to_have_value(re.compile(r"call or text 988"))
    expect(reply_box).to_have_value(re.compile(r"1-800-662-4357"))
    expect(reply_box).to_have_value(re.compile(r"call 911"))
    expect(moderator.get_by_role("note", name="Urgent comment")).to_be_visible()
    expect(moderator.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    assert moderator.console_errors == []
    violations = axe_violations(moderator)
    # axe-core applies styles of its own while it checks, which the CSP refuses: noise
    # from the test tool, not the page (checked just above).
    moderator.console_errors.clear()
    assert not violations, describe_violations(violations)
    screenshot(moderator, "admin-comment-urgent-reply")

    # The moderator makes it personal, then sends it.
    prepared = reply_box.input_value()
    edited = "Sam, thank you for trusting us with this.\n\n" + prepared.split("\n\n", 1)[1]
    reply_box.fill(edited)
    moderator.get_by_role("button", name="Approve the comment and publish the reply").click()
    expect(
        moderator.get_by_text("Your reply was published as Harbor Recovery Center.")
    ).to_be_visible()
    expect(moderator.get_by_role("heading", name=re.compile(r"now: Approved"))).to_be_visible()

    # A reader sees the comment and, under it, the center's reply with its badge.
    reader = new_page()
    reader.goto(f"{live_server.url}{article.get_absolute_url()}")
    thread = reader.locator(f"#comment-{urgent.pk}")
    expect(thread.locator(".comment-content").first).to_have_text(CRISIS_TEXT)
    reply = thread.locator(".children > .comment-center-reply")
    expect(reply).to_have_count(1)
    expect(reply.get_by_text("Reply from Harbor Recovery Center")).to_be_visible()
    expect(reply).to_contain_text("Sam, thank you for trusting us with this.")
    expect(reply.get_by_role("link", name="988").or_(reply.get_by_text("988"))).to_be_visible()
    expect(reply).not_to_contain_text("Thank you for writing to us")
    screenshot(thread, "article-center-reply")
    assert reader.console_errors == []
    violations = axe_violations(reader)
    assert not violations, describe_violations(violations)
    reader.console_errors.clear()

    for page in (moderator, reader):
        assert page.console_errors == [], (page.url, page.console_errors)
