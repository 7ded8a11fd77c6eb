from django import template

from dashboard.panels import build_panels

register = template.Library()


@register.inclusion_tag("admin/dashboard/panels.html", takes_context=True)
def editors_dashboard(context):
    """The admin index's dashboard: the panels the signed-in user may see.

    Usage: ``{% editors_dashboard %}`` in ``admin/index.html``.
    """
    return {"panels": build_panels(context["request"].user)}
