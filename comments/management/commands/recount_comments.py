from django.core.management.base import BaseCommand

from comments.services import recount_comments


class Command(BaseCommand):
    help = (
        "Count every article's approved comments again and store the counts. Saves "
        "through Django keep them current; run this after changing comments with SQL."
    )

    def handle(self, *args, **options):
        wrong = recount_comments()
        self.stdout.write(f"Corrected {wrong} article{'s' if wrong != 1 else ''}.")
