"""The pictures of a WordPress import: each file of the old site's uploads folder
(``media_dir``, read through ``wordpress/media.py``) becomes one library image, however
often it is shown; a post's featured picture becomes its hero image when it has a
description. ``Pictures`` owns that for one import: the attachments imported before,
the files that failed, the report lines for pictures left out, and the names of the
files written, so that a dry run or a failed import deletes them (``removing_files``).
"""

import hashlib
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from articles.models import Article, LibraryImage
from articles.renditions import LIBRARY_FOLDER, ORIGINALS_FOLDER, rendition_names

from . import media
from .convert import escape_markdown
from .heroes import hero_copy
from .models import ImportedItem
from .report import ReportLine
from .values import clip, plain


@contextmanager
def removing_files(*, keep):
    """Yield a list for the names of the files written to storage, and delete them
    again after an error, or at the end unless ``keep``."""
    # Files are written as the rows are saved (renditions are made from the stored
    # picture), so a dry run or a failed import deletes what it wrote.
    written = []
    try:
        yield written
    except BaseException:
        _delete_files(written)
        raise
    if not keep:
        _delete_files(written)


def _delete_files(names):
    for name in names:
        default_storage.delete(name)


def stored_picture_names(instance):
    """The storage names of the picture (original and renditions) ``instance`` holds."""
    fields = instance.picture_fields
    names = list(rendition_names(getattr(instance, fields.record) or {}))
    original = getattr(instance, fields.file).name or ""
    # Before the picture is stored, the field holds the name it was given: not ours.
    if original.startswith((f"{LIBRARY_FOLDER}/", f"{ORIGINALS_FOLDER}/")):
        names.append(original)
    return names


def picture_snippet(image, alt):
    """How a body shows library ``image``: with its own description only when it
    differs from the library's."""
    if not alt or alt == image.alt:
        return image.snippet
    return f"![{escape_markdown(alt)}](image:{image.pk})"


class Pictures:
    """The pictures of one import, from ``media_dir`` (None: no folder was given);
    ``records`` are the import's ImportedItems, ``written`` the list for the names of
    the files stored."""

    def __init__(self, export, report, base_url, records, media_dir, written):
        self.export = export
        self.report = report
        self.base_url = base_url
        self.media_dir = media_dir
        self.written = written
        known = list(
            records.filter(kind=ImportedItem.Kind.ATTACHMENT).select_related("library_image")
        )
        # Pictures imported before, by attachment id and by file path.
        self.by_id = {record.wp_id: record for record in known if record.wp_id}
        self.by_path = {record.media_path: record for record in known}
        self.failed = {}  # path -> why the file cannot be imported
        self.counted = set()  # ImportedItem ids tallied in this import
        # By the record being imported, for want of a folder; the importer resets it.
        self.left_out = False
        self.folder_missed = False  # by any record

    def library_image(self, kind, item, *, attachment_id, urls, alt="", caption="", featured=False):
        """The library image a picture of ``item`` became, imported now if it is new;
        None (with a report line) if it cannot be."""
        attachment = self.export.attachments_by_id.get(attachment_id) if attachment_id else None
        paths = [media.uploads_path(urls[0])]
        if attachment is not None:
            paths += [attachment.file.strip(), media.uploads_path(attachment.url)]
        paths += [media.uploads_path(url) for url in urls[1:]]
        paths = list(dict.fromkeys(path for path in paths if path))
        known = (self.by_id.get(attachment_id) if attachment_id else None) or next(
            (self.by_path[path] for path in paths if path in self.by_path), None
        )
        if known is not None:
            return self.known(kind, item, known, featured)
        if self.media_dir is None:
            self.left_out = self.folder_missed = True
            message = (
                _("featured image not imported: %(url)s")
                if featured
                else _("picture not imported: %(url)s")
            )
            self.report.add(kind, item, "note", message % {"url": urls[0]})
            return None
        if not paths:
            self.leave_out(kind, item, featured, urls[0], _("not in wp-content/uploads"))
            return None
        found, first_error = None, None
        for path in paths:
            try:
                found = (path, media.locate(self.media_dir, path))
                break
            except media.MediaError as error:
                first_error = first_error or (path, str(error))
        if found is None:
            self.leave_out(kind, item, featured, *first_error, key=first_error[0])
            return None
        path, file = found
        if path in self.failed:
            self.leave_out(kind, item, featured, path, self.failed[path])
            return None
        try:
            data = media.read_picture(file)
        except media.MediaError as error:
            self.leave_out(kind, item, featured, path, str(error), key=path)
            return None
        described = alt or (attachment.alt if attachment else "")
        captioned = caption or (plain(attachment.caption) if attachment else "")
        image = LibraryImage(
            file=ContentFile(data, name=file.name),
            alt=clip(described.strip(), LibraryImage, "alt"),
            caption=clip(" ".join(captioned.split()), LibraryImage, "caption"),
        )
        self.save(image)
        record = ImportedItem.objects.create(
            base_url=self.base_url,
            kind=ImportedItem.Kind.ATTACHMENT,
            wp_id=attachment_id,
            media_path=path[:500],
            library_image=image,
            content_hash=hashlib.sha256(data).hexdigest(),
            synced_at=image.updated_at,
            link=urls[0][:500],
        )
        self.by_path[path] = record
        if attachment_id:
            self.by_id[attachment_id] = record
        self.counted.add(record.pk)
        self.report.tallies["images"].created += 1
        return image

    def known(self, kind, item, record, featured):
        """The library image of a picture imported before (None if deleted here)."""
        if record.pk not in self.counted:
            self.counted.add(record.pk)
            tally = self.report.tallies["images"]
            if record.library_image is None:
                tally.skipped += 1
            else:
                tally.unchanged += 1
        if record.library_image is None:
            self.leave_out(
                kind,
                item,
                featured,
                record.media_path or record.link,
                _("deleted from the image library here after an earlier import"),
            )
        return record.library_image

    def leave_out(self, kind, item, featured, where, reason, *, key=None):
        """Report a picture left out; ``key``, a file's path, marks a new failure."""
        if key is not None and key not in self.failed:
            self.failed[key] = reason
            self.report.tallies["images"].skipped += 1
        message = (
            _("featured image left out: %(path)s: %(reason)s")
            if featured
            else _("picture left out: %(path)s: %(reason)s")
        )
        self.report.add(kind, item, "picture", message % {"path": where, "reason": reason})

    def featured(self, kind, item):
        """(library image, description) of a post's featured picture, or (None, "")."""
        if item.thumbnail_id is None:
            return None, ""
        attachment = self.export.featured_image(item)
        if attachment is None:
            self.report.add(
                kind,
                item,
                "picture",
                _("featured image left out: attachment %(id)s is not in the export")
                % {"id": item.thumbnail_id},
            )
            return None, ""
        image = self.library_image(
            kind, item, attachment_id=attachment.wp_id, urls=(attachment.url,), featured=True
        )
        if image is None:
            return None, ""
        return image, attachment.alt.strip() or image.alt.strip()

    def assign_hero(self, kind, item, article, hero, alt):
        """Give ``article`` the library picture ``hero`` (or None) as its hero image
        when ``alt`` describes it; return the picture left waiting for a description
        (the database refuses a hero without one), if any."""
        if hero is None:
            return None
        if alt:
            try:
                article.hero_image = hero_copy(hero)
            except OSError:
                self.leave_out(
                    kind, item, True, hero.file.name, _("the library's file cannot be read")
                )
                return None
            article.hero_alt = clip(alt, Article, "hero_alt")
            return None
        if article.hero_image:
            return None
        self.report.add(
            kind,
            item,
            "alt",
            _(
                "its featured image has no description, so it is not the hero image "
                "yet: describe it under “%(panel)s” on the admin dashboard"
            )
            % {"panel": _("Featured images waiting for a description")},
        )
        return hero

    def save(self, instance):
        """Save a row with a new picture, noting the files written for the clean-up."""
        try:
            instance.save()
        finally:
            self.written.extend(stored_picture_names(instance))

    def finish(self):
        """Count the pictures of records left alone, and say once if the folder was
        missed."""
        # Pictures of posts left alone are as they were too.
        self.report.tallies["images"].unchanged += sum(
            1
            for record in self.by_path.values()
            if record.pk not in self.counted and record.library_image_id
        )
        if self.media_dir is None and self.folder_missed:
            # Said once, above the notes, besides the line for each picture.
            self.report.lines.insert(
                0,
                ReportLine(
                    "pictures",
                    None,
                    None,
                    "note",
                    _(
                        "left out, because no media folder was given: import again "
                        "with --media and a copy of the old site's wp-content/uploads "
                        "folder to bring them in"
                    ),
                ),
            )
