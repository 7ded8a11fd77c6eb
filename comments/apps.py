from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from core import caching

        from . import signals
        from .cookies import DETAILS_COOKIE, OWN_COMMENTS_COOKIE

        signals.connect()
        # Own comments (pending ones, withdraw links) and a pre-filled form are for
        # their reader only.
        caching.personal_cookies(OWN_COMMENTS_COOKIE, DETAILS_COOKIE)
