"""The articles app's helpers for the Jinja2 public pages (core/jinja2.py adds them):
the page-head helpers of ``seo_tags``."""

from jinja2 import pass_context

from .templatetags import seo_tags


@pass_context
def canonical_url(context, path=None):
    return seo_tags.canonical_url(context, path)


@pass_context
def absolute_url(context, path):
    return seo_tags.absolute_url(context, path)


@pass_context
def article_structured_data(context, article):
    return seo_tags.article_structured_data(context, article)


GLOBALS = {
    "canonical_url": canonical_url,
    "absolute_url": absolute_url,
    "article_structured_data": article_structured_data,
}
