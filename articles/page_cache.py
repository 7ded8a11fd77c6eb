"""Whole-page cache for anonymous readers, invalidated exactly when what a page shows changes.

- A page is stored under a key made of scheme, host, path and the few query parameters
  its view reads. Requests that carry anything personal (a session, flashed messages,
  the comments app's cookies) or other query parameters are never served from it nor
  stored in it.
- Each stored page lists the *stamps* it was built from, with their values: ``content``
  (articles, sections, FAQs, topics, site settings), ``comments`` (any approved comment)
  and ``comments:<article id>``. Signals (articles/signals.py, comments/signals.py) give
  a stamp a new random value when what it stands for changes; a page whose stamps no
  longer match is a miss. A page also expires when the next scheduled article goes
  public, or when its view says so (comments closing).
- Per-visitor values inside a page (the CSRF token, the comment form's signed
  timestamp) are holes in the stored copy, filled on every response without a query.

The stamps live in the cache itself, so every process that serves pages or writes
content must share it: the page cache is on by default only with ``REDIS_URL``.
"""

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date

CONTENT = "content"
ALL_COMMENTS = "comments"
# Changed with every stamp: a page rendered while it changed is not stored, because
# its database reads may predate the change its stamps already include. (While
# approved comments arrive faster than a page renders, pages are served uncached:
# correct, if slower, and rare.)
_WRITES = "writes"
# Part of every key: raise it when the stored format (_Page) changes, so that a new
# release never unpickles an old release's pages.
_PREFIX = "pagecache:1:"
_NEXT_PUBLICATION = _PREFIX + "next-publication"

# What a query parameter a page is keyed on may hold. Anything else (an attacker's
# random strings) renders uncached instead of filling the cache.
NUMBER = re.compile(r"[1-9][0-9]{0,3}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")

# A browser may keep a page with holes for this long (its form timestamp ages).
_VISITOR_COPY_SECONDS = 6 * 3600


def comments_stamp(article_id):
    """The stamp of one article's approved comments."""
    return f"comments:{article_id}"


# --- Stamps -----------------------------------------------------------------------


def _stamp_key(name):
    return f"{_PREFIX}stamp:{name}"


def _new_value():
    return secrets.token_hex(8)


def _set_stamps(names):
    # Errors propagate: a save that cannot invalidate the pages showing it fails
    # (and its transaction rolls back) rather than leave stale pages behind.
    values = {_stamp_key(name): _new_value() for name in (*names, _WRITES)}
    cache.set_many(values, timeout=None)
    if CONTENT in names:
        _remember_next_publication(values[_stamp_key(CONTENT)])


def _bump(*names):
    # Now, so that this process never serves the old page again, and again once the
    # transaction commits: a page rendered in between read the old rows.
    _set_stamps(names)
    transaction.on_commit(lambda: _set_stamps(names))


def content_changed():
    """An article, section, FAQ, topic or the site settings changed: every page is stale."""
    _bump(CONTENT)


def comments_changed(article_id):
    """The approved comments of one article changed."""
    _bump(ALL_COMMENTS, comments_stamp(article_id))


def _current_stamps(names):
    """The values of ``names`` (stamps without a value get one now)."""
    keys = {_stamp_key(name): name for name in names}
    found = cache.get_many(keys)
    for key in keys.keys() - found.keys():
        cache.add(key, _new_value(), timeout=None)
    if len(found) < len(keys):
        found = cache.get_many(keys)
    return {keys[key]: value for key, value in found.items()}


# --- Scheduled publication --------------------------------------------------------


def _remember_next_publication(content_value):
    from .models import Article

    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    at = upcoming.timestamp() if upcoming else None
    cache.set(_NEXT_PUBLICATION, (content_value, at), timeout=None)
    return at


def _next_publication(content_value, now):
    """When the next scheduled article goes public (a timestamp), or None.

    Known from the last content change; asked of the database only when the cache
    lost it or the time has passed.
    """
    remembered = cache.get(_NEXT_PUBLICATION)
    if remembered is not None:
        value, at = remembered
        if value == content_value and (at is None or at > now):
            return at
    return _remember_next_publication(content_value)


def _next_new_year(now):
    # The footer shows the year.
    local = timezone.localtime(datetime.fromtimestamp(now, tz=UTC))
    new_year = local.replace(year=local.year + 1, month=1, day=1, hour=0, minute=0, second=0)
    return new_year.replace(microsecond=0).timestamp()


# --- What a view tells the cache --------------------------------------------------


@dataclass
class _Dependencies:
    stamps: set = field(default_factory=set)
    expires_at: float | None = None


def _dependencies(request):
    if not hasattr(request, "_page_cache"):
        request._page_cache = _Dependencies()
    return request._page_cache


def depends_on(request, *stamps):
    """Declare that the page being rendered shows what ``stamps`` stand for."""
    _dependencies(request).stamps.update(stamps)


def expire_at(request, when):
    """Declare that the page being rendered changes at ``when`` (a datetime or None)."""
    if when is None:
        return
    deps = _dependencies(request)
    at = when.timestamp()
    deps.expires_at = at if deps.expires_at is None else min(deps.expires_at, at)


# --- Per-visitor holes and personal cookies ---------------------------------------


@dataclass(frozen=True)
class _Hole:
    marker: str
    placeholder: str
    pattern: re.Pattern
    fill: object


_holes = {}
_personal_cookies = set()


def hidden_input_hole(name, fill):
    """Treat the value of every ``<input type="hidden" name="NAME">`` as per-visitor.

    ``fill(request)`` returns the value for one response; it must not query the
    database.
    """
    _holes[name] = _Hole(
        marker=f'name="{name}"',
        # An HTML comment cannot come from sanitised content or escaped text.
        placeholder=f"<!--page-cache:{name}-->",
        pattern=re.compile(rf'(<input type="hidden" name="{re.escape(name)}" value=")[^"]*(")'),
        fill=fill,
    )


def personal_cookies(*names):
    """Requests carrying any of these cookies see pages made for them alone."""
    _personal_cookies.update(names)


hidden_input_hole("csrfmiddlewaretoken", get_token)


def _is_personal(request):
    names = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies}
    return any(name in request.COOKIES for name in names)


def _is_shareable_query(request, query_params):
    for name, values in request.GET.lists():
        if name not in query_params or len(values) != 1:
            return False
        if not query_params[name].fullmatch(values[0]):
            return False
    return True


def _punch_holes(html):
    """Return ``html`` with each per-visitor value replaced by its placeholder, or
    None when that cannot be done safely."""
    for hole in _holes.values():
        if hole.placeholder in html:
            return None
        expected = html.count(hole.marker)
        html, count = hole.pattern.subn(rf"\g<1>{hole.placeholder}\g<2>", html)
        # Every field of that name must have been matched, or its value would be shared.
        if count != expected:
            return None
    return html


def _fill_holes(html, request):
    for hole in _holes.values():
        if hole.placeholder in html:
            html = html.replace(hole.placeholder, hole.fill(request))
    return html


# --- The decorator ----------------------------------------------------------------


@dataclass
class _Page:
    html: str
    headers: dict
    stamps: dict
    digest: str
    stored_at: float
    expires_at: float
    has_holes: bool


def _page_key(request, query_params):
    query = "&".join(f"{name}={request.GET[name]}" for name in query_params if name in request.GET)
    url = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return f"{_PREFIX}page:{hashlib.sha256(url.encode()).hexdigest()[:40]}"


class _RecentPages:
    """This process's copies of the pages it served last, so that a hit asks the
    shared cache for the few short stamps only, not for the whole page again."""

    def __init__(self, size):
        self.size = size
        self.pages = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self):
        with self.lock:
            self.pages.clear()


_recent = _RecentPages(size=200)


def _is_current(page, now):
    # The expiry is checked here too: the cache's own clock (Redis's) is not ours.
    if page.expires_at <= now:
        return False
    current = cache.get_many([_stamp_key(name) for name in page.stamps])
    return all(current.get(_stamp_key(name)) == value for name, value in page.stamps.items())


def _lookup(key, now):
    page = _recent.get(key)
    if page is not None and _is_current(page, now):
        return page
    # Not here, or stale here: another process may have stored a newer copy.
    page = cache.get(key)
    if page is None or not _is_current(page, now):
        return None
    _recent.put(key, page)
    return page


def _store(key, request, response, writes_before, stamps, now):
    html = _punch_holes(response.content.decode(response.charset))
    if html is None:
        return None
    deps = _dependencies(request)
    values = _current_stamps([CONTENT, _WRITES, *stamps, *deps.stamps])
    if values.pop(_WRITES, None) != writes_before:
        return None
    expiry = [now + settings.PAGE_CACHE_SECONDS, _next_new_year(now)]
    next_publication = _next_publication(values[CONTENT], now)
    if next_publication is not None:
        expiry.append(next_publication)
    if deps.expires_at is not None:
        expiry.append(deps.expires_at)
    expires_at = min(expiry)
    timeout = int(expires_at - now)
    if timeout <= 0:
        return None
    headers = {
        name: value
        for name, value in response.items()
        if name.lower() not in {"cache-control", "etag", "last-modified", "expires"}
    }
    page = _Page(
        html=html,
        headers=headers,
        stamps=values,
        digest=hashlib.sha256(html.encode()).hexdigest()[:16],
        stored_at=now,
        expires_at=expires_at,
        has_holes=any(hole.placeholder in html for hole in _holes.values()),
    )
    cache.set(key, page, timeout=timeout)
    _recent.put(key, page)
    return page


def _respond(request, page, status):
    response = HttpResponse(_fill_holes(page.html, request))
    for name, value in page.headers.items():
        response[name] = value
    response["X-Page-Cache"] = status
    patch_vary_headers(response, ["Cookie"])
    if page.has_holes:
        # The copy carries this visitor's CSRF token and form timestamp: only their
        # browser may keep it, and only while both still work.
        secret = request.META.get("CSRF_COOKIE", "")
        window = int(time.time() // _VISITOR_COPY_SECONDS)
        visitor = hashlib.sha256(f"{secret}:{window}".encode()).hexdigest()[:12]
        response["ETag"] = f'W/"{page.digest}-{visitor}"'
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    else:
        response["ETag"] = f'W/"{page.digest}"'
        response["Last-Modified"] = http_date(page.stored_at)
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=None if page.has_holes else int(page.stored_at),
        response=response,
    )


def cache_for_anonymous(*, query_params=None, stamps=()):
    """Serve the view's page from the shared cache to anonymous readers.

    ``query_params`` maps the GET parameters the view reads (part of the key) to
    the pattern of the values worth keeping (``NUMBER``, ``SLUG``);
    ``stamps`` are what the page shows besides site content (``ALL_COMMENTS`` for
    pages with comment counts). The view may add more with ``depends_on()`` and
    ``expire_at()`` while it renders.
    """
    query_params = dict(query_params or {})

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if _is_personal(request):
                response = view(request, *args, **kwargs)
                add_never_cache_headers(response)
                patch_vary_headers(response, ["Cookie"])
                return response
            if not settings.PAGE_CACHE_SECONDS or not _is_shareable_query(request, query_params):
                return view(request, *args, **kwargs)

            now = time.time()
            key = _page_key(request, query_params)
            page = _lookup(key, now)
            if page is not None:
                return _respond(request, page, "hit")
            writes_before = _current_stamps([_WRITES])[_WRITES]

            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            page = _store(key, request, response, writes_before, stamps, now)
            if page is None:
                response["X-Page-Cache"] = "miss"
                return response
            return _respond(request, page, "miss")

        return wrapped

    return decorator
