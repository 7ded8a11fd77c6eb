"""The old site's pictures, read from a copy of its ``wp-content/uploads`` folder.

A picture's address in a body or an attachment names its file by the path after
``/wp-content/uploads/``. Only files inside the folder given are read (no ``..``, no
symbolic link leading out of it), and only complete JPEG, PNG and WebP pictures
within ``IMAGE_MAX_PIXELS``: the image library's own rules. GIFs are left out: the
library makes still WebP/JPEG copies, which would silently stop an animation, and
an editor can choose a still frame better than the import can.
"""

from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

from articles.renditions import UnusableImage, open_upright

UPLOADS = "/wp-content/uploads/"
# Far above any photo a site shows; a larger file is not read into memory at all.
MAX_FILE_BYTES = 50 * 1024 * 1024


class MediaError(Exception):
    """A picture that cannot be imported; the message says why, for the report."""


def uploads_path(url):
    """The path of ``url`` under ``wp-content/uploads`` (decoded), or None."""
    path = unquote(urlsplit(url or "").path)
    start = path.find(UPLOADS)
    if start < 0:
        return None
    return path[start + len(UPLOADS) :] or None


def locate(media_dir: Path, relative: str) -> Path:
    """The file at ``relative`` in ``media_dir`` (resolved); raises ``MediaError`` for
    a path leading outside the folder or a file that is not there."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise MediaError(_("refused: the path leads outside the media folder"))
    root = media_dir.resolve()
    path = root.joinpath(*parts).resolve()
    if not path.is_relative_to(root):
        raise MediaError(_("refused: the path leads outside the media folder"))
    if not path.is_file():
        raise MediaError(_("no such file in the media folder"))
    return path


def read_picture(path: Path) -> bytes:
    """The bytes of the picture at ``path``, checked the way the image library checks
    an upload (the whole picture is decoded); raises ``MediaError``."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise MediaError(_("the file is too large to be a picture for the site"))
        data = path.read_bytes()
    except OSError as error:
        message = _("the file cannot be read (%(error)s)") % {"error": error.strerror}
        raise MediaError(message) from None
    try:
        open_upright(data)
    except UnusableImage as error:
        if error.code == "unsupported_format":
            raise MediaError(_("not a JPEG, PNG or WebP picture")) from None
        if error.code == "too_large":
            raise MediaError(_("the picture has too many pixels")) from None
        raise MediaError(_("the file is damaged, incomplete or not a picture")) from None
    return data
