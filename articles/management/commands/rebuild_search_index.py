from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Recompute the full-text search document of every article. Triggers keep it "
        "current on every change; run this after a restore or a manual SQL import."
    )

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT articles_refresh_search_vector(id) FROM articles_article")
            count = cursor.rowcount
        self.stdout.write(f"Rebuilt the search document of {count} article(s).")
