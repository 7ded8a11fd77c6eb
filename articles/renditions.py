"""Hero image renditions: resized WebP and JPEG/PNG copies made with Pillow.

When an article's hero image is set or replaced, ``refresh_hero_renditions`` writes
one WebP and one fallback file (JPEG, or PNG when the picture has transparency) per
width under ``MEDIA_ROOT/renditions/`` and records them in ``Article.hero_renditions``,
so rendering a page reads one JSON column: no file system, no Pillow, no extra query.

The files are made upright (EXIF orientation applied), converted to sRGB, and saved
without metadata: a phone photo's EXIF can carry where and when it was taken.
"""

import hashlib
import io
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Phone, tablet and desktop column widths (and 2x screens for the first two).
RENDITION_WIDTHS = (480, 800, 1200)
# The article column: the text measure on wide screens, the viewport minus the
# page padding on narrow ones. Browsers pick a srcset candidate with it.
HERO_SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Far above any camera's output, far below what would exhaust a worker's memory.
MAX_PIXELS = 50_000_000
FOLDER = "renditions"

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


def open_upright(data):
    """Decode ``data`` fully and return the picture turned the way it was taken.

    Raises ``UnusableImage`` for anything that is not a complete JPEG, PNG or WebP
    of a sensible size (a truncated file passes Pillow's ``verify()`` but not this).
    """
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise UnusableImage(
                _("Upload a JPEG, PNG or WebP picture (this one is %(format)s).")
                % {"format": image.format},
                code="unsupported_format",
            )
        if image.width * image.height > MAX_PIXELS:
            raise UnusableImage(
                _("This picture is too large (more than 50 megapixels); resize it first."),
                code="too_large",
            )
        image.load()
        return ImageOps.exif_transpose(image)
    except UnusableImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        logger.info("Unreadable hero image: %s", error)
        raise UnusableImage(
            _("This file could not be read as a picture; it may be damaged or incomplete."),
            code="invalid_image",
        ) from error


def validate_hero_image(data):
    """Raise ``ValidationError`` (with a code) unless renditions can be made of ``data``."""
    try:
        open_upright(data)
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
            logger.info("Ignoring an unusable colour profile in a hero image.")
    return image.convert(mode)


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
    image = open_upright(data)
    transparent = has_transparency(image)
    image = to_srgb(image, keep_alpha=transparent)
    fallback = PNG_OPTIONS if transparent else JPEG_OPTIONS
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


def without_metadata(upload):
    """The uploaded picture re-encoded upright, in sRGB, without EXIF, XMP or comments.

    A phone photo's EXIF can say where and when it was taken. A file Pillow cannot
    read is returned as it is (the admin refuses those; the renditions log it).
    """
    upload.seek(0)
    data = upload.read()
    try:
        image = open_upright(data)
    except UnusableImage:
        return data
    image_format = Image.open(io.BytesIO(data)).format
    transparent = has_transparency(image)
    image = to_srgb(image, keep_alpha=transparent)
    # Re-encoding once at high quality: the renditions, not this file, reach readers.
    options = {
        "JPEG": {"format": "JPEG", "quality": 95},
        "PNG": PNG_OPTIONS,
        "WEBP": {"format": "WEBP", "quality": 95},
    }[image_format]
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def rendition_key(source_name, data):
    """A short name for one upload: changes when the file or its name changes."""
    digest = hashlib.sha256(source_name.encode())
    digest.update(data)
    return digest.hexdigest()[:16]


def rendition_names(renditions):
    return {item["name"] for item in renditions.get("files", [])}


def refresh_hero_renditions(article, *, is_new_upload, force=False):
    """Bring ``article.hero_renditions`` in line with ``article.hero_image``.

    Called by ``Article.save()`` before the row is written. Does nothing when the
    recorded renditions already belong to the current picture (unless ``force``).
    Files of a replaced or removed picture are deleted once the transaction commits,
    so a failed save never leaves the page pointing at deleted files.
    """
    old = article.hero_renditions or {}
    source = article.hero_image
    if not source:
        article.hero_renditions = {}
    else:
        if is_new_upload:
            # Store the upload now (FileField.pre_save would do it a moment later)
            # so that its final, unique name is what the renditions record, and
            # without its metadata: the original stays reachable under /media/.
            cleaned = without_metadata(source)
            source.save(source.name, ContentFile(cleaned), save=False)
            source = article.hero_image
            # From the cleaned bytes: upright, so width and height may have swapped
            # (and Django's own re-read after this save left them empty).
            article.hero_width, article.hero_height = get_image_dimensions(io.BytesIO(cleaned))
        if old.get("source") == source.name and not force:
            return
        article.hero_renditions = build_record(source)
    stale = rendition_names(old) - rendition_names(article.hero_renditions)
    if stale:
        transaction.on_commit(lambda: delete_files(stale, keep_for=article))


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


def delete_files(names, *, keep_for):
    """Delete rendition files, unless an article other than ``keep_for`` records the
    same ones."""
    others = type(keep_for)._default_manager.exclude(pk=keep_for.pk)
    for name in names:
        if others.filter(hero_renditions__files__contains=[{"name": name}]).exists():
            continue
        default_storage.delete(name)


def delete_renditions_of_deleted_article(sender, instance, **kwargs):
    """post_delete receiver: an article's renditions go when it goes."""
    names = rendition_names(instance.hero_renditions or {})
    if names:
        transaction.on_commit(lambda: delete_files(names, keep_for=instance))


@dataclass(frozen=True)
class HeroPicture:
    """What the ``<picture>`` markup needs, built from the recorded renditions."""

    webp_srcset: str
    fallback_srcset: str
    src: str
    smallest_src: str
    largest_src: str
    width: int
    height: int
    sizes: str = HERO_SIZES

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
