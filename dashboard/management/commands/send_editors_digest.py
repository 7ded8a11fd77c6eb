from django.core.management.base import BaseCommand

from dashboard import tasks


class Command(BaseCommand):
    help = (
        "Queue the editors' weekly digest (overdue and upcoming reviews, drafts, scheduled "
        "articles, pending comments), meant for a weekly timer (cron, systemd). It is sent "
        "once per ISO week, however many servers run this."
    )

    def handle(self, *args, **options):
        tasks.send_editors_digest.enqueue()
        self.stdout.write("Queued the editors' digest.")
