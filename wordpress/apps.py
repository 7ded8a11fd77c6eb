from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WordPressConfig(AppConfig):
    """Moving in from a WordPress site: reading its export files."""

    name = "wordpress"
    verbose_name = _("WordPress import")
