"""Importing a WordPress export from the admin: upload, dry run, "Import now", cancel,
progress and the clean-up of abandoned uploads (wordpress/admin.py, runs.py, tasks.py).

Tasks run with the immediate backend (tests' default): queued after the commit, they
run when ``django_capture_on_commit_callbacks(execute=True)`` lets the callbacks go.
"""

import io
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.html import escape

from articles.models import FAQ, Article, LibraryImage, Section, Topic
from comments.models import Comment
from core.models import AuditEntry
from pages.models import Page
from scripts.generate_wxr import generate_export
from tests.articles.test_admin import make_staff
from tests.wordpress.test_media import SITE as MEDIA_SITE
from tests.wordpress.test_media import draw
from wordpress import progress, runs
from wordpress.importer import STAGES, import_file
from wordpress.models import ImportedItem, ImportRun
from wordpress.tasks import check_export
from wordpress.wxr import read_export

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "exports"
SITE = EXPORTS / "site-wxr-1.2.xml"
TRUNCATED = EXPORTS / "bad-truncated.xml"
UPLOAD_URL = reverse("admin:wordpress_importrun_upload")
KINDS = ["Posts", "Pages", "Topics", "Comments"]
TABLES = (Article, Section, FAQ, Topic, Page, Comment, ImportedItem)
State = ImportRun.State


@pytest.fixture
def import_dir(settings, tmp_path):
    settings.WORDPRESS_IMPORT_DIR = tmp_path / "private"
    return settings.WORDPRESS_IMPORT_DIR


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def admin(client, superuser, import_dir):
    client.force_login(superuser)
    return client


@pytest.fixture
def queued(settings):
    """Tasks wait in a queue no worker reads, as when db_worker is not running yet."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def counts():
    return {model.__name__: model.objects.count() for model in TABLES}


def stored_files(import_dir):
    return sorted(path.name for path in import_dir.iterdir()) if import_dir.exists() else []


def upload(client, capture, source=SITE, *, name=None, skip_bad_items=False):
    content = source.read_bytes() if isinstance(source, Path) else source
    data = {"export": SimpleUploadedFile(name or getattr(source, "name", "export.xml"), content)}
    if skip_bad_items:
        data["skip_bad_items"] = "on"
    with capture(execute=True):
        return client.post(UPLOAD_URL, data)


def press(client, capture, run, action):
    with capture(execute=True):
        return client.post(reverse(f"admin:wordpress_importrun_{action}", args=[run.pk]))


def tally_cells(response, kind):
    """The numbers in one row of a report table on the page."""
    html = response.content.decode()
    row = html[html.index(f'<th scope="row">{kind}</th>') :]
    row = row[: row.index("</tr>")]
    return [int(cell.split("</td>")[0]) for cell in row.split("<td>")[1:]]


# --- Who may ------------------------------------------------------------------------


def test_only_superusers_see_and_use_the_import(
    client, import_dir, django_capture_on_commit_callbacks
):
    run = ImportRun.objects.create(original_name="site.xml", state=State.CHECKED)
    staff = make_staff("editor")
    client.force_login(staff)
    for url in [
        UPLOAD_URL,
        reverse("admin:wordpress_importrun_changelist"),
        reverse("admin:wordpress_importrun_status", args=[run.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    for action in ["import", "cancel"]:
        response = press(client, django_capture_on_commit_callbacks, run, action)
        assert response.status_code == 403
    assert upload(client, django_capture_on_commit_callbacks).status_code == 403
    run.refresh_from_db()
    assert run.state == State.CHECKED
    assert ImportRun.objects.count() == 1
    assert stored_files(import_dir) == []
    assert "WordPress imports" not in client.get(reverse("admin:index")).content.decode()

    client.logout()
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_superusers_find_the_import_from_the_admin(admin):
    index = admin.get(reverse("admin:index")).content.decode()
    changelist = reverse("admin:wordpress_importrun_changelist")
    assert f'href="{changelist}"' in index
    page = admin.get(changelist)
    assert page.status_code == 200
    assert f'href="{UPLOAD_URL}"' in page.content.decode()
    form = admin.get(UPLOAD_URL)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    assert '<label for="id_export"' in form.content.decode()


# --- Upload -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"<?xml version='1.0'?>" + b" " * 200, "big.xml", "too_big"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "export.xml", "not_xml"),
        (b"PK\x03\x04\x14\x00\x00\x00", "export.xml", "not_xml"),
        (b"<?xml version='1.0'?><rss/>", "export.zip", "not_xml_name"),
        (b"", "export.xml", "empty"),
    ],
    ids=["too-big", "pdf", "zip", "not-xml-name", "empty"],
)
def test_an_upload_that_is_not_an_export_is_refused_with_a_message(
    admin, settings, import_dir, django_capture_on_commit_callbacks, content, name, code
):
    settings.WORDPRESS_IMPORT_MAX_BYTES = 200
    response = upload(admin, django_capture_on_commit_callbacks, content, name=name)

    assert response.status_code == 400
    errors = response.context["form"].errors.as_data()["export"]
    assert [error.code for error in errors] == [code]
    assert 'class="errorlist' in response.content.decode()
    assert not ImportRun.objects.exists()
    assert stored_files(import_dir) == []


def test_the_upload_is_stored_privately_and_checked_by_a_dry_run_that_writes_nothing(
    admin, superuser, settings, import_dir, django_capture_on_commit_callbacks
):
    before = counts()
    response = upload(admin, django_capture_on_commit_callbacks)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:wordpress_importrun_status", args=[run.pk])
    assert (run.state, run.uploaded_by, run.original_name) == (
        State.CHECKED,
        superuser,
        "site-wxr-1.2.xml",
    )
    assert counts() == before
    # Kept for "Import now", outside MEDIA_ROOT, readable by the site's account only.
    assert stored_files(import_dir) == [run.file_name]
    assert not run.path.is_relative_to(settings.MEDIA_ROOT)
    assert run.path.stat().st_mode & 0o777 == 0o600

    page = admin.get(response["Location"])
    html = page.content.decode()
    assert "What the import would do" in html
    assert "(dry run: nothing was written)" in html
    assert tally_cells(page, "Posts") == [5, 0, 0, 0, 3]
    assert tally_cells(page, "Comments") == [5, 0, 0, 1, 0]
    # The rows in the command's order.
    rows = [html.index(f'<th scope="row">{kind}</th>') for kind in KINDS]
    assert rows == sorted(rows)
    assert "comment 106 (line 218): a pingback, not a reader&#x27;s comment" in html
    assert "<h3>Imported as drafts</h3>" in html
    assert "post 10 (line 89): Choose the medical reviewer before publishing." in html
    assert 'value="Import now"' in html
    # Nothing runs: no refresh script.
    assert "admin-import-progress.js" not in html


def test_import_now_imports_the_checked_file_and_deletes_it(
    admin, superuser, import_dir, django_capture_on_commit_callbacks
):
    pages = Page.objects.count()
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()

    response = press(admin, django_capture_on_commit_callbacks, run, "import")

    run.refresh_from_db()
    assert response.status_code == 302
    assert (run.state, run.imported_by, run.file_name) == (State.DONE, superuser, "")
    assert run.finished_at is not None
    assert stored_files(import_dir) == []
    assert Article.objects.count() == 5
    assert Comment.objects.count() == 5
    assert Comment.objects.filter(parent__isnull=False).count() == 2
    assert Page.objects.count() == pages + 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.WORDPRESS_IMPORTED)
    assert (entry.user, entry.object_id) == (superuser, str(run.pk))
    assert "posts: 5 created, 0 updated" in entry.detail

    page = admin.get(response["Location"])
    html = page.content.decode()
    assert "What the import did" in html
    assert "(dry run" not in html
    assert tally_cells(page, "Posts") == [5, 0, 0, 0, 3]
    assert 'value="Import now"' not in html
    assert "Cancel and delete the file" not in html


def test_import_now_twice_imports_once(admin, django_capture_on_commit_callbacks):
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    press(admin, django_capture_on_commit_callbacks, run, "import")

    response = press(admin, django_capture_on_commit_callbacks, run, "import")

    assert response.status_code == 302
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["This import cannot start now (it is: imported)."]
    assert Article.objects.count() == 5
    assert AuditEntry.objects.filter(action=AuditEntry.Action.WORDPRESS_IMPORTED).count() == 1


def test_import_now_and_cancel_take_post_only(admin):
    run = ImportRun.objects.create(original_name="site.xml", state=State.CHECKED)
    for action in ["import", "cancel"]:
        url = reverse(f"admin:wordpress_importrun_{action}", args=[run.pk])
        assert admin.get(url).status_code == 405
    run.refresh_from_db()
    assert run.state == State.CHECKED


def test_a_bad_file_shows_the_readers_message_with_its_line_and_writes_nothing(
    admin, import_dir, django_capture_on_commit_callbacks
):
    before = counts()
    response = upload(admin, django_capture_on_commit_callbacks, TRUNCATED)

    run = ImportRun.objects.get()
    assert (run.state, run.file_name) == (State.FAILED, "")
    assert run.error.startswith("Line ")
    assert stored_files(import_dir) == []
    assert counts() == before
    html = admin.get(response["Location"]).content.decode()
    assert escape(run.error) in html
    assert 'role="alert"' in html
    assert "Nothing was written." in html
    assert 'value="Import now"' not in html
    # The next file may come.
    assert upload(admin, django_capture_on_commit_callbacks).status_code == 302


def test_leave_out_bad_records_is_passed_to_the_check(
    admin, tmp_path, django_capture_on_commit_callbacks
):
    bad = EXPORTS / "bad-comment-missing-parent.xml"
    upload(admin, django_capture_on_commit_callbacks, bad)
    first = ImportRun.objects.get()
    assert first.state == State.FAILED

    upload(admin, django_capture_on_commit_callbacks, bad, skip_bad_items=True)

    second = ImportRun.objects.exclude(pk=first.pk).get()
    assert (second.state, second.skip_bad_items) == (State.CHECKED, True)
    skipped = [line for line in second.dry_run_report["lines"] if line["outcome"] == "skipped"]
    assert skipped


# --- One at a time, cancel ----------------------------------------------------------


def test_one_import_is_open_at_a_time(admin, import_dir, django_capture_on_commit_callbacks):
    upload(admin, django_capture_on_commit_callbacks)
    open_run = ImportRun.objects.get()

    response = upload(admin, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == ["another_open"]
    assert open_run.get_absolute_url() in response.content.decode()
    assert ImportRun.objects.count() == 1
    assert stored_files(import_dir) == [open_run.file_name]


def test_the_database_refuses_a_second_open_run():
    ImportRun.objects.create(original_name="a.xml", state=State.IMPORTING)
    ImportRun.objects.create(original_name="b.xml", state=State.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(original_name="c.xml", state=State.CHECKING)


def test_cancel_before_importing_deletes_the_upload(
    admin, import_dir, django_capture_on_commit_callbacks
):
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()

    response = press(admin, django_capture_on_commit_callbacks, run, "cancel")

    run.refresh_from_db()
    assert (run.state, run.file_name) == (State.CANCELLED, "")
    assert stored_files(import_dir) == []
    html = admin.get(response["Location"]).content.decode()
    assert "Import cancelled; the uploaded file is deleted." in html
    assert 'value="Import now"' not in html
    # A cancelled run cannot be imported afterwards.
    press(admin, django_capture_on_commit_callbacks, run, "import")
    run.refresh_from_db()
    assert run.state == State.CANCELLED
    assert not Article.objects.exists()


def test_a_cancel_during_the_dry_run_wins(
    admin, queued, import_dir, django_capture_on_commit_callbacks
):
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert run.state == State.CHECKING
    press(admin, django_capture_on_commit_callbacks, run, "cancel")

    # The worker comes to the queued check afterwards: it finds nothing to do.
    assert check_export.call(run.pk) is None
    run.refresh_from_db()
    assert run.state == State.CANCELLED


# --- Progress -----------------------------------------------------------------------


def test_the_progress_callback_hears_each_stage_with_its_figures(tmp_path):
    path = tmp_path / "generated.xml"
    path.write_bytes(generate_export(posts=60, comments=130, seed=3))
    export = read_export(path)
    calls = []

    import_file(path, dry_run=True, progress=lambda *call: calls.append(call))

    assert [stage for stage, _done, _total in calls] == sorted(
        (stage for stage, _done, _total in calls), key=STAGES.index
    )
    assert {stage for stage, _done, _total in calls} == set(STAGES)
    by_stage = {stage: [(d, t) for s, d, t in calls if s == stage] for stage in STAGES}
    assert by_stage["reading"] == [(0, None)]
    assert by_stage["addresses"] == [(0, None)]
    posts = len(export.posts)
    assert by_stage["posts"] == [(0, posts), (25, posts), (50, posts), (posts, posts)]
    comments = sum(len(post.comments) for post in export.posts)
    assert comments >= 100
    assert by_stage["comments"][0] == (0, comments)
    assert by_stage["comments"][-1] == (comments, comments)
    for stage in ["topics", "posts", "pages", "comments"]:
        done = [d for d, _t in by_stage[stage]]
        assert done == sorted(done), stage
        assert all(t == by_stage[stage][0][1] for _d, t in by_stage[stage]), stage


def test_the_status_page_shows_the_published_progress_while_a_run_waits_or_works(
    admin, queued, django_capture_on_commit_callbacks
):
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    url = run.get_absolute_url()

    waiting = admin.get(url).content.decode()
    assert "Waiting for the background worker to start" in waiting
    assert '<progress id="import-progress-bar" max="100"></progress>' in waiting
    assert 'src="/static/js/admin-import-progress.js"' in waiting
    assert 'value="Import now"' not in waiting
    assert "Cancel and delete the file" in waiting

    progress.publish(run.pk, "posts", 10, 40)
    html = admin.get(url).content.decode()
    # Posts are the third of six stages: 2 done and a quarter of the third.
    assert "Posts: 10 of 40 (38%)" in html
    assert 'value="38"' in html
    assert '<label for="import-progress-bar">' in html


# --- Maintenance --------------------------------------------------------------------


def test_maintenance_closes_abandoned_uploads_and_deletes_their_files(
    admin, import_dir, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    upload(admin, django_capture_on_commit_callbacks)
    checked = ImportRun.objects.get()
    time_machine.move_to(datetime(2026, 3, 3, 8, 59, tzinfo=UTC), tick=False)
    out = io.StringIO()
    call_command("wordpress_maintenance", stdout=out)

    assert "Closed 0 " in out.getvalue()
    assert stored_files(import_dir) == [checked.file_name]

    time_machine.move_to(datetime(2026, 3, 3, 9, 1, tzinfo=UTC), tick=False)
    call_command("wordpress_maintenance", stdout=out)

    checked.refresh_from_db()
    assert (checked.state, checked.file_name) == (State.CANCELLED, "")
    assert stored_files(import_dir) == []
    assert "Closed 1 " in out.getvalue()


def test_maintenance_marks_a_run_whose_worker_never_finished_failed(
    admin, queued, import_dir, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    time_machine.shift(timedelta(days=1, minutes=1))

    call_command("wordpress_maintenance", stdout=io.StringIO())

    run.refresh_from_db()
    assert (run.state, run.file_name) == (State.FAILED, "")
    assert "db_worker" in run.error
    assert stored_files(import_dir) == []
    assert upload(admin, django_capture_on_commit_callbacks).status_code == 302


def test_the_status_page_costs_a_fixed_number_of_queries(
    admin, django_assert_num_queries, django_capture_on_commit_callbacks
):
    upload(admin, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    url = run.get_absolute_url()
    admin.get(url)  # the site settings are cached from here on

    # Session, user, the run with its people.
    with django_assert_num_queries(3):
        response = admin.get(url)
    assert response.status_code == 200


def seen_from_another_connection(run_id):
    """What another process would see now: the run's state, the articles, the
    progress (read in a thread, which Django gives its own database connection)."""
    seen = {}

    def look():
        try:
            seen["state"] = ImportRun.objects.get(pk=run_id).state
            seen["articles"] = Article.objects.count()
            seen["progress"] = progress.read(run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return seen


@pytest.mark.django_db(transaction=True)
def test_while_importing_others_see_the_state_and_progress_but_not_the_rows(superuser, import_dir):
    file_name = "export.xml"
    import_dir.mkdir(parents=True)
    (import_dir / file_name).write_bytes(SITE.read_bytes())
    run = ImportRun.objects.create(
        original_name="site.xml", file_name=file_name, state=State.CHECKED
    )
    seen = []

    def during_import(sender, instance, created, **kwargs):
        if not seen:
            seen.append(seen_from_another_connection(run.pk))

    post_save.connect(during_import, sender=Article, dispatch_uid="during-import")
    try:
        # Committed at once, the immediate backend runs the import on that commit.
        assert runs.start_import(run=run, user=superuser)
    finally:
        post_save.disconnect(dispatch_uid="during-import", sender=Article)

    [during] = seen
    assert during["state"] == State.IMPORTING
    assert during["articles"] == 0
    assert during["progress"].stage == "posts"
    assert seen_from_another_connection(run.pk)["state"] == State.DONE
    assert Article.objects.count() == 5


# --- Pictures from the server's media folder ------------------------------------------


def test_without_a_media_folder_the_upload_offers_no_pictures(admin, settings):
    settings.WORDPRESS_MEDIA_DIR = ""
    html = admin.get(UPLOAD_URL).content.decode()
    assert 'name="export"' in html
    assert 'name="with_media"' not in html


def test_a_missing_media_folder_is_refused_and_nothing_stored(
    admin, settings, tmp_path, import_dir, django_capture_on_commit_callbacks
):
    settings.WORDPRESS_MEDIA_DIR = str(tmp_path / "not-copied-yet")
    content = SITE.read_bytes()
    data = {"export": SimpleUploadedFile("site.xml", content), "with_media": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(UPLOAD_URL, data)

    assert response.status_code == 400
    assert response.context["form"].has_error("with_media", "no_media_dir")
    assert ImportRun.objects.count() == 0
    assert stored_files(import_dir) == []


def test_pictures_come_from_the_media_folder_when_ticked(
    admin, settings, tmp_path, media_root, django_capture_on_commit_callbacks
):
    folder = tmp_path / "uploads"
    draw(folder / "2024" / "05" / "photo.jpg")
    settings.WORDPRESS_MEDIA_DIR = str(folder)
    form = admin.get(UPLOAD_URL).content.decode()
    assert str(folder) in form
    data = {
        "export": SimpleUploadedFile("media-site.xml", MEDIA_SITE.read_bytes()),
        "with_media": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(UPLOAD_URL, data)
    run = ImportRun.objects.get()
    assert (run.state, run.with_media) == (State.CHECKED, True)
    # The dry run saw the picture and left neither a row nor a file.
    images = run.dry_run_report["tallies"]["images"]
    assert images["created"] == 1
    assert LibraryImage.objects.count() == 0
    assert not any(path.is_file() for path in Path(media_root).rglob("*"))

    press(admin, django_capture_on_commit_callbacks, run, "import")

    run.refresh_from_db()
    assert run.state == State.DONE
    photo = LibraryImage.objects.get()
    assert (photo.width, photo.height) == (1600, 1000)
    page = admin.get(run.get_absolute_url()).content.decode()
    assert f"from the media folder {folder}" in page


def test_the_command_waits_for_an_import_open_in_the_admin():
    run = ImportRun.objects.create(original_name="site.xml", state=State.CHECKED)
    before = counts()

    with pytest.raises(CommandError, match=r"WordPress import #\d+ \(site.xml\) is open"):
        call_command("import_wordpress", str(SITE), stdout=io.StringIO())

    assert counts() == before
    run.move_to(State.CANCELLED)
    call_command("import_wordpress", str(SITE), stdout=io.StringIO())
    assert counts()["Article"] == before["Article"] + 5
