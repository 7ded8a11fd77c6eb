"""Django's GZipMiddleware, compressing rendered pages at level 5 (instead of 6) with
zlib-ng (instead of zlib); and the refusal of addresses holding a NUL character."""

import gzip
import secrets

from django.core.exceptions import BadRequest
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from zlib_ng import gzip_ng


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


class RejectNulMiddleware:
    """Answer 400 (the site's page) to an address whose path or query string holds a
    NUL character. PostgreSQL cannot store or compare a string holding one, so any
    view or admin filter passing such a value to a query would fail with a 500;
    nobody types one. Last in MIDDLEWARE, so the 400 page gets every header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the address")
        return self.get_response(request)
