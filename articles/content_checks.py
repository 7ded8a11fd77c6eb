"""Checks of an article's content: required before publishing, and advisory notes.

Pure functions over objects held in memory (saved or not: the admin form, a preview
of unsaved changes, the importer and tests pass what they have). An article is
anything with the Article fields read here; a section anything with ``heading`` and
``body``; an FAQ anything with ``question`` and ``answer``. The only data from the
database, the word list and the allowed names, is loaded by the caller
(``LanguageGuidance.objects.active()``, ``AllowedPhrase.objects.all()``).

Required checks return ``Problem``s: publishing is refused while there is one.
Advisory checks return ``Note``s: shown to editors, never blocking.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markdown_it import MarkdownIt

from core.markdown import image_references

# A summary "of at least a sentence": this many words, ending as a sentence ends.
MIN_SUMMARY_WORDS = 6
# NIH and MedlinePlus advise writing health information at grade 6 to 8.
HIGHEST_ADVISED_GRADE = 8
# Readers lose their place in longer paragraphs on a phone.
LONGEST_ADVISED_PARAGRAPH = 120
# A context word ("test" for "clean") counts within this many words of the term.
CONTEXT_WINDOW = 4
# Inside a body ### is the first heading level: sections are <h2> on the page, and
# the renderer raises # and ## to <h3> (core/markdown.py).
SECTION_HEADING_LEVEL = 2

# Required checks, by code; the admin lists their messages at the top of the form.
PUBLISHING_CODES = frozenset(
    {
        "missing_reviewer",
        "missing_review_date",
        "summary_not_a_sentence",
        "no_sections",
        "image_without_alt",
        "seo_title_taken",
    }
)

# Plain CommonMark, no typographer: quotation marks stay as the editor typed them.
_markdown = MarkdownIt("commonmark")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”]*”")


@dataclass(frozen=True)
class Problem:
    """Why an article cannot be published yet, and what to do.

    ``field`` names the field the problem belongs to (of the article, or with
    ``index`` of that section or FAQ in the list checked), or is empty.
    """

    code: str
    message: str
    field: str = ""
    index: int | None = None


@dataclass(frozen=True)
class Note:
    """Advice about one part of an article (never blocking)."""

    code: str
    message: str


@dataclass
class PartReport:
    """Advisory checks of one section or FAQ answer."""

    kind: str  # "section" or "faq"
    title: str
    grade: float | None
    notes: list = field(default_factory=list)

    @property
    def grade_is_high(self):
        return self.grade is not None and self.grade > HIGHEST_ADVISED_GRADE


# --- Markdown as prose ------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str  # "paragraph" or "heading"
    text: str
    level: int = 0
    quoted: bool = False


def _inline_text(token):
    parts = []
    for child in token.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _blocks(markdown):
    """The paragraphs (list items included) and headings of ``markdown`` as plain text;
    code is left out."""
    blocks, quote_depth, pending = [], 0, None
    for token in _markdown.parse(markdown or ""):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type in {"paragraph_open", "heading_open"}:
            pending = token
        elif token.type == "inline" and pending is not None:
            if pending.type == "heading_open":
                block = _Block("heading", _inline_text(token), int(pending.tag[1]))
            else:
                block = _Block("paragraph", _inline_text(token), quoted=quote_depth > 0)
            blocks.append(block)
            pending = None
    return blocks


def _words(text):
    return WORD.findall(text)


def plain_text(markdown):
    """``markdown`` as plain prose: paragraphs and headings, without code or markup."""
    return "\n\n".join(block.text for block in _blocks(markdown))


# --- Required before publishing ---------------------------------------------------


def is_a_sentence(text):
    """Whether ``text`` is at least one sentence: enough words, and a full stop,
    question mark or exclamation mark at the end."""
    text = (text or "").strip()
    return len(_words(text)) >= MIN_SUMMARY_WORDS and bool(SENTENCE_END.search(text))


def images_without_alt(markdown, described_ids=frozenset()):
    """The addresses of the images in ``markdown`` that have no description, in
    order: none between the brackets (``![](image:12)``) and, for a library picture,
    none in the library either (``described_ids``: the library pictures that have one,
    which the caller looks up)."""
    return [
        reference.target
        for reference in image_references(markdown or "")
        if not reference.alt.strip() and reference.image_id not in described_ids
    ]


def article_problems(article, *, seo_title_taken=False):
    """Problems of the article's own fields. ``seo_title_taken``: whether another
    article already uses its title for search engines (the caller asks the database)."""
    problems = []
    if not article.reviewer:
        problems.append(
            Problem(
                "missing_reviewer",
                _("Choose the medical reviewer before publishing."),
                "reviewer",
            )
        )
    if not article.reviewed_on:
        # Not a field of the form: only "Mark as reviewed" records a review.
        problems.append(
            Problem(
                "missing_review_date",
                _(
                    "A medical reviewer must review the article before it is published: "
                    "they use “Mark as reviewed”, which records who reviewed it and when."
                ),
            )
        )
    if not is_a_sentence(article.summary):
        problems.append(
            Problem(
                "summary_not_a_sentence",
                _(
                    "Write a summary of at least one full sentence before publishing: "
                    "%(count)d words or more, ending with a full stop, a question mark "
                    "or an exclamation mark."
                )
                % {"count": MIN_SUMMARY_WORDS},
                "summary",
            )
        )
    if seo_title_taken:
        problems.append(
            Problem(
                "seo_title_taken",
                _(
                    "Another article already uses “%(title)s” as its title for search "
                    "engines. Write a different title for search engines before publishing."
                )
                % {"title": effective_seo_title(article)},
                "seo_title",
            )
        )
    return problems


def effective_seo_title(article):
    """The title search engines see: the SEO title, or else the title."""
    return (article.seo_title or "").strip() or (article.title or "").strip()


def sections_problems(sections, described_ids=frozenset()):
    """Problems of the sections: there must be one, and images need descriptions
    (``described_ids``: the library pictures described in the library)."""
    if not sections:
        return [
            Problem(
                "no_sections",
                _("Add at least one section, with a heading and a text, before publishing."),
            )
        ]
    return [
        problem
        for index, section in enumerate(sections)
        for problem in image_problems(
            section.body,
            place=_("the section “%(heading)s”") % {"heading": section.heading},
            field="body",
            index=index,
            described_ids=described_ids,
        )
    ]


def faqs_problems(faqs, described_ids=frozenset()):
    """Problems of the FAQ answers: images need descriptions."""
    return [
        problem
        for index, faq in enumerate(faqs)
        for problem in image_problems(
            faq.answer,
            place=_("the answer to “%(question)s”") % {"question": faq.question},
            field="answer",
            index=index,
            described_ids=described_ids,
        )
    ]


def image_problems(markdown, *, place, field="", index=None, described_ids=frozenset()):
    """One problem per image without a description in ``markdown`` (``place`` says
    where it is, for the message; ``field`` and ``index`` go on the problem)."""
    return [
        Problem(
            "image_without_alt",
            _(
                "Describe the image %(source)s in %(place)s before publishing: write what "
                "it shows between the brackets, ![description](…), or in the image library."
            )
            % {"source": source or _("without an address"), "place": place},
            field,
            index,
        )
        for source in images_without_alt(markdown, described_ids)
    ]


def publishing_problems(
    article, sections, faqs, *, seo_title_taken=False, described_ids=frozenset()
):
    """Everything that stops ``article`` with these sections and FAQs from being
    published; an empty list when it may be."""
    return [
        *article_problems(article, seo_title_taken=seo_title_taken),
        *sections_problems(sections, described_ids),
        *faqs_problems(faqs, described_ids),
    ]


# --- Advisory ---------------------------------------------------------------------


def count_syllables(word):
    """An estimate of the syllables in an English ``word`` (vowel groups, less a
    silent final e), as readability formulas use."""
    word = word.lower().replace("’", "'")
    if not word.isalpha() and not re.search(r"[a-z]", word):
        return 1
    word = re.sub(r"[^a-z]", "", word)
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def reading_grade(markdown):
    """The Flesch-Kincaid grade of ``markdown``'s prose (headings and code left out),
    to one decimal, or None when it has no words."""
    words = sentences = syllables = 0
    for block in _blocks(markdown):
        if block.kind != "paragraph":
            continue
        for sentence in SENTENCE_BREAK.split(block.text):
            sentence_words = _words(sentence)
            if sentence_words:
                sentences += 1
                words += len(sentence_words)
                syllables += sum(count_syllables(word) for word in sentence_words)
    if not words:
        return None
    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59
    return round(max(grade, 0.0), 1)


def _term_pattern(term):
    """Whole words, any case, any spacing; the last word also in its plural."""
    words = [re.escape(word) for word in term.split()]
    if not words:
        return None
    words[-1] += "(?:s|es)?"
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.IGNORECASE)


def _blank(text, start, end):
    return text[:start] + " " * (end - start) + text[end:]


def _has_context(text, start, end, context_words):
    # Within the same sentence: "The test was negative. Use clean needles." is fine.
    before = _words(re.split(r"[.!?\n]", text[:start])[-1])[-CONTEXT_WINDOW:]
    after = _words(re.split(r"[.!?\n]", text[end:])[0])[:CONTEXT_WINDOW]
    near = [word.lower() for word in before + after]
    return any(word.startswith(context) for word in near for context in context_words)


def context_word_list(context_words):
    """The context words of a guidance entry, from its comma-separated text."""
    return [word.strip().lower() for word in (context_words or "").split(",") if word.strip()]


def stigmatising_language(markdown, guidance, allowed_phrases=()):
    """Notes for the words of ``guidance`` found in ``markdown``, each with its
    suggested wording (one note per word as written).

    ``guidance``: entries with ``term``, ``suggestion``, ``explanation`` and
    ``context_words`` (comma-separated; when given, the term counts only near one of
    them, a context word matching any word it starts). Not flagged: the
    ``allowed_phrases`` (names such as "Narcotics Anonymous"), text in quotation
    marks and Markdown blockquotes, and code.
    """
    text = "\n\n".join(block.text for block in _blocks(markdown) if not block.quoted and block.text)
    text = QUOTED.sub(lambda match: " " * len(match.group()), text)
    for phrase in allowed_phrases:
        pattern = _term_pattern(phrase)
        if pattern:
            text = pattern.sub(lambda match: " " * len(match.group()), text)
    found_at, seen = [], set()
    # Longest terms first, and what they match is blanked: "former addict" is
    # reported once, not also as "addict".
    for entry in sorted(guidance, key=lambda entry: -len(entry.term)):
        pattern = _term_pattern(entry.term)
        if pattern is None:
            continue
        context_words = context_word_list(entry.context_words)
        for match in list(pattern.finditer(text)):
            if context_words and not _has_context(text, match.start(), match.end(), context_words):
                continue
            text = _blank(text, match.start(), match.end())
            found = " ".join(match.group().split())
            if found.lower() in seen:
                continue
            seen.add(found.lower())
            message = _("“%(found)s”: consider “%(suggestion)s”.") % {
                "found": found,
                "suggestion": entry.suggestion,
            }
            if entry.explanation:
                message = f"{message} {entry.explanation}"
            found_at.append((match.start(), Note("stigmatising_language", message)))
    return [note for _start, note in sorted(found_at, key=lambda pair: pair[0])]


def heading_skips(markdown):
    """Notes for headings that skip a level (### is the first one in a body)."""
    notes, previous = [], SECTION_HEADING_LEVEL
    for block in _blocks(markdown):
        if block.kind != "heading":
            continue
        level = max(block.level, SECTION_HEADING_LEVEL + 1)
        if level > previous + 1:
            notes.append(
                Note(
                    "heading_skips_level",
                    _(
                        "The heading “%(heading)s” skips a level: make it %(marks)s "
                        "(it comes after a level-%(previous)d heading)."
                    )
                    % {
                        "heading": block.text,
                        "marks": "#" * (previous + 1),
                        "previous": previous,
                    },
                )
            )
        previous = level
    return notes


def empty_links(markdown):
    """Notes for links without text: screen readers would read out the address."""
    notes, open_link, has_text = [], None, False
    for token in _markdown.parse(markdown or ""):
        for child in token.children or []:
            if child.type == "link_open":
                open_link, has_text = child, False
            elif child.type == "link_close" and open_link is not None:
                if not has_text:
                    notes.append(
                        Note(
                            "empty_link",
                            _(
                                "The link to %(address)s has no text: write words that "
                                "say where it leads between the brackets."
                            )
                            % {"address": open_link.attrGet("href") or "…"},
                        )
                    )
                open_link = None
            elif open_link is not None and (child.content or "").strip():
                has_text = True
    return notes


def long_paragraphs(markdown):
    """Notes for paragraphs longer than LONGEST_ADVISED_PARAGRAPH words."""
    notes = []
    for block in _blocks(markdown):
        count = len(_words(block.text))
        if block.kind == "paragraph" and count > LONGEST_ADVISED_PARAGRAPH:
            start = " ".join(_words(block.text)[:6])
            notes.append(
                Note(
                    "long_paragraph",
                    ngettext(
                        "The paragraph starting “%(start)s…” has %(count)d word: "
                        "split it (%(limit)d words at most read best).",
                        "The paragraph starting “%(start)s…” has %(count)d words: "
                        "split it (%(limit)d words at most read best).",
                        count,
                    )
                    % {"start": start, "count": count, "limit": LONGEST_ADVISED_PARAGRAPH},
                )
            )
    return notes


def check_part(kind, title, markdown, guidance, allowed_phrases=()):
    """Every advisory check of one section body or FAQ answer."""
    notes = [
        *stigmatising_language(markdown, guidance, allowed_phrases),
        *heading_skips(markdown),
        *empty_links(markdown),
        *long_paragraphs(markdown),
    ]
    return PartReport(kind=kind, title=title, grade=reading_grade(markdown), notes=notes)


def advisory_report(sections, faqs, guidance, allowed_phrases=()):
    """A PartReport for each section and FAQ answer, in page order."""
    guidance, allowed_phrases = list(guidance), list(allowed_phrases)
    return [
        *(
            check_part("section", section.heading, section.body, guidance, allowed_phrases)
            for section in sections
        ),
        *(check_part("faq", faq.question, faq.answer, guidance, allowed_phrases) for faq in faqs),
    ]
