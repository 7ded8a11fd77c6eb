from django import template
from django.db.models import Count, Q
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from comments import sections
from comments.models import Comment
from core.models import SiteSettings

register = template.Library()


@register.inclusion_tag("comments/includes/section.html", takes_context=True)
def comment_section(context):
    """The thread and the "Leave a Reply" form under an article.

    Usage: ``{% comment_section %}`` in a template whose context has ``article``
    (and, when re-showing a submitted form, ``comment_form``/``comment_problem``).
    """
    request = context["request"]
    # The crisis help under an urgent pending comment shows the helpline.
    site = context.get("site") or SiteSettings.load()
    section = sections.comment_section(
        request,
        context["article"],
        site=site,
        form=context.get("comment_form"),
        problem=context.get("comment_problem"),
    )
    return {**section, "request": request, "site": site}


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


@register.inclusion_tag("admin/comments/pending_notice.html", takes_context=True)
def pending_comments_notice(context):
    """The admin index's "N comments awaiting moderation" box (moderators only).

    Usage: ``{% pending_comments_notice %}`` in ``admin/index.html``.
    """
    user = context["request"].user
    if not user.has_perm("comments.view_comment"):
        return {"show": False}
    counts = Comment.objects.pending().aggregate(
        pending=Count("id"), urgent=Count("id", filter=Q(is_urgent=True))
    )
    return {"show": True, **counts}
