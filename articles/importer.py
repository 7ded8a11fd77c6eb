"""Read an article from a Markdown file and store it, all or nothing.

The format (documented in the README, example in ``articles/demo_content/``)::

    ---                              optional YAML front matter
    slug: heroin-withdrawal
    status: published                draft (default) or published
    published_at: 2026-03-02T09:00:00Z
    unpublish_at: 2027-03-02T09:00:00Z  optional: readers no longer see it from then
    topics: [Opioids, Withdrawal]
    ---
    # Title                          exactly one, first

    Summary paragraph.

    ## Section heading {#anchor}     ten of these, say; {#anchor} is optional
    Markdown body...

    ## Frequently asked questions    optional FAQ part: ### question, then answer
    ### A question?
    Answer.

    ## References                    optional: Markdown list of sources

Every problem is reported as ``FILE:LINE: reason`` and nothing is written.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify

from core.models import SiteSettings

from .content_checks import faqs_problems, sections_problems
from .library import described_image_ids
from .models import FAQ, RESERVED_ANCHORS, Article, Reviewer, Section, Topic, unique_anchor
from .revisions import ArticleContent, record_revision

FAQ_HEADINGS = {"frequently asked questions", "faq", "faqs"}
REFERENCES_HEADINGS = {"references", "sources"}
FRONT_MATTER_KEYS = {
    "slug",
    "status",
    "published_at",
    "unpublish_at",
    "author",
    "reviewer",
    "reviewer_credentials",
    "reviewed_on",
    "topics",
    "featured",
    "comments_open",
    "seo_title",
    "meta_description",
}


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML, but dates stay text: we parse them and report bad ones by line."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

HEADING_WITH_ANCHOR = re.compile(r"^(?P<text>.*?)\s*\{#(?P<anchor>[^}]*)\}\s*$")
VALID_ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_NAME_MAX_LENGTH = Topic._meta.get_field("name").max_length
REVIEWER_TEXT_MAX_LENGTH = Reviewer._meta.get_field("name").max_length
FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class ArticleFormatError(Exception):
    """A file that cannot be imported: where and why."""

    def __init__(self, source, line, reason):
        super().__init__(f"{source}:{line}: {reason}")
        self.source, self.line, self.reason = source, line, reason


@dataclass
class ParsedSection:
    heading: str
    anchor: str
    body: str
    line: int
    # The file's line holding the body's first line.
    body_line: int = 0


@dataclass
class ParsedFAQ:
    question: str
    answer: str
    line: int
    answer_line: int = 0


@dataclass
class ParsedArticle:
    source: str
    title: str
    summary: str
    front_matter: dict = field(default_factory=dict)
    sections: list = field(default_factory=list)
    faqs: list = field(default_factory=list)
    references: str = ""
    title_line: int = 1
    summary_line: int = 1
    references_line: int = 1
    # Line of each front matter key, to point at the culprit of a save-time error.
    front_matter_lines: dict = field(default_factory=dict)

    @property
    def slug(self):
        return self.front_matter.get("slug") or slugify(self.title)


class _Parser:
    def __init__(self, text, source):
        self.source = source
        self.lines = text.lstrip("\ufeff").splitlines()

    def fail(self, line, reason):
        raise ArticleFormatError(self.source, line, reason)

    # --- front matter -------------------------------------------------------------

    def read_front_matter(self):
        """Return (front matter dict, index of the first body line)."""
        if not self.lines or self.lines[0].strip() != "---":
            return {}, 0
        for index in range(1, len(self.lines)):
            if self.lines[index].strip() == "---":
                break
        else:
            self.fail(1, "front matter starts with '---' but has no closing '---' line")
        raw = "\n".join(self.lines[1:index])
        try:
            data = yaml.load(raw, Loader=_FrontMatterLoader) if raw.strip() else {}  # nosec B506 # _FrontMatterLoader is a yaml.SafeLoader
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            problem = getattr(error, "problem", None) or "invalid YAML"
            self.fail(line, f"front matter is not valid YAML ({problem})")
        if not isinstance(data, dict):
            self.fail(2, "front matter must be 'key: value' lines")
        return self.check_front_matter(data, index), index + 1

    def key_line(self, key, end):
        for number in range(1, end):
            if self.lines[number].lstrip().startswith(f"{key}:"):
                return number + 1
        return 1

    def check_front_matter(self, data, end):
        checked = {}
        self.front_matter_lines = {}
        for key, value in data.items():
            line = self.key_line(key, end)
            self.front_matter_lines[key] = line
            if key not in FRONT_MATTER_KEYS:
                known = ", ".join(sorted(FRONT_MATTER_KEYS))
                self.fail(line, f"unknown front matter key {key!r} (known keys: {known})")
            checked[key] = self.check_value(key, value, line)
        return checked

    def check_value(self, key, value, line):
        if key == "slug":
            if not isinstance(value, str) or slugify(value) != value or not value:
                self.fail(line, "slug must be lowercase letters, digits and hyphens")
        elif key == "status":
            if value not in Article.Status.values:
                self.fail(line, f"status must be one of: {', '.join(Article.Status.values)}")
        elif key in {"published_at", "unpublish_at"}:
            value = self.to_datetime(value, line, key)
        elif key == "reviewed_on":
            value = self.to_date(value, line)
        elif key == "topics":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(
                isinstance(name, str) and name.strip() and slugify(name) for name in value
            ):
                self.fail(line, "topics must be a list of names, e.g. [Opioids, Withdrawal]")
            value = [name.strip() for name in value]
            too_long = [name for name in value if len(name) > TOPIC_NAME_MAX_LENGTH]
            if too_long:
                self.fail(
                    line,
                    f"the topic name {too_long[0][:30]!r}... is longer than "
                    f"{TOPIC_NAME_MAX_LENGTH} characters",
                )
        elif key in {"reviewer", "reviewer_credentials"}:
            if not isinstance(value, str):
                self.fail(line, f"{key} must be text")
            self.check_length(value, REVIEWER_TEXT_MAX_LENGTH, line, key)
        elif key in {"featured", "comments_open"}:
            if not isinstance(value, bool):
                self.fail(line, f"{key} must be true or false")
        elif not isinstance(value, str):
            self.fail(line, f"{key} must be text")
        return value

    def to_datetime(self, value, line, key):
        text = str(value).strip() if value is not None else ""
        try:
            date = parse_date(text)
            if date:
                # A date alone means nine that morning, in the site's time zone.
                result = datetime.datetime.combine(date, datetime.time(9, 0))
            else:
                result = parse_datetime(text)
        except ValueError:  # well-formed but impossible, such as February 30
            result = None
        if result is None:
            self.fail(line, f"{key} must be a real date or date-time, e.g. 2026-03-02T09:00")
        if timezone.is_naive(result):
            result = timezone.make_aware(result)
        return result

    def to_date(self, value, line):
        text = str(value).strip() if value is not None else ""
        try:
            result = parse_date(text)
        except ValueError:
            result = None
        if result is None:
            self.fail(line, "reviewed_on must be a real date, e.g. 2026-02-20")
        return result

    # --- body -----------------------------------------------------------------------

    def parse(self):
        front_matter, start = self.read_front_matter()
        blocks = self.split_headings(start)
        if not blocks or blocks[0][0] != 1:
            line = blocks[0][2] if blocks else start + 1
            self.fail(line, "expected the title line '# Title' before anything else")
        _level, title, title_line, preamble = blocks[0]
        if not title.strip():
            self.fail(title_line, "the title cannot be empty")
        self.check_length(title, 200, title_line, "title")
        summary_line, summary = self.summary_from(preamble, title_line)
        article = ParsedArticle(
            source=self.source,
            title=title,
            summary=summary,
            front_matter=front_matter,
            title_line=title_line,
            summary_line=summary_line,
            front_matter_lines=getattr(self, "front_matter_lines", {}),
        )
        self.read_parts(article, blocks[1:])
        return article

    def split_headings(self, start, level_pattern="#{1,2}"):
        """Split lines into (level, heading, line, body lines) blocks at headings.

        Only ``#`` and ``##`` split the article; ``###`` inside a section is part of
        its body (a sub-heading), and inside the FAQ part it starts a question.
        """
        return self.split_lines(
            [(number + 1, self.lines[number]) for number in range(start, len(self.lines))],
            level_pattern,
            before_first="expected the title line '# Title' before anything else",
        )

    def split_lines(self, numbered_lines, level_pattern, before_first):
        heading = re.compile(rf"^({level_pattern})(?:\s+(.*?))?(?:\s+#+)?\s*$")
        blocks, in_fence = [], False
        for number, text in numbered_lines:
            if FENCE.match(text):
                in_fence = not in_fence
            match = None if in_fence else heading.match(text)
            if match:
                blocks.append((len(match.group(1)), match.group(2) or "", number, []))
            elif blocks:
                blocks[-1][3].append((number, text))
            elif text.strip():
                self.fail(number, before_first)
        return blocks

    def summary_from(self, lines, title_line):
        paragraphs = _paragraphs(lines)
        if not paragraphs:
            self.fail(title_line, "the title must be followed by a summary paragraph")
        if len(paragraphs) > 1:
            self.fail(
                paragraphs[1][0],
                "the summary is one paragraph; start the first section with '## Heading'",
            )
        line, summary = paragraphs[0]
        self.check_length(summary, 500, line, "summary")
        return line, summary

    def read_parts(self, article, blocks):
        part, anchors = "sections", {}
        for level, heading, line, body_lines in blocks:
            if level == 1:
                self.fail(line, "only one '# Title' line is allowed; use '## ' for sections")
            name = heading.strip().lower()
            if name in FAQ_HEADINGS:
                if part == "faq":
                    self.fail(line, "there is already an FAQ part")
                if part != "sections":
                    self.fail(line, "the FAQ part must come before the references")
                part = "faq"
                self.read_faqs(article, body_lines, line)
            elif name in REFERENCES_HEADINGS:
                if part == "references":
                    self.fail(line, "there is already a references part")
                part = "references"
                article.references = _text(body_lines)
                article.references_line = _first_line(body_lines, line)
            elif part == "references":
                self.fail(line, "nothing may follow the references list")
            elif part == "faq":
                self.fail(line, "sections must come before the FAQ part")
            else:
                self.add_section(article, heading, _text(body_lines), line, anchors)
                article.sections[-1].body_line = _first_line(body_lines, line)
        if not article.sections:
            self.fail(article.title_line, "the article needs at least one '## Section'")

    def read_faqs(self, article, body_lines, line):
        questions = self.split_lines(
            body_lines,
            "###",
            before_first="the FAQ part holds only '### Question' headings, "
            "each followed by its answer",
        )
        if not questions:
            self.fail(line, "the FAQ part has no '### Question' headings")
        for _level, question, question_line, answer_lines in questions:
            self.add_faq(article, question, _text(answer_lines), question_line)
            article.faqs[-1].answer_line = _first_line(answer_lines, question_line)

    def add_section(self, article, heading, body, line, anchors):
        match = HEADING_WITH_ANCHOR.match(heading)
        anchor = None
        if match:
            heading, anchor = match.group("text"), match.group("anchor").strip()
            if not VALID_ANCHOR.match(anchor) or len(anchor) > 80:
                self.fail(line, "an anchor is lowercase words joined by hyphens, e.g. {#brain}")
            if anchor in RESERVED_ANCHORS:
                self.fail(line, f"the anchor {anchor!r} is used by the page itself")
        if not heading.strip():
            self.fail(line, "a section heading cannot be empty")
        self.check_length(heading, 200, line, "section heading")
        anchor = anchor or unique_anchor(heading, anchors)
        if anchor in anchors:
            self.fail(line, f"the anchor {anchor!r} is already used on line {anchors[anchor]}")
        if not body:
            self.fail(line, f"the section {heading!r} has no text")
        anchors[anchor] = line
        article.sections.append(ParsedSection(heading.strip(), anchor, body, line))

    def add_faq(self, article, question, answer, line):
        if not question.strip():
            self.fail(line, "a '### ' question cannot be empty")
        self.check_length(question, 300, line, "question")
        if not answer:
            self.fail(line, f"the question {question!r} has no answer")
        article.faqs.append(ParsedFAQ(question, answer, line))

    def check_length(self, text, limit, line, what):
        if len(text) > limit:
            self.fail(line, f"the {what} is {len(text)} characters long; the limit is {limit}")


def _paragraphs(numbered_lines):
    """Group (line number, text) pairs into (first line, joined text) paragraphs."""
    paragraphs, current = [], []
    for number, text in [*numbered_lines, (None, "")]:
        if text.strip():
            current.append((number, text.strip()))
        elif current:
            paragraphs.append((current[0][0], " ".join(part for _n, part in current)))
            current = []
    return paragraphs


def _first_line(numbered_lines, default):
    """The file's line where ``_text(numbered_lines)`` starts."""
    return next((number for number, text in numbered_lines if text), default)


def _text(numbered_lines):
    return "\n".join(text for _number, text in numbered_lines).strip("\n").rstrip()


def parse_article(text, source="<text>"):
    """Parse Markdown ``text``; return a ParsedArticle or raise ArticleFormatError."""
    return _Parser(text, source).parse()


def read_article_file(path):
    """Parse the file at ``path`` (UTF-8); raise ArticleFormatError on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArticleFormatError(path, 0, "no such file") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ArticleFormatError(path, line, "the file is not UTF-8 text") from None
    except OSError as error:
        raise ArticleFormatError(path, 0, error.strerror or str(error)) from None
    return parse_article(text, source=str(path))


def save_parsed_article(parsed):
    """Create or update (by slug) the article, its sections, FAQs and topics.

    Runs in one transaction: on any error nothing is written. Existing sections and
    FAQs are updated in place by position, so their ids (and FAQ anchors) survive a
    re-import. A change is recorded as one revision ("Imported from FILE"); a file
    that changes nothing writes nothing. Returns (article, created).
    """
    meta = parsed.front_matter
    with transaction.atomic():
        # A file keeps updating its article after an editor renames it in the admin
        # (the article keeps its new slug), instead of making a second copy.
        article = (
            Article.objects.filter(slug=parsed.slug).first()
            or Article.objects.renamed_from(parsed.slug).first()
        )
        created = article is None
        before = None if created else ArticleContent.from_article(article)
        article = article or Article(slug=parsed.slug)
        article.title = parsed.title
        article.summary = parsed.summary
        article.references = parsed.references
        article.status = meta.get("status", Article.Status.DRAFT)
        if "published_at" in meta:
            article.published_at = meta["published_at"]
        if "unpublish_at" in meta:
            article.unpublish_at = meta["unpublish_at"]
        article.author = meta.get("author") or f"{SiteSettings.load().site_name} editorial team"
        article.reviewer = _reviewer(meta)
        article.reviewed_on = meta.get("reviewed_on")
        article.next_review_due = (
            article.review_due_after(article.reviewed_on) if article.reviewed_on else None
        )
        article.is_featured = meta.get("featured", False)
        article.allows_comments = meta.get("comments_open", True)
        article.seo_title = meta.get("seo_title", "")
        article.meta_description = meta.get("meta_description", "")
        # Article.clean() checks its own fields before publishing; the parts here.
        _validate(
            article,
            parsed,
            _article_error_line(parsed),
            text_lines={"references": parsed.references_line},
        )
        if article.status == Article.Status.PUBLISHED:
            _check_parts_before_publishing(parsed)
        article.save()
        article.topics.set(_topics(meta.get("topics", [])))
        _replace_children(article, Section, parsed.sections, parsed, _section_fields)
        _replace_children(article, FAQ, parsed.faqs, parsed, _faq_fields)
        article.refresh_outline()
        if before == ArticleContent.from_article(article):
            # Simpler than comparing the file with the rows field by field first:
            # undo the writes, so that the article keeps its updated_at.
            transaction.set_rollback(True)
        else:
            record_revision(article, comment=f"Imported from {parsed.source}")
    return article, created


def _reviewer(meta):
    """The reviewer the front matter names (created if new), or None."""
    name = meta.get("reviewer", "").strip()
    if not name:
        return None
    return Reviewer.objects.for_name(name, credentials=meta.get("reviewer_credentials"))


def import_article_file(path):
    """Parse and save the Markdown article at ``path``; return (article, created)."""
    return save_parsed_article(read_article_file(path))


def _section_fields(item):
    return {"heading": item.heading, "anchor": item.anchor, "body": item.body}


def _faq_fields(item):
    return {"question": item.question, "answer": item.answer}


# The field of each child holding Markdown, and the attribute of its first line.
TEXT_LINES = {Section: ("body", "body_line"), FAQ: ("answer", "answer_line")}


def _replace_children(article, model, items, parsed, fields_of):
    existing = {child.position: child for child in model.objects.filter(article=article)}
    for position, item in enumerate(items, start=1):
        child = existing.pop(position, None) or model(article=article, position=position)
        for name, value in fields_of(item).items():
            setattr(child, name, value)
        field, line_attribute = TEXT_LINES[model]
        _validate(
            child,
            parsed,
            item.line,
            exclude=["article"],
            text_lines={field: getattr(item, line_attribute)},
        )
        child.save()
    model.objects.filter(pk__in=[child.pk for child in existing.values()]).delete()


def _check_parts_before_publishing(parsed):
    """Refuse to publish sections or FAQ answers that fail the checks before
    publishing (articles/content_checks.py), at the line of the first one."""
    texts = [item.body for item in parsed.sections] + [item.answer for item in parsed.faqs]
    described_ids = described_image_ids(texts)
    for items, problems_of in ((parsed.sections, sections_problems), (parsed.faqs, faqs_problems)):
        for item in items:
            problems = problems_of([item], described_ids)
            if problems:
                raise ArticleFormatError(parsed.source, item.line, problems[0].message)


def _topics(names):
    """Find each topic by slug or by name (an editor may have changed either); create the rest."""
    topics = []
    for name in names:
        slug = slugify(name)
        topic = (
            Topic.objects.filter(slug=slug).first()
            or Topic.objects.filter(name__iexact=name).first()
            or Topic.objects.create(slug=slug, name=name)
        )
        topics.append(topic)
    return topics


# Article fields whose front matter key has another name.
FIELD_KEYS = {"is_featured": "featured", "allows_comments": "comments_open"}


def _article_error_line(parsed):
    """Return a function mapping an article field with an error to its source line."""

    def line_of(field_name):
        if field_name == "summary":
            return parsed.summary_line
        key = FIELD_KEYS.get(field_name, field_name)
        return parsed.front_matter_lines.get(key, parsed.title_line)

    return line_of


def _validate(instance, parsed, line, exclude=None, text_lines=None):
    """full_clean() ``instance``; report errors at ``line`` (or ``line(field)``).

    ``text_lines`` maps a Markdown field to the file's line of its first line: an
    error there that names its line in the text (a refused picture) is reported at
    that line of the file.
    """
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        text_line = _text_error_line(error, text_lines or {})
        if text_line is not None:
            line = text_line
        elif callable(line):
            line = min(line(name) for name in error.message_dict)
        reasons = "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
        raise ArticleFormatError(parsed.source, line, reasons) from None


def _text_error_line(error, text_lines):
    """The file's line of the first error in ``error`` that names a line of a text.

    Such errors are made to name the file's line too, so the report reads the same
    number twice rather than two different ones.
    """
    found = None
    for name, first_line in text_lines.items():
        for item in getattr(error, "error_dict", {}).get(name, []):
            if item.params and "line" in item.params:
                item.params = {**item.params, "line": first_line + item.params["line"] - 1}
                found = item.params["line"] if found is None else min(found, item.params["line"])
    return found
