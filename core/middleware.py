"""The site's middleware: HEAD answers without a body, security headers on every
response, Django's GZipMiddleware at level 5 (instead of 6) with zlib-ng (instead of
zlib), the database outage guard, and the refusal of addresses holding a NUL
character."""

import gzip
import secrets

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers
from zlib_ng import gzip_ng

from . import database
from .views import service_unavailable


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers GET would have and no body (RFC 9110).

    Django renders a HEAD request as a GET and leaves dropping the body to the server;
    gunicorn does drop it, but logs a warning for every such request. First in
    MIDDLEWARE, so that it sees each response last: after the middleware below have
    set Content-Length (the GET body's length, which a HEAD answer may carry) and
    compressed the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            # A file is closed with the response, unread.
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


class SecurityHeadersMiddleware(SecurityMiddleware):
    """Django's security headers (HSTS over https, nosniff, Referrer-Policy, COOP) with
    Permissions-Policy and Cross-Origin-Resource-Policy, on every response, and the
    Secure flag on every cookie sent over https, deletions included (Django deletes a
    cookie without it).

    First in MIDDLEWARE, so that a 400 made where a middleware below refused the
    request carries them too. It only adds headers: Django's SecurityMiddleware, further
    down, redirects to https.
    """

    def process_request(self, request):
        return None

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        if request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response


class PageGZipMiddleware(GZipMiddleware):
    """Level 5 instead of 6: a third less CPU for a few percent more bytes; zlib-ng
    makes the same format at about half zlib's CPU (figures in docs/benchmarks.md).
    Streaming responses and everything else are left to Django's middleware.

    Like Django's, the gzip header carries a file name of random length (up to
    ``max_random_bytes``) against guessing secrets from the compressed length.
    """

    compress_level = 5

    def process_response(self, request, response):
        if (
            response.streaming
            or len(response.content) < 200
            or response.has_header("Content-Encoding")
            or not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        compressed = self.compress(response.content)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        # A strong ETag would claim the compressed bytes equal the plain ones (RFC 9110).
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response

    def compress(self, content):
        """``content`` gzipped (no timestamp), with a random-length file name."""
        data = gzip_ng.compress(content, compresslevel=self.compress_level, mtime=0)
        header = bytearray(data[:10])
        header[3] = gzip.FNAME
        name = b"a" * secrets.randbelow(self.max_random_bytes) + b"\x00"
        return bytes(header) + name + data[10:]


class DatabaseOutageMiddleware:
    """A request waits on the database at most DATABASE_STATEMENT_TIMEOUT seconds in
    all, and a view that fails because the database is down, frozen or too slow
    answers with the 503 page (and Retry-After), not the 500 page: nothing is
    broken that trying again later will not fix."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with database.wait_limit(settings.DATABASE_STATEMENT_TIMEOUT):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, database.OUTAGE_ERRORS):
            return service_unavailable(request)
        return None


class RejectNulMiddleware:
    """Answer 400 (the site's page) to an address whose path or query string holds a
    NUL character. PostgreSQL cannot store or compare a string holding one, so any
    view or admin filter passing such a value to a query would fail with a 500;
    nobody types one. Near the end of MIDDLEWARE, so the 400 page gets every header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the address")
        return self.get_response(request)
