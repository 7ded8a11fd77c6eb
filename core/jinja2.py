"""The Jinja2 environment of the public pages (templates/jinja2/).

It gives those templates what Django templates get from built-in tags and filters:
``static``, ``url``, ``now``, a fragment cache, and the ``date``, ``pluralize`` and
``truncatechars`` filters as Django writes them. Each app adds its own helpers in its
``jinja_env`` module (articles: the page-head helpers; comments: the comment section).
Context processors (``site``, ``messages``, ``user``) come from the backend's
``context_processors`` option in settings.
"""

import datetime

from django.apps import apps
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.module_loading import import_module, module_has_submodule
from jinja2 import ChainableUndefined, Environment
from markupsafe import Markup

EXTENSION_MODULE = "jinja_env"


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


def cached_fragment(name, *vary_on, generation, timeout, caller, until=None):
    """Django's ``{% cache %}`` for a ``{% call %}`` block: its output is kept under
    ``name``, ``vary_on`` and the cache ``generation`` for ``timeout`` seconds, or
    until ``until()`` (a datetime or None, asked on a miss only) if sooner; rendered
    every time when ``generation`` is None (caching is off).

    Usage: ``{% call cached_fragment("body", article.pk, generation=g, timeout=s) %}``
    """
    if generation is None:
        return caller()
    key = make_template_fragment_key(name, [generation, *vary_on])
    # (html, datetime or None): the time is checked here, on the site's clock, as the
    # page cache checks its pages, not left to the cache backend's expiry alone.
    entry = cache.get(key)
    if entry is not None and (entry[1] is None or entry[1] > timezone.now()):
        return Markup(entry[0])  # nosec B704 # a fragment an autoescaped template rendered
    html = str(caller())
    when = until() if until else None
    if when is not None:
        timeout = min(timeout, int((when - timezone.now()).total_seconds()))
    if timeout > 0:
        cache.set(key, (html, when), timeout)
    return Markup(html)  # nosec B704 # a fragment an autoescaped template rendered


def environment(**options):
    options["undefined"] = SilentUndefined
    env = Environment(**options)  # nosec B701 # Django's Jinja2 backend passes autoescape=True
    env.globals.update(static=static, url=url, now=now, cached_fragment=cached_fragment)
    env.filters.update(
        date=date,
        pluralize=defaultfilters.pluralize,
        truncatechars=defaultfilters.truncatechars,
        localtime=timezone.localtime,
    )
    # Each app adds its own helpers from its jinja_env module (GLOBALS and FILTERS),
    # as it adds template tags in templatetags/: this module knows no app.
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, EXTENSION_MODULE):
            extension = import_module(f"{config.name}.{EXTENSION_MODULE}")
            env.globals.update(getattr(extension, "GLOBALS", {}))
            env.filters.update(getattr(extension, "FILTERS", {}))
    return env
