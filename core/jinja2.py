"""The Jinja2 environment of the public pages (templates/jinja2/).

It gives those templates what Django templates get from template tags and built-in
filters: ``static``, ``url``, the page-head helpers of ``seo_tags``, the comment
section, a fragment cache, and the ``date``, ``pluralize`` and ``truncatechars``
filters as Django writes them. Context processors (``site``, ``messages``, ``user``)
come from the backend's ``context_processors`` option in settings.
"""

import datetime

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from jinja2 import ChainableUndefined, Environment, pass_context
from markupsafe import Markup

from articles.templatetags import seo_tags
from comments import sections
from comments.templatetags.comment_tags import comment_date

SECTION_TEMPLATE = "comments/includes/section.html"


class SilentUndefined(ChainableUndefined):
    """A missing variable, as in Django templates: it prints nothing, and its
    attributes, items, calls and comparisons give nothing or False instead of failing
    the page (or printing its name, which Django's backend does when DEBUG is on)."""

    def __call__(self, *args, **kwargs):
        return self

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__


def url(name, *args, **kwargs):
    return reverse(name, args=args or None, kwargs=kwargs or None)


def date(value, format_string):
    """As Django's ``date`` filter: aware datetimes in the current time zone, nothing
    for an empty or missing value."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.template_localtime(value)
    return dateformat.format(value, format_string)


def now(format_string):
    return dateformat.format(timezone.localtime(), format_string)


def cached_fragment(name, *vary_on, generation, timeout, caller):
    """Django's ``{% cache %}`` for a ``{% call %}`` block: its output is kept under
    ``name``, ``vary_on`` and the cache ``generation``; rendered every time when
    ``generation`` is None (caching is off).

    Usage: ``{% call cached_fragment("body", article.pk, generation=g, timeout=s) %}``
    """
    if generation is None:
        return caller()
    key = make_template_fragment_key(name, [generation, *vary_on])
    return Markup(cache.get_or_set(key, lambda: str(caller()), timeout))


@pass_context
def canonical_url(context, path=None):
    return seo_tags.canonical_url(context, path)


@pass_context
def absolute_url(context, path):
    return seo_tags.absolute_url(context, path)


@pass_context
def article_structured_data(context, article):
    return seo_tags.article_structured_data(context, article)


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
    return Markup(
        template.render(
            {**section, "request": request, "site": site, "csrf_input": context["csrf_input"]}
        )
    )


def environment(**options):
    options["undefined"] = SilentUndefined
    env = Environment(**options)
    env.globals.update(
        static=static,
        url=url,
        now=now,
        cached_fragment=cached_fragment,
        canonical_url=canonical_url,
        absolute_url=absolute_url,
        article_structured_data=article_structured_data,
        comment_section=comment_section,
    )
    env.filters.update(
        date=date,
        pluralize=defaultfilters.pluralize,
        truncatechars=defaultfilters.truncatechars,
        localtime=timezone.localtime,
        comment_date=comment_date,
    )
    return env
