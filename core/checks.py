"""The site's own system checks."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """SITE_URL must be the public address in production: moderators' emails link
    there, and a development default sends them to their own machine."""
    if settings.DEBUG:
        return []
    host = urlsplit(settings.SITE_URL).hostname or ""
    try:
        address = ipaddress.ip_address(host)
        is_this_machine = address.is_loopback or address.is_unspecified
    except ValueError:
        is_this_machine = host == "localhost" or host.endswith(".localhost")
    if not host or is_this_machine:
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}, not the site's public address.",
                hint="Set SITE_URL (e.g. https://example.org): moderators' emails link there.",
                id="core.W001",
            )
        ]
    return []
