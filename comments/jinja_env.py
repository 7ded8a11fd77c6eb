"""The comments app's helpers for the Jinja2 public pages (core/jinja2.py adds them):
the comment section under an article and the thread's date format."""

from jinja2 import pass_context
from markupsafe import Markup

from . import sections
from .templatetags.comment_tags import comment_date

SECTION_TEMPLATE = "comments/includes/section.html"


@pass_context
def comment_section(context):
    """The thread and the "Leave a Reply" form under ``article``; ``comment_form`` and
    ``comment_problem``, when present, re-show a submitted form."""
    request = context["request"]
    site = context["site"]
    section = sections.comment_section(
        request,
        context["article"],
        site=site,
        form=context.get("comment_form"),
        problem=context.get("comment_problem"),
    )
    template = context.environment.get_template(SECTION_TEMPLATE)
    return Markup(  # nosec B704 # an autoescaped template's output
        template.render(
            {**section, "request": request, "site": site, "csrf_input": context["csrf_input"]}
        )
    )


GLOBALS = {"comment_section": comment_section}
FILTERS = {"comment_date": comment_date}
