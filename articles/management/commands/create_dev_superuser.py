import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Development only: create the superuser 'admin' with a random password, printed "
        "once, if no superuser exists yet. Refuses to run when DEBUG is off."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("create_dev_superuser only runs with DEBUG on (development).")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "Admin: http://127.0.0.1:8000/admin/ (superuser already exists; "
                f"reset with `.venv/bin/python manage.py changepassword {USERNAME}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(USERNAME, email="", password=password)
        line = "=" * 68
        self.stdout.write(
            f"{line}\nA local superuser was created for the admin (shown only this once):\n"
            f"  http://127.0.0.1:8000/admin/\n  username: {USERNAME}\n  password: {password}\n"
            f"{line}"
        )
