"""Placeholders in a page's Markdown: ``{{ name }}`` stands for a value the site
knows, such as how long IP addresses are kept, read when the page is shown.

A figure that comes from a setting must never be typed into the text, where it would
go on saying the old thing after the setting changed. Each app names the values it
owns in a ``page_values`` module (``PLACEHOLDERS``: name to help text and a function
returning the value), as it adds template helpers in ``jinja_env``: this app knows
no other.

The page's HTML is rendered once, on save, with each placeholder turned into a
marker that Markdown, link normalisation and nh3 all leave alone; showing the page
replaces the markers with the values, escaped for HTML (and, inside a link address,
percent-encoded as well, so a value can never become a ``javascript:`` address).
"""

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from django.apps import apps
from django.utils.html import escape
from django.utils.module_loading import import_module, module_has_submodule
from django.utils.translation import gettext as _

VALUES_MODULE = "page_values"

# What editors write: {{ name }}, spaces optional.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Any {{ ... }} at all, to name the ones that are not placeholders.
BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# The marker in the stored HTML: letters, digits and underscores between @@ survive
# Markdown (an intraword underscore is not emphasis), link addresses and nh3.
MARKER = re.compile(r"@@([a-z][a-z0-9_]*)@@")
LINK_ADDRESS = re.compile(r'(href=")([^"]*)(")')


@dataclass(frozen=True)
class Placeholder:
    name: str
    help_text: str
    value: object  # a function of no arguments

    def current(self):
        return str(self.value())


@cache
def known():
    """Every placeholder the installed apps offer: {name: Placeholder}, by name.

    Cached for the process: it is code (the apps' ``page_values`` modules), not data.
    """
    found = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, VALUES_MODULE):
            module = import_module(f"{config.name}.{VALUES_MODULE}")
            for name, (help_text, value) in getattr(module, "PLACEHOLDERS", {}).items():
                found[name] = Placeholder(name, str(help_text), value)
    return dict(sorted(found.items()))


def problems(text):
    """What is wrong with the placeholders in ``text``: a list of messages, empty when
    every ``{{ ... }}`` names a known placeholder and no ``{{`` is left open."""
    names = known()
    messages = []
    unknown = sorted(
        {
            match.group(0)
            for match in BRACES.finditer(text or "")
            if not (PLACEHOLDER.fullmatch(match.group(0)) and match.group(1).strip() in names)
        }
    )
    if unknown:
        messages.append(
            _("Unknown placeholder %(found)s. The placeholders are: %(names)s.")
            % {"found": ", ".join(unknown), "names": ", ".join(names)}
        )
    if "{{" in BRACES.sub("", text or ""):
        messages.append(_("A placeholder is opened with {{ but never closed with }}."))
    return messages


def mark(text):
    """``text`` with each known placeholder replaced by its marker, ready for Markdown."""
    names = known()

    def replace(match):
        name = match.group(1)
        return f"@@{name}@@" if name in names else match.group(0)

    return PLACEHOLDER.sub(replace, text or "")


def current_values():
    """{name: value as text} for every placeholder, read now."""
    return {name: placeholder.current() for name, placeholder in known().items()}


def fill(html, values):
    """The stored ``html`` with its markers replaced by ``values`` (escaped); a marker
    with no value is left out."""

    def in_address(match):
        address = MARKER.sub(lambda m: quote(values.get(m.group(1), ""), safe="+"), match[2])
        return f"{match[1]}{address}{match[3]}"

    html = LINK_ADDRESS.sub(in_address, html)
    return MARKER.sub(lambda match: str(escape(values.get(match.group(1), ""))), html)
