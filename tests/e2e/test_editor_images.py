"""An editor's journey with the image library: upload a picture, insert it in a
section with the "Insert image" picker, save, and see the figure on the public page.

axe-core checks the library pages, the picker and the article with a figure; the
screenshots (phone and desktop) go to screenshots/.
"""

import io
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.base import ContentFile
from django.urls import re_path
from PIL import Image
from playwright.sync_api import expect

from articles.models import LibraryImage
from core.views import media_file
from recovery_site import urls as site_urls
from tests.e2e.conftest import DESKTOP, PHONE, unfold_row
from tests.e2e.test_accessibility import WCAG_TAGS, describe_violations
from tests.e2e.test_journeys import assert_no_console_errors
from tests.e2e.test_screenshots import broken_images
from tests.factories import make_article, make_section

# The site's URLs with uploads served (SERVE_MEDIA is read when the URLs are imported).
urlpatterns = [re_path(r"^media/(?P<path>.*)$", media_file), *site_urls.urlpatterns]
handler400 = site_urls.handler400
handler404 = site_urls.handler404

PASSWORD = "quiet-harbour-2468"
ALT = "A nurse checks the blood pressure of a patient resting in bed."
CAPTION = "Vital signs are checked every few hours during detox."
CREDIT = "Photo: Recovery Center"


@pytest.fixture
def site(settings, media_root):
    settings.ROOT_URLCONF = __name__
    return settings


def photo_bytes():
    """A 1300 × 700 JPEG: two calm colour bands, so the screenshot shows something."""
    image = Image.new("RGB", (1300, 700), (15, 92, 99))
    image.paste((243, 237, 225), (0, 420, 1300, 700))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def log_in_as_editor(page, live_server):
    if not User.objects.filter(username="edith").exists():
        # A transactional test empties the tables the data migrations filled.
        editors, _created = Group.objects.get_or_create(name="Editors")
        editors.permissions.add(*Permission.objects.filter(content_type__app_label="articles"))
        user = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
        user.groups.set([editors])
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("edith")


def assert_no_axe_violations(page, name, context=None):
    """axe-core's WCAG 2.0/2.1 A and AA rules, on the page or the part ``context``
    selects."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    seen = len(page.console_errors)
    violations = Axe().run(page, context=context, options=options).response["violations"]
    # On admin forms axe-core's own checks apply inline styles, which the strict CSP
    # refuses and logs: the test tool's messages, not the page's.
    del page.console_errors[seen:]
    assert not violations, f"axe-core on {name}:\n{describe_violations(violations)}"


def test_an_editor_uploads_a_picture_and_shows_it_in_a_section(
    live_server, new_page, site, screenshot
):
    article = make_article(title="What to expect in detox", slug="what-to-expect")
    make_section(article, heading="The first days", body="Nurses check on you often.")
    page = new_page(viewport=DESKTOP)
    log_in_as_editor(page, live_server)

    # 1. Upload the picture in the library.
    page.goto(live_server.url + "/admin/articles/libraryimage/add/")
    assert_no_axe_violations(page, "the library's upload form")
    page.get_by_label("Picture").set_input_files(
        {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
    )
    page.get_by_label("Description (alt text)").fill(ALT)
    page.get_by_label("Caption").fill(CAPTION)
    page.get_by_label("Credit").fill(CREDIT)
    page.get_by_role("button", name="Save", exact=True).click()

    image = LibraryImage.objects.get()
    snippet = f"![](image:{image.pk})"
    expect(page.locator("#result_list")).to_contain_text(snippet)
    expect(page.locator("#result_list img.library-thumbnail")).to_have_count(1)
    assert broken_images(page) == []
    page.goto(live_server.url + "/admin/articles/libraryimage/")
    assert_no_axe_violations(page, "the library list")
    page.goto(live_server.url + f"/admin/articles/libraryimage/{image.pk}/change/")
    expect(page.locator(".library-snippet")).to_have_text(snippet)
    assert_no_axe_violations(page, "a library picture's page")

    # 2. Insert it in the section with the picker, with the keyboard, and save.
    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    unfold_row(page, "sections", 0)
    body = page.locator("textarea[name='sections-0-body']")
    body.focus()
    page.keyboard.press("End")
    page.locator("textarea[name='sections-0-body'] ~ .image-picker-button").first.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Insert an image from the library")
    expect(dialog).to_be_visible()
    choice = dialog.get_by_role("button", name=re.compile(re.escape(ALT[:30])))
    expect(choice).to_be_visible()
    assert_no_axe_violations(page, "the image picker", context=".image-picker")
    screenshot(dialog, "admin-image-picker-desktop")
    choice.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(body).to_have_value(f"Nurses check on you often.\n\n{snippet}\n")
    expect(body).to_be_focused()
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # 3. Readers see the figure with its description, caption and credit.
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        reader = new_page(viewport=viewport)
        reader.goto(live_server.url + article.get_absolute_url())
        figure = reader.locator("#article-body figure.article-figure")
        expect(figure.get_by_role("img", name=ALT)).to_be_visible()
        expect(figure.locator("figcaption")).to_have_text(f"{CAPTION} {CREDIT}")
        figure.scroll_into_view_if_needed()
        reader.wait_for_load_state("load")
        expect(figure.locator("img")).to_have_js_property("complete", True)
        assert broken_images(reader) == []
        source = figure.locator("img").evaluate("img => img.currentSrc")
        assert re.search(r"/media/renditions/[0-9a-f]{16}-\d+\.webp$", source), source
        assert_no_axe_violations(reader, f"the article with a figure ({name})")
        screenshot(reader, f"article-figure-{name}")
        assert_no_console_errors(reader)

    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        editor = new_page(viewport=viewport)
        log_in_as_editor(editor, live_server)
        editor.goto(live_server.url + "/admin/articles/libraryimage/")
        expect(editor.locator("#result_list")).to_contain_text(snippet)
        assert_no_axe_violations(editor, f"the library list ({name})")
        screenshot(editor, f"admin-image-library-{name}")
    assert_no_console_errors(page)


def test_without_javascript_the_editor_types_the_snippet(live_server, new_page, site):
    image = LibraryImage.objects.create(file=ContentFile(photo_bytes(), name="a.jpg"), alt=ALT)
    article = make_article(title="Typed by hand", slug="typed-by-hand")
    make_section(article, heading="First", body="Text.")
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    log_in_as_editor(page, live_server)

    page.goto(live_server.url + f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".image-picker-button")).to_have_count(0)
    unfold_row(page, "sections", 0)
    page.locator("textarea[name='sections-0-body']").fill(
        "Text.\n\n![x](https://example.org/x.png)"
    )
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".errorlist")).to_contain_text("is not in the image library")

    page.locator("textarea[name='sections-0-body']").fill(f"Text.\n\n![](image:{image.pk})")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator("figure.article-figure").get_by_role("img", name=ALT)).to_have_count(1)
