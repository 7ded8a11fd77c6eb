"""Cached pages and fragments, keyed by generations of what they show.

A *generation* is a random token kept in Django's cache under a name (``CONTENT`` for
articles, sections, FAQs, topics and site settings; ``COMMENTS`` for approved
comments). Every cached page and fragment has the current tokens in its key, and
``bump()`` gives a name a new token when what it stands for changes, so everything
built from the old data is never read again and simply expires. Tokens, not
counters: a counter the cache evicted would start again at 1 and revive old keys.

The tokens live in the shared cache, which every process uses (Redis, or without it
the database cache); without Redis ``PAGE_CACHE_SECONDS`` defaults to 0, which turns
all of this off, bumps included: pages kept in the database would cost a query per hit
and a write per miss.
"""

import hashlib
import re
import secrets
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date

CONTENT = "content"
COMMENTS = "comments"
PAGE_GENERATIONS = (CONTENT, COMMENTS)
# Part of every key: raise it when what is stored changes shape between releases.
PREFIX = "cache:1"

# What a query parameter a shared page is keyed on may hold; anything else (an
# attacker's random strings) renders uncached instead of filling the cache.
NUMBER = r"[1-9][0-9]{0,3}"
SLUG = r"[-a-zA-Z0-9_]{1,80}"


def is_enabled():
    return bool(settings.PAGE_CACHE_SECONDS)


def cache_saves_queries():
    """Whether reading the cache costs less than a query: not so for the database
    cache (settings.py without REDIS_URL), where a cached row would cost the query it
    saves, and a write on GET to keep it."""
    return not settings.CACHES["default"]["BACKEND"].endswith(".DatabaseCache")


# --- Generations ----------------------------------------------------------------------


def _generation_key(name):
    return f"{PREFIX}:generation:{name}"


def generation(*names):
    """The current tokens of ``names``, joined: a part of a cache key."""
    keys = [_generation_key(name) for name in names]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # Another process may have just added one: theirs wins, if it is still there.
            token = secrets.token_hex(8)
            if not cache.add(key, token, timeout=None):
                token = cache.get(key) or token
            found[key] = token
    return "-".join(found[key] for key in keys)


def generations_for(request):
    """The generations this request's page and fragments are keyed by, read once per
    request, or None when caching is off."""
    if not is_enabled():
        return None
    if not hasattr(request, "cache_generations"):
        request.cache_generations = generation(*PAGE_GENERATIONS)
    return request.cache_generations


def _renew(names):
    cache.set_many({_generation_key(name): secrets.token_hex(8) for name in names}, timeout=None)


# The names bumped inside deferred_bumps(), or None outside one.
_deferred = ContextVar("caching_deferred_bumps", default=None)


def bump(*names):
    """What ``names`` stand for changed: pages and fragments built from it are stale.

    Now, so that no later request of this transaction is answered from the cache, and
    again after the commit, because a page rendered in between read the old rows.
    Inside ``deferred_bumps()``, only once, when the block ends.
    """
    if not is_enabled():
        return
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(names)
        return
    _renew(names)
    transaction.on_commit(lambda: _renew(names))


@contextmanager
def deferred_bumps(*, discard=False):
    """Collect the bumps of this block and make them once at its end (none with
    ``discard``, for writes that are rolled back). For a bulk job such as an import,
    whose every saved row would otherwise renew the tokens. This thread (or task) only.
    """
    names = set()
    token = _deferred.set(names)
    try:
        yield names
    finally:
        _deferred.reset(token)
    if names and not discard:
        bump(*sorted(names))


# --- Shared pages -----------------------------------------------------------------------

_personal_cookies = set()


def personal_cookies(*names):
    """Requests carrying any of these cookies see pages made for them alone."""
    _personal_cookies.update(names)


def personal_cookie_names():
    """Every cookie that makes a request personal (a front cache must pass it by too)."""
    return sorted({settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies})


def is_personal(request):
    return any(name in request.COOKIES for name in personal_cookie_names())


def is_shared(request):
    """Whether the page being rendered goes to every anonymous reader alike: a form on
    it must leave out its CSRF token and anything signed for one reader."""
    return getattr(request, "is_shared_page", False)


def _shareable_query(request, query_params):
    return all(
        name in query_params and len(values) == 1 and query_params[name].fullmatch(values[0])
        for name, values in request.GET.lists()
    )


def _page_key(request, query_params):
    query = "&".join(f"{name}={request.GET[name]}" for name in query_params if name in request.GET)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"{PREFIX}:page:{generations_for(request)}:{digest}"


def keep_until(request, when):
    """Declare that the page being rendered changes at ``when`` (a datetime or None),
    such as when its comments close."""
    if when is not None:
        request.page_changes_at = min(when, getattr(request, "page_changes_at", when))


def _seconds_to_keep(request, until, now):
    """How long a page may be kept: the setting, what the view declared, ``until()``
    and the new year (the footer shows the year)."""
    limits = [settings.PAGE_CACHE_SECONDS]
    for when in (getattr(request, "page_changes_at", None), until() if until else None):
        if when is not None:
            limits.append(when.timestamp() - now)
    local = timezone.localtime(datetime.fromtimestamp(now, tz=UTC))
    new_year = local.replace(year=local.year + 1, month=1, day=1, hour=0, minute=0, second=0)
    limits.append(new_year.timestamp() - now)
    return int(min(limits))


def _store(key, request, response, until, now):
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        # The page holds this reader's CSRF token ({% csrf_token %} where is_shared()
        # said not to): it is theirs alone.
        return None
    seconds = _seconds_to_keep(request, until, now)
    if seconds <= 0:
        return None
    page = {
        "body": response.content,
        "headers": {
            name: value
            for name, value in response.items()
            if name.lower() not in {"cache-control", "expires", "etag", "last-modified"}
        },
        "etag": f'W/"{hashlib.sha256(response.content).hexdigest()[:16]}"',
        "stored_at": int(now),
        # Checked on reading too: the cache's clock (Redis's) is not ours.
        "expires_at": now + seconds,
    }
    cache.set(key, page, timeout=seconds)
    return page


def _respond(request, page, status):
    response = HttpResponse(page["body"])
    # Before Cache-Control: nginx up to 1.22 stops reading X-Accel-Expires once it has
    # seen "max-age=0". It is for the front cache alone (nginx drops it).
    if settings.FRONT_CACHE_SECONDS:
        response["X-Accel-Expires"] = str(settings.FRONT_CACHE_SECONDS)
    for name, value in page["headers"].items():
        response[name] = value
    response["X-Page-Cache"] = status
    response["ETag"] = page["etag"]
    response["Last-Modified"] = http_date(page["stored_at"])
    # Browsers ask again each time (a 304 when nothing changed).
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    patch_vary_headers(response, ["Cookie"])
    return get_conditional_response(
        request, etag=page["etag"], last_modified=page["stored_at"], response=response
    )


def cache_shared_page(*, query_params=None, until=None):
    """Serve the view's page from the cache to anonymous readers, all alike.

    ``query_params`` maps the GET parameters the view reads (part of the key) to the
    pattern their values must match (``NUMBER``, ``SLUG``); any other query string is
    rendered for its reader alone. ``until`` (a function returning a datetime or None)
    and ``keep_until()`` in the view limit how long a page is kept.
    """
    patterns = {name: re.compile(pattern) for name, pattern in (query_params or {}).items()}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if is_personal(request):
                response = view(request, *args, **kwargs)
                add_never_cache_headers(response)
                patch_vary_headers(response, ["Cookie"])
                return response
            if not is_enabled() or not _shareable_query(request, patterns):
                return view(request, *args, **kwargs)

            request.is_shared_page = True
            now = time.time()
            key = _page_key(request, patterns)
            page = cache.get(key)
            if page is not None and page["expires_at"] > now:
                return _respond(request, page, "hit")
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            page = _store(key, request, response, until, now)
            if page is None:
                response["X-Page-Cache"] = "miss"
                return response
            return _respond(request, page, "miss")

        return wrapped

    return decorator
