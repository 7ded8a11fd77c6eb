""" "Was this article helpful?" in Chromium: a reader with JavaScript answers No with a
note and sees the thanks in place; a reader without JavaScript is held back by the
flood limit, then answers Yes and comes back to a thank-you; an editor finds the
counts and the note in the admin. No answer sets a cookie; axe finds nothing.
"""

from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from articles.models import ArticleFeedback
from core.models import SiteSettings
from tests.articles.test_admin import make_staff
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_editor_preview import assert_accessible
from tests.e2e.test_journeys import admin_log_in, assert_no_console_errors
from tests.factories import make_article

NOTE = "The tapering table lost me; a worked example would help."


def feedback_responses(page):
    """The answers to the feedback form's posts, as the browser received them."""
    seen = []
    page.on("response", lambda response: "/feedback/" in response.url and seen.append(response))
    return seen


def test_readers_answer_and_an_editor_reads_the_counts_and_the_note(
    live_server, new_page, screenshot, settings
):
    SiteSettings.load()
    article = make_article(title="Tapering off benzodiazepines", sections=3, faqs=2)
    settings.ARTICLE_FEEDBACK_FLOOD_SECONDS = 60
    url = f"{live_server.url}{article.get_absolute_url()}"

    # A reader on a phone, with JavaScript: No, with a note; thanks in place.
    reader = new_page(viewport=PHONE)
    posts = feedback_responses(reader)
    reader.goto(url)
    form = reader.locator("#article-feedback")
    form.scroll_into_view_if_needed()
    expect(form.get_by_role("group", name="Was this article helpful?")).to_be_visible()
    assert_accessible(reader, "article page with the feedback form")
    screenshot(form, "feedback-form-phone")
    # A form means nothing on paper.
    reader.emulate_media(media="print")
    expect(form).to_be_hidden()
    reader.emulate_media(media="screen")
    # Sent without an answer: told so, in place, and nothing stored.
    form.get_by_role("button", name="Send feedback").click()
    expect(form.get_by_role("alert")).to_contain_text("Please choose Yes or No.")
    assert_accessible(reader, "feedback form with its problem shown")
    form.get_by_role("radio", name="No", exact=True).check()
    form.get_by_label("A note for our editors (optional)").fill(NOTE)
    form.get_by_role("button", name="Send feedback").click()
    thanks = reader.get_by_role("status")
    expect(thanks).to_contain_text("Thank you for your feedback.")
    expect(thanks).to_be_focused()
    assert reader.url == url  # no page load
    assert [post.status for post in posts] == [400, 200]
    # The comment form below fetches its CSRF token (and cookie) as it nears; the
    # answer itself sets nothing.
    assert {cookie["name"] for cookie in reader.context.cookies()} <= {"csrftoken"}
    assert_accessible(reader, "article page after the answer")
    assert_no_console_errors(reader, expected_statuses=[400])

    # A reader without JavaScript, from the same address a moment later: held back,
    # with the answer kept; once the window is off, sent, and back to a thank-you.
    plain = new_page(viewport=DESKTOP, java_script_enabled=False)
    posts = feedback_responses(plain)
    plain.goto(url)
    plain.get_by_role("radio", name="Yes", exact=True).check()
    plain.get_by_role("button", name="Send feedback").click()
    expect(plain.get_by_role("alert")).to_contain_text("please wait 60 seconds", ignore_case=True)
    expect(plain.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    assert posts[-1].status == 429
    settings.ARTICLE_FEEDBACK_FLOOD_SECONDS = 0
    plain.get_by_role("button", name="Send feedback").click()
    expect(plain.get_by_role("status")).to_contain_text("Thank you for your feedback")
    assert plain.url.endswith("?feedback=sent#article-feedback")
    assert [post.status for post in posts] == [429, 303]
    assert plain.context.cookies() == []
    screenshot(plain.locator("#article-feedback"), "feedback-thanks-desktop")
    # axe runs as a script: the same thank-you page, in a browser that runs them.
    checker = new_page(viewport=DESKTOP)
    checker.goto(plain.url)
    expect(checker.get_by_role("status")).to_contain_text("Thank you for your feedback")
    assert_accessible(checker, "thank-you page")

    assert sorted(ArticleFeedback.objects.values_list("is_helpful", "note")) == [
        (False, NOTE),
        (True, ""),
    ]

    # An editor: the counts per article, then the "No" answers with the note.
    # Transactional tests flush the Editors group the migrations made: made again.
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    make_staff("edna", groups=["Editors"])  # password "pw"
    editor = new_page(viewport=DESKTOP)
    admin_log_in(editor, live_server, "edna", "pw")
    editor.get_by_role("link", name="Feedback by article").first.click()
    row = editor.get_by_role("row").filter(has_text=article.title)
    expect(row).to_contain_text("50%")
    assert_accessible(editor, "feedback by article", context={"include": [["#result_list"]]})
    row.get_by_role("link", name="1").nth(1).click()  # the "No" column
    expect(editor.locator("#result_list")).to_contain_text(NOTE)
    expect(editor.locator("#result_list tbody tr")).to_have_count(1)
    assert_accessible(editor, "reader feedback list", context={"include": [["#result_list"]]})
    assert_no_console_errors(editor)
