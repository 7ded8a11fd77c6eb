"""Which page addresses the site's other routes already use.

Pages live at ``/<slug>/``, the last pattern of the root URLconf, so another route
always wins: a page whose slug another route starts with could never be reached, or
would take over an address an app may add below it later. The taken names are read
from the URLconf itself, so a new top-level route is refused without a list to update.
"""

import re

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# Served before Django sees the request (nginx, WhiteNoise), or likely names for
# what the site may add; not always in the URLconf.
ALWAYS_TAKEN = {"static", "media", "feeds"}
# The literal start of a route: up to its first "/" or converter.
FIRST_SEGMENT = re.compile(r"^\^?([-a-zA-Z0-9_.]+)(?:/|\$|$)")


def _first_segments(patterns):
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver) and route in {"", "^"}:
            # An include at the root: its own routes are top-level.
            yield from _first_segments(pattern.url_patterns)
            continue
        if isinstance(pattern, URLPattern | URLResolver):
            match = FIRST_SEGMENT.match(route)
            if match:
                yield match.group(1)


def taken_slugs():
    """The first path segments the site's routes use, lower-cased."""
    segments = {*ALWAYS_TAKEN, *_first_segments(get_resolver().url_patterns)}
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url:
            segments.add(url.strip("/").split("/")[-1])
    return {segment.lower() for segment in segments if segment}


def is_taken(slug):
    """Whether ``/<slug>/`` is, or is under, another route's address."""
    return slug.lower() in taken_slugs()
