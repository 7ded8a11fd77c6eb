from django.core.management.base import BaseCommand

from articles import page_cache


class Command(BaseCommand):
    help = (
        "Make every cached page stale. Saves through Django do this by themselves; "
        "run this after changing the database another way (SQL, a restored dump)."
    )

    def handle(self, *args, **options):
        # Every cached page depends on the site content stamp.
        page_cache.content_changed()
        self.stdout.write("Every cached page will be rendered afresh.")
