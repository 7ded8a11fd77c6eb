"""Hero uploads: refused with a clear message when unreadable, too large or mislabelled;
stored under random names without metadata; replaced originals deleted."""

import io
import os
import re
import struct
import time
import warnings
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from articles.models import Article
from tests.articles.test_admin import article_form_data, make_staff, section_rows
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db

UNREADABLE = "This picture could not be read"
# Strings planted in every kind of metadata; none may reach a stored file.
MARKERS = [
    b"Jane Doe",
    b"12 Elm Street",
    b"GPS-DATUM-MARKER",
    b"XMP-MARKER",
    b"IPTC-MARKER",
    b"PNG-TEXT-MARKER",
    b"PNG-ZTXT-MARKER",
    b"PNG-ITXT-MARKER",
]


def picture_bytes(width=1300, height=700, image_format="JPEG", **options):
    image = Image.new("RGB", (width, height), (15, 92, 99))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def png_chunk(kind, data):
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def black_and_white_png(width, height, *, rows=None):
    """A valid 1-bit PNG of any size: a solid colour compresses to a few kilobytes, so a
    huge picture costs nothing to make. ``rows`` cuts the pixel data short."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows))
    data += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def camera_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Jane Doe"
    exif[ExifTags.Base.ImageDescription] = "At home, 12 Elm Street"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    gps[ExifTags.GPS.GPSMapDatum] = "GPS-DATUM-MARKER"
    return exif


def jpeg_with_every_kind_of_metadata():
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0f\x1c\x02x\x00\x0bIPTC-MARKER\x00"
    return picture_bytes(
        image_format="JPEG",
        exif=camera_exif(),
        comment=b"Jane Doe, 12 Elm Street",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>XMP-MARKER</x:xmpmeta>",
        extra=b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc,
    )


def png_with_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PNG-TEXT-MARKER Jane Doe")
    info.add_text("Comment", "PNG-ZTXT-MARKER", zip=True)
    info.add_itxt("Description", "PNG-ITXT-MARKER 12 Elm Street")
    data = picture_bytes(image_format="PNG", pnginfo=info, exif=camera_exif())
    return after_the_pixels(data, b"tEXt", b"Place\x00PNG-TEXT-MARKER after the pixels")


def after_the_pixels(png, kind, payload):
    """``png`` with one more chunk between its pixel data and its end (IEND)."""
    end = png.rindex(b"IEND") - 4
    return png[:end] + png_chunk(kind, payload) + png[end:]


def png_with_a_text_bomb_after_the_pixels():
    """Pixels that pass Pillow's verify(), then a zTXt chunk that inflates past Pillow's
    limit for text, which only load() reads."""
    bomb = zlib.compress(b"x" * (2 * ImageFile.SAFEBLOCK), 9)
    return after_the_pixels(picture_bytes(image_format="PNG"), b"zTXt", b"Comment\x00\x00" + bomb)


def admin_add(client, upload, **extra):
    client.force_login(make_staff("editor", groups=["Editors"]))
    data = article_form_data(
        make_topic(), section_rows(1), [], hero_alt="A calm sea.", hero_image=upload
    )
    data.update(extra)
    return client.post(reverse("admin:articles_article_add"), data)


def hero_errors(response):
    assert response.status_code == 200
    return response.context["adminform"].form.errors.as_data()["hero_image"]


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_a_text_bomb_after_the_pixels_is_a_form_error_not_a_crash(client, media_root):
    data = png_with_a_text_bomb_after_the_pixels()
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # what Django's ImageField checks: passes

    response = admin_add(client, SimpleUploadedFile("sea.png", data))

    [error] = hero_errors(response)
    assert error.code == "invalid_image"
    assert UNREADABLE in error.messages[0]
    assert UNREADABLE in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


def test_a_text_bomb_saved_without_the_admin_is_stored_without_renditions(media_root):
    article = make_article(
        hero_image=SimpleUploadedFile("sea.png", png_with_a_text_bomb_after_the_pixels()),
        hero_alt="A calm sea.",
    )

    assert article.hero_renditions["files"] == []


@pytest.mark.parametrize(
    ("name", "data", "planted"),
    [
        ("photo.jpg", jpeg_with_every_kind_of_metadata(), {"comment", "exif", "xmp", "photoshop"}),
        ("drawing.png", png_with_text_chunks(), {"exif", "Author", "Comment", "Place"}),
    ],
    ids=["jpeg", "png"],
)
def test_no_metadata_reaches_the_original_or_any_rendition(client, media_root, name, data, planted):
    with Image.open(io.BytesIO(data)) as image:  # the metadata is really there
        image.load()
        assert planted <= set(image.info)
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = admin_add(client, SimpleUploadedFile(name, data))

    assert response.status_code == 302
    article = Article.objects.get()
    paths = [media_root / article.hero_image.name] + [
        media_root / item["name"] for item in article.hero_renditions["files"]
    ]
    assert len(paths) == 7
    for path in paths:
        content = path.read_bytes()
        assert [marker for marker in MARKERS if marker in content] == [], path.name
        with Image.open(path) as image:
            image.load()
            assert not image.getexif()
            assert not set(image.info) & (planted | {"icc_profile", "Description"})
            assert not getattr(image, "text", {})


def test_uploads_are_stored_under_random_names_with_the_decoded_format(media_root):
    first = make_article(
        hero_image=SimpleUploadedFile("Jane-Doe-passport.jpg", picture_bytes()),
        hero_alt="A calm sea.",
    )
    # Named .jpg but a PNG: the stored name says what the file is.
    second = make_article(
        hero_image=SimpleUploadedFile("Jane-Doe-passport.jpg", picture_bytes(image_format="PNG")),
        hero_alt="A calm sea.",
    )

    assert re.fullmatch(r"heroes/[0-9a-f]{32}\.jpg", first.hero_image.name)
    assert re.fullmatch(r"heroes/[0-9a-f]{32}\.png", second.hero_image.name)
    assert first.hero_image.name[:-4] != second.hero_image.name[:-4]
    for path in stored_files(media_root):
        assert "Jane" not in str(path)
    with Image.open(media_root / second.hero_image.name) as image:
        assert image.format == "PNG"


def test_replacing_the_picture_deletes_the_old_original_after_commit(
    media_root, django_capture_on_commit_callbacks
):
    article = make_article(
        hero_image=SimpleUploadedFile("a.jpg", picture_bytes()), hero_alt="A calm sea."
    )
    old = media_root / article.hero_image.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.hero_image = SimpleUploadedFile("b.jpg", picture_bytes(500, 300))
        article.save()
    assert old.exists()  # until the transaction commits: a rollback keeps the page whole
    for callback in callbacks:
        callback()

    assert not old.exists()
    assert (media_root / Article.objects.get().hero_image.name).exists()


def test_an_editor_replacing_or_clearing_the_picture_leaves_no_old_files(
    client, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_add(client, SimpleUploadedFile("a.jpg", picture_bytes()))
    article = Article.objects.get()
    first = stored_files(media_root)
    assert len(first) == 7
    change = reverse("admin:articles_article_change", args=[article.pk])
    section = {**section_rows(1)[0], "id": str(article.sections.get().pk), "article": article.pk}
    data = article_form_data(make_topic(), [section], [], hero_alt="A calm sea.")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change,
            {**data, "hero_image": SimpleUploadedFile("b.png", picture_bytes(image_format="PNG"))},
        )
    assert response.status_code == 302
    second = stored_files(media_root)
    assert len(second) == 7
    assert set(first).isdisjoint(second)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, {**data, "hero_image-clear": "on", "hero_alt": ""})
    assert response.status_code == 302
    assert Article.objects.get().hero_image.name == ""
    assert stored_files(media_root) == []


def test_deleting_the_article_deletes_its_original(media_root, django_capture_on_commit_callbacks):
    article = make_article(
        hero_image=SimpleUploadedFile("a.jpg", picture_bytes()), hero_alt="A calm sea."
    )

    with django_capture_on_commit_callbacks(execute=True):
        article.delete()

    assert stored_files(media_root) == []


def test_a_huge_picture_is_refused_from_its_header_with_the_limit(client, media_root, recwarn):
    data = black_and_white_png(7000, 7000)
    assert len(data) < 20_000

    response = admin_add(client, SimpleUploadedFile("huge.png", data))

    [error] = hero_errors(response)
    assert error.code == "too_large"
    assert error.messages == [
        "This picture is 7000 × 7000 pixels; the largest accepted is 24 megapixels. "
        "Make it smaller in a picture editor and upload it again."
    ]
    assert not Article.objects.exists()
    assert stored_files(media_root) == []
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_the_size_is_checked_before_any_pixel_is_decoded(client, media_root):
    # Pixel data for 3 of 7000 rows: decoding would find it truncated.
    response = admin_add(
        client, SimpleUploadedFile("huge.png", black_and_white_png(7000, 7000, rows=3))
    )

    assert [error.code for error in hero_errors(response)] == ["too_large"]


@pytest.mark.parametrize("size", [(10_000, 10_000), (20_000, 10_000)], ids=["warning", "error"])
def test_pillow_decompression_bomb_sizes_are_refused_as_too_large(client, media_root, size):
    # Pillow warns above about 89 megapixels and refuses above twice that.
    data = black_and_white_png(*size, rows=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        response = admin_add(client, SimpleUploadedFile("huge.png", data))

    [error] = hero_errors(response)
    assert error.code == "too_large"
    assert "the largest accepted is 24 megapixels" in error.messages[0]


def test_the_pixel_limit_is_a_setting(client, media_root, settings):
    settings.IMAGE_MAX_PIXELS = 100_000

    refused = admin_add(client, SimpleUploadedFile("a.jpg", picture_bytes(400, 300)))
    [error] = hero_errors(refused)
    assert error.messages[0].startswith(
        "This picture is 400 × 300 pixels; the largest accepted is 0.1 megapixels."
    )
    accepted = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(
            make_topic(),
            section_rows(1),
            [],
            hero_alt="A calm sea.",
            hero_image=SimpleUploadedFile("a.jpg", picture_bytes(300, 300)),
        ),
    )
    assert accepted.status_code == 302


@pytest.mark.parametrize(
    ("name", "image_format"),
    [("photo.jpg", "PNG"), ("photo.png", "JPEG"), ("photo.webp", "JPEG"), ("photo.jpeg", "WEBP")],
)
def test_a_file_that_is_not_the_format_its_name_says_is_refused(
    client, media_root, name, image_format
):
    response = admin_add(client, SimpleUploadedFile(name, picture_bytes(image_format=image_format)))

    [error] = hero_errors(response)
    assert error.code == "invalid_image"
    assert UNREADABLE in error.messages[0]
    assert not Article.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("name", "image_format"),
    [("photo.JPG", "JPEG"), ("photo.jpeg", "JPEG"), ("scan.png", "PNG"), ("art.webp", "WEBP")],
)
def test_each_accepted_format_under_its_own_names_is_taken(client, media_root, name, image_format):
    response = admin_add(client, SimpleUploadedFile(name, picture_bytes(image_format=image_format)))

    assert response.status_code == 302
    assert Article.objects.get().hero_image.name.endswith(
        {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[image_format]
    )


def test_a_camera_jpeg_with_a_second_picture_inside_is_taken_as_a_jpeg(client, media_root):
    # Many cameras write MPO: a JPEG whose first picture is the photo and whose later
    # ones are previews or depth maps. Pillow calls the format MPO.
    photo = Image.new("RGB", (1300, 700), (15, 92, 99))
    buffer = io.BytesIO()
    photo.save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (160, 120))])
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert image.format == "MPO"

    response = admin_add(client, SimpleUploadedFile("IMG_0001.JPG", buffer.getvalue()))

    assert response.status_code == 302
    article = Article.objects.get()
    assert article.hero_image.name.endswith(".jpg")
    with Image.open(media_root / article.hero_image.name) as image:
        assert (image.format, image.size) == ("JPEG", (1300, 700))
    assert len(article.hero_renditions["files"]) == 6


def run_clean_hero_files(*args):
    out = io.StringIO()
    call_command("clean_hero_files", *args, stdout=out)
    return out.getvalue()


def test_clean_hero_files_stores_uploader_named_originals_again(
    media_root, django_capture_on_commit_callbacks
):
    kept = make_article(
        hero_image=SimpleUploadedFile("a.jpg", picture_bytes()), hero_alt="A calm sea."
    )
    kept_name, kept_record = kept.hero_image.name, kept.hero_renditions
    old = media_root / "articles" / "hero" / "2026" / "Jane-Doe-at-home.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(jpeg_with_every_kind_of_metadata())
    named = make_article(hero_alt="A calm sea.")
    Article.objects.filter(pk=named.pk).update(hero_image="articles/hero/2026/Jane-Doe-at-home.jpg")

    with django_capture_on_commit_callbacks(execute=True):
        out = run_clean_hero_files()

    named.refresh_from_db()
    assert re.fullmatch(r"heroes/[0-9a-f]{32}\.jpg", named.hero_image.name)
    assert len(named.hero_renditions["files"]) == 6
    assert not old.exists()
    content = (media_root / named.hero_image.name).read_bytes()
    assert [marker for marker in MARKERS if marker in content] == []
    kept.refresh_from_db()
    assert (kept.hero_image.name, kept.hero_renditions) == (kept_name, kept_record)
    assert f"{named.slug}: stored as {named.hero_image.name}" in out
    assert "Jane" not in out


def test_clean_hero_files_deletes_files_no_article_uses_once_an_hour_old(media_root, time_machine):
    article = make_article(
        hero_image=SimpleUploadedFile("a.jpg", picture_bytes()), hero_alt="A calm sea."
    )
    used = stored_files(media_root)
    unused = [
        media_root / "articles" / "hero" / "2026" / "replaced.jpg",
        media_root / "heroes" / "0123456789abcdef0123456789abcdef.png",
        media_root / "renditions" / "0123456789abcdef-480.webp",
    ]
    for path in unused:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"old")
        # Written "now" on the test's clock, which may not be the file system's.
        os.utime(path, (time.time(), time.time()))

    # A file minutes old may be an upload whose article is being saved.
    fresh = run_clean_hero_files()
    assert stored_files(media_root) == sorted(used + unused)
    assert "Deleted 0 unused files" in fresh

    time_machine.move_to(timezone.now() + timezone.timedelta(hours=2), tick=False)
    dry = run_clean_hero_files("--dry-run")
    assert stored_files(media_root) == sorted(used + unused)
    assert "Would delete articles/hero/2026/replaced.jpg" in dry

    out = run_clean_hero_files()
    assert stored_files(media_root) == used
    assert "Deleted 3 unused files" in out
    assert Article.objects.get(pk=article.pk).hero_renditions == article.hero_renditions
