"""An editor's journey in Chromium: write a draft, preview the unsaved changes in a new
tab, save, share a preview link and open it as a reviewer who is not logged in.

axe-core checks the preview and the change form with its preview links; screenshots
of both go to screenshots/ at phone and desktop widths.
"""

from urllib.parse import urlsplit

from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from articles.models import Article, PreviewLink
from tests.articles.test_admin import make_staff
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import WCAG_TAGS, axe_violations, describe_violations
from tests.e2e.test_journeys import admin_log_in, assert_no_console_errors

TITLE = "Coming off methadone safely"
HEADING = "Why the dose comes down slowly"
BODY = "Your care team lowers the dose a little at a time, so withdrawal stays mild."
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def assert_accessible(page, name, context=None):
    """No axe violation of WCAG 2.0/2.1 A and AA, on the page or in ``context`` (axe's
    selectors of the parts to check)."""
    if context is None:
        violations = axe_violations(page)
    else:
        from axe_playwright_python.sync_playwright import Axe

        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
        violations = Axe().run(page, context=context, options=options).response["violations"]
    assert not violations, f"{name}:\n{describe_violations(violations)}"


def write_draft(page, live_server):
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("How a supervised methadone taper works, step by step.")
    page.locator("#id_author").fill("Editorial team")
    page.get_by_role("button", name="Add another Section").click()
    page.locator("#id_sections-0-position").fill("1")
    page.locator("#id_sections-0-heading").fill(HEADING)
    page.locator("#id_sections-0-body").fill(BODY)


def test_editor_previews_saves_and_shares_a_draft(live_server, new_page, screenshot):
    # A transactional test before this one may have emptied the tables the data
    # migrations filled: the Editors group is made again, with the article app's
    # permissions (preview links included).
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    make_staff("edna", groups=["Editors"])  # password "pw"
    editor = new_page()
    admin_log_in(editor, live_server, "edna", "pw")
    write_draft(editor, live_server)

    # Unsaved changes, in a new tab; nothing is saved.
    tab_errors = []
    editor.context.on(
        "console", lambda message: message.type == "error" and tab_errors.append(message.text)
    )
    with editor.context.expect_page() as new_tab:
        editor.get_by_role("button", name="Preview").first.click()
    preview = new_tab.value
    preview.wait_for_load_state()
    expect(preview.locator(".preview-banner")).to_contain_text("Preview: not published.")
    expect(preview.locator(".preview-banner")).to_contain_text("Unsaved changes")
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(preview.locator("#commentform")).to_have_count(0)
    assert not Article.objects.exists()
    assert tab_errors == []
    assert_accessible(preview, "preview of unsaved changes")
    preview.close()

    # Saved, then shared.
    editor.get_by_role("button", name="Save and continue editing").first.click()
    expect(editor.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    links = editor.locator("#preview-links")
    expect(links).to_contain_text("No preview link has been shared yet.")
    expect(links.get_by_label("Link works for")).to_have_value("7")
    links.get_by_role("button", name="Share a preview link").click()
    expect(editor.locator(".messagelist")).to_contain_text("Preview link shared")
    link = PreviewLink.objects.get()
    expect(links).to_contain_text("Active")
    address = links.get_by_role("textbox").input_value()
    assert address.endswith(link.get_absolute_url())
    # Before axe: its probes trip the strict CSP (inline styles) on the admin pages.
    assert_no_console_errors(editor)
    # Django's own widgets elsewhere on the form (the topic picker, split date and time
    # inputs) are not this feature's: the preview links and the buttons are checked.
    assert_accessible(
        editor,
        "change form's preview links and buttons",
        context={"include": [["fieldset:has(#preview-links)"], [".submit-row"]]},
    )
    for viewport, size in VIEWPORTS.items():
        editor.set_viewport_size(size)
        screenshot(editor.locator("fieldset:has(#preview-links)"), f"preview-links-{viewport}")

    # A reviewer with no account opens the link.
    for viewport, size in VIEWPORTS.items():
        reviewer = new_page(viewport=size)
        response = reviewer.goto(live_server.url + urlsplit(address).path)
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "no-store" in response.headers["cache-control"]
        expect(reviewer.locator(".preview-banner")).to_contain_text("Draft: readers cannot see")
        expect(reviewer.locator(".preview-banner")).to_contain_text("works until")
        expect(reviewer.get_by_role("heading", name=HEADING)).to_be_visible()
        expect(reviewer.get_by_text(BODY)).to_be_visible()
        assert_no_console_errors(reviewer)
        assert_accessible(reviewer, f"shared preview ({viewport})")
        screenshot(reviewer, f"preview-{viewport}")
