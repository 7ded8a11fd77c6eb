from django.core.management.base import BaseCommand

from comments import services, subscriptions, tasks
from comments.conf import comment_settings


class Command(BaseCommand):
    help = (
        "Daily upkeep for comments, meant for a timer (cron, systemd): delete comments "
        "in the trash for more than COMMENTS_TRASH_RETENTION_DAYS and erase IP addresses "
        "and browsers older than COMMENTS_IP_RETENTION_DAYS; forget expired "
        "flood-control slots; delete reply subscriptions never confirmed (or stopped) "
        "once their confirm link has expired (COMMENTS_REPLY_CONFIRM_DAYS); email "
        "moderators about pending comments a failed sweep left unannounced."
    )

    def handle(self, *args, **options):
        deleted = services.empty_old_trash()
        erased = services.erase_old_network_data()
        self.stdout.write(
            f"Deleted {deleted} comment(s) from the trash "
            f"(older than {comment_settings.COMMENTS_TRASH_RETENTION_DAYS} days); "
            f"erased IP address and browser of {erased} comment(s) (older than "
            f"{comment_settings.COMMENTS_IP_RETENTION_DAYS} days)."
        )
        services.delete_expired_flood_slots()
        if stale := subscriptions.delete_stale_subscriptions():
            self.stdout.write(f"Deleted {stale} unconfirmed or stopped reply subscription(s).")
        if unannounced := tasks.queue_sweep_for_stragglers():
            self.stdout.write(f"Queued the moderators' email about {unannounced} comment(s).")
