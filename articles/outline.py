"""The article page's outline (table of contents, sections, FAQs), rendered once.

Ten sections and ten FAQs cost three queries and most of the template's time on
every view. Instead the rendered markup is stored in ``ArticleOutline``, read with the
article in the same query (``Article.objects.with_outline()``), and rendered again only
when it is out of date:

- the article changed since: a PostgreSQL trigger raises ``Article.content_version`` on
  every write of the article row, and every write of a section or FAQ writes that row
  too (its search trigger), whichever code or SQL made it (migration 0006);
- or the outline template changed (a release): ``template_key`` is a digest of it.

An outline rendered while an editor saves is stored under the version it read first, so
at worst it is rendered once more on the next view; never shown out of date.
"""

import functools
import hashlib
import logging

from django.db import DatabaseError, transaction
from django.db.models import prefetch_related_objects
from django.template.loader import get_template, render_to_string

from .models import ArticleOutline
from .structured_data import faq_entries

logger = logging.getLogger(__name__)

TEMPLATE = "articles/includes/article_outline.html"


@functools.cache
def template_key():
    """Digest of the outline template's source: a new release with a changed
    template renders every outline again."""
    source = get_template(TEMPLATE).template.source
    return hashlib.sha256(source.encode()).hexdigest()


def is_current(outline, article):
    return (
        outline is not None
        and outline.content_version == article.content_version
        and outline.template_key == template_key()
    )


def outline_for(article):
    """The article's current ``ArticleOutline``: the stored one when up to date (no
    query, with ``with_outline()``), else rendered now and stored (three queries)."""
    try:
        stored = article.stored_outline
    except ArticleOutline.DoesNotExist:
        stored = None
    if is_current(stored, article):
        return stored
    outline = render_outline(article)
    store(outline)
    article.stored_outline = outline
    return outline


def store(outline):
    """Save ``outline`` over the article's previous one. A database that refuses the
    write (read-only for maintenance, say) costs the next view a render again, not
    this reader their page."""
    try:
        with transaction.atomic():
            ArticleOutline.objects.bulk_create(
                [outline],
                update_conflicts=True,
                unique_fields=["article"],
                update_fields=[
                    "content_version",
                    "template_key",
                    "html",
                    "faq_entries",
                    "reading_minutes",
                ],
            )
    except DatabaseError:
        logger.warning(
            "Could not store the outline of article %s", outline.article_id, exc_info=True
        )


def render_outline(article):
    """A new (unsaved) ``ArticleOutline`` for ``article`` as its rows are now."""
    # Prefetched, so that reading_minutes() counts the same rows without a query.
    prefetch_related_objects([article], "sections", "faqs")
    sections, faqs = article.sections.all(), article.faqs.all()
    html = render_to_string(TEMPLATE, {"article": article, "sections": sections, "faqs": faqs})
    return ArticleOutline(
        article=article,
        content_version=article.content_version,
        template_key=template_key(),
        html=html,
        faq_entries=faq_entries(faqs),
        reading_minutes=article.reading_minutes(),
    )
