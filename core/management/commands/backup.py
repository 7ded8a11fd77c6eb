from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core import backups


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump) and MEDIA_ROOT into one timestamped archive "
        "with a manifest of checksums, in BACKUP_DIR (or --output-dir)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir", help="the folder to write the archive to (default: BACKUP_DIR)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        try:
            archive = backups.create_backup(
                connections[options["database"]].settings_dict,
                settings.MEDIA_ROOT,
                options["output_dir"] or settings.BACKUP_DIR,
                embedded=settings.USES_EMBEDDED_DATABASE,
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written to {archive}"))
