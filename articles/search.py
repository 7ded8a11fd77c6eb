"""Site search on PostgreSQL: ranked full-text search with snippets and a typo fallback.

The weighted document lives in ``Article.search_vector`` (kept current by triggers,
see migration 0003). Queries use web-search syntax ("quoted phrases", or, -exclude)
with English stemming. A result links to its best-matching section or FAQ when the
match is there, with a highlighted snippet. When nothing matches, pg_trgm finds the
closest words the site actually uses and offers "Did you mean ...?".
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import FAQ, Article, Section

MAX_QUERY_LENGTH = 200
CONFIG = "english"
# Sentinels around highlighted words: the snippet is escaped first, then these
# become <mark> tags, so nothing in an article's source can reach the page as HTML.
MARK_START, MARK_STOP = "\x02", "\x03"
HEADLINE_OPTIONS = {"max_words": 32, "min_words": 14, "max_fragments": 1}
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MARKDOWN_MARKUP = re.compile(r"[*_`#>|]+")


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


def web_query(text):
    return SearchQuery(text, search_type="websearch", config=CONFIG)


def matching_articles(text):
    """Published articles matching ``text``, best first."""
    query = web_query(text)
    return (
        Article.objects.published()
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


def best_passages(articles, text):
    """For each article, its best-matching section or FAQ: {article_id: Passage}."""
    query = web_query(text)
    ids = [article.pk for article in articles]
    best = {}
    for model, title_field, text_field in (
        (Section, "heading", "body"),
        (FAQ, "question", "answer"),
    ):
        document = SearchVector(title_field, weight="B", config=CONFIG) + SearchVector(
            text_field, weight="C", config=CONFIG
        )
        rows = (
            model.objects.filter(article_id__in=ids)
            .annotate(document=document)
            .filter(document=query)
            .annotate(
                rank=SearchRank(document, query),
                snippet=SearchHeadline(
                    text_field,
                    query,
                    config=CONFIG,
                    start_sel=MARK_START,
                    stop_sel=MARK_STOP,
                    **HEADLINE_OPTIONS,
                ),
            )
            .select_related("article")
        )
        for row in rows:
            current = best.get(row.article_id)
            if current is None or row.rank > current.rank:
                best[row.article_id] = Passage(
                    title=getattr(row, title_field),
                    url=row.get_absolute_url(),
                    snippet=render_snippet(row.snippet),
                    rank=row.rank,
                )
    return best


@dataclass
class Passage:
    title: str
    url: str
    snippet: str
    rank: float


def render_snippet(headline):
    """Escape a headline from Markdown source, drop the markup, add <mark> tags."""
    text = MARKDOWN_MARKUP.sub("", MARKDOWN_LINK.sub(r"\1", headline or ""))
    html = escape(" ".join(text.split()))
    return mark_safe(html.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))  # nosec B308 B703 # escaped above; only our <mark> tags added


SUGGESTION_SQL = """
WITH published AS (
    SELECT id, title, summary FROM articles_article
    -- The application's clock, as in Article.objects.published(), not the database's.
    WHERE status = 'published' AND published_at <= %(now)s
      AND (unpublish_at IS NULL OR unpublish_at > %(now)s)
), words AS (
    SELECT lower(word) AS word, count(*) AS uses FROM (
        SELECT regexp_split_to_table(title || ' ' || summary, '[^[:alpha:]]+') AS word
        FROM published
        UNION ALL
        SELECT regexp_split_to_table(s.heading || ' ' || s.body, '[^[:alpha:]]+')
        FROM articles_section s JOIN published p ON p.id = s.article_id
        UNION ALL
        SELECT regexp_split_to_table(f.question || ' ' || f.answer, '[^[:alpha:]]+')
        FROM articles_faq f JOIN published p ON p.id = f.article_id
    ) AS split WHERE length(word) >= 3
    GROUP BY lower(word)
)
-- Close in spelling first, then common on this site: "withdrawl" should become
-- "withdrawal" (used everywhere) rather than the slightly closer "withdrawn".
SELECT word FROM words WHERE word %% %(word)s
ORDER BY similarity(word, %(word)s) + 0.05 * ln(uses + 1) DESC, word LIMIT 1
"""


def suggest(text):
    """The query with each unknown word replaced by the closest word the site uses.

    Returns None when nothing better is found. Uses pg_trgm's similarity operator.
    """
    words = re.findall(r"\w+", text.lower())[:6]
    if not words:
        return None
    corrected = []
    now = timezone.now()
    with connection.cursor() as cursor:
        for word in words:
            if len(word) < 3 or word in {"or", "and", "the"}:
                corrected.append(word)
                continue
            cursor.execute(SUGGESTION_SQL, {"word": word, "now": now})
            row = cursor.fetchone()
            corrected.append(row[0] if row else word)
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(words) else None
