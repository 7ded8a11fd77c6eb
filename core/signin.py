"""Admin sign-in protection with django-axes (settings.py, "Admin sign-in protection"):
the client's address as the comments read it, log lines without personal data, and the
lockout page in the admin's look."""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

from .network import client_ip


def client_address(request):
    """AXES_CLIENT_IP_CALLABLE: REMOTE_ADDR, or X-Forwarded-For as far as the
    TRUSTED_PROXY_COUNT proxies in front vouch for it, as flood control reads it;
    behind nginx every request would otherwise come from 127.0.0.1."""
    return client_ip(request.META)


def client_description(username, ip_address, user_agent, path_info, request):
    """AXES_CLIENT_STR_CALLABLE: how axes' log lines name a client. Without username,
    address or browser: logs must not hold personal data."""
    return f"a client at {path_info}"


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 and a page in the admin's look saying how long to
    wait, instead of axes' bare text."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "cooloff_minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response.render()
