from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site-wide pieces that belong to no content app."""

    # core/apps.py holds the admin's config too: "core" alone means this one.
    default = True
    name = "core"
    verbose_name = _("Site")

    def ready(self):
        # Importing checks registers the system checks.
        from . import checks, database  # noqa: F401

        # Before any connection: every wait on PostgreSQL is bounded.
        database.install()


class SiteAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the site's own AdminSite (core/admin_site.py)
    as ``admin.site``: Django's documented way to replace the default site."""

    # Named in INSTALLED_APPS; "core" alone means CoreConfig.
    default = False
    default_site = "core.admin_site.SiteAdminSite"
