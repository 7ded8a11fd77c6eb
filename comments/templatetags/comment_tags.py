from django import template
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

register = template.Library()


@register.filter(expects_localtime=True)
def comment_date(value):
    """``value`` (a datetime) as the ``date`` filter writes "F j, Y \\a\\t g:i a":
    "March 4, 2026 at 9:05 p.m.". The thread shows one per comment, and the ``date``
    filter parses its format and checks for daylight-saving gaps on every call.

    Usage: ``{{ comment.created_at|comment_date }}``
    """
    meridiem = _("p.m.") if value.hour > 11 else _("a.m.")
    hour = value.hour % 12 or 12
    day = f"{MONTHS[value.month]} {value.day}, {value.year:04d}"
    return f"{day} at {hour}:{value.minute:02d} {meridiem}"
