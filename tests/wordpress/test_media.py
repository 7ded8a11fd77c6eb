"""Pictures of a WordPress site: `import_wordpress EXPORT --media DIR`.

exports/media-site.xml names its pictures under wp-content/uploads/2024/05/; the
files are drawn here with Pillow in a temporary uploads folder, and MEDIA_ROOT is a
temporary folder too, so a test can count the files the import leaves behind.
"""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles.models import Article, LibraryImage
from dashboard.panels import build_panels
from wordpress.importer import import_file
from wordpress.models import ImportedItem
from wordpress.pictures import removing_files, stored_picture_names

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "exports"
SITE = EXPORTS / "media-site.xml"
IMPORT_TIME = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
PANEL = "featured_images"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(IMPORT_TIME, tick=False)


def draw(path, size=(1600, 1000), mode="RGB", image_format=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    color = (20, 120, 240, 255) if mode == "RGBA" else (200, 120, 40)
    Image.new(mode, size, color[: len(mode)]).save(path, format=image_format)
    return path


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads: a photo and its resized copy, a
    PNG without a description, and a "chart" that is not a picture. missing.jpg is
    not there."""
    root = tmp_path / "uploads"
    folder = root / "2024" / "05"
    draw(folder / "photo.jpg")
    draw(folder / "photo-300x200.jpg", size=(300, 188))
    draw(folder / "quiet-room.png", size=(640, 480), mode="RGBA")
    (folder / "chart.png").write_text("not a picture")
    return root


def run(*options, path=SITE):
    out = io.StringIO()
    call_command("import_wordpress", str(path), *options, stdout=out)
    return out.getvalue()


def tally_row(report, kind):
    line = next(line for line in report.splitlines() if line.split()[:1] == [kind])
    return [int(value) for value in line.split()[1:]]


def stored_files(media_root):
    root = Path(media_root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def article(wp_id):
    return ImportedItem.objects.get(kind="post", wp_id=wp_id).article


def site_copy(tmp_path, *replacements):
    text = SITE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "changed.xml"
    path.write_text(text, encoding="utf-8")
    return path


# --- Pictures in bodies --------------------------------------------------------------


def test_a_picture_becomes_one_library_image_shown_as_a_figure(media_root, uploads):
    report = run("--media", str(uploads))

    walk = article(10)
    (photo,) = LibraryImage.objects.filter(alt="A gravel path along a river")
    # The first use has no alt of its own: the library's (the attachment's) serves;
    # the second says it differently and keeps its own.
    overview, going = walk.sections.all()
    assert overview.body.endswith(f"![](image:{photo.pk})")
    assert going.body.endswith(f"![Sunrise over the river path](image:{photo.pk})")
    assert "<figure" in overview.body_html and 'alt="A gravel path along a river"' in (
        overview.body_html
    )
    assert 'alt="Sunrise over the river path"' in going.body_html
    # The caption of the attachment (the first use had none of its own).
    assert photo.caption == "Morning walk"
    # Renditions were made, and the full size was imported, not the resized copy.
    assert (photo.width, photo.height) == (1600, 1000)
    assert len(photo.renditions["files"]) == 6
    assert tally_row(report, "images") == [2, 0, 0, 3, 0]


def test_the_same_file_anywhere_is_one_library_image(media_root, uploads):
    run("--media", str(uploads))

    # Post 10 shows it twice (resized and full size, class wp-image-20), post 11 by
    # its address alone, and it is post 10's featured image.
    photos = ImportedItem.objects.filter(kind="attachment", media_path="2024/05/photo.jpg")
    (record,) = photos
    assert record.wp_id == 20
    sleep = article(11)
    assert sleep.sections.get().body.endswith(f"![](image:{record.library_image_id})")
    assert LibraryImage.objects.count() == 2  # the photo and post 11's featured PNG


def test_a_resized_copy_finds_its_full_size_and_falls_back_to_itself(media_root, uploads, tmp_path):
    (uploads / "2024" / "05" / "photo.jpg").unlink()
    changed = site_copy(
        tmp_path,
        # No attachment to name the file: only the two addresses remain.
        ('class="wp-image-20"', ""),
        ("<wp:meta_value><![CDATA[20]]></wp:meta_value>", "<wp:meta_value></wp:meta_value>"),
    )

    run("--media", str(uploads), path=changed)

    image = LibraryImage.objects.get(width=300)
    assert ImportedItem.objects.get(library_image=image).media_path == ("2024/05/photo-300x200.jpg")


def test_missing_and_unreadable_files_are_reported_and_the_import_goes_on(media_root, uploads):
    report = run("--media", str(uploads))

    assert "Pictures left out:" in report
    assert (
        "post 11 (line 121): picture left out: 2024/05/missing.jpg: "
        "no such file in the media folder"
    ) in report
    assert (
        "post 11 (line 121): picture left out: 2024/05/chart.png: "
        "the file is damaged, incomplete or not a picture"
    ) in report
    sleep = article(11)
    body = sleep.sections.get().body
    assert "missing.jpg" not in body and "chart.png" not in body and "wp-image" not in body
    assert "The chart below is a file that is not a picture." in body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("truncated", "half", "the file is damaged, incomplete or not a picture"),
        ("gif", "gif", "not a JPEG, PNG or WebP picture"),
        ("bomb", "bomb", "the picture has too many pixels"),
    ],
)
def test_pictures_the_library_would_refuse_are_left_out(
    media_root, uploads, settings, name, content, reason
):
    chart = uploads / "2024" / "05" / "chart.png"
    if content == "half":
        buffer = io.BytesIO()
        Image.new("RGB", (800, 600), (1, 2, 3)).save(buffer, format="PNG")
        chart.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    elif content == "gif":
        draw(chart, size=(40, 40), mode="P", image_format="GIF")
    else:
        settings.IMAGE_MAX_PIXELS = 100_000
        draw(chart, size=(400, 400), image_format="PNG")

    report = run("--media", str(uploads))

    assert f"picture left out: 2024/05/chart.png: {reason}" in report
    assert not LibraryImage.objects.filter(width=400).exists()


def test_a_path_leading_out_of_the_folder_is_refused(media_root, uploads, tmp_path):
    draw(tmp_path / "secret.jpg")
    link = uploads / "2024" / "05" / "linked.jpg"
    link.symlink_to(tmp_path / "secret.jpg")
    changed = site_copy(tmp_path, ("2024/05/missing.jpg", "2024/05/linked.jpg"))

    report = run("--media", str(uploads), path=changed)

    # Encoded ".." in the address, and a symbolic link to a file outside.
    assert "picture left out: ../../secret.jpg: refused" in report
    assert "picture left out: 2024/05/linked.jpg: refused" in report
    # Only the photo and the featured PNG came in.
    assert LibraryImage.objects.count() == 2


# --- Featured images -----------------------------------------------------------------


def test_a_described_featured_image_becomes_the_hero(media_root, uploads):
    run("--media", str(uploads))

    walk = article(10)
    assert walk.hero_image.name.startswith("heroes/")
    assert walk.hero_alt == "A gravel path along a river"
    assert len(walk.hero_renditions["files"]) == 6
    assert (Path(media_root) / walk.hero_image.name).is_file()
    assert ImportedItem.objects.get(kind="post", wp_id=10).waiting_hero is None


def test_a_featured_image_without_description_waits_on_the_dashboard(client, media_root, uploads):
    report = run("--media", str(uploads))

    sleep = article(11)
    assert not sleep.hero_image
    record = ImportedItem.objects.get(kind="post", wp_id=11)
    assert record.waiting_hero.width == 640
    assert "Featured images waiting for a description:" in report
    assert "post 11 (line 121): its featured image has no description" in report

    editor = make_editor("editor", can_change=True)
    client.force_login(editor)
    panel = next(panel for panel in build_panels(editor) if panel.key == PANEL)
    assert panel.count == 1
    assert [item.title for item in panel.items] == ["Sleep after detox"]
    use_url = reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk])
    assert panel.items[0].url == use_url
    index = client.get(reverse("admin:index")).content.decode()
    assert "Featured images waiting for a description (1)" in index
    page = client.get(use_url)
    assert page.status_code == 200
    assert record.waiting_hero.file.name in page.content.decode() or (
        "renditions/" in page.content.decode()
    )
    listing = client.get(reverse("admin:wordpress_waitingfeaturedimage_changelist"))
    assert "Sleep after detox" in listing.content.decode()


def test_describing_the_waiting_image_makes_it_the_hero(client, media_root, uploads):
    run("--media", str(uploads))
    record = ImportedItem.objects.get(kind="post", wp_id=11)
    editor = make_editor("editor", can_change=True)
    client.force_login(editor)
    url = reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk])

    response = client.post(url, {"alt": "  A quiet room with a made bed  "})

    assert response.status_code == 302
    sleep = Article.objects.get(pk=record.article_id)
    assert sleep.hero_alt == "A quiet room with a made bed"
    assert sleep.hero_image.name.startswith("heroes/")
    assert len(sleep.hero_renditions["files"]) == 4
    record.refresh_from_db()
    assert record.waiting_hero is None
    revision = Version.objects.get_for_object(sleep).first().revision
    assert revision.user == editor
    assert next(p for p in build_panels(editor) if p.key == PANEL).count == 0
    assert client.get(url).status_code == 404


def test_describing_needs_a_description_and_the_permission(client, media_root, uploads):
    run("--media", str(uploads))
    record = ImportedItem.objects.get(kind="post", wp_id=11)
    url = reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk])
    viewer = make_editor("viewer", can_change=False)
    client.force_login(viewer)

    assert client.post(url, {"alt": "A room"}).status_code == 403
    assert PANEL not in [panel.key for panel in build_panels(viewer)]

    client.force_login(make_editor("editor", can_change=True))
    response = client.post(url, {"alt": "   "})

    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["alt"][0].code == "required"
    assert not Article.objects.get(pk=record.article_id).hero_image
    record.refresh_from_db()
    assert record.waiting_hero is not None
    assert client.post(url, {"alt": "x" * 300}).status_code == 400


def make_editor(username, *, can_change):
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    codenames = ["view_article", "change_article"] if can_change else ["view_article"]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    )
    return user


# --- Importing again, dry runs, no folder --------------------------------------------


def test_importing_again_changes_nothing(media_root, uploads):
    run("--media", str(uploads))
    files = stored_files(media_root)
    images = list(LibraryImage.objects.values_list("pk", flat=True))

    report = run("--media", str(uploads))

    assert tally_row(report, "posts") == [0, 0, 2, 0, 0]
    assert tally_row(report, "images") == [0, 0, 2, 0, 0]
    assert list(LibraryImage.objects.values_list("pk", flat=True)) == images
    assert stored_files(media_root) == files


def test_a_changed_post_uses_the_pictures_imported_before(media_root, uploads, tmp_path):
    run("--media", str(uploads))
    images = LibraryImage.objects.count()
    changed = site_copy(tmp_path, ("A short walk before breakfast", "A short walk after breakfast"))

    report = run("--media", str(uploads), path=changed)

    assert tally_row(report, "posts")[:3] == [0, 1, 1]
    assert tally_row(report, "images")[:3] == [0, 0, 2]
    assert LibraryImage.objects.count() == images


def test_a_dry_run_leaves_no_rows_and_no_files(media_root, uploads):
    report = import_file(SITE, dry_run=True, media_dir=uploads)

    assert report.tallies["images"].created == 2
    assert not LibraryImage.objects.exists()
    assert not ImportedItem.objects.exists()
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


def test_files_written_before_an_error_are_deleted(media_root, uploads):
    photo = uploads / "2024" / "05" / "photo.jpg"

    with pytest.raises(ZeroDivisionError), removing_files(keep=True) as written:
        image = LibraryImage(file=ContentFile(photo.read_bytes(), name="photo.jpg"))
        image.save()
        written.extend(stored_picture_names(image))
        assert len(stored_files(media_root)) == 7
        1 / 0  # noqa: B018

    assert stored_files(media_root) == []


def test_without_a_folder_the_report_says_so_once(media_root):
    report = run()

    assert report.count("left out, because no media folder was given") == 1
    url = "https://old.harbourlane.example/wp-content/uploads/2024/05/photo.jpg"
    assert f"post 11 (line 121): picture not imported: {url}" in report
    assert f"post 10 (line 84): featured image not imported: {url}" in report
    assert not LibraryImage.objects.exists()
    assert stored_files(media_root) == []


def test_a_later_import_with_the_folder_brings_the_pictures_in(media_root, uploads):
    run()

    report = run("--media", str(uploads))

    assert tally_row(report, "posts")[:3] == [0, 2, 0]
    assert article(10).hero_alt == "A gravel path along a river"
    assert "image:" in article(11).sections.get().body
    assert tally_row(run("--media", str(uploads)), "posts")[:3] == [0, 0, 2]


def test_a_media_folder_that_is_not_a_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        run("--media", str(tmp_path / "nowhere"))
    assert not Article.objects.exists()


def test_a_waiting_picture_whose_file_is_gone_changes_nothing(client, media_root, uploads):
    run("--media", str(uploads))
    record = ImportedItem.objects.get(kind="post", wp_id=11)
    (Path(media_root) / record.waiting_hero.file.name).unlink()
    client.force_login(make_editor("editor", can_change=True))

    response = client.post(
        reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk]),
        {"alt": "A quiet room"},
    )

    assert response.status_code == 400
    assert "cannot be read any more" in response.content.decode()
    assert not Article.objects.get(pk=record.article_id).hero_image
    record.refresh_from_db()
    assert record.waiting_hero is not None


def test_a_library_file_gone_from_storage_leaves_the_hero_out(media_root, uploads, tmp_path):
    run("--media", str(uploads))
    photo = ImportedItem.objects.get(kind="attachment", wp_id=20).library_image
    (Path(media_root) / photo.file.name).unlink()
    changed = site_copy(tmp_path, ("A short walk before breakfast", "A short walk after breakfast"))
    Article.objects.filter(pk=article(10).pk).update(hero_image="", hero_alt="")

    report = run("--media", str(uploads), path=changed)

    assert f"featured image left out: {photo.file.name}: the library's file cannot" in report
    assert not article(10).hero_image
