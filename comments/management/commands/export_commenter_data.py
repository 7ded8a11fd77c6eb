import json

from django.core.management.base import BaseCommand

from comments.services import export_commenter_data


class Command(BaseCommand):
    help = "Print, as JSON, every comment written with EMAIL (for a personal-data request)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        data = {"email": email, "comments": export_commenter_data(email)}
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
