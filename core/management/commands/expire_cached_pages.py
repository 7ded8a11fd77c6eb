from django.core.management.base import BaseCommand

from core import caching


class Command(BaseCommand):
    help = (
        "Make every cached page and fragment stale. Saves through Django do this by "
        "themselves; run this after changing the database another way (SQL, a restored dump)."
    )

    def handle(self, *args, **options):
        caching.bump(*caching.PAGE_GENERATIONS)
        self.stdout.write("Every cached page will be rendered afresh.")
