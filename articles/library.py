"""The image library in use: which texts show a picture, keeping their stored HTML
current when it changes, and the pre-publication check that every picture is
described."""

from django.db import transaction

from core import caching
from core.markdown import image_references

from .models import FAQ, Article, LibraryImage, Section


def _mentions(field, image):
    # A cheap filter in PostgreSQL; the Markdown parse below is the exact test (it
    # ignores a snippet shown in a code block, and image:42 is not image:420).
    return {f"{field}__regex": rf"image:{image.pk}([^0-9]|$)"}


def sections_using(image):
    """Sections whose body shows ``image``."""
    candidates = Section.objects.filter(**_mentions("body", image)).order_by(
        "article_id", "position"
    )
    return [section for section in candidates if _shows(section.body, image)]


def faqs_using(image):
    """FAQs whose answer shows ``image``."""
    candidates = FAQ.objects.filter(**_mentions("answer", image)).order_by("article_id", "position")
    return [faq for faq in candidates if _shows(faq.answer, image)]


def _shows(text, image):
    return any(reference.image_id == image.pk for reference in image_references(text))


def articles_using(image):
    """Articles (any status) with a section or FAQ showing ``image``, by title."""
    ids = {row.article_id for row in [*sections_using(image), *faqs_using(image)]}
    return list(Article.objects.filter(pk__in=ids).order_by("title", "pk"))


def refresh_texts_using(image):
    """Render again the stored HTML of the sections and FAQs showing ``image``, and
    their articles' outlines, after its picture, description, caption or credit
    changed. Returns the articles refreshed."""
    with transaction.atomic():
        article_ids = set()
        for section in sections_using(image):
            section.save(update_fields=["body_html"])
            article_ids.add(section.article_id)
        for faq in faqs_using(image):
            faq.save(update_fields=["answer_html"])
            article_ids.add(faq.article_id)
        articles = list(Article.objects.for_page().filter(pk__in=article_ids))
        for article in articles:
            article.refresh_outline()
        caching.bump(caching.CONTENT)
    return articles


def described_image_ids(texts):
    """The numbers of the library pictures shown in the Markdown ``texts`` that the
    library describes (one query; none when no text shows a picture): for the check
    before publishing, a picture without a description of its own uses the library's.
    """
    ids = {ref.image_id for text in texts for ref in image_references(text) if ref.image_id}
    if not ids:
        return frozenset()
    described = LibraryImage.objects.filter(pk__in=ids).exclude(alt__regex=r"^\s*$")
    return frozenset(described.values_list("pk", flat=True))
