"""Reading a WordPress export file (WXR, made by Tools → Export) into plain records.

``read_export(source)`` returns an ``Export`` of frozen dataclasses and touches no
database: the importer turns the records into articles, pages and comments. The file is
read as a stream (expat through defusedxml's SAX reader, so entity tricks are refused),
and only the channel element being read is ever held as a tree: beyond the records
themselves, memory follows the longest post with its comments, not the file's length.

Bad files raise ``WXRError`` with the line where the problem is. File-level problems
(not XML, not a WordPress export, an unknown WXR version, a truncated file) always
raise. A record that cannot be read (a post without an id or type, a post with neither a
title nor a body, a comment whose parent is not in the same post, an unreadable date...)
raises too, unless ``skip_bad_items=True``: then it is left out, its replies with it, and
listed in ``Export.skipped``.
"""

from __future__ import annotations

import enum
import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

# The stdlib XML names below only build trees and receive events: defusedxml's
# make_parser does all the parsing.
from xml.etree.ElementTree import Element, TreeBuilder  # nosec B405
from xml.sax import SAXParseException  # nosec B406
from xml.sax.handler import ContentHandler, feature_namespaces  # nosec B406

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")
CHUNK_SIZE = 256 * 1024

# Element names are read as "prefix:name" whatever URI the file binds the prefix to,
# because the wp: namespace carries the WXR version (export/1.1/, export/1.2/...).
_FIXED_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_WORDPRESS_NAMESPACE = re.compile(r"https?://wordpress\.org/export/\d+\.\d+/(excerpt/)?\Z")
# WordPress writes this instead of leaving the GMT date of an unscheduled draft empty.
_ZERO_DATE = "0000-00-00 00:00:00"
# Item categories by their domain attribute; WXR 1.0 called tags "tag".
_TAXONOMIES = {"category": "category", "post_tag": "post_tag", "tag": "post_tag"}


class WXRError(Exception):
    """A file that cannot be read as a WordPress export, or a record in it that cannot.

    ``code`` says which problem (not_xml, truncated, not_wxr, version, bad_item) and
    ``line`` where it is in the file, when the parser knows.
    """

    def __init__(self, problem: str, *, code: str, line: int | None = None):
        self.problem = problem
        self.code = code
        self.line = line
        if line is None:
            message = problem
        else:
            message = _("Line %(line)s: %(problem)s") % {"line": line, "problem": problem}
        super().__init__(message)


class CommentStatus(enum.StrEnum):
    """A comment's moderation state, from WordPress's comment_approved column."""

    APPROVED = "approved"
    PENDING = "pending"
    TRASH = "trash"
    SPAM = "spam"


_COMMENT_STATUSES = {
    "1": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "trash": CommentStatus.TRASH,
    # Comments of a post in the bin: WordPress restores them with the post.
    "post-trashed": CommentStatus.TRASH,
    "spam": CommentStatus.SPAM,
}


@dataclass(frozen=True, slots=True)
class Author:
    """A WordPress user listed in the export (wp:author)."""

    wp_id: int | None
    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Term:
    """A category or tag; one per (taxonomy, slug) however often the file lists it."""

    taxonomy: str  # "category" or "post_tag"
    slug: str
    name: str
    parent: str | None = None  # the parent category's slug
    description: str = ""
    wp_id: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment on a post or page. Dates: ``date`` is the site's wall-clock time as
    WordPress stored it (naive), ``date_gmt`` the same instant in UTC (aware)."""

    wp_id: int
    author: str
    author_email: str
    author_url: str
    author_ip: str
    # WordPress's own exporter leaves the browser out; some other exporters add it.
    user_agent: str
    date: datetime | None
    date_gmt: datetime | None
    content: str
    status: CommentStatus
    type: str  # "comment", "pingback", "trackback" (or a plugin's own type)
    parent_id: int | None
    user_id: int | None
    meta: dict[str, str]
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    """A post or a page. ``content`` and ``excerpt`` are WordPress's HTML as stored;
    ``slug`` is percent-decoded and may be empty (drafts); dates as on ``Comment``."""

    wp_id: int
    post_type: str
    title: str
    slug: str
    status: str  # publish, draft, pending, future, private, trash...
    date: datetime | None
    date_gmt: datetime | None
    modified: datetime | None
    modified_gmt: datetime | None
    author: str  # the author's login (dc:creator)
    excerpt: str
    content: str
    link: str
    guid: str
    parent_id: int | None
    menu_order: int
    comments_open: bool
    password: str
    is_sticky: bool
    terms: tuple[Term, ...]
    # First value of each key, as WordPress's get_post_meta(..., single=True) reads it.
    postmeta: dict[str, str]
    comments: tuple[Comment, ...]
    line: int

    @property
    def thumbnail_id(self) -> int | None:
        """The featured image's attachment id, if the post has one."""
        return _optional_id(self.postmeta.get("_thumbnail_id", ""))


@dataclass(frozen=True, slots=True)
class Attachment:
    """An uploaded file. ``file`` is its path under wp-content/uploads."""

    wp_id: int
    title: str
    url: str
    file: str
    alt: str
    caption: str
    parent_id: int | None
    line: int


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """A record left out by ``read_export(..., skip_bad_items=True)`` and why."""

    line: int
    kind: str  # post, page, attachment, comment, author, term, or another post type
    wp_id: int | None
    reason: str


@dataclass(frozen=True)
class Export:
    """Everything read from one export file."""

    version: str
    site_title: str
    base_url: str  # the blog's home address; old links are relative to it
    authors: tuple[Author, ...]
    terms: tuple[Term, ...]
    posts: tuple[Item, ...]
    pages: tuple[Item, ...]
    attachments: tuple[Attachment, ...]
    # How many items of other types (menus, reusable blocks, a plugin's types) the file
    # holds: not read, but worth reporting.
    other_post_types: dict[str, int]
    skipped: tuple[SkippedItem, ...] = ()

    @cached_property
    def attachments_by_id(self) -> dict[int, Attachment]:
        return {attachment.wp_id: attachment for attachment in self.attachments}

    def featured_image(self, item: Item) -> Attachment | None:
        """The attachment a post names as its featured image, if the file has it."""
        return self.attachments_by_id.get(item.thumbnail_id)


def read_export(source: str | Path | BinaryIO, *, skip_bad_items: bool = False) -> Export:
    """Read a WXR file (a path or a binary file object) and return its ``Export``.

    Raises ``WXRError`` for a file that is not a readable WordPress export, and for the
    first bad record unless ``skip_bad_items`` is true (``OSError`` if a path cannot be
    opened).
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as stream:
            return _read(stream, skip_bad_items)
    return _read(source, skip_bad_items)


def _read(stream: BinaryIO, skip_bad_items: bool) -> Export:
    collector = _Collector(skip_bad_items)
    handler = _Handler(collector)
    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    # Only parse() hands the handler a locator; fed in chunks, the expat reader is its
    # own (it implements the SAX Locator interface).
    handler.setDocumentLocator(parser)
    try:
        chunk = _skip_leading_blank(stream, handler)
        if not chunk:
            raise WXRError(_("the file is empty."), code="not_xml", line=1)
        while chunk:
            parser.feed(chunk)
            chunk = stream.read(CHUNK_SIZE)
        handler.at_end = True
        parser.close()
    except SAXParseException as error:
        line = error.getLineNumber() + handler.line_offset
        if handler.at_end and handler.open_elements:
            tag, opened_on = handler.open_elements[-1]
            raise WXRError(
                _(
                    "the file ends inside <%(tag)s> (opened on line %(opened)s): "
                    "it looks truncated, export it again."
                )
                % {"tag": tag, "opened": opened_on},
                code="truncated",
                line=line,
            ) from None
        raise WXRError(
            _("the file is not readable XML: %(error)s, at column %(column)s.")
            % {"error": error.getMessage(), "column": error.getColumnNumber()},
            code="not_xml",
            line=line,
        ) from None
    except DefusedXmlException:
        raise WXRError(
            _("the file declares XML entities, which a WordPress export never does."),
            code="not_xml",
            line=handler.line(),
        ) from None
    return collector.export()


def _skip_leading_blank(stream: BinaryIO, handler: _Handler) -> bytes:
    """Return the first chunk without the blank lines (and byte order mark) a theme or
    plugin sometimes prints before the XML declaration, which expat would refuse; the
    lines skipped are added back to every line number reported."""
    while chunk := stream.read(CHUNK_SIZE):
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
        handler.line_offset += chunk.count(b"\n", 0, len(chunk) - len(stripped))
        if stripped:
            return stripped
    return b""


class _Handler(ContentHandler):
    """SAX events to one element tree per child of <channel>, handed to the collector
    as each one closes."""

    def __init__(self, collector: _Collector):
        super().__init__()
        self.collector = collector
        self.locator = None
        self.line_offset = 0
        self.at_end = False
        self.open_elements: list[tuple[str, int]] = []
        self.builder: TreeBuilder | None = None
        self.lines: dict[Element, int] = {}
        self.names: dict[tuple[str | None, str], str] = {}

    def setDocumentLocator(self, locator):  # noqa: N802 (SAX's name)
        self.locator = locator

    def line(self) -> int | None:
        return None if self.locator is None else self.locator.getLineNumber() + self.line_offset

    def name(self, qualified: tuple[str | None, str]) -> str:
        name = self.names.get(qualified)
        if name is None:
            uri, local = qualified
            if not uri:
                name = local
            elif uri in _FIXED_NAMESPACES:
                name = f"{_FIXED_NAMESPACES[uri]}:{local}"
            elif match := _WORDPRESS_NAMESPACE.match(uri):
                name = f"{'excerpt' if match.group(1) else 'wp'}:{local}"
            else:
                name = f"{{{uri}}}{local}"
            self.names[qualified] = name
        return name

    def startElementNS(self, name, qname, attrs):  # noqa: N802 (SAX's name)
        tag = self.name(name)
        line = self.line()
        depth = len(self.open_elements)
        self.open_elements.append((tag, line))
        if depth == 0 and tag != "rss":
            raise WXRError(
                _("the file is XML but not a WordPress export (its root is <%(tag)s>).")
                % {"tag": name[1]},
                code="not_wxr",
                line=line,
            )
        if depth == 1 and tag == "channel":
            self.collector.channel_line = line
        if depth == 2:
            self.builder = TreeBuilder()
            self.lines = {}
        if self.builder is not None:
            attributes = {self.name(key): value for key, value in attrs.items()}
            self.lines[self.builder.start(tag, attributes)] = line

    def endElementNS(self, name, qname):  # noqa: N802 (SAX's name)
        tag, line = self.open_elements.pop()
        if self.builder is None:
            return
        self.builder.end(tag)
        if len(self.open_elements) == 2:
            element = self.builder.close()
            self.builder = None
            self.collector.add(element, self.lines)

    def characters(self, content):
        if self.builder is not None:
            self.builder.data(content)

    def endDocument(self):
        self.collector.check_is_wxr(self.line())


class _Collector:
    """Turns each channel element into records, checks them, and keeps them."""

    def __init__(self, skip_bad_items: bool):
        self.skip_bad_items = skip_bad_items
        self.channel_line: int | None = None
        self.version: str | None = None
        self.site_title = ""
        self.home_url = ""
        self.blog_url = ""
        self.authors: list[Author] = []
        self.terms: dict[tuple[str, str], Term] = {}
        self.posts: list[Item] = []
        self.pages: list[Item] = []
        self.attachments: list[Attachment] = []
        self.other_post_types: Counter[str] = Counter()
        self.skipped: list[SkippedItem] = []
        self.item_lines: dict[int, int] = {}
        self.comment_lines: dict[int, int] = {}

    def export(self) -> Export:
        return Export(
            version=self.version,
            site_title=self.site_title,
            base_url=self.blog_url or self.home_url,
            authors=tuple(self.authors),
            terms=tuple(self.terms.values()),
            posts=tuple(self.posts),
            pages=tuple(self.pages),
            attachments=tuple(self.attachments),
            other_post_types=dict(self.other_post_types),
            skipped=tuple(self.skipped),
        )

    def check_is_wxr(self, line: int | None) -> None:
        if self.version is None:
            raise WXRError(
                _("the file is not a WordPress export: it has no <wp:wxr_version>."),
                code="not_wxr",
                line=self.channel_line or line,
            )

    def bad(self, *, line: int, kind: str, wp_id: int | None, reason: str) -> None:
        """Leave a record out in skip mode; otherwise stop reading."""
        if not self.skip_bad_items:
            raise WXRError(reason, code="bad_item", line=line)
        self.skipped.append(SkippedItem(line=line, kind=kind, wp_id=wp_id, reason=reason))

    def add(self, element: Element, lines: dict[Element, int]) -> None:
        tag = element.tag
        line = lines[element]
        if tag == "title":
            self.site_title = _text(element)
        elif tag == "link":
            self.home_url = _text(element)
        elif tag == "wp:base_blog_url":
            self.blog_url = _text(element)
        elif tag == "wp:wxr_version":
            self.set_version(_text(element), line)
        elif tag in {"item", "wp:author", "wp:category", "wp:tag", "wp:term"}:
            # A feed with items but no version is some other RSS: say so at once.
            self.check_is_wxr(line)
            try:
                if tag == "item":
                    self.add_item(element, lines)
                elif tag == "wp:author":
                    self.authors.append(_read_author(element))
                else:
                    self.add_channel_term(element)
            except _BadRecord as problem:
                reason = problem.reason
                if lost := len(_children(element, "wp:comment")):
                    reason += " " + ngettext(
                        "Its comment is left out with it.",
                        "Its %(count)s comments are left out with it.",
                        lost,
                    ) % {"count": lost}
                self.bad(line=line, kind=problem.kind, wp_id=problem.wp_id, reason=reason)

    def set_version(self, version: str, line: int) -> None:
        if version not in SUPPORTED_VERSIONS:
            raise WXRError(
                _("this is a WXR %(version)s export; only versions %(supported)s can be read.")
                % {"version": version or "?", "supported": ", ".join(SUPPORTED_VERSIONS)},
                code="version",
                line=line,
            )
        self.version = version

    def add_channel_term(self, element: Element) -> None:
        term = _read_channel_term(element)
        if term is None:
            return
        if term.parent and (term.taxonomy, term.parent) not in self.terms:
            # WXR 1.0 names a category's parent by its name, not its slug (WordPress
            # writes parents first, so the parent is known by now).
            named = [
                known.slug
                for known in self.terms.values()
                if known.taxonomy == term.taxonomy and known.name == term.parent
            ]
            if named:
                term = replace(term, parent=named[0])
        self.terms.setdefault((term.taxonomy, term.slug), term)

    def item_term(self, taxonomy: str, slug: str, name: str) -> Term:
        """The term an item names: the channel's (which knows the parent) or a new one."""
        key = (taxonomy, slug)
        if key not in self.terms:
            self.terms[key] = Term(taxonomy=taxonomy, slug=slug, name=name)
        return self.terms[key]

    def add_item(self, element: Element, lines: dict[Element, int]) -> None:
        line = lines[element]
        fields = _child_texts(element)
        wp_id = _optional_id(fields.get("wp:post_id", ""))
        post_type = fields.get("wp:post_type", "").strip()
        kind = post_type or "item"
        if wp_id is None:
            raise _BadRecord(kind, None, _("this item has no readable <wp:post_id>."))
        if not post_type:
            raise _BadRecord(kind, wp_id, _("this item has no <wp:post_type>."))
        if post_type not in {"post", "page", "attachment"}:
            self.other_post_types[post_type] += 1
            return
        if wp_id in self.item_lines:
            raise _BadRecord(
                kind,
                wp_id,
                _("the id %(id)s is already used by the item on line %(first)s.")
                % {"id": wp_id, "first": self.item_lines[wp_id]},
            )
        postmeta = _read_postmeta(element)
        if post_type == "attachment":
            self.item_lines[wp_id] = line
            self.attachments.append(
                Attachment(
                    wp_id=wp_id,
                    title=_unescape(fields.get("title", "")),
                    url=fields.get("wp:attachment_url", "").strip(),
                    file=postmeta.get("_wp_attached_file", ""),
                    alt=postmeta.get("_wp_attachment_image_alt", "").strip(),
                    caption=fields.get("excerpt:encoded", ""),
                    parent_id=_optional_id(fields.get("wp:post_parent", "")),
                    line=line,
                )
            )
            return
        content = fields.get("content:encoded", "")
        if "title" not in fields:
            raise _BadRecord(kind, wp_id, _("this %(kind)s has no <title>.") % {"kind": kind})
        title = _unescape(fields["title"])
        # WordPress saves untitled posts, but one with no title and no body is empty.
        if not title and not content.strip():
            raise _BadRecord(
                kind, wp_id, _("this %(kind)s has neither a title nor a body.") % {"kind": kind}
            )
        try:
            dates = [
                _date(fields.get(name, ""), gmt=name.endswith("gmt"))
                for name in (
                    "wp:post_date",
                    "wp:post_date_gmt",
                    "wp:post_modified",
                    "wp:post_modified_gmt",
                )
            ]
        except ValueError as error:
            raise _BadRecord(kind, wp_id, str(error)) from None
        comments = self.read_comments(element, lines)
        self.item_lines[wp_id] = line
        item = Item(
            wp_id=wp_id,
            post_type=post_type,
            title=title,
            slug=unquote(fields.get("wp:post_name", "").strip()),
            status=fields.get("wp:status", "").strip(),
            date=dates[0],
            date_gmt=dates[1],
            modified=dates[2],
            modified_gmt=dates[3],
            author=fields.get("dc:creator", "").strip(),
            excerpt=fields.get("excerpt:encoded", ""),
            content=content,
            link=fields.get("link", "").strip(),
            guid=fields.get("guid", "").strip(),
            parent_id=_optional_id(fields.get("wp:post_parent", "")),
            menu_order=_optional_id(fields.get("wp:menu_order", "")) or 0,
            comments_open=fields.get("wp:comment_status", "").strip() == "open",
            password=fields.get("wp:post_password", ""),
            is_sticky=fields.get("wp:is_sticky", "").strip() == "1",
            terms=self.read_item_terms(element),
            postmeta=postmeta,
            comments=comments,
            line=line,
        )
        (self.posts if post_type == "post" else self.pages).append(item)

    def read_item_terms(self, element: Element) -> tuple[Term, ...]:
        terms = {}
        for child in _children(element, "category"):
            taxonomy = _TAXONOMIES.get(child.get("domain", ""))
            slug = unquote(child.get("nicename", "").strip())
            # WXR 1.0 also lists each category without its slug: the slugged one counts.
            if taxonomy and slug:
                term = self.item_term(taxonomy, slug, _unescape(_text(child)))
                terms[(taxonomy, slug)] = term
        return tuple(terms.values())

    def read_comments(self, element: Element, lines: dict[Element, int]) -> tuple[Comment, ...]:
        """The item's comments, in file order, each one's parent among them."""
        comments: dict[int, Comment] = {}
        left_out: set[int] = set()
        for child in _children(element, "wp:comment"):
            line = lines[child]
            try:
                comment = _read_comment(child, line)
                if comment.wp_id in self.comment_lines:
                    raise _BadRecord(
                        "comment",
                        comment.wp_id,
                        _("the comment id %(id)s is already used on line %(first)s.")
                        % {"id": comment.wp_id, "first": self.comment_lines[comment.wp_id]},
                    )
            except _BadRecord as problem:
                self.bad(line=line, kind="comment", wp_id=problem.wp_id, reason=problem.reason)
                if problem.wp_id is not None:
                    left_out.add(problem.wp_id)
                continue
            self.comment_lines[comment.wp_id] = line
            comments[comment.wp_id] = comment
        for comment, reason in _unthreadable(comments, left_out):
            self.bad(line=comment.line, kind="comment", wp_id=comment.wp_id, reason=reason)
            del comments[comment.wp_id]
        return tuple(comments.values())


class _BadRecord(Exception):
    """A record that cannot be read; the collector raises or skips it."""

    def __init__(self, kind: str, wp_id: int | None, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.wp_id = wp_id
        self.reason = reason


def _unthreadable(comments: dict[int, Comment], left_out: set[int]) -> list[tuple[Comment, str]]:
    """The comments that cannot hang in their post's thread, with the reason: a parent
    missing from the post, a parent that is itself left out, or a loop of parents."""
    kept = dict(comments)
    broken = []
    while orphans := [c for c in kept.values() if c.parent_id and c.parent_id not in kept]:
        for comment in orphans:
            del kept[comment.wp_id]
            if comment.parent_id in comments or comment.parent_id in left_out:
                reason = _("it replies to comment %(parent)s, which is left out.")
            else:
                reason = _("it replies to comment %(parent)s, which is not in this post.")
            broken.append((comment, reason % {"parent": comment.parent_id}))
            left_out.add(comment.wp_id)
    replies: dict[int | None, list[int]] = {}
    for comment in kept.values():
        replies.setdefault(comment.parent_id, []).append(comment.wp_id)
    rooted: set[int] = set()
    stack = list(replies.get(None, ()))
    while stack:
        wp_id = stack.pop()
        rooted.add(wp_id)
        stack.extend(replies.get(wp_id, ()))
    broken.extend(
        (comment, _("its chain of parent comments loops back on itself."))
        for comment in kept.values()
        if comment.wp_id not in rooted
    )
    return broken


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _children(element: Element, tag: str) -> list[Element]:
    # Tags are "wp:name" strings, not Clark names, so ElementPath's find() cannot match.
    return [child for child in element if child.tag == tag]


def _child_texts(element: Element) -> dict[str, str]:
    """The text of each child element by name (the first, if a name repeats)."""
    texts: dict[str, str] = {}
    for child in element:
        if child.tag not in texts:
            texts[child.tag] = child.text or ""
    return texts


def _optional_id(text: str) -> int | None:
    """A WordPress id, or None for 0 (WordPress's "none") and for anything not a number."""
    text = text.strip()
    return int(text) or None if text.isdecimal() else None


def _unescape(text: str) -> str:
    # WordPress stores titles and term names with HTML entities (&amp;, &#8217;) when
    # its editor or sanitising filters wrote them; readers see the characters.
    return html.unescape(text.strip())


def _date(text: str, *, gmt: bool) -> datetime | None:
    """A WordPress date: naive site-local, or aware UTC for a *_gmt column; None when
    WordPress left it unset."""
    text = text.strip()
    if not text or text == _ZERO_DATE:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_("the date %(date)r cannot be read.") % {"date": text}) from None
    return value.replace(tzinfo=UTC) if gmt else value.replace(tzinfo=None)


def _read_postmeta(element: Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for child in _children(element, "wp:postmeta"):
        fields = _child_texts(child)
        meta.setdefault(fields.get("wp:meta_key", "").strip(), fields.get("wp:meta_value", ""))
    meta.pop("", None)
    return meta


def _read_author(element: Element) -> Author:
    fields = _child_texts(element)
    wp_id = _optional_id(fields.get("wp:author_id", ""))
    login = fields.get("wp:author_login", "").strip()
    if not login:
        raise _BadRecord("author", wp_id, _("this author has no <wp:author_login>."))
    return Author(
        wp_id=wp_id,
        login=login,
        email=fields.get("wp:author_email", "").strip(),
        display_name=_unescape(fields.get("wp:author_display_name", "")),
        first_name=_unescape(fields.get("wp:author_first_name", "")),
        last_name=_unescape(fields.get("wp:author_last_name", "")),
    )


def _read_channel_term(element: Element) -> Term | None:
    """A wp:category, wp:tag or wp:term of the channel; None for other taxonomies
    (menus, post formats, a plugin's own), which the site has no use for."""
    fields = _child_texts(element)
    if element.tag == "wp:category":
        taxonomy, slug, name, parent, description = (
            "category",
            fields.get("wp:category_nicename", ""),
            fields.get("wp:cat_name", ""),
            fields.get("wp:category_parent", ""),
            fields.get("wp:category_description", ""),
        )
    elif element.tag == "wp:tag":
        taxonomy, slug, name, parent, description = (
            "post_tag",
            fields.get("wp:tag_slug", ""),
            fields.get("wp:tag_name", ""),
            "",
            fields.get("wp:tag_description", ""),
        )
    else:
        taxonomy, slug, name, parent, description = (
            _TAXONOMIES.get(fields.get("wp:term_taxonomy", "").strip()),
            fields.get("wp:term_slug", ""),
            fields.get("wp:term_name", ""),
            fields.get("wp:term_parent", ""),
            fields.get("wp:term_description", ""),
        )
        if taxonomy is None:
            return None
    wp_id = _optional_id(fields.get("wp:term_id", ""))
    slug = unquote(slug.strip())
    if not slug:
        raise _BadRecord("term", wp_id, _("this term has no slug."))
    return Term(
        taxonomy=taxonomy,
        slug=slug,
        name=_unescape(name) or slug,
        parent=unquote(parent.strip()) or None,
        description=description.strip(),
        wp_id=wp_id,
    )


def _read_comment(element: Element, line: int) -> Comment:
    fields = _child_texts(element)
    wp_id = _optional_id(fields.get("wp:comment_id", ""))
    if wp_id is None:
        raise _BadRecord("comment", None, _("this comment has no readable <wp:comment_id>."))
    approved = fields.get("wp:comment_approved", "").strip()
    if approved not in _COMMENT_STATUSES:
        raise _BadRecord(
            "comment",
            wp_id,
            _("this comment's status %(status)r is not one WordPress uses.") % {"status": approved},
        )
    try:
        date = _date(fields.get("wp:comment_date", ""), gmt=False)
        date_gmt = _date(fields.get("wp:comment_date_gmt", ""), gmt=True)
    except ValueError as error:
        raise _BadRecord("comment", wp_id, str(error)) from None
    meta: dict[str, str] = {}
    for child in _children(element, "wp:commentmeta"):
        meta_fields = _child_texts(child)
        meta.setdefault(
            meta_fields.get("wp:meta_key", "").strip(), meta_fields.get("wp:meta_value", "")
        )
    meta.pop("", None)
    return Comment(
        wp_id=wp_id,
        author=_unescape(fields.get("wp:comment_author", "")),
        author_email=fields.get("wp:comment_author_email", "").strip(),
        author_url=fields.get("wp:comment_author_url", "").strip(),
        author_ip=fields.get("wp:comment_author_IP", "").strip(),
        user_agent=fields.get("wp:comment_agent", "").strip(),
        date=date,
        date_gmt=date_gmt,
        content=fields.get("wp:comment_content", ""),
        status=_COMMENT_STATUSES[approved],
        type=fields.get("wp:comment_type", "").strip() or "comment",
        parent_id=_optional_id(fields.get("wp:comment_parent", "")),
        user_id=_optional_id(fields.get("wp:comment_user_id", "")),
        meta=meta,
        line=line,
    )
