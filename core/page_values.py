"""Values site pages may show with placeholders (see pages/placeholders.py): the
site's name and helpline, as editors set them in the site settings."""

from django.utils.translation import gettext_lazy as _

from .models import SiteSettings

PLACEHOLDERS = {
    "site_name": (_("The site's name (site settings)."), lambda: SiteSettings.load().site_name),
    "helpline_name": (
        _("The helpline's name (site settings)."),
        lambda: SiteSettings.load().helpline_name,
    ),
    "helpline_phone": (
        _("The helpline's number as written (site settings)."),
        lambda: SiteSettings.load().helpline_phone,
    ),
    "helpline_tel": (
        _("The helpline's number as digits, for a link such as [call](tel:{{ helpline_tel }})."),
        lambda: SiteSettings.load().helpline_tel,
    ),
}

# Shown until an editor fills in the center's contact details.
NOT_GIVEN = _("(not given yet)")


def _or_not_given(value):
    return value or str(NOT_GIVEN)


PLACEHOLDERS.update(
    {
        "contact_email": (
            _("The center's email address (site settings)."),
            lambda: _or_not_given(SiteSettings.load().contact_email),
        ),
        "contact_phone": (
            _("The center's phone number as written (site settings)."),
            lambda: _or_not_given(SiteSettings.load().contact_phone),
        ),
        "contact_tel": (
            _("The center's number as digits, for a link such as [call](tel:{{ contact_tel }})."),
            lambda: SiteSettings.load().contact_tel,
        ),
    }
)
