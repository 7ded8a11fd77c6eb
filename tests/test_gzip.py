"""Rendered pages are gzipped by zlib-ng at level 5 (recovery_site/middleware.py), with Django's
headers and its random-length file name against length-based guessing."""

import gzip

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from zlib_ng import gzip_ng

from core.middleware import PageGZipMiddleware
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def split_gzip(body):
    """The random file name of a gzip member and the rest after the header."""
    assert body[:3] == b"\x1f\x8b\x08" and body[3] == gzip.FNAME
    end = body.index(b"\x00", 10)
    return body[10:end], body[end + 1 :]


def test_a_rendered_page_is_gzipped_by_zlib_ng_at_level_5_with_a_random_name(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # rendered for each request, not stored
    article = make_article(sections=10, faqs=10)

    response = client.get(article.get_absolute_url(), headers={"accept-encoding": "gzip"})

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert response["Content-Length"] == str(len(response.content))
    name, rest = split_gzip(response.content)
    assert set(name) <= {ord("a")} and len(name) < 100
    html = gzip.decompress(response.content)
    assert html.rstrip().endswith(b"</html>") and article.title.encode() in html
    # Byte for byte what zlib-ng's level 5 makes of the page (level 6 differs, and so
    # does zlib's level 5).
    assert rest == gzip_ng.compress(html, compresslevel=5, mtime=0)[10:]
    assert rest != gzip_ng.compress(html, compresslevel=6, mtime=0)[10:]
    assert rest != gzip.compress(html, compresslevel=5, mtime=0)[10:]


def test_the_file_name_length_varies_between_responses():
    middleware = PageGZipMiddleware(lambda request: HttpResponse("x" * 1000))
    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})

    lengths = {len(split_gzip(middleware(request).content)[0]) for _ in range(30)}

    assert len(lengths) > 1


@pytest.mark.parametrize(
    ("etag", "expected"), [('"abc"', 'W/"abc"'), ('W/"abc"', 'W/"abc"')], ids=["strong", "weak"]
)
def test_a_strong_etag_becomes_weak_when_compressed(etag, expected):
    def view(request):
        response = HttpResponse("some words " * 100)
        response["ETag"] = etag
        return response

    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    response = PageGZipMiddleware(view)(request)

    assert response["ETag"] == expected
    assert gzip.decompress(response.content) == b"some words " * 100


@pytest.mark.parametrize(
    ("body", "accept"),
    [("some words " * 100, "br, deflate"), ("short", "gzip")],
    ids=["browser without gzip", "under 200 bytes"],
)
def test_what_is_left_plain(body, accept):
    request = RequestFactory().get("/", headers={"accept-encoding": accept})
    response = PageGZipMiddleware(lambda request: HttpResponse(body))(request)

    assert not response.has_header("Content-Encoding")
    assert response.content == body.encode()


def test_an_already_encoded_or_streaming_response_is_left_to_django():
    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})

    def encoded(request):
        response = HttpResponse(b"br-bytes" * 100)
        response["Content-Encoding"] = "br"
        return response

    assert PageGZipMiddleware(encoded)(request).content == b"br-bytes" * 100

    streamed = PageGZipMiddleware(lambda request: StreamingHttpResponse([b"words " * 100]))(request)
    assert streamed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(streamed.streaming_content)) == b"words " * 100
