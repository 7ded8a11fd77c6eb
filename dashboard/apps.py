from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The editors' dashboard on the admin index and their weekly digest email.

    It reads the articles and comments apps; neither knows it exists.
    """

    name = "dashboard"
    verbose_name = _("Editors' dashboard")
