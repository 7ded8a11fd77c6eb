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
- A shared page carries nothing per reader, so every anonymous reader gets the same
  bytes (stored once as they are and once gzipped), with an ETag and Last-Modified, and
  a front cache (nginx, deploy/nginx.conf) may keep them for ``FRONT_CACHE_SECONDS``.
  Views learn with ``is_shared()`` that a form must leave out its CSRF token and signed
  timestamp (the comment form's script fetches them); a page that asked for a CSRF
  token anyway is not stored.
- ``FastPath`` (in front of Django, recovery_site/wsgi.py) answers a request it has
  seen Django answer from this cache with the same page and headers, without running
  Django's middleware.

The stamps live in the cache itself, so every process that serves pages or writes
content must share it: the page cache is on by default only with ``REDIS_URL``.
"""

import gzip
import hashlib
import logging
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
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, parse_cookie
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date

logger = logging.getLogger(__name__)

CONTENT = "content"
ALL_COMMENTS = "comments"
# Changed with every stamp: a page rendered while it changed is not stored, because
# its database reads may predate the change its stamps already include. (While
# approved comments arrive faster than a page renders, pages are served uncached:
# correct, if slower, and rare.)
_WRITES = "writes"
# Part of every key: raise it when the stored format (_Page) changes, so that a new
# release never unpickles an old release's pages.
_PREFIX = "pagecache:3:"
_NEXT_PUBLICATION = _PREFIX + "next-publication"
# Where _respond leaves the page it answered with, in the request's WSGI environ.
_SERVED = "recovery_site.page_cache.served"

# What a query parameter a page is keyed on may hold. Anything else (an attacker's
# random strings) renders uncached instead of filling the cache.
NUMBER = re.compile(r"[1-9][0-9]{0,3}")
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")


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
    shared: bool = False  # rendered for every anonymous reader (is_shared())


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


# --- Personal requests and shared pages -------------------------------------------


_personal_cookies = set()


def personal_cookies(*names):
    """Requests carrying any of these cookies see pages made for them alone."""
    _personal_cookies.update(names)


def personal_cookie_names():
    """Every cookie that makes a request personal (a front cache must pass it by too)."""
    return sorted({settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies})


def _is_personal(cookies):
    return any(name in cookies for name in personal_cookie_names())


def _is_shareable_query(request, query_params):
    for name, values in request.GET.lists():
        if name not in query_params or len(values) != 1:
            return False
        if not query_params[name].fullmatch(values[0]):
            return False
    return True


def is_shared(request):
    """Whether the page being rendered will be served to every anonymous reader.

    Such a page carries nothing per reader: a form on it leaves out its CSRF token and
    anything signed for one reader, which the reader's browser fetches when needed
    (comments:form_token).
    """
    deps = getattr(request, "_page_cache", None)
    return deps is not None and deps.shared


_GZIP_MIN_SIZE = 200  # GZipMiddleware does not compress shorter responses
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # GZipMiddleware's test


def _accepts_gzip(page, meta):
    return page.gzipped is not None and _ACCEPTS_GZIP.search(meta.get("HTTP_ACCEPT_ENCODING", ""))


# --- The decorator ----------------------------------------------------------------


@dataclass
class _Page:
    body: bytes  # UTF-8 as rendered
    gzipped: bytes | None  # None for pages too short to be worth compressing
    headers: dict
    stamps: dict
    digest: str
    stored_at: float
    expires_at: float


def _page_from_html(body, **fields):
    return _Page(
        body=body,
        # Compressed once, when stored, at the highest level: every reader gets these bytes.
        gzipped=gzip.compress(body, compresslevel=9, mtime=0)
        if len(body) >= _GZIP_MIN_SIZE
        else None,
        digest=hashlib.sha256(body).hexdigest()[:16],
        **fields,
    )


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


def _read_stamps(keys):
    """``cache.get_many(keys)``, in one round trip, for every hit.

    Django's Redis backend makes a new redis-py client object per call (about a third
    of a hit's cost in the fast path), so with Redis one client is kept per backend
    object (Django keeps one backend object per thread; the client shares its
    connection pool) and asked for the values directly.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return cache.get_many(keys)
    client = backend.__dict__.get("_page_cache_client")
    if client is None:
        client = backend.__dict__["_page_cache_client"] = backend._cache.get_client()
    loads = backend._cache._serializer.loads
    values = client.mget([backend.make_key(key) for key in keys])
    return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}


def _is_current(page, now):
    # The expiry is checked here too: the cache's own clock (Redis's) is not ours.
    if page.expires_at <= now:
        return False
    current = _read_stamps([_stamp_key(name) for name in page.stamps])
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
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        # The page holds this reader's CSRF token (a template used {% csrf_token %}
        # where is_shared() said not to): it is theirs alone.
        logger.warning("Page %s asked for a CSRF token; not stored for sharing", request.path)
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
    page = _page_from_html(
        response.content,
        headers=headers,
        stamps=values,
        stored_at=now,
        expires_at=expires_at,
    )
    cache.set(key, page, timeout=timeout)
    _recent.put(key, page)
    return page


def _validators(page):
    """The page's ETag and Last-Modified time."""
    return f'W/"{page.digest}"', int(page.stored_at)


def _respond(request, key, page, status):
    compress = _accepts_gzip(page, request.META)
    response = HttpResponse(page.gzipped if compress else page.body)
    # Before Cache-Control: nginx up to 1.22 stops reading X-Accel-Expires once it
    # has seen "max-age=0". It is for the front cache alone (nginx drops it).
    if settings.FRONT_CACHE_SECONDS:
        response["X-Accel-Expires"] = str(settings.FRONT_CACHE_SECONDS)
    for name, value in page.headers.items():
        response[name] = value
    response["X-Page-Cache"] = status
    patch_vary_headers(response, ["Cookie"])
    if page.gzipped is not None:
        # As GZipMiddleware would; it leaves a response with Content-Encoding alone.
        patch_vary_headers(response, ["Accept-Encoding"])
    if compress:
        response["Content-Encoding"] = "gzip"
    etag, last_modified = _validators(page)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Browsers ask again each time (a 304 when nothing changed); a front cache may
    # answer for us for FRONT_CACHE_SECONDS (X-Accel-Expires, above).
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    # Tells FastPath (below) which stored page this request was answered with.
    request.META[_SERVED] = (key, page)
    return get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
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
            if _is_personal(request.COOKIES):
                response = view(request, *args, **kwargs)
                add_never_cache_headers(response)
                patch_vary_headers(response, ["Cookie"])
                return response
            if not settings.PAGE_CACHE_SECONDS or not _is_shareable_query(request, query_params):
                return view(request, *args, **kwargs)

            _dependencies(request).shared = True
            now = time.time()
            key = _page_key(request, query_params)
            page = _lookup(key, now)
            if page is not None:
                return _respond(request, key, page, "hit")
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
            return _respond(request, key, page, "miss")

        return wrapped

    return decorator


# --- The fast path ----------------------------------------------------------------
#
# A hit through Django runs the whole middleware stack around a few string joins. The
# fast path answers the same request before Django: it keeps, per exact request
# (scheme, host and port headers, path, query string), which stored page Django last
# answered it with and the headers Django's middleware sent with it (security headers,
# CSP, Vary, Cache-Control...). Only what differs per page or encoding is made here:
# ETag, Last-Modified, Content-Length and -Encoding. So the fast path serves only what Django
# already decided for that very request: a valid host (Django checked ALLOWED_HOSTS),
# no HTTPS redirect, a query string its view shares. Anything else falls through:
# unknown or personal requests, a page changed or not yet seen in this process, a
# precondition that fails. (A middleware that changed a cached page's body on its way
# out would be bypassed; none does: GZipMiddleware leaves encoded responses alone.)

_PER_RESPONSE = {"set-cookie", "etag", "last-modified", "x-page-cache"}
_PER_BODY = {"content-length", "content-encoding"}
_CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


@dataclass
class _Route:
    page_key: str
    digest: str  # of the page these headers came with
    headers: list  # for a 200 (without the per-response ones)
    not_modified: list | None = None  # for a 304, once Django has sent one


class _Routes:
    """Per exact request, the page and headers Django last answered it with."""

    def __init__(self, size):
        self.size = size
        self.routes = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        return self.routes.get(key)

    def put(self, key, route):
        with self.lock:
            self.routes[key] = route
            self.routes.move_to_end(key)
            while len(self.routes) > self.size:
                self.routes.popitem(last=False)

    def clear(self):
        with self.lock:
            self.routes.clear()


_routes = _Routes(size=1000)


def _route_key(environ):
    """What identifies a request to the fast path, or None when it must go to Django."""
    if not settings.PAGE_CACHE_SECONDS or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    cookie_header = environ.get("HTTP_COOKIE")
    if cookie_header and _is_personal(parse_cookie(cookie_header)):
        return None
    # Everything Django reads to work out scheme, host, path and query parameters.
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    return (
        environ.get("wsgi.url_scheme"),
        environ.get(proxy_header[0]) if proxy_header else None,
        environ.get("HTTP_HOST"),
        environ.get("HTTP_X_FORWARDED_HOST") if settings.USE_X_FORWARDED_HOST else None,
        environ.get("HTTP_X_FORWARDED_PORT") if settings.USE_X_FORWARDED_PORT else None,
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
        environ.get("PATH_INFO"),
        environ.get("QUERY_STRING"),
    )


@receiver(setting_changed)
def _forget_learned_routes(**kwargs):
    # Settings change while running only in tests; what was learned came from the old.
    _routes.clear()


def _serve_fast(key, environ):
    """(status, headers, body) for a request the fast path can answer, else None."""
    route = _routes.get(key)
    if route is None:
        return None
    page = _recent.get(route.page_key)
    if page is None or page.digest != route.digest or not _is_current(page, time.time()):
        return None
    etag, last_modified = _validators(page)
    status, headers = "200 OK", route.headers
    if any(name in environ for name in _CONDITIONS):
        # A copy, so that a request that falls through reaches Django as the client sent it.
        request = WSGIRequest(dict(environ))
        answer = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if answer is not None:
            if answer.status_code != 304 or route.not_modified is None:
                return None
            status, headers = "304 Not Modified", route.not_modified
    headers = [*headers, ("ETag", etag), ("Last-Modified", http_date(last_modified))]
    body = b""
    if status == "200 OK":
        compress = _accepts_gzip(page, environ)
        body = page.gzipped if compress else page.body
        if compress:
            headers.append(("Content-Encoding", "gzip"))
        headers += (("Content-Length", str(len(body))), ("X-Page-Cache", "hit"))
        if environ["REQUEST_METHOD"] == "HEAD":
            body = b""
    return status, headers, body


def _learn(key, environ, status, headers):
    """Remember the headers Django sent with a stored page for this request."""
    served = environ.get(_SERVED)
    if served is None or not status.startswith(("200 ", "304 ")):
        return
    page_key, page = served
    # A cookie is something the fast path cannot make.
    if any(name.lower() == "set-cookie" for name, _ in headers):
        return
    if status.startswith("200 "):
        kept = [(n, v) for n, v in headers if n.lower() not in _PER_RESPONSE | _PER_BODY]
        _routes.put(key, _Route(page_key, page.digest, kept))
        return
    route = _routes.get(key)
    if route is not None and route.digest == page.digest:
        route.not_modified = [(n, v) for n, v in headers if n.lower() not in _PER_RESPONSE]


class FastPath:
    """WSGI middleware in front of Django's application (recovery_site/wsgi.py)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        key = _route_key(environ)
        if key is None:
            return self.application(environ, start_response)
        try:
            answer = _serve_fast(key, environ)
        except Exception:
            # Django answers instead, with its own error handling if the cause persists
            # (Redis down, say): the fast path must never be why a request fails.
            logger.exception("Page cache fast path failed; handing the request to Django")
            answer = None
        if answer is not None:
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        sent = []

        def remember(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.application(environ, remember)
        if sent:
            _learn(key, environ, *sent)
        return result
