"""The pages app's helpers for the Jinja2 public pages (core/jinja2.py adds them):
the footer's links to the site pages."""

from .models import footer_links

GLOBALS = {"footer_links": footer_links}
