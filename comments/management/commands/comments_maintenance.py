from django.conf import settings
from django.core.management.base import BaseCommand

from comments import services


class Command(BaseCommand):
    help = (
        "Daily upkeep for comments, meant for a timer (cron, systemd): delete comments "
        "in the trash for more than COMMENTS_TRASH_RETENTION_DAYS and erase IP addresses "
        "and browsers older than COMMENTS_IP_RETENTION_DAYS."
    )

    def handle(self, *args, **options):
        deleted = services.empty_old_trash()
        erased = services.erase_old_network_data()
        self.stdout.write(
            f"Deleted {deleted} comment(s) from the trash "
            f"(older than {settings.COMMENTS_TRASH_RETENTION_DAYS} days); erased IP address "
            f"and browser of {erased} comment(s) (older than "
            f"{settings.COMMENTS_IP_RETENTION_DAYS} days)."
        )
