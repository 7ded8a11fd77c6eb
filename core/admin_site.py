"""The admin site, branded with the site's name from the site settings."""

from django.contrib import admin
from django.utils.translation import gettext as _

from .models import SiteSettings


class SiteAdminSite(admin.AdminSite):
    """Django's admin whose header, title and index title carry the site's name.

    Installed as the default site by ``core.apps.SiteAdminConfig``, so every
    ``admin.site.register`` and ``@admin.register`` uses it.
    """

    def each_context(self, request):
        context = super().each_context(request)
        # The cached singleton: the same read the site's context processor makes,
        # so an admin page costs no extra query for it.
        name = SiteSettings.load().site_name
        context.update(
            site_header=_("%(name)s administration") % {"name": name},
            site_title=_("%(name)s admin") % {"name": name},
        )
        return context

    def index(self, request, extra_context=None):
        name = SiteSettings.load().site_name
        title = _("%(name)s: site content") % {"name": name}
        return super().index(request, {"title": title, **(extra_context or {})})
