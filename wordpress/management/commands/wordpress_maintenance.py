from django.core.management.base import BaseCommand

from wordpress.runs import give_up_abandoned_runs


class Command(BaseCommand):
    help = (
        "Daily upkeep for WordPress imports started in the admin, meant for a timer "
        "(cron, systemd): an upload left for more than a day (never imported, or its "
        "check or import never ended) is closed and its file deleted."
    )

    def handle(self, *args, **options):
        closed = give_up_abandoned_runs()
        self.stdout.write(f"Closed {closed} abandoned WordPress import(s) and deleted their files.")
