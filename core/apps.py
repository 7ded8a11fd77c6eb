from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site-wide pieces that belong to no content app."""

    name = "core"
    verbose_name = _("Site")

    def ready(self):
        # Importing checks registers the system checks.
        from . import checks, database  # noqa: F401

        # Before any connection: every wait on PostgreSQL is bounded.
        database.install()
