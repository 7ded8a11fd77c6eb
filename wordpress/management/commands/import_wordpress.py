from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wordpress.importer import import_file
from wordpress.models import ImportRun
from wordpress.wxr import WXRError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export): posts, pages, categories and tags, "
        "comments, and with --media the pictures. All or nothing; importing again "
        "updates what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The export file (WXR 1.0, 1.1 or 1.2).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do everything and print the report, then undo it: nothing is written.",
        )
        parser.add_argument(
            "--media",
            metavar="DIR",
            help="A copy of the old site's wp-content/uploads folder: its pictures "
            "go into the image library, featured images become hero images.",
        )
        parser.add_argument(
            "--skip-bad-items",
            action="store_true",
            help="Leave out records that cannot be read (listed in the report) "
            "instead of stopping at the first.",
        )

    def handle(self, *args, **options):
        media_dir = options["media"]
        if media_dir is not None and not Path(media_dir).is_dir():
            raise CommandError(f"--media {media_dir}: not a folder")
        # Two imports at once would race for the same WordPress ids; the admin's runs
        # are held one at a time by the database, and this one waits for theirs.
        open_run = ImportRun.objects.open().first()
        if open_run is not None:
            raise CommandError(
                f"{open_run} is open in the admin ({open_run.get_state_display()}): "
                "wait for it to end, or cancel it, then run this again."
            )
        try:
            report = import_file(
                options["export"],
                dry_run=options["dry_run"],
                skip_bad_items=options["skip_bad_items"],
                media_dir=media_dir,
            )
        except WXRError as error:
            raise CommandError(f"{options['export']}: {error}") from None
        except OSError as error:
            raise CommandError(f"{options['export']}: {error.strerror or error}") from None
        self.stdout.write(report.as_text(), ending="")
