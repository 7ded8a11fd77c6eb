"""An editor's journey after a WordPress import with pictures: the dashboard lists a
featured image waiting for a description; the editor describes it and it becomes the
article's hero image. axe-core checks the page where it is described."""

from pathlib import Path

from django.urls import re_path
from PIL import Image
from playwright.sync_api import expect

from core.views import media_file
from recovery_site import urls as site_urls
from tests.e2e.test_editor_images import assert_no_axe_violations, log_in_as_editor
from tests.e2e.test_journeys import assert_no_console_errors
from tests.e2e.test_screenshots import broken_images
from wordpress.importer import import_file
from wordpress.models import ImportedItem

# The site's URLs with uploads served (SERVE_MEDIA is read when the URLs are imported).
urlpatterns = [re_path(r"^media/(?P<path>.*)$", media_file), *site_urls.urlpatterns]
handler400 = site_urls.handler400
handler404 = site_urls.handler404

EXPORT = Path(__file__).parents[1] / "wordpress" / "exports" / "media-site.xml"


def test_an_editor_describes_a_waiting_featured_image(
    live_server, page, settings, media_root, tmp_path, screenshot
):
    settings.ROOT_URLCONF = __name__
    folder = tmp_path / "uploads" / "2024" / "05"
    folder.mkdir(parents=True)
    Image.new("RGB", (1600, 1000), (15, 92, 99)).save(folder / "photo.jpg")
    Image.new("RGB", (640, 480), (243, 237, 225)).save(folder / "quiet-room.png")
    import_file(EXPORT, media_dir=tmp_path / "uploads")
    log_in_as_editor(page, live_server)

    dashboard = page.get_by_role("region", name="What needs attention")
    waiting = dashboard.get_by_role("region", name="Featured images waiting for a description (1)")
    waiting.get_by_role("link", name="Sleep after detox").click()

    expect(page.get_by_role("heading", name="Describe the featured image")).to_be_visible()
    assert broken_images(page) == []
    assert_no_axe_violations(page, "the featured image page")
    screenshot(page, "admin-featured-image-describe")
    page.get_by_label("Description (alt text)").fill("A quiet room with a made bed")
    page.get_by_role("button", name="Use as hero image").click()

    expect(page.get_by_text("“Sleep after detox” now has its hero image.")).to_be_visible()
    article = ImportedItem.objects.get(kind="post", wp_id=11).article
    assert article.hero_alt == "A quiet room with a made bed"
    assert_no_console_errors(page)
