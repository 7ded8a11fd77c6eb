"""The address a request came from, as far as the proxies in front of the site vouch
for it (TRUSTED_PROXY_COUNT): flood control, stored comments and admin sign-in
lockouts all read it the same way."""

import ipaddress

from django.conf import settings


def client_ip(meta, trusted_proxies=None):
    """The client's IP: REMOTE_ADDR, or X-Forwarded-For as far as trusted proxies vouch.

    Each trusted proxy appends the address it received the request from, so with N
    proxies the client is the Nth address from the right; anything further left was
    written by the client and may be forged.
    """
    trusted = settings.TRUSTED_PROXY_COUNT if trusted_proxies is None else trusted_proxies
    address = meta.get("REMOTE_ADDR")
    if trusted > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= trusted:
            address = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
