from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import FAQ, Article, Section
from core import caching


class Command(BaseCommand):
    help = (
        "Render every section body and FAQ answer again, then store every article's "
        "outline (table of contents, sections, FAQs) and topics again. Run it after a "
        "release that changes the outline or figure template, or after changing "
        "sections, FAQs, topics or image library pictures with a script or SQL."
    )

    def handle(self, *args, **options):
        count = 0
        for article in Article.objects.for_page().iterator(chunk_size=100):
            with transaction.atomic():
                render_texts_again(article)
                article.refresh_outline()
                article.refresh_topic_rows()
            count += 1
        caching.bump(caching.CONTENT)
        self.stdout.write(f"Refreshed {count} article{'s' if count != 1 else ''}.")


def render_texts_again(article):
    """Store the HTML (and readable text) of the article's sections and FAQs again
    where it changed."""
    for section in article.sections.all():
        stored = (section.body_html, section.body_text)
        section.render_body()
        if (section.body_html, section.body_text) != stored:
            Section.objects.filter(pk=section.pk).update(
                body_html=section.body_html, body_text=section.body_text
            )
    for faq in article.faqs.all():
        stored = (faq.answer_html, faq.answer_text)
        faq.render_answer()
        if (faq.answer_html, faq.answer_text) != stored:
            FAQ.objects.filter(pk=faq.pk).update(
                answer_html=faq.answer_html, answer_text=faq.answer_text
            )
