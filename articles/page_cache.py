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
  The text between holes is stored gzip-compressed, so a response is joined, not
  compressed.
- ``FastPath`` (in front of Django, recovery_site/wsgi.py) answers a request it has
  seen Django answer from this cache with the same page and headers, without running
  Django's middleware.

The stamps live in the cache itself, so every process that serves pages or writes
content must share it: the page cache is on by default only with ``REDIS_URL``.
"""

import hashlib
import logging
import re
import secrets
import struct
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, parse_cookie
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CsrfViewMiddleware,
)
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
_PREFIX = "pagecache:2:"
_NEXT_PUBLICATION = _PREFIX + "next-publication"
# Where _respond leaves the page it answered with, in the request's WSGI environ.
_SERVED = "recovery_site.page_cache.served"

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


# Random bytes to CSRF characters: a byte b below 248 (4 x 62) becomes character
# b % 62, uniformly; bytes from 248 up are dropped rather than make some likelier.
_CSRF_BYTES = bytes(ord(CSRF_ALLOWED_CHARS[b % len(CSRF_ALLOWED_CHARS)]) for b in range(256))
_CSRF_DROPPED = bytes(range(256 - 256 % len(CSRF_ALLOWED_CHARS), 256))


def _random_csrf_string():
    """What django.middleware.csrf._get_new_csrf_string makes (32 characters drawn
    uniformly from CSRF_ALLOWED_CHARS by the OS's secure generator), from one call to
    the generator instead of 32: on a cached page, Django's took a third of a hit."""
    found = b""
    while len(found) < CSRF_SECRET_LENGTH:
        found += secrets.token_bytes(48).translate(_CSRF_BYTES, _CSRF_DROPPED)
    return found[:CSRF_SECRET_LENGTH].decode()


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}


def _csrf_token(request):
    """django.middleware.csrf.get_token(), with the generator above: the visitor's
    secret (a new one if they have none) under a fresh mask, and the cookie flagged
    for CsrfViewMiddleware (or the fast path) to send."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    chars, index = CSRF_ALLOWED_CHARS, _CSRF_INDEX
    mask = _random_csrf_string()
    cipher = "".join(
        chars[(index[x] + index[y]) % len(chars)] for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


hidden_input_hole("csrfmiddlewaretoken", _csrf_token)


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


def _hole_values(page, request):
    # One value per hole name and response, as one page may show a form twice.
    return {name: _holes[name].fill(request).encode() for name in page.hole_names}


# --- Pre-compressed pages ---------------------------------------------------------
#
# The holes make every response different, so compressing a whole page per response
# (GZipMiddleware) would cost milliseconds. Instead each stretch of text between two
# holes is deflated once, when the page is stored, flushed with Z_FULL_FLUSH so that it
# ends on a byte boundary and refers to nothing before it: stretches and hole values can
# then be joined into one deflate stream. Hole values go in as stored (uncompressed)
# blocks, so a secret (the CSRF token) is never compressed together with other text,
# which also rules out BREACH-style guessing. The gzip trailer's CRC-32 is continued from
# the stored CRC of the text before the first hole (long stretches after a hole are
# combined from their own stored CRC), so a response costs no pass over the page.

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # GZipMiddleware's test
_GZIP_MIN_SIZE = 200  # GZipMiddleware does not compress shorter responses
_FINAL_BLOCK = b"\x03\x00"  # an empty final block with fixed codes
# The random-length file name GZipMiddleware also adds (against length-based guessing).
_GZIP_PADDING = 100
_CRC_POLY = 0xEDB88320
# Combining CRCs in Python costs about as much as zlib reading 40 KB: shorter stretches
# after a hole are simply read.
_CRC_COMBINE_FROM = 32 * 1024


def _deflate(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored_blocks(data):
    # Non-final stored blocks: a header byte, the length and its complement, the bytes.
    return b"".join(
        b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
        for chunk in (data[start : start + 0xFFFF] for start in range(0, len(data), 0xFFFF))
    )


def _crc_multiply(a, b):
    # Multiply two polynomials modulo the CRC-32 polynomial (bit-reflected), as zlib's
    # crc32_combine does.
    high = 1 << 31
    product = 0
    while a:
        if a & high:
            product ^= b
            a ^= high
        high >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return product


_X_POWERS = [1 << 30]  # x^(2^n) modulo the polynomial, for n = 0, 1, ...
for _ in range(63):
    _X_POWERS.append(_crc_multiply(_X_POWERS[-1], _X_POWERS[-1]))


def _crc_shift(length):
    """x^(8 * length) modulo the polynomial: what moves a CRC past ``length`` bytes."""
    power, n = 1 << 31, 3
    while length:
        if length & 1:
            power = _crc_multiply(_X_POWERS[n], power)
        length >>= 1
        n += 1
    return power


def _crc_combine(crc, shift, next_crc):
    """The CRC-32 of A + B from crc(A), crc(B) and _crc_shift(len(B))."""
    return _crc_multiply(shift, crc) ^ next_crc


def _accepts_gzip(page, meta):
    return page.size >= _GZIP_MIN_SIZE and _ACCEPTS_GZIP.search(
        meta.get("HTTP_ACCEPT_ENCODING", "")
    )


def _body(page, values, compress):
    """The page's bytes with ``values`` in its holes, gzipped if ``compress``."""
    parts, names = page.parts, page.holes
    if not compress:
        body = [parts[0]]
        for name, part in zip(names, parts[1:], strict=True):
            body += (values[name], part)
        return b"".join(body)
    filename = b"a" * secrets.randbelow(_GZIP_PADDING) + b"\x00"
    # Magic, deflate, FNAME flag, no time, no extra flags, unknown OS.
    body = [b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff", filename, page.deflated[0]]
    crc, size = page.crcs[0], page.size
    for index, name in enumerate(names, start=1):
        value = values[name]
        body += (_stored_blocks(value), page.deflated[index])
        crc = zlib.crc32(value, crc)
        part = page.parts[index]
        if len(part) < _CRC_COMBINE_FROM:
            crc = zlib.crc32(part, crc)
        else:
            crc = _crc_combine(crc, page.shifts[index], page.crcs[index])
        size += len(value)
    body += (_FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(body)


# --- The decorator ----------------------------------------------------------------


@dataclass
class _Page:
    # The text between holes (UTF-8), hole names between them (len(parts) - 1), and,
    # for every part, its raw deflate stream, CRC-32 and _crc_shift(len(part)).
    parts: tuple
    holes: tuple
    deflated: tuple
    crcs: tuple
    shifts: tuple
    size: int  # of the parts together
    headers: dict
    stamps: dict
    digest: str
    stored_at: float
    expires_at: float

    @property
    def has_holes(self):
        return bool(self.holes)

    @property
    def hole_names(self):
        return set(self.holes)


def _page_from_html(html, charset, **fields):
    placeholders = {hole.placeholder: name for name, hole in _holes.items()}
    pieces = re.split(f"({'|'.join(map(re.escape, placeholders))})", html) if _holes else [html]
    parts = tuple(piece.encode(charset) for piece in pieces[::2])
    return _Page(
        parts=parts,
        holes=tuple(placeholders[piece] for piece in pieces[1::2]),
        deflated=tuple(_deflate(part) for part in parts),
        crcs=tuple(zlib.crc32(part) for part in parts),
        shifts=tuple(_crc_shift(len(part)) for part in parts),
        size=sum(len(part) for part in parts),
        digest=hashlib.sha256(html.encode()).hexdigest()[:16],
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
    page = _page_from_html(
        html,
        response.charset,
        headers=headers,
        stamps=values,
        stored_at=now,
        expires_at=expires_at,
    )
    cache.set(key, page, timeout=timeout)
    _recent.put(key, page)
    return page


def _validators(page, meta):
    """The page's ETag and Last-Modified (None for pages with holes) for one visitor."""
    if page.has_holes:
        # The copy carries this visitor's CSRF token and form timestamp: only their
        # browser may keep it, and only while both still work.
        secret = meta.get("CSRF_COOKIE", "")
        window = int(time.time() // _VISITOR_COPY_SECONDS)
        visitor = hashlib.sha256(f"{secret}:{window}".encode()).hexdigest()[:12]
        return f'W/"{page.digest}-{visitor}"', None
    return f'W/"{page.digest}"', int(page.stored_at)


def _respond(request, key, page, status):
    values = _hole_values(page, request)
    compress = _accepts_gzip(page, request.META)
    response = HttpResponse(_body(page, values, compress))
    for name, value in page.headers.items():
        response[name] = value
    response["X-Page-Cache"] = status
    patch_vary_headers(response, ["Cookie"])
    if page.size >= _GZIP_MIN_SIZE:
        # As GZipMiddleware would; it leaves a response with Content-Encoding alone.
        patch_vary_headers(response, ["Accept-Encoding"])
    if compress:
        response["Content-Encoding"] = "gzip"
    etag, last_modified = _validators(page, request.META)
    response["ETag"] = etag
    if page.has_holes:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    else:
        response["Last-Modified"] = http_date(last_modified)
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
# CSP, Vary, Cache-Control...). Only values that differ per response are made here:
# hole values, ETag, Last-Modified, Content-Length and -Encoding, and the CSRF cookie
# (by Django's own CSRF middleware code). So the fast path serves only what Django
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
    if settings.CSRF_USE_SESSIONS:  # the token would be in the session: personal
        return None
    cookie_header = environ.get("HTTP_COOKIE")
    if cookie_header:
        cookies = parse_cookie(cookie_header)
        names = {settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *_personal_cookies}
        if not names.isdisjoint(cookies):
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


_csrf_middleware = CsrfViewMiddleware(lambda request: None)


_COOKIE_STAND_IN = "S" * CSRF_SECRET_LENGTH
_cookie_headers = {}


@receiver(setting_changed)
def _forget_made_headers(**kwargs):
    # Settings change while running only in tests; what was learned came from the old.
    _cookie_headers.clear()
    _routes.clear()


def _csrf_cookie_header(request):
    """The Set-Cookie header CsrfViewMiddleware sends, made by its own code once a
    second (the expiry date has one-second steps) with a stand-in secret."""
    second = int(time.time())
    made = _cookie_headers.get(second)
    if made is None:
        response = HttpResponse()
        _csrf_middleware._set_csrf_cookie(
            SimpleNamespace(META={"CSRF_COOKIE": _COOKIE_STAND_IN}), response
        )
        made = response.cookies[settings.CSRF_COOKIE_NAME].output(header="")
        _cookie_headers.clear()
        _cookie_headers[second] = made
    # A secret is letters and digits: never quoted, so it stands where the stand-in did.
    return made.replace(_COOKIE_STAND_IN, request.META["CSRF_COOKIE"], 1)


def _serve_fast(key, environ):
    """(status, headers, body) for a request the fast path can answer, else None."""
    route = _routes.get(key)
    if route is None:
        return None
    page = _recent.get(route.page_key)
    if page is None or page.digest != route.digest or not _is_current(page, time.time()):
        return None
    # A copy, so that a request that falls through reaches Django as the client sent it.
    request = WSGIRequest(dict(environ))
    _csrf_middleware.process_request(request)
    values = _hole_values(page, request)
    etag, last_modified = _validators(page, request.META)
    status, headers = "200 OK", route.headers
    if any(name in environ for name in _CONDITIONS):
        answer = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if answer is not None:
            if answer.status_code != 304 or route.not_modified is None:
                return None
            status, headers = "304 Not Modified", route.not_modified
    headers = [*headers, ("ETag", etag)]
    if last_modified is not None:
        headers.append(("Last-Modified", http_date(last_modified)))
    body = b""
    if status == "200 OK":
        compress = _accepts_gzip(page, environ)
        body = _body(page, values, compress)
        if compress:
            headers.append(("Content-Encoding", "gzip"))
        headers += (("Content-Length", str(len(body))), ("X-Page-Cache", "hit"))
        if request.method == "HEAD":
            body = b""
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        headers.append(("Set-Cookie", _csrf_cookie_header(request)))
    return status, headers, body


def _learn(key, environ, status, headers):
    """Remember the headers Django sent with a stored page for this request."""
    served = environ.get(_SERVED)
    if served is None or not status.startswith(("200 ", "304 ")):
        return
    page_key, page = served
    own = {settings.CSRF_COOKIE_NAME}
    for name, value in headers:
        # A cookie other than the CSRF one: something the fast path cannot make.
        if name.lower() == "set-cookie" and value.split("=", 1)[0].strip() not in own:
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
