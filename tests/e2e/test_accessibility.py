"""Accessibility in a real browser: axe-core (WCAG 2.0/2.1 A and AA) and the keyboard.

axe-core comes bundled with axe-playwright-python, so this works offline. Pages are
checked at the phone and desktop viewports; a failure lists each violation's rule
and the selectors of the elements that break it.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import make_comment

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
MAX_TABS = 150


@pytest.fixture
def comment_settings(settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    return settings


@pytest.fixture
def article(comment_settings):
    """A demo article (sections, FAQ, topics) with an approved thread of comments."""
    call_command("load_demo_content", stdout=io.StringIO())
    article = (
        Article.objects.published()
        .filter(topics__isnull=False, faqs__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    dana = make_comment(article, author_name="Dana", author_url="https://example.org/dana")
    make_comment(article, author_name="Lee", parent=dana, body="Same here, thank you.")
    make_comment(article, author_name="Ari", body="This helped my family understand.")
    article.dana_comment = dana
    return article


# --- axe-core ---------------------------------------------------------------------


def axe_violations(page):
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe_violations(violations):
    """One line per rule (id, impact, help), then the target selector of each element."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " >> ".join(
                " ".join(part) if isinstance(part, list) else str(part) for part in node["target"]
            )
            lines.append(f"    {target}")
    return "\n".join(lines)


def submit_comment_form(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Post Comment").click()


def open_home(page, live_server, article):
    page.goto(live_server.url + "/")


def open_article(page, live_server, article):
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator(".comment-author", has_text="Lee")).to_be_visible()


def open_article_replying(page, live_server, article):
    open_article(page, live_server, article)
    page.get_by_role("link", name="Reply to Dana").click()
    expect(page.locator(".comment #respond")).to_be_visible()


def open_article_form_errors(page, live_server, article):
    open_article(page, live_server, article)
    submit_comment_form(page)
    expect(page.locator("#id_body_error")).to_be_visible()


def open_article_own_pending_comment(page, live_server, article):
    open_article(page, live_server, article)
    # Each visitor writes their own words (the same text twice is refused as a duplicate).
    page.get_by_role("textbox", name="Comment").fill(
        f"I am scared to stop. Where do I start? ({page.viewport_size['width']}px)"
    )
    page.get_by_role("textbox", name="Name").fill("Robin")
    page.get_by_role("textbox", name="Email").fill("robin@example.org")
    submit_comment_form(page)
    expect(page.locator(".comment-awaiting-moderation")).to_be_visible()


def open_article_comment_not_sent(page, live_server, article):
    # The form's token cannot be fetched (offline, say): the comment comes back to send.
    page.route("**/comments/form-token/", lambda route: route.abort())
    open_article(page, live_server, article)
    page.get_by_role("textbox", name="Comment").fill("Sent while the token could not come.")
    page.get_by_role("textbox", name="Name").fill("Robin")
    page.get_by_role("textbox", name="Email").fill("robin@example.org")
    submit_comment_form(page)
    expect(page.locator("#comment-problem")).to_contain_text("Your comment is not sent yet")


def open_list(page, live_server, article):
    page.goto(live_server.url + "/articles/")


def open_topics(page, live_server, article):
    page.goto(live_server.url + "/topics/")


def open_topic(page, live_server, article):
    page.goto(live_server.url + article.topics.order_by("pk").first().get_absolute_url())


def open_not_found(page, live_server, article):
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404


def open_admin_login(page, live_server, article):
    page.goto(live_server.url + "/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()


def open_search_results(page, live_server, article):
    page.goto(live_server.url + "/")
    search = page.get_by_role("search").get_by_role("searchbox", name="Search articles")
    if not search.is_visible():  # on a phone the search sits in the closed menu
        page.get_by_role("button", name="Menu").click()
    search.fill("withdrawal")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results")
    expect(page.locator("main").get_by_role("link", name=article.title)).to_be_visible()


def admin_log_in(page, live_server):
    from django.contrib.auth.models import User

    if not User.objects.filter(username="ada").exists():
        User.objects.create_superuser("ada", "ada@example.org", "quiet-lantern-5150")
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("quiet-lantern-5150")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("ada")


def open_admin_locked_out(page, live_server, article):
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("a wrong guess")
        page.get_by_role("button", name="Log in").click()
        if page.get_by_role("heading", name="Too many failed sign-ins").is_visible():
            return
    pytest.fail("no lockout page")


def open_admin_index(page, live_server, article):
    admin_log_in(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def open_admin_comments(page, live_server, article):
    make_comment(article, author_name="Pending Person", status="pending")
    admin_log_in(page, live_server)
    page.goto(live_server.url + "/admin/comments/comment/")
    expect(page.locator("#result_list").get_by_text("Pending Person").first).to_be_visible()


PAGES = {
    "home": open_home,
    "article": open_article,
    "article-replying": open_article_replying,
    "article-form-errors": open_article_form_errors,
    "article-own-pending-comment": open_article_own_pending_comment,
    "article-comment-not-sent": open_article_comment_not_sent,
    "list": open_list,
    "topics": open_topics,
    "topic": open_topic,
    "404": open_not_found,
    "search-results": open_search_results,
    "admin-login": open_admin_login,
    "admin-locked-out": open_admin_locked_out,
    "admin-index": open_admin_index,
    "admin-comments": open_admin_comments,
}


@pytest.mark.parametrize("page_name", PAGES)
def test_page_has_no_wcag_a_or_aa_violations(live_server, new_page, article, page_name):
    # Both viewports in one test: the data is set up once (the slow part).
    reports = []
    for viewport, size in VIEWPORTS.items():
        page = new_page(viewport=size)
        PAGES[page_name](page, live_server, article)
        violations = axe_violations(page)
        if violations:
            reports.append(f"{page_name} ({viewport}):\n{describe_violations(violations)}")

    assert not reports, "axe-core found violations on " + "\n".join(reports)


def test_axe_finds_a_violation_when_there_is_one(page):
    # Proves the check works offline and can fail: an image with no text alternative.
    page.set_content(
        '<html lang="en"><head><title>Probe</title></head><body><main><h1>Probe</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">'
        "</main></body></html>"
    )

    violations = axe_violations(page)

    assert [violation["id"] for violation in violations] == ["image-alt"]
    assert "img" in describe_violations(violations)


def test_violation_report_names_rule_and_targets():
    violations = [
        {
            "id": "color-contrast",
            "impact": "serious",
            "help": "Elements must meet minimum color contrast ratio thresholds",
            "nodes": [{"target": [".site-slogan"]}, {"target": ["iframe", "p.note"]}],
        }
    ]

    assert describe_violations(violations) == (
        "color-contrast (serious): Elements must meet minimum color contrast ratio thresholds\n"
        "    .site-slogan\n"
        "    iframe >> p.note"
    )


# --- Keyboard ---------------------------------------------------------------------

# Whatever draws a focus indicator, as one string, to compare with and without focus.
FOCUS_STYLE = """(element) => {
  const style = getComputedStyle(element);
  return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join("|");
}"""

# How each control looks without focus (run while nothing has focus).
RECORD_UNFOCUSED_STYLES = f"""() => {{
  const focusStyle = {FOCUS_STYLE};
  window.__unfocused = new Map();
  const controls = document.querySelectorAll("a[href], button, input, select, textarea, summary");
  controls.forEach((element) => window.__unfocused.set(element, focusStyle(element)));
}}"""

# Describes the focused element and whether its focus indicator can be seen.
FOCUSED_ELEMENT = (
    """() => {
  const focusStyle = """
    + FOCUS_STYLE
    + """;
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) {
    return null;
  }
  window.__tabbed = window.__tabbed || [];
  let index = window.__tabbed.indexOf(element);
  if (index === -1) {
    index = window.__tabbed.push(element) - 1;
  }
  const style = getComputedStyle(element);
  const transparent = (color) => color === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(color);
  const outline =
    style.outlineStyle !== "none" &&
    parseFloat(style.outlineWidth) > 0 &&
    !transparent(style.outlineColor);
  const shadow = style.boxShadow !== "none" && !transparent(style.boxShadow);
  const unfocused = (window.__unfocused || new Map()).get(element);
  const text = (element.innerText || element.value || "").trim().replace(/\\s+/g, " ");
  return {
    index: index,
    focusVisible: element.matches(":focus-visible"),
    indicator: outline || shadow,
    changed: unfocused === undefined ? null : unfocused !== focusStyle(element),
    inFooter: element.closest("footer") !== null,
    label:
      element.tagName.toLowerCase() +
      (element.id ? "#" + element.id : "") +
      (element.className && typeof element.className === "string"
        ? "." + element.className.trim().split(/\\s+/).join(".")
        : "") +
      (text ? ' "' + text.slice(0, 40) + '"' : ""),
  };
}"""
)

# The controls a keyboard user should be able to reach: focusable, in the tab order,
# and rendered (not display:none, not visibility:hidden, not in a closed <details>).
TABBABLE_NOT_REACHED = """() => {
  const selector =
    "a[href], button, input, select, textarea, summary, iframe, [tabindex], [contenteditable]";
  const reached = window.__tabbed || [];
  return Array.from(document.querySelectorAll(selector))
    .filter((element) => element.tabIndex >= 0 && !element.disabled)
    .filter((element) => !(element.type === "hidden"))
    .filter((element) => !element.closest("[inert]"))
    .filter((element) =>
      element.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })
    )
    .filter((element) => !reached.includes(element))
    // A radio group is one Tab stop (arrow keys move within it): reached when any
    // of its radios was.
    .filter((element) =>
      !(element.type === "radio" && reached.some((other) =>
        other.type === "radio" && other.form === element.form && other.name === element.name
      ))
    )
    .map((element) => element.outerHTML.slice(0, 120));
}"""


def tab_through_page(page):
    """Press Tab until focus comes round again to the first control it reached.

    Returns what each press focused. Fails if one press leaves focus where it was
    (a keyboard trap) or focus never comes back round.
    """
    stops = []
    previous = None
    presses_outside_page = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_ELEMENT)
        if focused is None:  # past the last control, in the browser's own UI
            presses_outside_page += 1
            assert presses_outside_page < 3, "Tab does not come back into the page"
            previous = None
            continue
        if previous is not None and focused["index"] == previous["index"]:
            pytest.fail(f"Keyboard trap: Tab leaves focus on {focused['label']}")
        if stops and focused["index"] == stops[0]["index"]:
            return stops
        stops.append(focused)
        previous = focused
    pytest.fail(
        f"Focus did not come round after {MAX_TABS} presses of Tab; last stops: "
        + ", ".join(stop["label"] for stop in stops[-5:])
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_skip_link_is_first_in_tab_order_and_moves_focus_to_main(
    live_server, new_page, article, viewport
):
    page = new_page(viewport=VIEWPORTS[viewport])
    page.goto(live_server.url + article.get_absolute_url())

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('.breadcrumbs') !== null")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_control_on_the_article_page_shows_focus(live_server, new_page, article, viewport):
    page = new_page(viewport=VIEWPORTS[viewport])
    page.goto(live_server.url + article.get_absolute_url())
    page.evaluate(RECORD_UNFOCUSED_STYLES)

    stops = tab_through_page(page)

    assert len(stops) > 20
    invisible = [
        stop["label"]
        for stop in stops
        if not (stop["focusVisible"] and stop["indicator"] and stop["changed"] is not False)
    ]
    assert invisible == [], "No visible focus indicator on: " + ", ".join(invisible)
    unchecked = [stop["label"] for stop in stops if stop["changed"] is None]
    assert unchecked == [], "Reached controls that were not on the page at first"


@pytest.mark.parametrize("page_name", ["home", "article", "article-form-errors", "404"])
def test_no_keyboard_trap_and_tab_reaches_every_control(live_server, new_page, article, page_name):
    page = new_page(viewport=DESKTOP)
    PAGES[page_name](page, live_server, article)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.__tabbed = []")
    page.evaluate(RECORD_UNFOCUSED_STYLES)

    stops = tab_through_page(page)

    indexes = [stop["index"] for stop in stops]
    assert len(indexes) == len(set(indexes)), "Tab visited a control twice before wrapping"
    assert page.evaluate(TABBABLE_NOT_REACHED) == []
    # Focus reaches the footer, then comes round to the skip link again.
    skip_link = next(i for i, stop in enumerate(stops) if stop["label"].startswith("a.skip-link"))
    before_skip_link = stops[skip_link - 1]
    assert before_skip_link["inFooter"], f"{before_skip_link['label']} comes before the skip link"
    invisible = [
        stop["label"]
        for stop in stops
        if not (stop["focusVisible"] and stop["indicator"] and stop["changed"] is not False)
    ]
    assert invisible == [], "No visible focus indicator on: " + ", ".join(invisible)


def test_shift_tab_walks_back_through_the_comment_form(live_server, page, article):
    open_article(page, live_server, article)
    page.get_by_role("button", name="Post Comment").focus()

    names = []
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        names.append(page.evaluate("document.activeElement.name"))

    assert names == [
        "notify_replies",
        "save_details",
        "author_url",
        "author_email",
        "author_name",
        "body",
    ]


def test_focus_is_on_the_first_invalid_field_after_submitting_with_errors(
    live_server, page, article
):
    open_article(page, live_server, article)
    page.get_by_role("button", name="Post Comment").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    body = page.locator("#id_body")
    expect(body).to_be_focused()
    expect(body).to_be_in_viewport()

    # With the comment written, the next problem is the name.
    page.keyboard.type("Thank you for this.")
    page.get_by_role("textbox", name="Email").fill("not an address")
    submit_comment_form(page)

    expect(page.locator("#id_author_name")).to_be_focused()
    expect(page.locator("#id_body")).to_have_value("Thank you for this.")
    expect(page.locator("#id_author_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_author_email")).to_have_attribute("aria-invalid", "true")
    assert page.locator("[autofocus]").count() == 1


def test_focus_is_on_the_problem_when_a_valid_comment_is_refused(
    live_server, page, article, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 600
    for text in ("First comment, thank you.", "Second comment, sent straight after."):
        open_article(page, live_server, article)
        page.get_by_role("textbox", name="Comment").fill(text)
        page.get_by_role("textbox", name="Name").fill("Robin")
        page.get_by_role("textbox", name="Email").fill("robin@example.org")
        submit_comment_form(page)

    problem = page.locator("#comment-problem")
    expect(problem).to_contain_text("faster than we accept them")
    expect(problem).to_be_focused()
    expect(page.locator("#id_body")).to_have_value("Second comment, sent straight after.")


def test_focus_is_on_the_note_when_a_comment_comes_back_to_be_sent_again(
    live_server, page, article
):
    open_article_comment_not_sent(page, live_server, article)

    expect(page.locator("#comment-problem")).to_be_focused()
    expect(page.locator("#id_body")).to_have_value("Sent while the token could not come.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".comment-awaiting-moderation")).to_be_visible()


def test_reply_moves_focus_to_the_comment_box_and_cancel_moves_it_back(live_server, page, article):
    open_article(page, live_server, article)
    reply = page.get_by_role("link", name="Reply to Dana")

    reply.focus()
    page.keyboard.press("Enter")

    expect(page.locator(f"#{article.dana_comment.anchor} #respond")).to_be_visible()
    expect(page.get_by_role("textbox", name="Comment")).to_be_focused()
    assert page.evaluate("document.activeElement.matches(':focus-visible')")

    cancel = page.get_by_role("link", name="Cancel reply")
    cancel.focus()
    page.keyboard.press("Enter")

    expect(reply).to_be_focused()
    expect(cancel).to_be_hidden()
    expect(page.locator("#respond-home + #respond")).to_be_attached()
    assert page.console_errors == []


# --- Motion, required fields and error messages -------------------------------------


# The longest transition or animation on the page, in seconds (0 when there is none).
LONGEST_MOTION = """() => {
  const seconds = (value) => Math.max(...value.split(",").map((part) => parseFloat(part) || 0));
  let longest = 0;
  for (const element of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(element, pseudo);
      const durations = [style.transitionDuration, style.animationDuration].map(seconds);
      longest = Math.max(longest, ...durations);
    }
  }
  return longest;
}"""


def test_reduced_motion_turns_smooth_scrolling_and_transitions_off(live_server, page, article):
    scroll_behavior = "getComputedStyle(document.documentElement).scrollBehavior"
    page.emulate_media(reduced_motion="no-preference")
    page.goto(live_server.url + article.get_absolute_url())
    assert page.evaluate(scroll_behavior) == "smooth"

    page.emulate_media(reduced_motion="reduce")

    assert page.evaluate(scroll_behavior) == "auto"
    assert page.evaluate(LONGEST_MOTION) <= 0.001
    # Jumping through the table of contents is then instant.
    page.get_by_role("navigation", name="In this article").get_by_role("link").nth(3).click()
    assert page.evaluate("window.scrollY") > 0


def test_required_fields_are_announced_and_not_marked_by_colour_alone(live_server, page, article):
    open_article(page, live_server, article)

    for label in ("Comment", "Name", "Email"):
        field = page.get_by_role("textbox", name=re.compile(rf"^{label}\s*\*$"))
        expect(field).to_have_count(1)
        assert field.evaluate("el => el.required || el.getAttribute('aria-required') === 'true'"), (
            f"{label} is not marked required for assistive technology"
        )
    website = page.get_by_role("textbox", name="Website", exact=True)
    assert not website.evaluate("el => el.required")
    expect(page.locator(".comment-notes")).to_have_text(
        "Your email address will not be published. Required fields are marked *"
    )


def test_errors_are_linked_to_their_fields_with_aria_describedby(live_server, page, article):
    open_article(page, live_server, article)
    page.get_by_role("textbox", name="Email").fill("not an address")
    submit_comment_form(page)

    expected = {
        "id_body": "Please write your comment.",
        "id_author_name": "Please enter your name.",
        "id_author_email": "Please enter a valid email address.",
    }
    invalid = page.locator("#commentform [aria-invalid='true']")
    assert sorted(invalid.evaluate_all("els => els.map(el => el.id)")) == sorted(expected)
    for field_id, message in expected.items():
        field = page.locator(f"#{field_id}")
        described_by = field.get_attribute("aria-describedby").split()
        texts = [page.locator(f"#{id_}").inner_text() for id_ in described_by]
        assert any(message in text for text in texts), (field_id, texts)
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))


# --- Print ----------------------------------------------------------------------------


def test_an_article_prints_without_navigation_forms_or_comments(live_server, page, article):
    open_article(page, live_server, article)
    page.emulate_media(media="print")

    for hidden in (
        page.locator(".site-header"),
        page.get_by_role("navigation", name="Main"),
        page.get_by_role("navigation", name="In this article"),
        page.get_by_role("link", name="Skip to main content"),
        page.locator("#comments"),
        page.locator("#commentform"),
        page.get_by_role("button", name="Post Comment"),
        page.locator("#related"),
    ):
        expect(hidden).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(page.locator("#article-body h2").first).to_be_visible()
    # Every FAQ answer prints, although the items are closed on screen.
    answers = page.locator("#faq .faq-answer")
    for index in range(answers.count()):
        expect(answers.nth(index)).to_be_visible()
    expect(page.locator("main").get_by_role("complementary", name="Need to talk")).to_be_visible()

    page.emulate_media(media="screen")
    expect(page.locator("#commentform")).to_be_visible()
