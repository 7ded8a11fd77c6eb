"""Template tags for the page head: canonical and absolute URLs, JSON-LD.

The public pages are Jinja2 templates, which call these through core/jinja2.py."""

import json
from urllib.parse import urlencode

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..structured_data import article_structured_data as build_article_structured_data

register = template.Library()

# Query parameters that make a different page of content (a list's page, a page of
# comments); every other parameter (tracking tags, filters, replyto) is dropped from
# the canonical address.
PAGE_PARAMETERS = ("page", "cpage")

# As Django's json_script: in a <script> element, "</script>" or "<!--" in a string
# would end or confuse the element, so <, > and & are written as JSON escapes.
JSON_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """Full address of ``path`` on the host the request came in on.

    Usage: ``{% absolute_url article.hero_image.url %}``
    """
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context, path=None):
    """The page's canonical address: absolute, without tracking or other parameters,
    keeping a page number above 1 (``?page=2``) so each list page stands alone.

    Usage: ``{% canonical_url %}`` or ``{% canonical_url topic.get_absolute_url %}``
    """
    request = context["request"]
    kept = {}
    for name in PAGE_PARAMETERS:
        value = request.GET.get(name, "")
        if value.isdigit() and int(value) > 1:
            kept[name] = int(value)
    url = request.build_absolute_uri(path or request.path)
    return f"{url}?{urlencode(kept)}" if kept else url


def escape_for_script(text):
    # str.replace per character is C-speed; str.translate with a dict looks up every
    # character in Python (a quarter of the JSON-LD's cost on a long article).
    for character, escape in JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    return text


def json_ld_script(data):
    """A ``<script type="application/ld+json">`` element holding ``data``.

    A data block is never executed, so the Content-Security-Policy needs no nonce.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(escape_for_script(text)),  # nosec B308 B703 # JSON escaped for a script element
    )


@register.simple_tag(takes_context=True)
def article_structured_data(context, article):
    """JSON-LD for an article page: MedicalWebPage, BreadcrumbList and FAQPage.

    Usage: ``{% article_structured_data article %}``
    """
    objects = build_article_structured_data(
        article,
        faq_entries=article.faq_entries,
        site=context["site"],
        absolute_url=context["request"].build_absolute_uri,
    )
    return mark_safe("\n".join(json_ld_script(data) for data in objects))  # nosec B308 B703 # joined json_ld_script() output
