from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article
from core import caching


class Command(BaseCommand):
    help = (
        "Store every article's outline (table of contents, sections, FAQs) and topics "
        "again. Run it after a release that changes the outline template, or after "
        "changing sections, FAQs or topics with SQL."
    )

    def handle(self, *args, **options):
        count = 0
        for article in Article.objects.for_page().iterator(chunk_size=100):
            with transaction.atomic():
                article.refresh_outline()
                article.refresh_topic_rows()
            count += 1
        caching.bump(caching.CONTENT)
        self.stdout.write(f"Refreshed {count} article{'s' if count != 1 else ''}.")
