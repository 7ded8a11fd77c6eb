"""Moving in from WordPress in a real browser: a superuser uploads the site's export
in the admin, reads the dry run, presses "Import now" and reads what was imported;
once the article is reviewed and published, a reader's old /?p= link lands on it with
its comments threaded. axe-core checks each admin page."""

import datetime
from pathlib import Path

from django.contrib.auth.models import User
from playwright.sync_api import expect

from articles.models import Article
from articles.reviews import mark_reviewed
from comments.models import Comment
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_accessibility import axe_violations, describe_violations
from tests.e2e.test_journeys import admin_log_in
from tests.factories import make_reviewer
from wordpress import progress
from wordpress.models import ImportedItem, ImportRun
from wordpress.tasks import check_export

EXPORT = Path(__file__).resolve().parents[1] / "wordpress" / "exports" / "site-wxr-1.2.xml"


def assert_accessible(page, name):
    violations = axe_violations(page)
    assert not violations, f"axe-core on {name}:\n{describe_violations(violations)}"


def test_a_superuser_imports_a_wordpress_site_and_old_links_lead_to_it(
    live_server, new_page, settings, tmp_path
):
    settings.WORDPRESS_IMPORT_DIR = tmp_path / "private"
    User.objects.create_superuser("root", "root@example.org", "quiet-harbour-2024")
    page = new_page(viewport=DESKTOP)
    admin_log_in(page, live_server, "root", "quiet-harbour-2024")

    # From the admin index to the upload page.
    page.get_by_role("link", name="WordPress imports").click()
    page.get_by_role("link", name="Import from WordPress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import from WordPress")
    assert_accessible(page, "the upload page")
    page.get_by_label("WordPress export file (.xml)").set_input_files(EXPORT)
    page.get_by_role("button", name="Upload and check").click()

    # The dry run's table and reasons; nothing is written yet.
    expect(page.get_by_role("heading", name="What the import would do")).to_be_visible()
    table = page.locator("table.wordpress-report")
    expect(table.get_by_role("row", name="Posts")).to_have_text("Posts50003")
    expect(page.get_by_role("heading", name="Imported as drafts")).to_be_visible()
    expect(page.get_by_text("comment 106 (line 218): a pingback")).to_be_visible()
    assert not Article.objects.exists()
    assert_accessible(page, "the dry run's report")

    page.get_by_role("button", name="Import now").click()

    expect(page.get_by_role("heading", name="What the import did")).to_be_visible()
    expect(page.locator("#import-state")).to_have_text("Imported")
    expect(table.get_by_role("row", name="Comments")).to_have_text("Comments50010")
    expect(page.get_by_role("button", name="Import now")).to_have_count(0)
    assert_accessible(page, "the import's report")
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.DONE
    assert not any(Path(settings.WORDPRESS_IMPORT_DIR).iterdir())

    # Imported as a draft (no medical reviewer yet): reviewed, then published by hand.
    article = ImportedItem.objects.get(kind="post", wp_id=10).article
    assert article.status == Article.Status.DRAFT
    mark_reviewed(
        [article],
        reviewer=make_reviewer(name="Dr. Ana Ruiz"),
        reviewed_on=datetime.date(2024, 3, 10),
        by=User.objects.get(username="root"),
    )
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator("#id_status").select_option("published")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article in Article.objects.published()

    # A reader follows the old link.
    reader = new_page(viewport=DESKTOP)
    response = reader.request.get(f"{live_server.url}/?p=10", max_redirects=0)
    assert response.status == 301
    assert response.headers["location"].endswith(article.get_absolute_url())
    reader.goto(f"{live_server.url}/?p=10")
    expect(reader).to_have_url(live_server.url + article.get_absolute_url())
    expect(reader.get_by_role("heading", level=1)).to_have_text(article.title)
    ruth = Comment.objects.get(article=article, author_name="Ruth")
    reply = reader.locator(f"#comment-{ruth.pk} > ol.children > li")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Thank you, Ruth. A short walk in daylight helps")
    assert reader.console_errors == []
    assert page.console_errors == []


def test_the_status_page_follows_a_background_check_without_a_reload(
    live_server, new_page, settings, tmp_path
):
    # Queued for a worker that is not running: the test plays the worker's part.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.WORDPRESS_IMPORT_DIR = tmp_path / "private"
    User.objects.create_superuser("root", "root@example.org", "quiet-harbour-2024")
    page = new_page(viewport=DESKTOP)
    admin_log_in(page, live_server, "root", "quiet-harbour-2024")
    page.goto(f"{live_server.url}/admin/wordpress/importrun/upload/")
    page.get_by_label("WordPress export file (.xml)").set_input_files(EXPORT)
    page.get_by_role("button", name="Upload and check").click()

    bar = page.get_by_role("progressbar")
    expect(page.get_by_label("Waiting for the background worker to start…")).to_be_visible()
    assert_accessible(page, "the status page while it waits")
    run = ImportRun.objects.get()
    page.evaluate("document.body.dataset.sameDocument = 'yes'")

    progress.publish(run.pk, "posts", 10, 40)
    expect(page.get_by_text("Posts: 10 of 40 (38%)")).to_be_visible()
    expect(bar).to_have_attribute("value", "38")
    # Still the same document: the section was replaced, the page not reloaded.
    assert page.evaluate("document.body.dataset.sameDocument") == "yes"

    check_export.call(run.pk)
    expect(page.get_by_role("heading", name="What the import would do")).to_be_visible()
    expect(page.get_by_role("button", name="Import now")).to_be_visible()
    assert page.console_errors == []
