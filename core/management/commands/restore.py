from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from core import backups, caching


class Command(BaseCommand):
    help = (
        "Restore an archive written by the backup command into an empty database and "
        "media folder (--force replaces what is there)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a recovery-site-*.tar.gz written by backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="delete the database's tables and MEDIA_ROOT's files first",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        # pg_restore connects on its own; Django's connection must not hold locks on
        # the tables a forced restore drops.
        connection.close()
        try:
            manifest = backups.restore_backup(
                options["archive"],
                connection.settings_dict,
                settings.MEDIA_ROOT,
                force=options["force"],
                embedded=settings.USES_EMBEDDED_DATABASE,
            )
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        # Cached pages show what the database held before.
        caching.bump(*caching.PAGE_GENERATIONS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']} "
                f"({len(manifest['files']) - 1} media files)."
            )
        )
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        unknown, missing = backups.migration_drift(manifest, known)
        if unknown:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup has {len(unknown)} migrations this code does not know "
                    f"(e.g. {unknown[0][0]}.{unknown[0][1]}): it was taken with newer code; "
                    "deploy that code before using this database."
                )
            )
        if missing:
            self.stdout.write(
                f"{len(missing)} migrations of this code are not applied yet: run "
                "manage.py migrate."
            )
