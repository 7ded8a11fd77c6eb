"""A WordPress export (``wordpress/wxr.py``) into articles, pages, topics and comments.

``import_export(export, dry_run=...)`` writes everything in one transaction and returns
a ``Report``; ``--dry-run`` runs the same code and rolls it back, so its report is
exactly what an import would do. The rules, decided here and told in the README:

- Posts become articles. publish → published at its GMT date, future → scheduled at
  its date, draft/pending/private → draft, trash → skipped. Nothing unreviewed goes
  public by import: a post that fails the checks before publishing
  (``articles/content_checks.py``; a new article has no medical reviewer, so every new
  one does) comes in as a draft, keeping its date, with the problems in the report.
- The text before the first heading becomes a first section titled "Overview"; the
  excerpt, or else that text's first sentences, becomes the summary.
- Pictures come from a copy of the old site's uploads folder (``media_dir``,
  ``wordpress/media.py``): each file becomes one library image, however often it is
  shown, and its place in the body ``![](image:N)``. A post's featured picture
  becomes the hero image when it has a description; without one it waits in the
  library for an editor (the dashboard lists it). Without a folder, or for a file
  that is missing or not a usable picture, the picture is left out with a report line.
- Comments keep their WordPress status, skip the spam rules and moderator emails, but
  the crisis check runs: an urgent comment keeps its status (it was moderated on the
  old site already), is flagged for the moderators and listed in the report.
  IP addresses and browsers older than ``COMMENTS_IP_RETENTION_DAYS`` are left out.
- Importing again matches records by (site, kind, WordPress id) through
  ``ImportedItem``: an unchanged record is left alone, a changed one updates its row
  (an article with a new revision), unless someone changed that row here since the
  last import: then it is skipped, so the import never overwrites an editor's work.
- Every bump of the page cache's generations waits until the end and happens once.
"""

import hashlib
import html
import ipaddress
import json
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from articles.content_checks import plain_text, publishing_problems
from articles.library import described_image_ids
from articles.models import (
    FAQ,
    Article,
    LibraryImage,
    Section,
    Topic,
    unique_anchor,
    unique_slug,
)
from articles.renditions import (
    LIBRARY_FOLDER,
    ORIGINALS_FOLDER,
    rendition_names,
)
from articles.revisions import record_revision
from comments import crisis
from comments.conf import comment_settings
from comments.models import Comment, ModerationLists, hash_body
from comments.services import recount_comments
from comments.text import render_comment_text
from core import caching
from core.models import SiteSettings
from pages import placeholders
from pages.models import Page
from pages.routes import is_taken

from . import legacy, media
from .convert import convert_body, escape_markdown, replace_image_placeholders
from .models import ImportedItem
from .wxr import CommentStatus, Export, read_export

KINDS = ("posts", "pages", "topics", "comments", "images")
REVISION_COMMENT = "Imported from WordPress"
SUMMARY_TARGET = 300  # characters: "one or two sentences"
POST_STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
COMMENT_STATUSES = {
    CommentStatus.APPROVED: Comment.Status.APPROVED,
    CommentStatus.PENDING: Comment.Status.PENDING,
    CommentStatus.TRASH: Comment.Status.TRASH,
}
# WordPress's own note of a trashed comment's earlier status ("1" or "0").
TRASHED_FROM = {"1": Comment.Status.APPROVED, "0": Comment.Status.PENDING}
# What save() does to a new section or FAQ before writing it.
RENDER = {Section: Section.render_body, FAQ: FAQ.render_answer}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The stages a ``progress`` callback hears of, in order.
STAGES = ("reading", "topics", "posts", "pages", "comments", "addresses")
# Records between two calls of ``progress`` within a stage: often enough for a bar
# that moves, rarely enough to cost nothing beside the rows written.
PROGRESS_EVERY = 25


COLUMNS = ("created", "updated", "unchanged", "skipped", "drafted")
OUTCOME_HEADINGS = (
    ("skipped", _lazy("Skipped")),
    ("drafted", _lazy("Imported as drafts")),
    ("urgent", _lazy("Urgent comments (crisis language): for a moderator to read first")),
    ("alt", _lazy("Featured images waiting for a description")),
    ("picture", _lazy("Pictures left out")),
    ("note", _lazy("Notes")),
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    drafted: int = 0


@dataclass
class ReportLine:
    kind: str  # post, page, comment, term...
    wp_id: int | None
    line: int | None
    outcome: str  # skipped, drafted, urgent, alt, picture, note
    reason: str

    def __str__(self):
        where = f"{self.kind} {self.wp_id}" if self.wp_id is not None else self.kind
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.reason}"


@dataclass
class Report:
    """What an import did (or a dry run would do): a table per kind, and the reasons."""

    base_url: str = ""
    dry_run: bool = False
    tallies: dict = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    lines: list = field(default_factory=list)

    def add(self, kind, record, outcome, reason):
        self.lines.append(
            ReportLine(
                kind, getattr(record, "wp_id", None), getattr(record, "line", None), outcome, reason
            )
        )

    def of(self, outcome):
        return [line for line in self.lines if line.outcome == outcome]

    @property
    def title(self):
        title = _("WordPress import from %(site)s") % {"site": self.base_url or "?"}
        if self.dry_run:
            title += " " + _("(dry run: nothing was written)")
        return title

    @property
    def columns(self):
        """The table's column names, translated."""
        return [_(name) for name in COLUMNS]

    def rows(self):
        """The table: (kind, [created, updated, unchanged, skipped, drafted]) per kind."""
        return [
            (_(kind), [getattr(tally, name) for name in COLUMNS])
            for kind, tally in self.tallies.items()
        ]

    def groups(self):
        """The reasons: (heading, lines) for each outcome that has lines."""
        return [
            (heading, lines) for outcome, heading in OUTCOME_HEADINGS if (lines := self.of(outcome))
        ]

    def as_text(self):
        """The table, then the reasons: what the command prints."""
        rows = [self.title, "", f"{'':10}" + "".join(f"{name:>11}" for name in self.columns)]
        for kind, values in self.rows():
            rows.append(f"{kind:10}" + "".join(f"{value:>11}" for value in values))
        for heading, lines in self.groups():
            rows += ["", heading + ":"]
            rows += [f"  {line}" for line in lines]
        return "\n".join(rows) + "\n"

    def as_json(self):
        """The report as plain data, to store (``Report.from_json`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(
            base_url=data["base_url"],
            dry_run=data["dry_run"],
            # In KINDS' order: PostgreSQL's jsonb keeps an object's keys in its own.
            tallies={kind: Tally(**data["tallies"].get(kind, {})) for kind in KINDS},
            lines=[ReportLine(**line) for line in data["lines"]],
        )


def import_file(path, *, dry_run=False, skip_bad_items=False, media_dir=None, progress=None):
    """Read the export at ``path`` and import it, the pictures from ``media_dir`` (a
    copy of the old site's wp-content/uploads, if given); raises ``WXRError``
    (nothing written) for a file that cannot be read. ``progress``: see
    ``import_export``."""
    if progress is not None:
        progress("reading", 0, None)
    export = read_export(path, skip_bad_items=skip_bad_items)
    return import_export(export, dry_run=dry_run, media_dir=media_dir, progress=progress)


def import_export(export: Export, *, dry_run=False, now=None, media_dir=None, progress=None):
    """Import ``export`` in one transaction (rolled back with ``dry_run``); return
    the ``Report``.

    ``progress(stage, done, total)``, when given, is called as each stage of
    ``STAGES`` starts (``done`` 0), every ``PROGRESS_EVERY`` records and as it ends
    (``done == total``). It runs inside the import's transaction: what it writes to
    the database is seen by others only after the commit (or never, in a dry run).
    """
    report = Report(base_url=export.base_url, dry_run=dry_run)
    media_dir = Path(media_dir) if media_dir is not None else None
    # Saved rows bump the page cache one by one through signals: gathered here and
    # made once at the end, or not at all when the writes are rolled back.
    with (
        removing_files(keep=not dry_run) as written,
        caching.deferred_bumps(discard=dry_run),
        transaction.atomic(),
    ):
        _Importer(export, report, now or timezone.now(), media_dir, written, progress).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


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


def fingerprint(record, *, leave_out=("line", "comments")):
    """A hash of what a record of the export says (not where it stands in the file)."""
    data = {f.name: getattr(record, f.name) for f in fields(record) if f.name not in leave_out}
    text = json.dumps(
        data,
        sort_keys=True,
        default=lambda value: asdict(value) if is_dataclass(value) else str(value),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def plain(html_text):
    """HTML (a comment, an excerpt) as plain text, entities decoded."""
    return html.unescape(strip_tags(html_text)).strip()


def first_sentences(text, limit):
    """The first sentences of ``text`` that fit in about ``limit`` characters."""
    text = " ".join(text.split())
    summary = ""
    for sentence in SENTENCE_END.split(text):
        if summary and len(summary) + len(sentence) + 1 > min(limit, SUMMARY_TARGET):
            break
        summary = f"{summary} {sentence}".strip()
    return Truncator(summary).chars(limit)


def _aware(date, date_gmt):
    """The GMT date, else the local wall-clock date in the site's time zone."""
    if date_gmt is not None:
        return date_gmt
    if date is not None:
        return timezone.make_aware(date) if timezone.is_naive(date) else date
    return None


def picture_snippet(image, alt):
    """How a body shows library ``image``: with its own description only when it
    differs from the library's."""
    if not alt or alt == image.alt:
        return image.snippet
    return f"![{escape_markdown(alt)}](image:{image.pk})"


def _clip(text, model, name):
    return Truncator(text).chars(model._meta.get_field(name).max_length)


class _Importer:
    def __init__(self, export, report, now, media_dir=None, written=None, progress=None):
        self.progress = progress
        self.export = export
        self.report = report
        self.now = now
        self.media_dir = media_dir
        self.written = written if written is not None else []
        self.base_url = export.base_url[: ImportedItem._meta.get_field("base_url").max_length]
        records = ImportedItem.objects.filter(base_url=self.base_url)
        self.records = {
            (record.kind, record.wp_id): record
            for record in records.exclude(
                kind__in=[ImportedItem.Kind.COMMENT, ImportedItem.Kind.ATTACHMENT]
            ).select_related("article", "page", "topic")
        }
        pictures = list(
            records.filter(kind=ImportedItem.Kind.ATTACHMENT).select_related("library_image")
        )
        # Pictures imported before, by attachment id and by file path.
        self.picture_ids = {record.wp_id: record for record in pictures if record.wp_id}
        self.picture_paths = {record.media_path: record for record in pictures}
        self.pictures_failed = {}  # path -> why the file cannot be imported
        self.pictures_counted = set()  # ImportedItem ids tallied in this import
        self.pictures_left_out = False  # by the record being imported, for want of a folder
        self.folder_missed = False  # by any record
        self.snippets = {}  # picture index -> Markdown, for the record being imported
        self.comment_records = {
            record.wp_id: record
            for record in records.filter(kind=ImportedItem.Kind.COMMENT).only(
                "id", "wp_id", "comment_id", "content_hash", "synced_at"
            )
        }
        self.authors = {author.login: author for author in export.authors}
        self.topics = {}  # (taxonomy, slug) -> Topic
        self.articles = {}  # WordPress post id -> Article (imported now or before)
        self.article_slugs = set(Article.objects.values_list("slug", flat=True))
        self.changed = False

    def run(self):
        for skipped in self.export.skipped:
            self.report.add(skipped.kind, skipped, "skipped", skipped.reason)
            tally = {"post": "posts", "page": "pages", "comment": "comments"}.get(skipped.kind)
            if tally:
                self.report.tallies[tally].skipped += 1
        for post_type, count in sorted(self.export.other_post_types.items()):
            self.report.add(
                post_type,
                None,
                "note",
                _("%(count)s item(s) of this type not imported") % {"count": count},
            )
        for term in self.counted("topics", self.export.terms):
            self.topic_for(term)
        for item in self.counted("posts", self.export.posts):
            self.import_post(item)
        for item in self.counted("pages", self.export.pages):
            self.import_page(item)
            for comment in item.comments:
                self.skip("comments", "comment", comment, _("comments on pages are not kept"))
        self.import_comments()
        self.tell("addresses", 0, None)
        self.add_old_addresses()
        # Pictures of posts left alone are as they were too.
        self.report.tallies["images"].unchanged += sum(
            1
            for record in self.picture_paths.values()
            if record.pk not in self.pictures_counted and record.library_image_id
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
        if self.changed:
            recount_comments()
            caching.bump(caching.CONTENT, caching.COMMENTS)

    def tell(self, stage, done, total):
        if self.progress is not None:
            self.progress(stage, done, total)

    def counted(self, stage, records, *, total=None, size=lambda record: 1):
        """``records`` one by one, telling ``progress`` how many of ``total`` (each
        record counting ``size(record)``) are done."""
        total = len(records) if total is None else total
        done, told = 0, 0
        self.tell(stage, 0, total)
        for record in records:
            yield record
            done += size(record)
            if done - told >= PROGRESS_EVERY:
                self.tell(stage, done, total)
                told = done
        if told != done:
            self.tell(stage, done, total)

    def add_old_addresses(self):
        """Let the old site's addresses lead to what its records became here (see
        wordpress/legacy.py). Adding the same addresses again changes nothing."""
        by_slug = {(term.taxonomy, term.slug): term for term in self.export.terms}
        for (taxonomy, slug), topic in self.topics.items():
            parents, term = [], by_slug.get((taxonomy, slug))
            while term is not None and term.parent and len(parents) < 10:
                parents.insert(0, term.parent)
                term = by_slug.get((taxonomy, term.parent))
            legacy.add_topic_addresses(
                topic,
                taxonomy=taxonomy,
                slug=slug,
                term_id=getattr(by_slug.get((taxonomy, slug)), "wp_id", None),
                parent_slugs=parents,
            )
        for item in self.export.posts:
            record = self.records.get((ImportedItem.Kind.POST, item.wp_id))
            if record is not None and record.article is not None:
                legacy.add_article_addresses(
                    record.article,
                    post_id=item.wp_id,
                    link=item.link,
                    slug=item.slug,
                    posted_on=item.date.date() if item.date else None,
                )
        for item in self.export.pages:
            record = self.records.get((ImportedItem.Kind.PAGE, item.wp_id))
            if record is not None and record.page is not None:
                legacy.add_page_addresses(record.page, page_id=item.wp_id, link=item.link)
        legacy.add_feed_addresses()

    def skip(self, tally, kind, record, reason):
        self.report.tallies[tally].skipped += 1
        self.report.add(kind, record, "skipped", reason)

    def remember(self, kind, record, fingerprint_, **local):
        """Create or update the ImportedItem of ``record``."""
        synced = next(iter(local.values())).updated_at if kind != "comment" else self.now
        item = self.records.get((kind, record.wp_id)) or ImportedItem(
            base_url=self.base_url, kind=kind, wp_id=record.wp_id
        )
        item.content_hash = fingerprint_
        item.synced_at = synced
        item.link = getattr(record, "link", "")[:500]
        for name, value in local.items():
            setattr(item, name, value)
        item.save()
        self.records[(kind, record.wp_id)] = item

    # --- Topics -----------------------------------------------------------------------

    def topic_for(self, term):
        """The topic of a category or tag (one per taxonomy and slug), created if new."""
        key = (term.taxonomy, term.slug)
        if key in self.topics:
            return self.topics[key]
        record = self.records.get((ImportedItem.Kind.TERM, term.wp_id)) if term.wp_id else None
        topic = record.topic if record else None
        name = _clip(" ".join(term.name.split()) or term.slug, Topic, "name")
        slug = slugify(term.slug)[:80].strip("-") or slugify(name)[:80].strip("-") or "topic"
        created = False
        if topic is None:
            # An editor may have made the topic already, or renamed one: by slug, then
            # by name. Topics are never renamed by an import: they are the editors'.
            topic = (
                Topic.objects.filter(slug=slug).first()
                or Topic.objects.filter(name__iexact=name).first()
            )
            if topic is None:
                topic = Topic.objects.create(name=name, slug=slug)
                created = True
        if created:
            self.report.tallies["topics"].created += 1
            self.changed = True
        else:
            self.report.tallies["topics"].unchanged += 1
        if term.wp_id is not None and record is None:
            ImportedItem.objects.create(
                base_url=self.base_url,
                kind=ImportedItem.Kind.TERM,
                wp_id=term.wp_id,
                topic=topic,
                content_hash=fingerprint(term),
                synced_at=self.now,
            )
        self.topics[key] = topic
        return topic

    # --- Posts ------------------------------------------------------------------------

    def existing(self, kind, item, tally):
        """(record, done) for ``item``: its ImportedItem (None if new or deleted here),
        and whether it is dealt with already (unchanged, or skipped with a reason)."""
        record = self.records.get((kind, item.wp_id))
        if record is None:
            return None, False
        local = record.article if kind == ImportedItem.Kind.POST else record.page
        if local is None:
            self.skip(tally, kind, item, _("deleted here after an earlier import"))
            return None, True
        # Pictures left out for want of a folder come in when one is given.
        retry = self.media_dir is not None and record.pictures_left_out
        if record.content_hash == fingerprint(item) and not retry:
            self.report.tallies[tally].unchanged += 1
            return record, True
        if record.synced_at is None or local.updated_at > record.synced_at:
            self.skip(tally, kind, item, _("edited here since the last import"))
            return record, True
        return record, False

    def start(self, kind, item, tally):
        """(record, go) for a post or page: its ImportedItem (None if new), and whether
        to write it; one with a status not imported, or dealt with already (unchanged,
        or skipped with a reason), is not."""
        if item.status not in POST_STATUSES:
            reason = (
                _("in WordPress's bin")
                if item.status == "trash"
                else _("status “%(status)s” is not imported") % {"status": item.status}
            )
            self.skip(tally, kind, item, reason)
            return None, False
        record, done = self.existing(kind, item, tally)
        return record, not done

    def finish(self, kind, item, record, tally, **local):
        """Remember a written post or page and count it as created or updated."""
        self.remember(kind, item, fingerprint(item), **local)
        if record is None:
            self.report.tallies[tally].created += 1
        else:
            self.report.tallies[tally].updated += 1
        self.changed = True

    def import_post(self, item):
        kind = ImportedItem.Kind.POST
        record, go = self.start(kind, item, "posts")
        if record is not None:
            self.articles[item.wp_id] = record.article
        if not go:
            return
        article = record.article if record else Article()
        title = _clip(item.title.strip(), Article, "title") or _(
            "Untitled draft (WordPress post %(id)s)"
        ) % {"id": item.wp_id}
        converted = self.convert(kind, item)
        hero, hero_alt = self.featured_image(kind, item)
        sections = self.sections(kind, item, converted)
        faqs = [
            FAQ(position=position, question=question, answer=answer)
            for position, (question, answer) in enumerate(self.faqs(kind, item, converted), 1)
        ]
        article.title = title
        article.slug = self.article_slug(article, item, title)
        excerpt = plain(item.excerpt)
        source = excerpt or plain_text(
            converted.intro_markdown or (sections[0].body if sections else "")
        )
        article.summary = first_sentences(source, 500) or title
        article.author = self.author_name(item)
        article.allows_comments = item.comments_open
        article.status = POST_STATUSES[item.status]
        article.published_at = (
            _aware(item.date, item.date_gmt) if item.status in {"publish", "future"} else None
        )
        waiting = self.assign_hero(kind, item, article, hero, hero_alt)
        drafted = False
        if article.status == Article.Status.PUBLISHED:
            problems = publishing_problems(
                article,
                sections,
                faqs,
                seo_title_taken=article.seo_title_is_taken(),
                described_ids=described_image_ids(
                    [section.body for section in sections] + [faq.answer for faq in faqs]
                ),
            )
            if problems:
                # Keeps the WordPress date: published later, it shows when it first was.
                article.status = Article.Status.DRAFT
                drafted = True
                self.report.add(
                    kind, item, "drafted", " ".join(str(problem.message) for problem in problems)
                )
        if article.has_new_picture_upload:
            self.save_picture(article)
        else:
            article.save()
        self.article_slugs.add(article.slug)
        article.topics.set({self.topic_for(term).pk for term in item.terms})
        fresh = record is None
        self.replace_children(article, Section, sections, ("heading", "anchor", "body"), fresh)
        self.replace_children(article, FAQ, faqs, ("question", "answer"), fresh)
        article.refresh_outline()
        record_revision(article, comment=REVISION_COMMENT)
        self.finish(
            kind,
            item,
            record,
            "posts",
            article=article,
            waiting_hero=waiting,
            pictures_left_out=self.pictures_left_out,
        )
        self.articles[item.wp_id] = article
        self.report.tallies["posts"].drafted += drafted

    def convert(self, kind, item):
        converted = convert_body(item.content, base_url=self.export.base_url)
        for note in converted.notes:
            self.report.add(kind, item, "note", note)
        self.snippets, self.pictures_left_out = {}, False
        if kind == ImportedItem.Kind.PAGE:
            # Site pages show no pictures (their Markdown has no image library).
            for image in converted.images:
                self.report.add(
                    kind,
                    item,
                    "note",
                    _("picture not imported (site pages show none): %(url)s")
                    % {"url": image.full_size_url},
                )
            if item.thumbnail_id is not None:
                attachment = self.export.featured_image(item)
                self.report.add(
                    kind,
                    item,
                    "note",
                    _("featured image not imported (site pages have none): %(url)s")
                    % {"url": attachment.url if attachment else item.thumbnail_id},
                )
            return converted
        for image in converted.images:
            library_image = self.library_image(
                kind,
                item,
                attachment_id=image.attachment_id,
                urls=(image.full_size_url, image.src_url),
                alt=image.alt,
                caption=image.caption,
            )
            if library_image is not None:
                self.snippets[image.index] = picture_snippet(library_image, image.alt)
        return converted

    def featured_image(self, kind, item):
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
                with hero.file.storage.open(hero.file.name, "rb") as stored:
                    data = stored.read()
            except OSError:
                self.leave_out_picture(
                    kind, item, True, hero.file.name, _("the library's file cannot be read")
                )
                return None
            name = "featured" + PurePath(hero.file.name).suffix
            article.hero_image = ContentFile(data, name=name)
            article.hero_alt = _clip(alt, Article, "hero_alt")
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

    # --- Pictures ---------------------------------------------------------------------

    def library_image(self, kind, item, *, attachment_id, urls, alt="", caption="", featured=False):
        """The library image a picture of ``item`` became, imported now if it is new;
        None (with a report line) if it cannot be."""
        attachment = self.export.attachments_by_id.get(attachment_id) if attachment_id else None
        paths = [media.uploads_path(urls[0])]
        if attachment is not None:
            paths += [attachment.file.strip(), media.uploads_path(attachment.url)]
        paths += [media.uploads_path(url) for url in urls[1:]]
        paths = list(dict.fromkeys(path for path in paths if path))
        known = (self.picture_ids.get(attachment_id) if attachment_id else None) or next(
            (self.picture_paths[path] for path in paths if path in self.picture_paths), None
        )
        if known is not None:
            return self.known_picture(kind, item, known, featured)
        if self.media_dir is None:
            self.pictures_left_out = self.folder_missed = True
            message = (
                _("featured image not imported: %(url)s")
                if featured
                else _("picture not imported: %(url)s")
            )
            self.report.add(kind, item, "note", message % {"url": urls[0]})
            return None
        if not paths:
            self.leave_out_picture(kind, item, featured, urls[0], _("not in wp-content/uploads"))
            return None
        found, first_error = None, None
        for path in paths:
            try:
                found = (path, media.locate(self.media_dir, path))
                break
            except media.MediaError as error:
                first_error = first_error or (path, str(error))
        if found is None:
            self.leave_out_picture(kind, item, featured, *first_error, key=first_error[0])
            return None
        path, file = found
        if path in self.pictures_failed:
            self.leave_out_picture(kind, item, featured, path, self.pictures_failed[path])
            return None
        try:
            data = media.read_picture(file)
        except media.MediaError as error:
            self.leave_out_picture(kind, item, featured, path, str(error), key=path)
            return None
        described = alt or (attachment.alt if attachment else "")
        captioned = caption or (plain(attachment.caption) if attachment else "")
        image = LibraryImage(
            file=ContentFile(data, name=file.name),
            alt=_clip(described.strip(), LibraryImage, "alt"),
            caption=_clip(" ".join(captioned.split()), LibraryImage, "caption"),
        )
        self.save_picture(image)
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
        self.picture_paths[path] = record
        if attachment_id:
            self.picture_ids[attachment_id] = record
        self.pictures_counted.add(record.pk)
        self.report.tallies["images"].created += 1
        return image

    def known_picture(self, kind, item, record, featured):
        """The library image of a picture imported before (None if deleted here)."""
        if record.pk not in self.pictures_counted:
            self.pictures_counted.add(record.pk)
            tally = self.report.tallies["images"]
            if record.library_image is None:
                tally.skipped += 1
            else:
                tally.unchanged += 1
        if record.library_image is None:
            self.leave_out_picture(
                kind,
                item,
                featured,
                record.media_path or record.link,
                _("deleted from the image library here after an earlier import"),
            )
        return record.library_image

    def leave_out_picture(self, kind, item, featured, where, reason, *, key=None):
        """Report a picture left out; ``key``, a file's path, marks a new failure."""
        if key is not None and key not in self.pictures_failed:
            self.pictures_failed[key] = reason
            self.report.tallies["images"].skipped += 1
        message = (
            _("featured image left out: %(path)s: %(reason)s")
            if featured
            else _("picture left out: %(path)s: %(reason)s")
        )
        self.report.add(kind, item, "picture", message % {"path": where, "reason": reason})

    def save_picture(self, instance):
        """Save a row with a new picture, noting the files written for the clean-up."""
        try:
            instance.save()
        finally:
            self.written.extend(stored_picture_names(instance))

    def place_pictures(self, markdown):
        """``markdown`` with the pictures imported in place, the others left out."""
        return replace_image_placeholders(markdown, self.snippets.get).strip()

    @staticmethod
    def without_pictures(markdown):
        return replace_image_placeholders(markdown, lambda index: None).strip()

    def sections(self, kind, item, converted):
        """Unsaved sections: the text before the first heading as "Overview", then one
        per heading; a section left without text (a picture alone) goes, with a note."""
        parts = [(_("Overview"), converted.intro_markdown)] + [
            (section.title, section.markdown) for section in converted.sections
        ]
        sections, anchors = [], set()
        for heading, markdown in parts:
            body = self.place_pictures(markdown)
            heading = _clip(heading.strip(), Section, "heading") or _("Section")
            if not body:
                if markdown.strip():
                    self.report.add(
                        kind,
                        item,
                        "note",
                        _("the section “%(heading)s” had no text left") % {"heading": heading},
                    )
                continue
            anchor = unique_anchor(heading, anchors)
            anchors.add(anchor)
            sections.append(
                Section(position=len(sections) + 1, heading=heading, anchor=anchor, body=body)
            )
        return sections

    def faqs(self, kind, item, converted):
        pairs = []
        for faq in converted.faqs:
            answer = self.place_pictures(faq.answer_markdown)
            question = _clip(faq.question.strip(), FAQ, "question")
            if question and answer:
                pairs.append((question, answer))
            else:
                self.report.add(
                    kind,
                    item,
                    "note",
                    _("the question “%(question)s” had no answer left") % {"question": question},
                )
        return pairs

    def article_slug(self, article, item, title):
        wanted = slugify(item.slug)[:140].strip("-") or slugify(title)[:140].strip("-")
        if article.pk and article.slug == wanted:
            return wanted
        taken = self.article_slugs - {article.slug}
        return unique_slug(wanted, taken, fallback=f"post-{item.wp_id}")

    def author_name(self, item):
        author = self.authors.get(item.author)
        name = (author.display_name if author else "") or item.author
        return _clip(name.strip(), Article, "author") or _("%(site)s editorial team") % {
            "site": SiteSettings.load().site_name
        }

    @staticmethod
    def replace_children(article, model, rows, names, fresh=False):
        """Store ``rows`` (unsaved) as the article's children, updating by position
        (ids, and FAQ anchors, survive a re-import) and deleting the rest; a ``fresh``
        article (just created) has none to look for.

        New rows are rendered as save() would and inserted in one query: most of an
        import's sections are new, and row-by-row saves were much of its time.
        """
        existing = (
            {}
            if fresh
            else {child.position: child for child in model.objects.filter(article=article)}
        )
        new = []
        for row in rows:
            child = existing.pop(row.position, None)
            if child is None:
                row.article = article
                RENDER[model](row)
                new.append(row)
                continue
            for name in names:
                setattr(child, name, getattr(row, name))
            child.save()
        if existing:
            model.objects.filter(pk__in=[child.pk for child in existing.values()]).delete()
        model.objects.bulk_create(new)

    # --- Pages ------------------------------------------------------------------------

    def import_page(self, item):
        kind = ImportedItem.Kind.PAGE
        record, go = self.start(kind, item, "pages")
        if not go:
            return
        converted = self.convert(kind, item)
        parts = [self.without_pictures(converted.intro_markdown)]
        parts += [
            f"## {section.title}\n\n{self.without_pictures(section.markdown)}"
            for section in converted.sections
        ]
        if converted.faqs:
            parts.append("## " + _("Frequently asked questions"))
            parts += [
                f"### {faq.question}\n\n{self.without_pictures(faq.answer_markdown)}"
                for faq in converted.faqs
            ]
        body = "\n\n".join(part for part in parts if part.strip())
        problems = placeholders.problems(body)
        if problems:
            self.skip("pages", kind, item, " ".join(str(problem) for problem in problems))
            return
        page = record.page if record else Page()
        page.title = _clip(item.title.strip(), Page, "title") or _("Untitled page")
        page.slug = self.page_slug(page, item)
        page.summary = first_sentences(plain(item.excerpt) or plain_text(body), 200) or page.title
        page.body = body or page.title
        page.is_published = item.status == "publish"
        page.save()
        self.finish(kind, item, record, "pages", page=page)

    def page_slug(self, page, item):
        base = slugify(item.slug)[:70].strip("-") or slugify(page.title)[:70].strip("-")
        base = base or f"page-{item.wp_id}"
        taken = set(Page.objects.exclude(pk=page.pk).values_list("slug", flat=True))
        slug, number = base, 2
        while slug in taken or is_taken(slug):
            slug, number = f"{base}-{number}", number + 1
        if slug != base:
            self.report.add(
                "page",
                item,
                "note",
                _("/%(base)s/ is taken here: imported as /%(slug)s/")
                % {"base": base, "slug": slug},
            )
        return slug

    # --- Comments ---------------------------------------------------------------------

    def import_comments(self):
        """Every comment of the imported posts: new ones written in bulk, one round
        per depth so that each reply's parent has its id already."""
        retention = timedelta(days=comment_settings.COMMENTS_IP_RETENTION_DAYS)
        self.ip_since = self.now - retention
        self.crisis_phrases = ModerationLists.load().crisis
        self.users = self.users_by_wp_id()
        self.taken = self.comment_keys()
        new = []  # (depth, wp id, Comment, parent wp id)
        posts = self.export.posts
        total = sum(len(item.comments) for item in posts)
        for item in self.counted(
            "comments", posts, total=total, size=lambda item: len(item.comments)
        ):
            article = self.articles.get(item.wp_id)
            new.extend(self.comments_of(item, article))
        created = {}
        for depth in range(comment_settings.COMMENTS_MAX_DEPTH):
            level = [entry for entry in new if entry[0] == depth]
            for _depth, _wp_id, comment, parent_wp_id in level:
                if parent_wp_id is not None:
                    comment.parent = created.get(parent_wp_id) or self.existing_comment(
                        parent_wp_id
                    )
            Comment.objects.bulk_create([entry[2] for entry in level], batch_size=1000)
            created.update({wp_id: comment for _d, wp_id, comment, _p in level})
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    base_url=self.base_url,
                    kind=ImportedItem.Kind.COMMENT,
                    wp_id=wp_id,
                    comment=comment,
                    content_hash=comment._wp_fingerprint,
                    synced_at=self.now,
                )
                for wp_id, comment in created.items()
            ],
            batch_size=1000,
        )
        if created:
            self.report.tallies["comments"].created += len(created)
            self.changed = True

    def existing_comment(self, wp_id):
        record = self.comment_records.get(wp_id)
        return Comment.objects.filter(pk=record.comment_id).first() if record else None

    def users_by_wp_id(self):
        """WordPress user ids to local users with the same email."""
        emails = {
            author.wp_id: author.email.lower() for author in self.export.authors if author.email
        }
        if not emails:
            return {}
        users = {
            user.email.lower(): user
            for user in get_user_model()
            .objects.alias(email_lower=Lower("email"))
            .filter(email_lower__in=emails.values())
        }
        return {wp_id: users[email] for wp_id, email in emails.items() if email in users}

    def comment_keys(self):
        """(article, email, text) of the comments already here: the database takes each
        once (comment_no_duplicates)."""
        ids = [article.pk for article in self.articles.values() if article is not None]
        rows = (
            Comment.objects.filter(article_id__in=ids)
            .exclude(status=Comment.Status.TRASH)
            .values_list("article_id", Lower("author_email"), "body_hash")
        )
        return set(rows)

    def comments_of(self, item, article):
        """The new comments of one post, as (depth, wp id, Comment, parent wp id);
        updates the ones imported before."""
        kept = {}  # wp id -> (depth, parent wp id) of each comment kept here
        by_id = {comment.wp_id: comment for comment in item.comments}
        new = []
        for comment in sorted(item.comments, key=self.depth_in(by_id)):
            reason = self.comment_skip_reason(comment, article)
            if reason:
                self.skip("comments", "comment", comment, reason)
                continue
            parent_wp_id = self.kept_ancestor(comment.parent_id, by_id, kept)
            depth = 0
            if parent_wp_id is not None:
                # Replies deeper than the cap hang from the ancestor at the cap, as on
                # the site (comments.services.attach_point).
                while kept[parent_wp_id][0] >= comment_settings.COMMENTS_MAX_DEPTH - 1:
                    parent_wp_id = kept[parent_wp_id][1]
                depth = kept[parent_wp_id][0] + 1
            record = self.comment_records.get(comment.wp_id)
            if record is not None:
                kept[comment.wp_id] = (depth, parent_wp_id)
                self.update_comment(record, comment, article)
                continue
            local = self.build_comment(comment, article)
            key = (article.pk, local.author_email.lower(), local.body_hash)
            if local.status != Comment.Status.TRASH:
                if key in self.taken:
                    self.skip(
                        "comments",
                        "comment",
                        comment,
                        _("the same text from the same address is already on this article"),
                    )
                    continue
                self.taken.add(key)
            kept[comment.wp_id] = (depth, parent_wp_id)
            if local.is_urgent:
                self.report.add(
                    "comment", comment, "urgent", _("on “%(title)s”") % {"title": article.title}
                )
            new.append((depth, comment.wp_id, local, parent_wp_id))
        return new

    @staticmethod
    def depth_in(by_id):
        """Sort key: parents before their replies, then in file order."""

        def key(comment):
            depth, parent, seen = 0, comment.parent_id, set()
            while parent in by_id and parent not in seen:
                seen.add(parent)
                depth, parent = depth + 1, by_id[parent].parent_id
            return depth, comment.line

        return key

    @staticmethod
    def kept_ancestor(parent_id, by_id, kept):
        """The nearest ancestor kept here (a skipped pingback's replies move up)."""
        seen = set()
        while parent_id is not None and parent_id not in kept and parent_id not in seen:
            seen.add(parent_id)
            parent = by_id.get(parent_id)
            parent_id = parent.parent_id if parent else None
        return parent_id if parent_id in kept else None

    @staticmethod
    def comment_skip_reason(comment, article):
        if article is None:
            return _("its post was not imported")
        if comment.type in {"pingback", "trackback"}:
            return _("a %(type)s, not a reader's comment") % {"type": comment.type}
        if comment.type not in {"", "comment"}:
            return _("type “%(type)s” is not a reader's comment") % {"type": comment.type}
        if comment.status not in COMMENT_STATUSES:
            return _("marked as spam in WordPress")
        if not plain(comment.content):
            return _("no text")
        return None

    def build_comment(self, comment, article, local=None):
        local = local or Comment(article=article)
        body = Truncator(plain(comment.content)).chars(Comment._meta.get_field("body").max_length)
        created_at = _aware(comment.date, comment.date_gmt) or self.now
        local.author_name = _clip(" ".join(plain(comment.author).split()), Comment, "author_name")
        local.author_email = comment.author_email.strip()[:254]
        url = comment.author_url.strip()
        local.author_url = url if len(url) <= 200 else ""
        local.body = body
        local.body_html = render_comment_text(body)
        local.body_hash = hash_body(body)
        local.status = COMMENT_STATUSES[comment.status]
        local.previous_status = (
            TRASHED_FROM.get(comment.meta.get("_wp_trash_meta_status", ""), "")
            if local.status == Comment.Status.TRASH
            else ""
        )
        local.is_urgent = crisis.is_crisis(body, self.crisis_phrases)
        local.user = self.users.get(comment.user_id) if comment.user_id else None
        local.created_at = created_at
        # The bin is emptied counting from the day a comment went in, which WordPress
        # notes; counted from the comment's date, the next upkeep would empty it.
        trashed_at = _trashed_at(comment) if local.status == Comment.Status.TRASH else None
        local.status_changed_at = min(trashed_at, self.now) if trashed_at else created_at
        # Privacy holds from the first minute: only as long as any comment keeps them.
        recent = created_at >= self.ip_since
        local.ip_address = _ip(comment.author_ip) if recent else None
        local.user_agent = comment.user_agent[:300] if recent else ""
        local._wp_fingerprint = fingerprint(comment)
        return local

    def update_comment(self, record, comment, article):
        if record.content_hash == fingerprint(comment):
            self.report.tallies["comments"].unchanged += 1
            return
        local = Comment.objects.filter(pk=record.comment_id).first()
        if local is None:
            self.skip("comments", "comment", comment, _("deleted here after an earlier import"))
            return
        if local.status_changed_at > record.synced_at:
            self.skip("comments", "comment", comment, _("moderated here since the last import"))
            return
        self.build_comment(comment, article, local)
        local.save()
        record.content_hash = local._wp_fingerprint
        record.synced_at = self.now
        record.save(update_fields=["content_hash", "synced_at", "imported_at"])
        self.report.tallies["comments"].updated += 1
        self.changed = True


def _trashed_at(comment):
    """When WordPress put ``comment`` in the bin (_wp_trash_meta_time), if it says."""
    stamp = comment.meta.get("_wp_trash_meta_time", "").strip()
    try:
        return datetime.fromtimestamp(int(stamp), tz=UTC) if stamp.isdecimal() else None
    except (OverflowError, OSError, ValueError):
        return None


def _ip(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
