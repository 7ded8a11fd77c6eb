"""The image library in use: which texts show a picture, keeping their stored HTML
current when it changes, and the pre-publication check that every picture is
described."""

from django.db import transaction

from core import caching

from .markdown import image_references
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


def images_without_alt(texts):
    """Library pictures shown in the Markdown ``texts`` with no description: none
    written in the text (``![description](image:N)``) and none in the library.

    Returns the ``LibraryImage``s in the order they first appear (one query). For the
    check before publishing: every picture must be described.
    """
    undescribed = []
    for text in texts:
        for reference in image_references(text):
            if reference.image_id and not reference.alt and reference.image_id not in undescribed:
                undescribed.append(reference.image_id)
    if not undescribed:
        return []
    blank = LibraryImage.objects.filter(pk__in=undescribed, alt__regex=r"^\s*$").in_bulk()
    return [blank[pk] for pk in undescribed if pk in blank]


def article_images_without_alt(article):
    """``images_without_alt`` of the article's section bodies and FAQ answers."""
    texts = [*article.sections.values_list("body", flat=True)]
    texts += article.faqs.values_list("answer", flat=True)
    return images_without_alt(texts)
