from django.core.management.base import BaseCommand

from comments.services import erase_commenter_data


class Command(BaseCommand):
    help = (
        "Anonymise every comment written with EMAIL: name, email, website, IP address "
        "and browser are erased. The text stays unless --remove-text is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--remove-text",
            action="store_true",
            help="Also replace the comments' text with a removal notice.",
        )

    def handle(self, *args, email, remove_text, **options):
        count = erase_commenter_data(email, remove_text=remove_text)
        kept = "removed" if remove_text else "kept"
        self.stdout.write(f"Anonymised {count} comment(s) by {email} (text {kept}).")
