"""Picture renditions: resized WebP and JPEG/PNG copies made with Pillow.

Used by article hero images and by the image library (pictures shown in section
bodies and FAQ answers). Each model names its picture fields in a ``PictureFields``.
When a picture is set or replaced, ``refresh_renditions`` writes one WebP and one
fallback file (JPEG, or PNG when the picture has transparency) per width under
``MEDIA_ROOT/renditions/`` and records them in a JSON column of the row, so rendering
a page reads that column: no file system, no Pillow, no extra query.

The files are made upright (EXIF orientation applied), converted to sRGB, and saved
without metadata: a phone photo's EXIF can carry where and when it was taken. The
uploaded original is stored the same way, under a random name.
"""

import hashlib
import io
import logging
import secrets
import struct
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

logger = logging.getLogger(__name__)

# Phone, tablet and desktop column widths (and 2x screens for the first two).
RENDITION_WIDTHS = (480, 800, 1200)
# The article column: the text measure on wide screens, the viewport minus the
# page padding on narrow ones. Browsers pick a srcset candidate with it.
COLUMN_SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Pillow's name for a camera JPEG holding more pictures than the photo (previews,
# depth maps): the first picture is the photo, and it is a JPEG to everyone else.
SAME_FORMATS = {"MPO": "JPEG"}
FOLDER = "renditions"
ORIGINALS_FOLDER = "heroes"
LIBRARY_FOLDER = "library"

WEBP_OPTIONS = {"format": "WEBP", "quality": 80, "method": 5}
JPEG_OPTIONS = {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True}
PNG_OPTIONS = {"format": "PNG", "optimize": True}
MIME_TYPES = {"WEBP": "image/webp", "JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}


class UnusableImage(ValueError):
    """The upload cannot be read as a picture we can resize; ``code`` says why."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


UNREADABLE = _(
    "This picture could not be read: the file is damaged, incomplete, or not the JPEG, "
    "PNG or WebP picture its name says. Save it again from a picture editor and upload "
    "that copy."
)
# What Pillow raises on malformed files: its own errors are OSError or SyntaxError,
# its format plugins let struct, index and value errors through (a PNG text chunk
# that inflates past Pillow's limit is a ValueError raised by load()).
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, TypeError)


def megapixels(pixels):
    return f"{pixels / 1_000_000:g}"


def too_large(width=None, height=None):
    limit = megapixels(settings.IMAGE_MAX_PIXELS)
    if width is None:
        message = _(
            "This picture has too many pixels; the largest accepted is %(limit)s "
            "megapixels. Make it smaller in a picture editor and upload it again."
        ) % {"limit": limit}
    else:
        message = _(
            "This picture is %(width)s × %(height)s pixels; the largest accepted is "
            "%(limit)s megapixels. Make it smaller in a picture editor and upload it again."
        ) % {"width": width, "height": height, "limit": limit}
    return UnusableImage(message, code="too_large")


def format_of_name(name):
    """The picture format a file name's extension stands for (``"JPEG"`` for
    ``x.jpeg``), or None."""
    image_format = Image.registered_extensions().get(PurePath(name or "").suffix.lower())
    return SAME_FORMATS.get(image_format, image_format)


def open_upright(data, *, name=None):
    """Decode ``data`` fully; return the picture turned the way it was taken, and its
    format (one of ``ACCEPTED_FORMATS``).

    Raises ``UnusableImage`` for anything that is not a complete JPEG, PNG or WebP
    within ``IMAGE_MAX_PIXELS`` (a truncated file passes Pillow's ``verify()`` but not
    this), or, given the upload's ``name``, not of the format its extension says.
    The size comes from the header, before any pixel is decoded.
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns of pictures above its own, higher limit; ours follows.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        image_format = SAME_FORMATS.get(image.format, image.format)
        if image_format not in ACCEPTED_FORMATS:
            raise UnusableImage(
                _("Upload a JPEG, PNG or WebP picture (this one is %(format)s).")
                % {"format": image_format},
                code="unsupported_format",
            )
        if name is not None and format_of_name(name) != image_format:
            raise UnusableImage(UNREADABLE, code="invalid_image")
        if image.width * image.height > settings.IMAGE_MAX_PIXELS:
            raise too_large(image.width, image.height)
        image.load()
        return ImageOps.exif_transpose(image), image_format
    except UnusableImage:
        raise
    except Image.DecompressionBombError as error:
        raise too_large() from error
    except DECODE_ERRORS as error:
        logger.info("Unreadable picture: %s", error)
        raise UnusableImage(UNREADABLE, code="invalid_image") from error


def validate_picture(data, *, name):
    """Raise ``ValidationError`` (with a code) unless renditions can be made of ``data``,
    uploaded as ``name``."""
    try:
        open_upright(data, name=name)
    except UnusableImage as error:
        raise ValidationError(error.message, code=error.code) from error


def has_transparency(image):
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode not in ("RGBA", "LA", "PA"):
        return False
    low, _high = image.getchannel("A").getextrema()
    return low < 255


def to_srgb(image, keep_alpha):
    """Convert to plain sRGB pixels, honouring an embedded colour profile if any."""
    mode = "RGBA" if keep_alpha else "RGB"
    profile = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if keep_alpha or "A" in image.mode else "RGB")
    if profile:
        try:
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=image.mode,
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            # A broken profile: the pixels as they are look closer than nothing.
            logger.info("Ignoring an unusable colour profile in a picture.")
    return image.convert(mode)


@dataclass(frozen=True)
class CleanPicture:
    image: Image.Image
    format: str
    transparent: bool


def clean_picture(data):
    """The picture in ``data`` upright, in sRGB and without any metadata, as a
    ``CleanPicture``. Raises ``UnusableImage``.

    Pillow's savers copy some metadata from ``info`` unasked (a JPEG's comment, a PNG's
    colour profile); with it empty, the files written carry pixels only: no EXIF (a
    phone photo's can say where it was taken), XMP, IPTC, comments or PNG text.
    """
    image, image_format = open_upright(data)
    transparent = has_transparency(image)
    image = to_srgb(image, keep_alpha=transparent)
    image.info = {}
    return CleanPicture(image=image, format=image_format, transparent=transparent)


@dataclass(frozen=True)
class RenditionFile:
    name: str
    width: int
    height: int
    format: str
    content: bytes


def rendition_widths(source_width):
    """The widths to make: the standard ones below the source, never wider than it."""
    return sorted({min(width, source_width) for width in RENDITION_WIDTHS})


def make_renditions(data, key):
    """Return the ``RenditionFile``s for the picture in ``data``, named after ``key``."""
    picture = clean_picture(data)
    image = picture.image
    fallback = PNG_OPTIONS if picture.transparent else JPEG_OPTIONS
    files = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        resized = (
            image
            if width == image.width
            else image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        for options in (WEBP_OPTIONS, fallback):
            buffer = io.BytesIO()
            # No exif=, icc_profile= or pnginfo=: the files carry pixels only.
            resized.save(buffer, **options)
            image_format = options["format"]
            files.append(
                RenditionFile(
                    name=f"{FOLDER}/{key}-{width}.{EXTENSIONS[image_format]}",
                    width=width,
                    height=height,
                    format=image_format,
                    content=buffer.getvalue(),
                )
            )
    return files


# Re-encoding once at high quality: the renditions, not the original, reach readers.
ORIGINAL_OPTIONS = {
    "JPEG": {"format": "JPEG", "quality": 95},
    "PNG": PNG_OPTIONS,
    "WEBP": {"format": "WEBP", "quality": 95},
}


def without_metadata(upload):
    """The uploaded picture re-encoded by ``clean_picture``, and its format.

    A file Pillow cannot read is returned as it is, with the format its name says or
    None (the admin refuses those; the renditions log it).
    """
    upload.seek(0)
    data = upload.read()
    try:
        picture = clean_picture(data)
    except UnusableImage:
        claimed = format_of_name(upload.name)
        return data, claimed if claimed in ACCEPTED_FORMATS else None
    buffer = io.BytesIO()
    picture.image.save(buffer, **ORIGINAL_OPTIONS[picture.format])
    return buffer.getvalue(), picture.format


def random_name(folder, filename):
    """A random name in ``folder`` keeping only the extension of ``filename``: it never
    shows the uploader's file name, and the address of a replaced (deleted) picture
    cannot be guessed."""
    extension = PurePath(filename).suffix.lower()
    return f"{folder}/{secrets.token_hex(16)}{extension}"


def hero_upload_name(instance, filename):
    """``upload_to`` of hero originals: ``heroes/<random hex>.<ext>``."""
    return random_name(ORIGINALS_FOLDER, filename)


def library_upload_name(instance, filename):
    """``upload_to`` of image library originals: ``library/<random hex>.<ext>``."""
    return random_name(LIBRARY_FOLDER, filename)


def rendition_key(source_name, data):
    """A short name for one upload: changes when the file or its name changes."""
    digest = hashlib.sha256(source_name.encode())
    digest.update(data)
    return digest.hexdigest()[:16]


def rendition_names(renditions):
    return {item["name"] for item in renditions.get("files", [])}


@dataclass(frozen=True)
class PictureFields:
    """The names of a model's fields for one uploaded picture and what is made of it.

    ``loaded`` is the instance attribute where the model remembers the stored file's
    name when the row is fetched (a different name on save is a new upload).
    """

    file: str
    record: str
    width: str
    height: str
    loaded: str


HERO_FIELDS = PictureFields(
    file="hero_image",
    record="hero_renditions",
    width="hero_width",
    height="hero_height",
    loaded="loaded_hero_name",
)
LIBRARY_FIELDS = PictureFields(
    file="file", record="renditions", width="width", height="height", loaded="loaded_file_name"
)


def refresh_hero_renditions(article, *, is_new_upload, force=False):
    """``refresh_renditions`` for an article's hero image."""
    refresh_renditions(article, HERO_FIELDS, is_new_upload=is_new_upload, force=force)


def refresh_renditions(instance, fields, *, is_new_upload, force=False):
    """Bring the renditions recorded on ``instance`` in line with its picture.

    Called by the model's ``save()`` before the row is written. Does nothing when the
    recorded renditions already belong to the current picture (unless ``force``).
    The original and renditions of a replaced or removed picture are deleted once the
    transaction commits, so a failed save never leaves a page pointing at deleted
    files.
    """
    old = getattr(instance, fields.record) or {}
    stored_before = getattr(instance, fields.loaded, None)
    source = getattr(instance, fields.file)
    if not source:
        setattr(instance, fields.record, {})
    else:
        if is_new_upload:
            # Store the upload now (FileField.pre_save would do it a moment later)
            # so that its final, unique name is what the renditions record, and
            # without its metadata: the original stays reachable under /media/.
            cleaned, image_format = without_metadata(source)
            extension = EXTENSIONS.get(image_format, "bin")
            source.save(f"upload.{extension}", ContentFile(cleaned), save=False)
            source = getattr(instance, fields.file)
            # From the cleaned bytes: upright, so width and height may have swapped
            # (and Django's own re-read after this save left them empty).
            width, height = get_image_dimensions(io.BytesIO(cleaned))
            setattr(instance, fields.width, width)
            setattr(instance, fields.height, height)
        if old.get("source") != source.name or force:
            setattr(instance, fields.record, build_record(source))
    stale = rendition_names(old) - rendition_names(getattr(instance, fields.record))
    if stale:
        transaction.on_commit(lambda: delete_files(stale, fields, keep_for=instance))
    current = getattr(instance, fields.file).name
    if stored_before and stored_before != current:
        transaction.on_commit(lambda: delete_original(stored_before, fields, keep_for=instance))


def build_record(source):
    """Make and store the renditions of ``source``; return what the page needs to know."""
    try:
        with source.storage.open(source.name, "rb") as stored:
            data = stored.read()
        files = make_renditions(data, rendition_key(source.name, data))
    except (UnusableImage, OSError):
        # The admin form refuses such files; this is an import or a file damaged on
        # disk. The page then shows the original file without renditions.
        logger.warning("Could not make renditions of %s", source.name, exc_info=True)
        return {"source": source.name, "files": []}
    for item in files:
        if default_storage.exists(item.name):
            default_storage.delete(item.name)
        default_storage.save(item.name, ContentFile(item.content))
    return {
        "source": source.name,
        "files": [
            {"name": item.name, "width": item.width, "height": item.height, "format": item.format}
            for item in files
        ],
    }


def delete_files(names, fields, *, keep_for):
    """Delete rendition files, unless a row other than ``keep_for`` records the same
    ones."""
    others = type(keep_for)._default_manager.exclude(pk=keep_for.pk)
    for name in names:
        if others.filter(**{f"{fields.record}__files__contains": [{"name": name}]}).exists():
            continue
        default_storage.delete(name)


def delete_original(name, fields, *, keep_for):
    """Delete an original picture, unless a row other than ``keep_for`` shows it."""
    others = type(keep_for)._default_manager.exclude(pk=keep_for.pk)
    if not others.filter(**{fields.file: name}).exists():
        getattr(keep_for, fields.file).storage.delete(name)


def delete_files_of_deleted_row(sender, instance, **kwargs):
    """post_delete receiver for models with a ``picture_fields`` attribute: the
    picture's original and renditions go when the row goes."""
    fields = instance.picture_fields
    names = rendition_names(getattr(instance, fields.record) or {})
    original = getattr(instance, fields.file).name
    if names:
        transaction.on_commit(lambda: delete_files(names, fields, keep_for=instance))
    if original:
        transaction.on_commit(lambda: delete_original(original, fields, keep_for=instance))


@dataclass(frozen=True)
class Picture:
    """What the ``<picture>`` markup needs, built from the recorded renditions."""

    webp_srcset: str
    fallback_srcset: str
    src: str
    smallest_src: str
    largest_src: str
    width: int
    height: int
    sizes: str = COLUMN_SIZES

    @classmethod
    def from_record(cls, record):
        files = (record or {}).get("files") or []
        webp = [item for item in files if item["format"] == "WEBP"]
        fallback = [item for item in files if item["format"] != "WEBP"]
        if not webp or not fallback:
            return None
        largest = fallback[-1]
        # The src for browsers without srcset: the middle size is a fair compromise.
        middle = fallback[(len(fallback) - 1) // 2]
        return cls(
            webp_srcset=srcset(webp),
            fallback_srcset=srcset(fallback),
            src=default_storage.url(middle["name"]),
            smallest_src=default_storage.url(fallback[0]["name"]),
            largest_src=default_storage.url(largest["name"]),
            width=largest["width"],
            height=largest["height"],
        )


def srcset(items):
    return ", ".join(f"{default_storage.url(item['name'])} {item['width']}w" for item in items)
