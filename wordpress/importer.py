"""A WordPress export (``wordpress/wxr.py``) into articles, pages, topics and comments.

``import_export(export, dry_run=...)`` writes everything in one transaction and returns
a ``Report``; ``--dry-run`` runs the same code and rolls it back, so its report is
exactly what an import would do. This module runs the stages and imports topics,
posts and pages; ``wordpress/pictures.py`` brings in the pictures,
``wordpress/comment_import.py`` the comments, and ``wordpress/report.py`` holds the
report. The rules, decided in these modules and told in the README:

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

import re
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from articles.content_checks import plain_text, publishing_problems
from articles.library import described_image_ids
from articles.models import FAQ, Article, Section, Topic, unique_anchor, unique_slug
from articles.revisions import record_revision
from comments.services import recount_comments
from core import caching
from core.models import SiteSettings
from pages import placeholders
from pages.models import Page
from pages.routes import is_taken

from . import legacy
from .comment_import import CommentImport
from .convert import convert_body, replace_image_placeholders
from .models import ImportedItem
from .pictures import Pictures, picture_snippet, removing_files
from .report import Report
from .values import aware, clip, fingerprint, plain
from .wxr import Export, read_export

REVISION_COMMENT = "Imported from WordPress"
SUMMARY_TARGET = 300  # characters: "one or two sentences"
POST_STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
# What save() does to a new section or FAQ before writing it.
RENDER = {Section: Section.render_body, FAQ: FAQ.render_answer}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The stages a ``progress`` callback hears of, in order.
STAGES = ("reading", "topics", "posts", "pages", "comments", "addresses")
# Records between two calls of ``progress`` within a stage: often enough for a bar
# that moves, rarely enough to cost nothing beside the rows written.
PROGRESS_EVERY = 25


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


def first_sentences(text, limit):
    """The first sentences of ``text`` that fit in about ``limit`` characters."""
    text = " ".join(text.split())
    summary = ""
    for sentence in SENTENCE_END.split(text):
        if summary and len(summary) + len(sentence) + 1 > min(limit, SUMMARY_TARGET):
            break
        summary = f"{summary} {sentence}".strip()
    return Truncator(summary).chars(limit)


class _Importer:
    def __init__(self, export, report, now, media_dir=None, written=None, progress=None):
        self.progress = progress
        self.export = export
        self.report = report
        self.now = now
        self.base_url = export.base_url[: ImportedItem._meta.get_field("base_url").max_length]
        records = ImportedItem.objects.filter(base_url=self.base_url)
        self.records = {
            (record.kind, record.wp_id): record
            for record in records.exclude(
                kind__in=[ImportedItem.Kind.COMMENT, ImportedItem.Kind.ATTACHMENT]
            ).select_related("article", "page", "topic")
        }
        self.pictures = Pictures(
            export, report, self.base_url, records, media_dir, [] if written is None else written
        )
        self.snippets = {}  # picture index -> Markdown, for the record being imported
        self.comments = CommentImport(export, report, now, self.base_url, records)
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
                self.report.skip(
                    "comments", "comment", comment, _("comments on pages are not kept")
                )
        posts = self.export.posts
        total = sum(len(item.comments) for item in posts)
        self.comments.run(
            self.counted("comments", posts, total=total, size=lambda item: len(item.comments)),
            self.articles,
        )
        self.tell("addresses", 0, None)
        self.add_old_addresses()
        self.pictures.finish()
        if self.changed or self.comments.changed:
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
        name = clip(" ".join(term.name.split()) or term.slug, Topic, "name")
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
            self.report.skip(tally, kind, item, _("deleted here after an earlier import"))
            return None, True
        # Pictures left out for want of a folder come in when one is given.
        retry = self.pictures.media_dir is not None and record.pictures_left_out
        if record.content_hash == fingerprint(item) and not retry:
            self.report.tallies[tally].unchanged += 1
            return record, True
        if record.synced_at is None or local.updated_at > record.synced_at:
            self.report.skip(tally, kind, item, _("edited here since the last import"))
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
            self.report.skip(tally, kind, item, reason)
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
        title = clip(item.title.strip(), Article, "title") or _(
            "Untitled draft (WordPress post %(id)s)"
        ) % {"id": item.wp_id}
        converted = self.convert(kind, item)
        hero, hero_alt = self.pictures.featured(kind, item)
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
            aware(item.date, item.date_gmt) if item.status in {"publish", "future"} else None
        )
        waiting = self.pictures.assign_hero(kind, item, article, hero, hero_alt)
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
            self.pictures.save(article)
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
            pictures_left_out=self.pictures.left_out,
        )
        self.articles[item.wp_id] = article
        self.report.tallies["posts"].drafted += drafted

    def convert(self, kind, item):
        converted = convert_body(item.content, base_url=self.export.base_url)
        for note in converted.notes:
            self.report.add(kind, item, "note", note)
        self.snippets, self.pictures.left_out = {}, False
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
            library_image = self.pictures.library_image(
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
            heading = clip(heading.strip(), Section, "heading") or _("Section")
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
            question = clip(faq.question.strip(), FAQ, "question")
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
        return clip(name.strip(), Article, "author") or _("%(site)s editorial team") % {
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
            self.report.skip("pages", kind, item, " ".join(str(problem) for problem in problems))
            return
        page = record.page if record else Page()
        page.title = clip(item.title.strip(), Page, "title") or _("Untitled page")
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
