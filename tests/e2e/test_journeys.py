"""End-to-end journeys in a real browser: what a reader, a commenter and a moderator see.

Each test drives Chromium against the live server and asserts what a person sees on
screen; each ends by checking that the browser logged no console error (a Content
Security Policy violation shows up there too).
"""

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment
from comments.services import moderate
from tests.e2e.conftest import PHONE
from tests.factories import make_comment

DEMO_SLUG = "heroin-withdrawal-physiology"
AWAITING_MODERATION = "Your comment is awaiting moderation."
SAVE_DETAILS = "Save my name, email, and website in this browser for the next time I comment."
# Chromium logs this for every response with an error status, including pages that
# are meant to answer 400 (a form with errors) or 404.
STATUS_MESSAGE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


# --- Helpers ------------------------------------------------------------------------


@pytest.fixture
def comment_settings(settings):
    """Accept a form sent at once after it was shown, and several posts from one IP."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    return settings


def load_demo():
    """The demo articles; returns the long one (10 sections, 10 FAQs, related articles)."""
    call_command("load_demo_content", verbosity=0)
    return Article.objects.get(slug=DEMO_SLUG)


def other_demo_articles():
    return list(Article.objects.exclude(slug=DEMO_SLUG).order_by("slug"))


def url_of(live_server, path_or_object):
    path = getattr(path_or_object, "get_absolute_url", lambda: path_or_object)()
    return f"{live_server.url}{path}"


def assert_no_console_errors(page, *, expected_statuses=()):
    """No console error, page error or dialog, except Chromium's note about a response
    status the page is meant to have (400 for a form with errors, 404 for not found)."""
    unexpected = [
        message
        for message in page.console_errors
        if not (
            (match := STATUS_MESSAGE.match(message)) and int(match.group(1)) in expected_statuses
        )
    ]
    assert unexpected == []


def field(page, name):
    """A comment form text field by its visible label ("Comment", "Name", "Email", "Website")."""
    return page.locator("#commentform").get_by_role("textbox", name=name)


def save_details_box(page):
    return page.locator("#commentform").get_by_role("checkbox", name=SAVE_DETAILS)


def fill_comment(page, *, body, name=None, email=None, website=None, save_details=None):
    field(page, "Comment").fill(body)
    for label, value in (("Name", name), ("Email", email), ("Website", website)):
        if value is not None:
            field(page, label).fill(value)
    if save_details is not None:
        save_details_box(page).set_checked(save_details)


def post_comment(page):
    page.get_by_role("button", name="Post Comment").click()


def landed_comment(page):
    """The comment the page's URL points at (#comment-N) after posting, and its id."""
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    comment_id = int(page.url.rsplit("-", 1)[1])
    return page.locator(f"#comment-{comment_id}"), comment_id


def reply_title(page):
    return page.locator("#reply-title-text")


def form_is_under_comment(page, comment_id):
    return page.locator(f"#comment-{comment_id} > #respond")


def form_is_below_thread(page):
    return page.locator("#respond-home + #respond")


def moderators_group():
    """The "Moderators" group. A data migration creates it, but transactional tests
    flush the database afterwards, so recreate it the way the migration does."""
    group, _created = Group.objects.get_or_create(name="Moderators")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="comments",
            codename__in=[
                "view_comment",
                "change_comment",
                "delete_comment",
                "view_moderationlists",
                "change_moderationlists",
            ],
        )
    )
    return group


def make_moderator(username="moira", password="calm-harbor-2718"):
    user = User.objects.create_user(username, password=password, is_staff=True)
    user.groups.add(moderators_group())
    return username, password


def admin_log_in(page, live_server, username, password):
    page.goto(url_of(live_server, "/admin/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_text("Log out"))
    ).to_be_visible()


def run_admin_action(page, comment_text, action):
    """On the comments changelist: tick the row showing ``comment_text``, run ``action``."""
    row = page.get_by_role("row").filter(has_text=comment_text)
    row.get_by_role("checkbox").check()
    page.get_by_role("combobox", name="Action").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def comment_text_on_article(page, live_server, article, text):
    page.goto(url_of(live_server, article))
    return page.locator("#comments").get_by_text(text)


def card_of(page, article):
    """The card of ``article`` on a list of articles."""
    return page.locator(".article-card").filter(
        has=page.get_by_role("link", name=article.title, exact=True)
    )


def tab_to(page, locator, max_presses=15):
    """Press Tab until ``locator`` has the focus (as a keyboard user would)."""
    for _press in range(max_presses):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} never received focus after {max_presses} Tab presses")


def horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth")


# --- 1. Reader ----------------------------------------------------------------------


def test_reader_finds_an_article_jumps_around_it_and_moves_on(live_server, page):
    article = load_demo()
    faq = article.faqs.order_by("position").first()
    section = article.sections.order_by("position")[2]

    page.goto(live_server.url)
    page.get_by_role("link", name="Browse all articles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All articles")

    page.get_by_role("link", name=article.title, exact=True).click()
    expect(page).to_have_url(url_of(live_server, article))
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)

    # The table of contents jumps to a section further down.
    contents = page.get_by_role("navigation", name="In this article")
    contents.get_by_role("link", name=section.heading).click()
    expect(page).to_have_url(re.compile(f"#{section.anchor}$"))
    expect(page.get_by_role("heading", name=section.heading, exact=True)).to_be_in_viewport()

    # An FAQ item opens and closes from the keyboard.
    item = page.locator(f"#{faq.anchor}")
    summary = item.locator("summary")
    answer = item.locator(".faq-answer")
    expect(summary).to_have_text(faq.question)
    expect(answer).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(item).to_have_js_property("open", True)
    expect(answer).to_be_visible()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    expect(item).to_have_js_property("open", False)
    expect(answer).to_be_hidden()

    # A related article opens.
    related = page.get_by_role("region", name="Related articles")
    link = related.get_by_role("heading", level=3).first.get_by_role("link")
    related_title = link.inner_text()
    related_article = Article.objects.get(title=related_title)
    link.click()
    expect(page).to_have_url(url_of(live_server, related_article))
    expect(page.get_by_role("heading", level=1)).to_have_text(related_title)

    assert_no_console_errors(page)


# --- 2. Commenter -------------------------------------------------------------------


def test_commenter_sees_own_pending_comment_and_nobody_else_does(
    live_server, new_page, comment_settings
):
    article = load_demo()
    text = "The part about sleep helped me understand my brother's first week."
    author = new_page()
    author.goto(url_of(live_server, article))

    expect(author.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    fill_comment(author, body=text, name="Jordan Lee", email="jordan@example.org")
    post_comment(author)

    comment, comment_id = landed_comment(author)
    expect(comment).to_be_in_viewport()
    expect(comment).to_contain_text(AWAITING_MODERATION)
    expect(comment).to_contain_text(text)
    expect(comment).to_contain_text("Jordan Lee")
    assert Comment.objects.get(pk=comment_id).status == Comment.Status.PENDING

    stranger = new_page()
    stranger.goto(url_of(live_server, article))
    expect(stranger.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(stranger.get_by_text(text)).to_have_count(0)
    expect(stranger.locator(f"#comment-{comment_id}")).to_have_count(0)

    assert_no_console_errors(author)
    assert_no_console_errors(stranger)


def test_a_shared_page_fetches_the_form_token_only_when_the_reader_nears_the_form(
    live_server, new_page, comment_settings
):
    article = load_demo()
    new_page().goto(url_of(live_server, article))  # stored for sharing
    reader = new_page()
    token_requests = []
    reader.on(
        "request",
        lambda request: "/comments/form-token/" in request.url and token_requests.append(request),
    )

    response = reader.goto(url_of(live_server, article))
    assert response.headers["x-page-cache"] == "hit"
    expect(reader.locator("#commentform input[name='csrfmiddlewaretoken']")).to_have_value("")
    reader.wait_for_timeout(300)
    assert token_requests == [], "read at the top, the page asks for nothing more"

    reader.get_by_role("heading", name="Leave a Reply").scroll_into_view_if_needed()
    expect(reader.locator("#commentform input[name='csrfmiddlewaretoken']")).not_to_have_value("")
    expect(reader.locator("#commentform input[name='timestamp']")).not_to_have_value("")
    fill_comment(reader, body="Posted from the shared page.", name="Ana", email="ana@example.org")
    post_comment(reader)

    comment, _comment_id = landed_comment(reader)
    expect(comment).to_contain_text(AWAITING_MODERATION)
    assert len(token_requests) == 1
    assert_no_console_errors(reader)


def test_without_javascript_a_comment_comes_back_to_send_again_and_is_not_lost(
    live_server, new_page, comment_settings
):
    article = load_demo()
    reader = new_page(java_script_enabled=False)
    reader.goto(url_of(live_server, article))
    text = "Written with scripts turned off."

    fill_comment(reader, body=text, name="Noor", email="noor@example.org")
    post_comment(reader)

    expect(reader.get_by_role("alert")).to_contain_text("Your comment is not sent yet")
    expect(field(reader, "Comment")).to_have_value(text)
    expect(field(reader, "Name")).to_have_value("Noor")
    assert not Comment.objects.exists()
    post_comment(reader)

    comment, comment_id = landed_comment(reader)
    expect(comment).to_contain_text(AWAITING_MODERATION)
    expect(comment).to_contain_text(text)
    assert Comment.objects.get(pk=comment_id).status == Comment.Status.PENDING
    assert_no_console_errors(reader, expected_statuses=(403,))


def test_commenter_errors_keep_what_was_typed_and_sit_next_to_the_fields(
    live_server, page, comment_settings
):
    article = load_demo()
    text = "Is it normal to feel restless for weeks afterwards?"
    page.goto(url_of(live_server, article))

    fill_comment(page, body=text, name="Ana Souza", website="javascript:alert(1)")
    post_comment(page)

    expect(field(page, "Comment")).to_have_value(text)
    expect(field(page, "Name")).to_have_value("Ana Souza")
    expect(field(page, "Email")).to_have_value("")
    expect(field(page, "Website")).to_have_value("javascript:alert(1)")
    errors = {
        "Email": ("#div_id_author_email", "Please enter your email address."),
        "Website": ("#div_id_author_url", "Enter a web address starting with http:// or https://."),
    }
    for label, (container, message) in errors.items():
        expect(page.locator(container).get_by_text(message)).to_be_visible()
        expect(field(page, label)).to_have_attribute("aria-invalid", "true")
        expect(field(page, label)).to_have_accessible_description(message)
    for label in ("Comment", "Name"):
        expect(field(page, label)).not_to_have_attribute("aria-invalid", "true")
    assert not Comment.objects.exists()

    assert_no_console_errors(page, expected_statuses={400})


def test_save_my_details_prefills_the_next_article_only_while_ticked(
    live_server, page, comment_settings
):
    first, second, third = [load_demo(), *other_demo_articles()[:2]]

    page.goto(url_of(live_server, first))
    expect(save_details_box(page)).not_to_be_checked()
    fill_comment(
        page,
        body="Thank you for the clear explanation.",
        name="Priya Natarajan",
        email="priya@example.org",
        save_details=True,
    )
    post_comment(page)
    landed_comment(page)

    page.goto(url_of(live_server, second))
    expect(field(page, "Name")).to_have_value("Priya Natarajan")
    expect(field(page, "Email")).to_have_value("priya@example.org")
    expect(save_details_box(page)).to_be_checked()
    expect(field(page, "Comment")).to_have_value("")

    fill_comment(page, body="A second question, without saving.", save_details=False)
    post_comment(page)
    landed_comment(page)

    page.goto(url_of(live_server, third))
    expect(field(page, "Name")).to_have_value("")
    expect(field(page, "Email")).to_have_value("")
    expect(save_details_box(page)).not_to_be_checked()

    assert_no_console_errors(page)


# --- 3. Moderator -------------------------------------------------------------------


def test_moderator_approves_one_comment_and_marks_another_as_spam(
    live_server, new_page, comment_settings
):
    article = load_demo()
    good_text = "My daughter finished detox last month; this explains a lot."
    spam_text = "Great post, visit my page for cheap watches."

    # Two visitors post; each sees only their own comment, awaiting moderation.
    reader = new_page()
    reader.goto(url_of(live_server, article))
    fill_comment(reader, body=good_text, name="Helen Brooks", email="helen@example.org")
    post_comment(reader)
    expect(landed_comment(reader)[0]).to_contain_text(AWAITING_MODERATION)
    spammer = new_page()
    spammer.goto(url_of(live_server, article))
    fill_comment(spammer, body=spam_text, name="Watch Deals", email="deals@example.com")
    post_comment(spammer)
    expect(landed_comment(spammer)[0]).to_contain_text(AWAITING_MODERATION)

    # A visitor reads the article and the list first (so the pages are cached).
    visitor = new_page()
    expect(comment_text_on_article(visitor, live_server, article, good_text)).to_have_count(0)
    visitor.goto(url_of(live_server, "/articles/"))
    expect(card_of(visitor, article)).not_to_contain_text("comment")

    moderator = new_page()
    admin_log_in(moderator, live_server, *make_moderator())
    # The "Comments" model in the "Comments" app on the admin index.
    moderator.get_by_role("rowheader", name="Comments", exact=True).get_by_role("link").click()
    moderator.get_by_role("link", name=re.compile(r"^Pending \(2\)")).click()
    expect(moderator.get_by_role("row").filter(has_text=good_text)).to_be_visible()
    expect(moderator.get_by_role("row").filter(has_text=spam_text)).to_be_visible()

    run_admin_action(moderator, good_text, "Approve selected comments")
    expect(moderator.get_by_text("1 comment approved.")).to_be_visible()

    expect(comment_text_on_article(visitor, live_server, article, good_text)).to_be_visible()
    visitor.goto(url_of(live_server, "/articles/"))
    expect(card_of(visitor, article).locator(".article-card-comments")).to_have_text("1 comment")

    moderator.get_by_role("link", name=re.compile(r"^Pending \(1\)")).click()
    run_admin_action(moderator, spam_text, "Mark as spam")
    expect(moderator.get_by_text("1 comment marked as spam.")).to_be_visible()

    # The spam shows to nobody: not a visitor, not the moderator, not even its author.
    for person in (visitor, moderator, spammer):
        expect(comment_text_on_article(person, live_server, article, spam_text)).to_have_count(0)
        expect(person.locator("#comments").get_by_text(good_text)).to_be_visible()

    for person in (reader, spammer, visitor, moderator):
        assert_no_console_errors(person)


def test_admin_pages_declare_the_site_icon(live_server, page):
    # Without a <link rel="icon">, Chromium asks for /favicon.ico, which is a 404.
    page.goto(url_of(live_server, "/admin/login/"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    icon = page.locator("link[rel~='icon']")
    expect(icon).to_have_count(1)
    assert page.request.get(url_of(live_server, icon.get_attribute("href"))).ok
    assert_no_console_errors(page)


# --- 4. Reply -----------------------------------------------------------------------


def assert_landed_on_reply_awaiting_moderation(page, parent):
    """The reply just posted shows nested under ``parent``, marked as awaiting moderation."""
    reply, reply_id = landed_comment(page)
    expect(
        page.locator(f"#comment-{parent.pk} > ol.children > #comment-{reply_id}")
    ).to_be_visible()
    expect(reply).to_contain_text(AWAITING_MODERATION)
    assert Comment.objects.get(pk=reply_id).parent_id == parent.pk


def test_reply_with_javascript_moves_the_form_and_nests_the_reply(
    live_server, page, comment_settings
):
    article = load_demo()
    parent = make_comment(article, author_name="Marta Kowalski", body="Day three was hardest.")
    page.goto(url_of(live_server, article))
    cancel = page.get_by_role("link", name="Cancel reply")
    expect(form_is_below_thread(page)).to_have_count(1)
    expect(cancel).to_be_hidden()

    page.get_by_role("link", name="Reply to Marta Kowalski").click()
    expect(form_is_under_comment(page, parent.pk)).to_have_count(1)
    expect(page.locator(f"#comment-{parent.pk} > .comment-body + #respond")).to_have_count(1)
    expect(reply_title(page)).to_have_text("Reply to Marta Kowalski")
    expect(field(page, "Comment")).to_be_focused()
    expect(cancel).to_be_visible()
    assert "replyto" not in page.url

    cancel.click()
    expect(form_is_below_thread(page)).to_have_count(1)
    expect(form_is_under_comment(page, parent.pk)).to_have_count(0)
    expect(reply_title(page)).to_have_text("Leave a Reply")
    expect(cancel).to_be_hidden()

    page.get_by_role("link", name="Reply to Marta Kowalski").click()
    fill_comment(page, body="Same for me; it eased after a week.", name="Ravi", email="r@x.org")
    post_comment(page)

    assert_landed_on_reply_awaiting_moderation(page, parent)

    assert_no_console_errors(page)


def test_reply_without_javascript_uses_the_replyto_link(live_server, new_page, comment_settings):
    article = load_demo()
    parent = make_comment(article, author_name="Marta Kowalski", body="Day three was hardest.")
    page = new_page(java_script_enabled=False)
    page.goto(url_of(live_server, article))

    page.get_by_role("link", name="Reply to Marta Kowalski").click()
    expect(page).to_have_url(re.compile(rf"\?replyto={parent.pk}#respond$"))
    expect(reply_title(page)).to_have_text("Reply to Marta Kowalski")
    expect(page.get_by_role("link", name="Cancel reply")).to_be_visible()

    fill_comment(page, body="Thank you, that helps.", name="Sofia", email="sofia@example.org")
    post_comment(page)

    assert_landed_on_reply_awaiting_moderation(page, parent)

    assert_no_console_errors(page)


# --- 5. Phone -----------------------------------------------------------------------


def phone_menu(page):
    button = page.get_by_role("button", name=re.compile(r"^(Menu|Close)$"))
    first_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles")
    return button, first_link


def expect_menu_closed(button, link):
    expect(button).to_have_text("Menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(link).to_be_hidden()


def expect_menu_open(button, link):
    expect(button).to_have_text("Close")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(link).to_be_visible()


def test_phone_menu_opens_and_closes_by_mouse_and_keyboard(live_server, new_page):
    load_demo()
    page = new_page(viewport=PHONE)
    page.goto(live_server.url)
    button, link = phone_menu(page)
    expect(button).to_be_visible()
    expect_menu_closed(button, link)

    button.click()
    expect_menu_open(button, link)
    button.click()
    expect_menu_closed(button, link)

    page.goto(url_of(live_server, "/articles/"))
    tab_to(page, button)
    page.keyboard.press("Enter")
    expect_menu_open(button, link)
    page.keyboard.press("Escape")
    expect_menu_closed(button, link)
    expect(button).to_be_focused()

    assert_no_console_errors(page)


def test_phone_pages_never_overflow_sideways(live_server, new_page):
    article = load_demo()
    comment = make_comment(article, author_name="Dana")
    topic = article.topics.order_by("slug").first()
    pages = {
        "home": ("/", 200),
        "article list": ("/articles/", 200),
        "article": (article.get_absolute_url(), 200),
        "topics": ("/topics/", 200),
        "topic": (topic.get_absolute_url(), 200),
        "search results": ("/search/?q=withdrawal+symptoms", 200),
        "not found": ("/no-such-page/", 404),
        "reply to a comment": (f"{article.get_absolute_url()}?replyto={comment.pk}#respond", 200),
    }
    page = new_page(viewport=PHONE)
    too_wide = {}
    for name, (path, status) in pages.items():
        response = page.goto(url_of(live_server, path))
        assert response.status == status, name
        width = horizontal_overflow(page)
        if width > PHONE["width"]:
            too_wide[name] = width
    assert too_wide == {}, f"pages wider than the {PHONE['width']}px phone screen"

    assert_no_console_errors(page, expected_statuses={404})


# --- 6. Hostile input ---------------------------------------------------------------

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_WEBSITE = "javascript:alert(1)"
HOSTILE_TEXTS = ["<script>alert(document.cookie)</script>", '"><svg onload=alert(1)>']


def make_hostile_comments(article):
    """Approved comments whose name, website and text try to inject script.

    The form refuses a javascript: website, so these are stored directly."""
    first = make_comment(
        article, author_name=HOSTILE_NAME, author_url=HOSTILE_WEBSITE, body=HOSTILE_TEXTS[0]
    )
    second = make_comment(
        article, parent=first, author_name=HOSTILE_TEXTS[1], body=HOSTILE_TEXTS[1]
    )
    return first, second


def test_hostile_comments_show_literally_and_run_nothing(live_server, new_page, comment_settings):
    article = load_demo()
    make_hostile_comments(article)
    # One more arrives through the form, as an attacker would send it, and is approved.
    attacker = new_page()
    attacker.goto(url_of(live_server, article))
    fill_comment(
        attacker, body=HOSTILE_TEXTS[1], name=HOSTILE_TEXTS[0], email="mallory@example.org"
    )
    post_comment(attacker)
    _comment, comment_id = landed_comment(attacker)
    # Approved the way the admin's action does it (a queryset update would skip
    # Comment.save(), which is what drops the cached article page).
    moderate(Comment.objects.filter(pk=comment_id), Comment.Status.APPROVED)

    page = new_page()
    page.goto(url_of(live_server, article))
    comments = page.locator("#comments")
    expect(page.locator(f"#comment-{comment_id} .comment-author")).to_have_text(HOSTILE_TEXTS[0])
    expect(page.locator(f"#comment-{comment_id} .comment-content")).to_have_text(HOSTILE_TEXTS[1])

    expect(comments.get_by_text(HOSTILE_NAME, exact=True)).to_be_visible()
    for text in HOSTILE_TEXTS:
        expect(comments.get_by_text(text, exact=True).first).to_be_visible()
    expect(comments.locator("img, svg, script")).to_have_count(0)

    # The name also ends up in the reply form's heading (set by JavaScript).
    page.get_by_role("link", name=f"Reply to {HOSTILE_NAME}").click()
    expect(reply_title(page)).to_have_text(f"Reply to {HOSTILE_NAME}")
    expect(page.locator("#respond img")).to_have_count(0)

    page.wait_for_load_state("load")
    assert_no_console_errors(attacker)
    assert_no_console_errors(page)


def test_hostile_website_is_not_a_link(live_server, page):
    # The form refuses javascript: websites; a stored one must still not become a link.
    article = load_demo()
    make_hostile_comments(article)
    page.goto(url_of(live_server, article))

    author = page.locator("#comments .comment-author").filter(has_text=HOSTILE_NAME)
    expect(author).to_have_text(HOSTILE_NAME)
    expect(author.get_by_role("link")).to_have_count(0)
    expect(page.locator("#comments a[href*='javascript:' i]")).to_have_count(0)
    assert_no_console_errors(page)
