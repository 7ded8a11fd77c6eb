"""Site search on PostgreSQL: ranked full-text search in readers' words, with snippets
and a typo fallback.

The weighted document lives in ``Article.search_vector`` (kept current by triggers,
see migration 0003). Queries use web-search syntax ("quoted phrases", or, -exclude)
with English stemming; a word or phrase of a synonym group editors keep
(``SearchSynonym``: "suboxone" for buprenorphine) also finds the group's other terms.
A result links to its best-matching section or FAQ when the match is there, with a
highlighted snippet of the text readers see. When nothing matches, pg_trgm finds the
closest words published articles use and offers "Did you mean ...?".
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core import caching

from .models import FAQ, Article, SearchSynonym, Section, synonym_key

MAX_QUERY_LENGTH = 200
CONFIG = "english"
# Sentinels around highlighted words: the snippet is escaped first, then these
# become <mark> tags, so nothing in an article's text can reach the page as HTML.
MARK_START, MARK_STOP = "\x02", "\x03"
# A snippet is whole sentences where they fit in this many words.
SNIPPET_WORDS = 36
# ...and at least this many, finishing the next sentence's start if need be.
SNIPPET_MIN_WORDS = 14
# The generation (core.caching) of the cached synonym groups.
SYNONYMS = "search-synonyms"


@dataclass
class CleanQuery:
    text: str = ""
    # Why the query was changed or cannot be run, for the page to say.
    notice: str = ""

    @property
    def is_searchable(self):
        return bool(self.text)


def clean_query(raw):
    """Normalise what the visitor typed; explain anything we had to change."""
    text = "".join(
        " " if unicodedata.category(character)[0] in {"C", "Z"} else character
        for character in (raw or "")
    )
    text = " ".join(text.split())
    if not text:
        return CleanQuery(notice="empty")
    notice = ""
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH]
        notice = "trimmed"
    if not any(character.isalnum() for character in text):
        return CleanQuery(notice="no_words")
    return CleanQuery(text=text, notice=notice)


# --- Synonyms -------------------------------------------------------------------------


def synonym_groups():
    """Every synonym group's terms (a list of lists of strings), read through the
    cache when pages are cached, so that a search costs no query for them."""
    if not caching.is_enabled():
        return SearchSynonym.objects.term_lists()
    key = f"{caching.PREFIX}:synonyms:{caching.generation(SYNONYMS)}"
    return cache.get_or_set(
        key, SearchSynonym.objects.term_lists, timeout=settings.PAGE_CACHE_SECONDS
    )


@dataclass
class Operand:
    """A word (as web search reads it) or a quoted phrase of the query."""

    text: str
    is_phrase: bool = False
    is_negated: bool = False


@dataclass
class SynonymMatch:
    """Words of the query that are a term of a synonym group."""

    said: str
    terms: list
    is_negated: bool = False

    @property
    def other_terms(self):
        said = synonym_key(self.said)
        return [term for term in self.terms if synonym_key(term) != said]


HYPHENS = re.compile(r"[-\u2010\u2011]")
# What websearch_to_tsquery reads as one word: anything up to a space or a quote.
QUERY_WORD = re.compile(r'[^\s"]+')
# A term has at most this many words (SearchSynonym.clean), so no run of the query
# longer than that can be one.
LONGEST_TERM = 6


def read_operands(text):
    """The query's operands as web search reads them: a list of alternatives (joined
    by "or"), each a list of ``Operand``s that must all match."""
    alternatives = [[]]
    position, negated = 0, False
    while position < len(text):
        character = text[position]
        if character.isspace():
            position += 1
            continue
        if character == "-":
            dashes = len(text) - position - len(text[position:].lstrip("-"))
            negated = negated != (dashes % 2 == 1)
            position += dashes
            continue
        if character == '"':
            end = text.find('"', position + 1)
            end = len(text) if end == -1 else end
            operand = Operand(text[position + 1 : end], is_phrase=True, is_negated=negated)
            position = end + 1
        else:
            word = QUERY_WORD.match(text, position).group()
            position += len(word)
            if word.lower() == "or" and not negated:
                if alternatives[-1]:
                    alternatives.append([])
                continue
            operand = Operand(word, is_negated=negated)
        negated = False
        # Punctuation alone ("&&", "|") is no operand for PostgreSQL either.
        if synonym_key(operand.text):
            alternatives[-1].append(operand)
    return [operands for operands in alternatives if operands]


def find_synonyms(operands, groups_by_key):
    """``operands`` with each run of plain words that is a synonym term, and each
    quoted or excluded term, replaced by a ``SynonymMatch`` (longest runs first)."""
    items, index = [], 0
    while index < len(operands):
        operand = operands[index]
        if operand.is_phrase or operand.is_negated:
            terms = groups_by_key.get(synonym_key(operand.text))
            items.append(
                SynonymMatch(operand.text, terms, operand.is_negated) if terms else operand
            )
            index += 1
            continue
        for end in range(min(len(operands), index + LONGEST_TERM), index, -1):
            run = operands[index:end]
            if any(item.is_phrase or item.is_negated for item in run):
                continue
            terms = groups_by_key.get(
                tuple(word for item in run for word in synonym_key(item.text))
            )
            if terms:
                items.append(SynonymMatch(" ".join(item.text for item in run), terms))
                index = end
                break
        else:
            items.append(operand)
            index += 1
    return items


def item_query(item):
    """The tsquery of one operand or synonym match (a SearchQuery expression)."""
    if isinstance(item, SynonymMatch):
        # "medication assisted" finds "medication-assisted" too, not the other way.
        terms = [
            SearchQuery(HYPHENS.sub(" ", term), search_type="phrase", config=CONFIG)
            for term in item.terms
        ]
        if item.is_negated:
            return combine([~term for term in terms], "&")
        return combine(terms, "|")
    search_type = "phrase" if item.is_phrase else "websearch"
    query = SearchQuery(item.text, search_type=search_type, config=CONFIG)
    return ~query if item.is_negated else query


def combine(queries, connector):
    """``queries`` joined by ``connector``: "&" (all must match) or "|" (any)."""
    combined = queries[0]
    for query in queries[1:]:
        combined = combined | query if connector == "|" else combined & query
    return combined


@dataclass
class SearchTerms:
    """What a query searches for: the tsquery (None when nothing can match) and the
    synonym groups it used."""

    query: object = None
    synonyms: list = field(default_factory=list)

    @property
    def other_names(self):
        """The other terms of the synonym groups the query asked for, once each."""
        names = {}
        for match in self.synonyms:
            if not match.is_negated:
                names.update(dict.fromkeys(match.other_terms))
        return list(names)

    @property
    def synonym_words(self):
        """The query's words that belong to a synonym term it matched."""
        return {word for match in self.synonyms for word in synonym_key(match.said)}


def read_query(text, groups=None):
    """The ``SearchTerms`` of ``text`` in web-search syntax, synonyms expanded.

    Every word, phrase and term reaches PostgreSQL as a parameter of its own
    ``SearchQuery``; the query is their combination with ``&``, ``|`` and ``~``.
    """
    groups = synonym_groups() if groups is None else groups
    groups_by_key = {synonym_key(term): terms for terms in groups for term in terms}
    alternatives, synonyms = [], []
    for operands in read_operands(text):
        items = find_synonyms(operands, groups_by_key)
        synonyms += [item for item in items if isinstance(item, SynonymMatch)]
        alternatives.append(combine([item_query(item) for item in items], "&"))
    if not alternatives:
        return SearchTerms()
    return SearchTerms(query=combine(alternatives, "|"), synonyms=synonyms)


# --- Results and snippets ---------------------------------------------------------------


def matching_articles(terms):
    """Published articles matching ``terms`` (``SearchTerms``), best first."""
    if terms.query is None:
        return Article.objects.none()
    query = terms.query
    return (
        Article.objects.published()
        .for_cards()
        .filter(search_vector=query)
        .annotate(
            rank=SearchRank(F("search_vector"), query),
            summary_snippet=SearchHeadline(
                "summary",
                query,
                config=CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                highlight_all=True,
            ),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


@dataclass
class Passage:
    title: str
    url: str
    snippet: str
    rank: float


def best_passages(articles, terms):
    """For each article, its best-matching section or FAQ: {article_id: Passage}.

    Matched and quoted from the text readers see (``body_text``, ``answer_text``).
    """
    ids = [article.pk for article in articles]
    if terms.query is None or not ids:
        return {}
    query = terms.query
    best = {}
    for model, title_field, text_field in (
        (Section, "heading", "body_text"),
        (FAQ, "question", "answer_text"),
    ):
        document = SearchVector(title_field, weight="B", config=CONFIG) + SearchVector(
            text_field, weight="C", config=CONFIG
        )
        rows = (
            model.objects.filter(article_id__in=ids)
            .alias(document=document)
            .filter(document=query)
            .annotate(
                rank=SearchRank(document, query),
                highlighted=SearchHeadline(
                    text_field,
                    query,
                    config=CONFIG,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    highlight_all=True,
                ),
            )
            .select_related("article")
            .only(title_field, "anchor" if model is Section else "pk", "article__slug")
        )
        for row in rows:
            current = best.get(row.article_id)
            if current is None or row.rank > current.rank:
                best[row.article_id] = Passage(
                    title=getattr(row, title_field),
                    url=row.get_absolute_url(),
                    snippet=make_snippet(row.highlighted),
                    rank=row.rank,
                )
    return best


# A word ending a sentence ("dose." "why?” ") and one starting the next ("Then",
# "“Call", "988"): a full stop before a small letter ("e.g. the") ends nothing.
ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]\x03]*$")
STARTS_SENTENCE = re.compile(r"[\x02\"'“‘(\[]*[A-Z0-9]")
MARKED = re.compile(r"\x02([^\x02\x03]*)\x03")
ENDS_LINE = re.compile(r"[.!?:;…][\"'”’)\]\x03]*$")
LINE_END = "·"


def sentences_of(text):
    """The sentences of ``text``, each a list of words; a line (a paragraph, a list
    item, a heading) is at least one. A line that ends without punctuation ends with
    a "·", so that list items joined in a snippet do not run together."""
    sentences = []
    for line in text.split("\n"):
        words = line.split()
        current = []
        for index, word in enumerate(words):
            current.append(word)
            following = words[index + 1] if index + 1 < len(words) else ""
            if following and ENDS_SENTENCE.search(word) and STARTS_SENTENCE.match(following):
                sentences.append(current)
                current = []
        if current:
            if not ENDS_LINE.search(current[-1]):
                current.append(LINE_END)
            sentences.append(current)
    return sentences


def make_snippet(highlighted):
    """A short excerpt of ``highlighted`` (a text with every match between the
    sentinels) as safe HTML: from the start of the sentence with the most different
    matches, whole sentences as far as they fit; "…" where a sentence is cut."""
    sentences = sentences_of(highlighted or "")
    if not sentences:
        return ""
    scores = [len({word.lower() for word in MARKED.findall(" ".join(s))}) for s in sentences]
    best = scores.index(max(scores))
    sentence = sentences[best]
    cut_before = cut_after = False
    if len(sentence) > SNIPPET_WORDS:
        # A long sentence: from its start if the first match is early in it, else from
        # a few words before the match.
        first = next((i for i, word in enumerate(sentence) if MARK_START in word), 0)
        start = 0 if first < SNIPPET_WORDS - 8 else min(first - 8, len(sentence) - SNIPPET_WORDS)
        words = sentence[start : start + SNIPPET_WORDS]
        cut_before, cut_after = start > 0, start + SNIPPET_WORDS < len(sentence)
    else:
        words = list(sentence)
        for following in sentences[best + 1 :]:
            if len(words) + len(following) <= SNIPPET_WORDS:
                words += following
                continue
            if len(words) < SNIPPET_MIN_WORDS:
                words += following[: SNIPPET_MIN_WORDS - len(words)]
                cut_after = True
            break
    if words[-1] == LINE_END:
        words.pop()
    text = " ".join(words)
    return render_snippet(("…" if cut_before else "") + text + ("…" if cut_after else ""))


def render_snippet(text):
    """Escape ``text`` and turn its sentinels into <mark> tags (balanced)."""
    balanced, is_open = [], False
    for character in text:
        if character == MARK_START:
            if is_open:
                continue
            is_open = True
        elif character == MARK_STOP:
            if not is_open:
                continue
            is_open = False
        balanced.append(character)
    if is_open:
        balanced.append(MARK_STOP)
    html = escape("".join(balanced))
    return mark_safe(html.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))  # nosec B308 B703 # escaped above; only our <mark> tags added


# --- Did you mean ---------------------------------------------------------------------

SUGGESTION_SQL = """
WITH published AS (
    SELECT id, title, summary FROM articles_article
    -- The application's clock, as in Article.objects.published(), not the database's.
    WHERE status = 'published' AND published_at <= %(now)s
      AND (unpublish_at IS NULL OR unpublish_at > %(now)s)
), words AS MATERIALIZED (
    -- Words readers see: the rendered text of bodies and answers, not their Markdown
    -- (no pieces of link addresses or picture references).
    SELECT lower(word) AS word, count(*) AS uses FROM (
        SELECT regexp_split_to_table(title || ' ' || summary, '[^[:alpha:]]+') AS word
        FROM published
        UNION ALL
        SELECT regexp_split_to_table(s.heading || ' ' || s.body_text, '[^[:alpha:]]+')
        FROM articles_section s JOIN published p ON p.id = s.article_id
        UNION ALL
        SELECT regexp_split_to_table(f.question || ' ' || f.answer_text, '[^[:alpha:]]+')
        FROM articles_faq f JOIN published p ON p.id = f.article_id
    ) AS split WHERE length(word) >= 3
    GROUP BY lower(word)
)
-- For each word asked: itself if the site uses it, else the closest word in spelling
-- that is not shorter ("narcan" must not become "nar"), then the most common on this
-- site: "withdrawl" should become "withdrawal" (used everywhere) rather than the
-- slightly closer "withdrawn".
SELECT asked.word, (
    SELECT w.word FROM words w
    WHERE w.word %% asked.word AND length(w.word) >= length(asked.word)
    ORDER BY w.word = asked.word DESC,
        similarity(w.word, asked.word) + 0.05 * ln(w.uses + 1) DESC, w.word
    LIMIT 1
)
FROM unnest(%(words)s::text[]) WITH ORDINALITY AS asked(word, position)
ORDER BY asked.position
"""
# Words left as they are: too short to correct, or web-search syntax.
KEPT_WORDS = {"or", "and", "the"}


def suggest(text, terms):
    """The query with each unknown word replaced by the closest word published articles
    use, or None when nothing better is found. Words of a synonym the query matched
    (``terms``, its ``SearchTerms``) are never replaced. One query, with pg_trgm."""
    words = re.findall(r"\w+", text.lower())[:6]
    asked = [
        word
        for word in words
        if len(word) >= 3
        and word not in KEPT_WORDS
        and not set(synonym_key(word)) <= terms.synonym_words
    ]
    if not asked:
        return None
    with connection.cursor() as cursor:
        cursor.execute(SUGGESTION_SQL, {"words": asked, "now": timezone.now()})
        found = {word: closest for word, closest in cursor.fetchall() if closest}
    suggestion = " ".join(found.get(word, word) for word in words)
    return suggestion if suggestion != " ".join(words) else None


@dataclass
class ArticleResults:
    """A page of articles found for a query, with what the page says about it."""

    page: object
    # What the results are for: the query, or the suggestion shown instead.
    searched_for: str
    suggestion: str | None = None
    other_names: list = field(default_factory=list)


def search_articles(text, *, page_number, per_page):
    """Published articles matching ``text`` (web-search syntax, synonyms expanded):
    a page of them, each with its ``passage`` (best section or FAQ, or None) and
    ``snippet``. When none match, the results for a spelling suggestion if it has any."""
    groups = synonym_groups()
    terms = read_query(text, groups)
    page = Paginator(matching_articles(terms), per_page).get_page(page_number)
    results = ArticleResults(page=page, searched_for=text, other_names=terms.other_names)
    if not page.paginator.count:
        suggestion = suggest(text, terms)
        if suggestion:
            suggested_terms = read_query(suggestion, groups)
            suggested = Paginator(matching_articles(suggested_terms), per_page).get_page(
                page_number
            )
            if suggested.paginator.count:
                terms, page = suggested_terms, suggested
                results = ArticleResults(
                    page=page,
                    searched_for=suggestion,
                    suggestion=suggestion,
                    other_names=terms.other_names,
                )
    passages = best_passages(page.object_list, terms)
    for article in page.object_list:
        article.passage = passages.get(article.pk)
        article.snippet = make_snippet(article.summary_snippet)
    return results
