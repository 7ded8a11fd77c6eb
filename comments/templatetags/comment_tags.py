from django import template
from django.db.models import Count, Q

from comments.form_html import render_comment_form
from comments.models import Comment
from comments.threads import render_threads
from comments.views import comment_section as comment_section_context
from core.models import SiteSettings

register = template.Library()


@register.inclusion_tag("comments/includes/section.html", takes_context=True)
def comment_section(context):
    """The thread and the "Leave a Reply" form under an article.

    Usage: ``{% comment_section %}`` in a template whose context has ``article``
    (and, when re-showing a submitted form, ``comment_form``/``comment_problem``).
    """
    section = comment_section_context(
        context["request"],
        context["article"],
        form=context.get("comment_form"),
        problem=context.get("comment_problem"),
    )
    # The crisis help under an urgent pending comment shows the helpline.
    site = context.get("site") or SiteSettings.load()
    thread_html = render_threads(
        section["comment_page"].object_list, comments_open=section["comments_open"], site=site
    )
    return {**section, "thread_html": thread_html, "request": context["request"], "site": site}


@register.simple_tag
def comment_form_fields(form):
    """The comment form's fields, rendered by crispy-forms (the layout is on
    ``form.helper``; a blank form reuses this process's rendering of its shape).

    Usage: ``{% comment_form_fields comment_form %}``
    """
    return render_comment_form(form)


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
