"""Hero image renditions: made on save, shown as <picture>, cleaned up, never per request."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from articles.models import Article
from tests.articles.test_admin import article_form_data, make_staff, section_rows
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def image_upload(width, height, *, name="photo.jpg", image_format="JPEG", mode="RGB", exif=None):
    """An upload of a picture in the given format, optionally with EXIF data."""
    colour = (15, 92, 99, 120) if mode == "RGBA" else (15, 92, 99)
    image = Image.new(mode, (width, height), colour)
    # A white top-left corner, to tell which way up a rendition is.
    image.paste((255, 255, 255) if mode == "RGB" else (255, 255, 255, 255), (0, 0, 10, 10))
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=image_format, **options)
    return SimpleUploadedFile(name, buffer.getvalue())


def files_of(article, image_format):
    return [item for item in article.hero_renditions["files"] if item["format"] == image_format]


def open_rendition(media_root, item):
    return Image.open(media_root / item["name"])


def test_renditions_are_made_at_each_width_in_webp_and_jpeg(media_root):
    article = make_article(hero_image=image_upload(1600, 900), hero_alt="A calm sea.")

    assert article.hero_renditions["source"] == article.hero_image.name
    for image_format in ("WEBP", "JPEG"):
        items = files_of(article, image_format)
        assert [(item["width"], item["height"]) for item in items] == [
            (480, 270),
            (800, 450),
            (1200, 675),
        ]
        for item in items:
            assert re.fullmatch(r"renditions/[0-9a-f]{16}-\d+\.(webp|jpg)", item["name"])
            with open_rendition(media_root, item) as image:
                assert image.format == image_format
                assert image.size == (item["width"], item["height"])


def test_small_pictures_are_never_upscaled(media_root):
    medium = make_article(hero_image=image_upload(640, 360), hero_alt="A calm sea.")
    small = make_article(hero_image=image_upload(300, 200), hero_alt="A calm sea.")

    assert [item["width"] for item in files_of(medium, "WEBP")] == [480, 640]
    assert [(item["width"], item["height"]) for item in files_of(small, "JPEG")] == [(300, 200)]


def test_exif_orientation_is_applied_and_metadata_stripped(media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; rotate 90° clockwise to view
    exif[0x010F] = "Phone maker"
    exif[0x0132] = "2026:01:01 10:00:00"

    article = make_article(
        hero_image=image_upload(400, 200, exif=exif.tobytes()), hero_alt="A calm sea."
    )

    for item in article.hero_renditions["files"]:
        assert (item["width"], item["height"]) == (200, 400)
        with open_rendition(media_root, item) as image:
            assert image.size == (200, 400)
            # The white corner moved from top-left to top-right.
            assert image.convert("RGB").getpixel((195, 3))[0] > 200
            assert image.convert("RGB").getpixel((3, 3))[0] < 100
            assert not image.getexif()
            assert "exif" not in image.info
            assert "icc_profile" not in image.info


def test_transparent_pictures_fall_back_to_png_and_opaque_ones_to_jpeg(media_root):
    transparent = make_article(
        hero_image=image_upload(500, 300, name="logo.png", image_format="PNG", mode="RGBA"),
        hero_alt="A drawing.",
    )
    opaque_png = make_article(
        hero_image=image_upload(500, 300, name="flat.png", image_format="PNG"),
        hero_alt="A drawing.",
    )

    formats = {item["format"] for item in transparent.hero_renditions["files"]}
    assert formats == {"WEBP", "PNG"}
    with open_rendition(media_root, files_of(transparent, "WEBP")[0]) as image:
        assert image.mode == "RGBA"
    assert {item["format"] for item in opaque_png.hero_renditions["files"]} == {"WEBP", "JPEG"}


def test_changing_the_picture_replaces_its_renditions_and_deletes_the_old_files(
    media_root, django_capture_on_commit_callbacks
):
    article = make_article(hero_image=image_upload(1000, 500), hero_alt="A calm sea.")
    old_names = {item["name"] for item in article.hero_renditions["files"]}

    with django_capture_on_commit_callbacks(execute=True):
        article.hero_image = image_upload(900, 600, name="other.jpg")
        article.save()

    article.refresh_from_db()
    new_names = {item["name"] for item in article.hero_renditions["files"]}
    assert new_names.isdisjoint(old_names)
    assert [item["width"] for item in files_of(article, "JPEG")] == [480, 800, 900]
    assert all((media_root / name).exists() for name in new_names)
    assert not any((media_root / name).exists() for name in old_names)


def test_the_picture_is_built_once_per_record_and_follows_a_new_one(media_root):
    article = make_article(hero_image=image_upload(1000, 500), hero_alt="A calm sea.")
    picture = article.hero_picture
    assert article.hero_picture is picture  # the page asks three times
    assert article.hero_share_image["width"] == 1000

    article.hero_image = image_upload(900, 600, name="other.jpg")
    article.save()

    assert article.hero_picture is not picture
    assert (article.hero_picture.width, article.hero_share_image["height"]) == (900, 600)
    article.refresh_from_db()
    assert article.hero_picture.largest_src.endswith("-900.jpg")
    article.hero_image, article.hero_alt = "", ""
    article.save()
    assert article.hero_picture is None


def test_saving_without_a_new_picture_keeps_the_files(media_root):
    article = make_article(hero_image=image_upload(1000, 500), hero_alt="A calm sea.")
    record = article.hero_renditions
    first = media_root / record["files"][0]["name"]
    first.write_bytes(b"marker")  # would be overwritten if the files were made again

    article.title = "A new title"
    article.save()
    fetched = Article.objects.get(pk=article.pk)
    fetched.summary = "Saved again after being read from the database."
    fetched.save()

    assert Article.objects.get(pk=article.pk).hero_renditions == record
    assert Article.objects.get(pk=article.pk).hero_image.name == article.hero_image.name
    assert first.read_bytes() == b"marker"
    # The original was stored once, not copied by the saves that followed.
    assert len(list((media_root / "heroes").rglob("*.*"))) == 1


def test_removing_or_deleting_cleans_up_the_files(media_root, django_capture_on_commit_callbacks):
    removed = make_article(hero_image=image_upload(800, 400), hero_alt="A calm sea.")
    deleted = make_article(hero_image=image_upload(800, 400, name="b.jpg"), hero_alt="A calm sea.")
    removed_files = [media_root / item["name"] for item in removed.hero_renditions["files"]]
    deleted_files = [media_root / item["name"] for item in deleted.hero_renditions["files"]]
    assert all(path.exists() for path in removed_files + deleted_files)

    with django_capture_on_commit_callbacks(execute=True):
        removed.hero_image = ""
        removed.hero_alt = ""
        removed.save()
        Article.objects.filter(pk=deleted.pk).delete()

    assert Article.objects.get(pk=removed.pk).hero_renditions == {}
    assert not any(path.exists() for path in removed_files + deleted_files)


def test_article_page_shows_a_picture_with_srcset_sizes_and_dimensions(client, media_root):
    article = make_article(hero_image=image_upload(1600, 900), hero_alt="A quiet harbour.")

    content = client.get(article.get_absolute_url()).content.decode()

    picture = re.search(r"<picture>.*?</picture>", content, re.S).group(0)
    source = re.search(r"<source [^>]*>", picture).group(0)
    img = re.search(r"<img [^>]*>", picture).group(0)
    webp = re.findall(r"/media/renditions/[0-9a-f]{16}-(\d+)\.webp (\d+)w", source)
    jpeg = re.findall(r"/media/renditions/[0-9a-f]{16}-(\d+)\.jpg (\d+)w", img)
    assert 'type="image/webp"' in source
    assert webp == jpeg == [("480", "480"), ("800", "800"), ("1200", "1200")]
    assert 'sizes="(min-width: 46rem) 42rem, calc(100vw - 2rem)"' in source
    assert 'sizes="(min-width: 46rem) 42rem, calc(100vw - 2rem)"' in img
    assert re.search(r'src="/media/renditions/[0-9a-f]{16}-800\.jpg"', img)
    assert 'alt="A quiet harbour."' in img
    assert 'width="1200" height="675"' in img
    # Above the fold: fetched first, never lazily.
    assert 'fetchpriority="high"' in img
    assert "loading=" not in img


def test_the_hero_costs_no_extra_query(client, media_root):
    topic = make_topic()
    plain = make_article(topics=[topic])
    pictured = make_article(
        topics=[topic], hero_image=image_upload(1600, 900), hero_alt="A quiet harbour."
    )

    client.get(reverse("articles:list"))  # site settings and the like are now cached
    counts = []
    for article in (plain, pictured):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert "<picture>" in response.content.decode()


def test_without_renditions_the_original_is_shown(client, media_root):
    article = make_article(hero_image=image_upload(640, 360), hero_alt="A quiet harbour.")
    Article.objects.filter(pk=article.pk).update(hero_renditions={})

    content = client.get(article.get_absolute_url()).content.decode()

    assert "<picture>" not in content
    assert re.search(
        r'<img src="/media/heroes/[0-9a-f]{32}\.jpg" alt="A quiet harbour\." '
        r'width="640" height="360"',
        content,
    )


def test_command_makes_missing_renditions_again(media_root):
    article = make_article(hero_image=image_upload(1000, 500), hero_alt="A calm sea.")
    paths = [media_root / item["name"] for item in article.hero_renditions["files"]]
    for path in paths:
        path.unlink()
    Article.objects.filter(pk=article.pk).update(hero_renditions={})

    out = io.StringIO()
    call_command("make_hero_renditions", stdout=out)

    article.refresh_from_db()
    assert [media_root / item["name"] for item in article.hero_renditions["files"]] == paths
    assert all(path.exists() for path in paths)
    assert f"{article.slug}: 6 files" in out.getvalue()


def admin_post(client, upload):
    client.force_login(make_staff("editor", groups=["Editors"]))
    data = article_form_data(
        make_topic(), section_rows(1), [], hero_alt="A calm sea.", hero_image=upload
    )
    return client.post(reverse("admin:articles_article_add"), data)


def test_admin_upload_makes_renditions(client, media_root):
    response = admin_post(client, image_upload(1000, 500))

    assert response.status_code == 302
    article = Article.objects.get(slug="supervised-detox")
    assert len(article.hero_renditions["files"]) == 6


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        # A JPEG cut off halfway: its header passes Django's check, the pixels do not.
        (lambda: image_upload(1000, 500).read()[:600], "invalid_image"),
        (
            lambda: image_upload(300, 200, name="a.gif", image_format="GIF").read(),
            "unsupported_format",
        ),
    ],
    ids=["truncated", "gif"],
)
def test_admin_refuses_a_broken_upload_with_a_form_error(client, media_root, payload, code):
    data = payload()
    response = admin_post(client, SimpleUploadedFile("photo.jpg", data))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for error in errors["hero_image"]] == [code]
    assert not Article.objects.exists()
    assert not (media_root / "renditions").exists()


def test_admin_refuses_a_file_that_is_not_a_picture(client, media_root):
    response = admin_post(client, SimpleUploadedFile("photo.jpg", b"not a picture at all"))

    assert response.status_code == 200
    assert "hero_image" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_demo_content_has_a_pictured_hero(media_root):
    call_command("load_demo_content", stdout=io.StringIO())
    call_command("load_demo_content", stdout=io.StringIO())

    article = Article.objects.get(slug="heroin-withdrawal-physiology")
    assert article.hero_alt.startswith("Abstract illustration")
    assert [item["width"] for item in files_of(article, "WEBP")] == [480, 800, 1200]
    assert len(list((media_root / "heroes").rglob("*.jpg"))) == 1


def test_admin_preview_shows_the_smallest_rendition(client, media_root):
    article = make_article(hero_image=image_upload(1600, 900), hero_alt="A calm sea.")
    client.force_login(make_staff("editor", groups=["Editors"]))

    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert response.status_code == 200
    assert re.search(
        r'<img src="/media/renditions/[0-9a-f]{16}-480\.jpg" alt="A calm sea\." '
        r'width="240" height="135">',
        response.content.decode(),
    )


def test_link_previews_and_json_ld_use_the_largest_rendition(client, media_root):
    article = make_article(hero_image=image_upload(1600, 900), hero_alt="A quiet harbour.")

    content = client.get(article.get_absolute_url()).content.decode()

    image = re.search(r'<meta property="og:image" content="([^"]+)"', content).group(1)
    assert re.fullmatch(r"http://testserver/media/renditions/[0-9a-f]{16}-1200\.jpg", image)
    assert '"width": 1200' in content or '"width":1200' in content
    assert "/media/heroes/" not in content  # the original is never linked


def test_the_stored_original_is_upright_and_without_metadata(media_root):
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Phone maker"

    article = make_article(
        hero_image=image_upload(400, 200, exif=exif.tobytes()), hero_alt="A calm sea."
    )

    with Image.open(media_root / article.hero_image.name) as original:
        assert original.format == "JPEG"
        assert original.size == (200, 400)
        assert not original.getexif()
    assert (article.hero_width, article.hero_height) == (200, 400)
