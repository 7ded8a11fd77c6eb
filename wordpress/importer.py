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
- Pictures are not imported yet: each is left out with a report line, as is a
  featured image.
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
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from articles.content_checks import plain_text, publishing_problems
from articles.models import FAQ, Article, Section, Topic, unique_anchor, unique_slug
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

from . import legacy
from .convert import convert_body, replace_image_placeholders
from .models import ImportedItem
from .wxr import CommentStatus, Export, read_export

KINDS = ("posts", "pages", "topics", "comments")
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
    outcome: str  # skipped, drafted, urgent, note
    reason: str

    def __str__(self):
        where = f"{self.kind} {self.wp_id}" if self.wp_id is not None else self.kind
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.reason}"


@dataclass
class Report:
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

    def as_text(self):
        """The table, then the reasons: what the command prints."""
        title = _("WordPress import from %(site)s") % {"site": self.base_url or "?"}
        if self.dry_run:
            title += " " + _("(dry run: nothing was written)")
        columns = ("created", "updated", "unchanged", "skipped", "drafted")
        rows = [title, "", f"{'':10}" + "".join(f"{_(name):>11}" for name in columns)]
        for kind, tally in self.tallies.items():
            values = [getattr(tally, name) for name in columns]
            rows.append(f"{_(kind):10}" + "".join(f"{value:>11}" for value in values))
        for outcome, heading in (
            ("skipped", _("Skipped")),
            ("drafted", _("Imported as drafts")),
            ("urgent", _("Urgent comments (crisis language): for a moderator to read first")),
            ("note", _("Notes")),
        ):
            lines = self.of(outcome)
            if lines:
                rows += ["", heading + ":"]
                rows += [f"  {line}" for line in lines]
        return "\n".join(rows) + "\n"


def import_file(path, *, dry_run=False, skip_bad_items=False):
    """Read the export at ``path`` and import it; raises ``WXRError`` (nothing
    written) for a file that cannot be read."""
    export = read_export(path, skip_bad_items=skip_bad_items)
    return import_export(export, dry_run=dry_run)


def import_export(export: Export, *, dry_run=False, now=None):
    """Import ``export`` in one transaction (rolled back with ``dry_run``); return
    the ``Report``."""
    report = Report(base_url=export.base_url, dry_run=dry_run)
    # Saved rows bump the page cache one by one through signals: gathered here and
    # made once at the end, or not at all when the writes are rolled back.
    with caching.deferred_bumps(discard=dry_run), transaction.atomic():
        _Importer(export, report, now or timezone.now()).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


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


def _clip(text, model, name):
    return Truncator(text).chars(model._meta.get_field(name).max_length)


class _Importer:
    def __init__(self, export, report, now):
        self.export = export
        self.report = report
        self.now = now
        self.base_url = export.base_url[: ImportedItem._meta.get_field("base_url").max_length]
        records = ImportedItem.objects.filter(base_url=self.base_url)
        self.records = {
            (record.kind, record.wp_id): record
            for record in records.exclude(kind=ImportedItem.Kind.COMMENT).select_related(
                "article", "page", "topic"
            )
        }
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
        for term in self.export.terms:
            self.topic_for(term)
        for item in self.export.posts:
            self.import_post(item)
        for item in self.export.pages:
            self.import_page(item)
            for comment in item.comments:
                self.skip("comments", "comment", comment, _("comments on pages are not kept"))
        self.import_comments()
        self.add_old_addresses()
        if self.changed:
            recount_comments()
            caching.bump(caching.CONTENT, caching.COMMENTS)

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
        if record.content_hash == fingerprint(item):
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
        drafted = False
        if article.status == Article.Status.PUBLISHED:
            problems = publishing_problems(
                article, sections, faqs, seo_title_taken=article.seo_title_is_taken()
            )
            if problems:
                # Keeps the WordPress date: published later, it shows when it first was.
                article.status = Article.Status.DRAFT
                drafted = True
                self.report.add(
                    kind, item, "drafted", " ".join(str(problem.message) for problem in problems)
                )
        article.save()
        self.article_slugs.add(article.slug)
        article.topics.set({self.topic_for(term).pk for term in item.terms})
        self.replace_children(article, Section, sections, ("heading", "anchor", "body"))
        self.replace_children(article, FAQ, faqs, ("question", "answer"))
        article.refresh_outline()
        record_revision(article, comment=REVISION_COMMENT)
        self.finish(kind, item, record, "posts", article=article)
        self.articles[item.wp_id] = article
        self.report.tallies["posts"].drafted += drafted

    def convert(self, kind, item):
        converted = convert_body(item.content, base_url=self.export.base_url)
        for note in converted.notes:
            self.report.add(kind, item, "note", note)
        for image in converted.images:
            self.report.add(
                kind,
                item,
                "note",
                _("picture not imported: %(url)s") % {"url": image.full_size_url},
            )
        if item.thumbnail_id is not None:
            attachment = self.export.featured_image(item)
            where = (
                attachment.url if attachment else _("attachment %(id)s") % {"id": item.thumbnail_id}
            )
            self.report.add(
                kind, item, "note", _("featured image not imported: %(url)s") % {"url": where}
            )
        return converted

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
            body = self.without_pictures(markdown)
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
            answer = self.without_pictures(faq.answer_markdown)
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
    def replace_children(article, model, rows, names):
        """Store ``rows`` (unsaved) as the article's children, updating by position
        (ids, and FAQ anchors, survive a re-import) and deleting the rest.

        New rows are rendered as save() would and inserted in one query: most of an
        import's sections are new, and row-by-row saves were much of its time.
        """
        existing = {child.position: child for child in model.objects.filter(article=article)}
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
        for item in self.export.posts:
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
        local.status_changed_at = created_at
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


def _ip(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
