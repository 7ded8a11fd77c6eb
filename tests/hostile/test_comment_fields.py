"""Hostile text in each field of the comment form: markup and script, SQL-ish strings,
control and bidi characters, bytes that are not UTF-8. What the form takes is stored
as sent and shown inert; what it refuses gets a 400 with the form, and no row."""

from urllib.parse import quote_from_bytes

import pytest
from django.test import Client

from comments import services
from comments.models import Comment

from .conftest import active_content, assert_not_a_server_error, assert_nothing_stored

pytestmark = pytest.mark.django_db

TEXT_FIELDS = ["body", "author_name", "author_email", "author_url"]

XSS = [
    "<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><script>alert(document.cookie)</script>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "</textarea><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% debug %} ${7*7} #{7*7}",
    'https://example.org/"onmouseover="alert(1)',
]

SQLISH = [
    "' OR '1'='1",
    "'; DROP TABLE comments_comment; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(10)",
    "') UNION SELECT password FROM auth_user --",
    "\\'; DROP TABLE articles_article; --",
    "E'\\\\x41' || chr(65)",
    '{"$gt": ""}',
]

# Control characters other than line breaks and tabs, and characters that reorder text.
CONTROL_AND_BIDI = [
    *[chr(code) for code in (0x00, 0x01, 0x08, 0x0B, 0x0C, 0x1B, 0x7F)],
    "\x85",
    *[chr(code) for code in (0x202A, 0x202E)],
    *[chr(code) for code in (0x2066, 0x2069)],
    "\u061c",
    "\u200e",
    "\u200f",
]

INVISIBLE_ONLY = ["\u200b", "\u200b\u200c\u200d", "\ufeff", "\u2060\u2060", "\u200b \n \u200b"]

# Byte sequences that are not UTF-8: stray continuation, truncated, overlong, surrogate,
# beyond U+10FFFF, Latin-1.
INVALID_UTF8 = [
    b"\xff",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"caf\xe9",
]


def sent(value, field):
    """``value`` placed where it fits ``field``: an email or web address keeps its form."""
    if field == "author_email":
        return f"sam{value}@example.org"
    if field == "author_url":
        return f"https://example.org/a{value}b"
    return f"Hello {value} there"


def post(client, article, data):
    data = {**data, "csrfmiddlewaretoken": client.csrf_token}
    return client.post(f"/comments/post/{article.slug}/", data)


def assert_refused(response):
    assert_not_a_server_error(response)
    assert response.status_code == 400
    assert_nothing_stored()


def assert_shown_inert(article, comment):
    """The approved comment's page has no more script-capable markup than before."""
    before = active_content(Client().get(article.get_absolute_url()).content.decode())
    services.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED)

    page = Client().get(article.get_absolute_url()).content.decode()

    assert comment.anchor in page
    assert active_content(page) == before


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("field", ["body", "author_name"])
def test_markup_in_text_is_stored_as_sent_and_shown_inert(
    csrf_reader, article, comment_post_data, field, payload
):
    response = post(csrf_reader, article, comment_post_data(**{field: payload}))

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert getattr(comment, field) == payload
    assert_shown_inert(article, comment)


@pytest.mark.parametrize("payload", XSS)
@pytest.mark.parametrize("field", ["author_email", "author_url"])
def test_markup_in_an_address_is_refused_or_shown_inert(
    csrf_reader, article, comment_post_data, field, payload
):
    response = post(csrf_reader, article, comment_post_data(**{field: payload}))

    assert_not_a_server_error(response)
    if response.status_code == 400:
        assert_nothing_stored()
        return
    assert response.status_code == 302
    comment = Comment.objects.get()
    if field == "author_url":
        assert comment.author_url.startswith(("http://", "https://"))
    assert_shown_inert(article, comment)


@pytest.mark.parametrize("payload", SQLISH)
@pytest.mark.parametrize("field", ["body", "author_name"])
def test_sqlish_text_is_stored_as_sent(csrf_reader, article, comment_post_data, field, payload):
    response = post(csrf_reader, article, comment_post_data(**{field: payload}))

    assert response.status_code == 302
    assert Comment.objects.get().__dict__[field] == payload
    assert article.__class__.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("character", CONTROL_AND_BIDI, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_control_and_bidi_characters_are_refused(
    csrf_reader, article, comment_post_data, field, character
):
    response = post(csrf_reader, article, comment_post_data(**{field: sent(character, field)}))

    assert_refused(response)
    assert f'id="id_{field}_error"' in response.content.decode()  # the message under the field


@pytest.mark.parametrize("body", INVISIBLE_ONLY, ids=lambda b: "+".join(f"{ord(c):04X}" for c in b))
def test_a_comment_of_invisible_characters_is_refused(
    csrf_reader, article, comment_post_data, body
):
    response = post(csrf_reader, article, comment_post_data(body=body))

    assert_refused(response)
    assert 'id="id_body_error"' in response.content.decode()
    assert "Please write your comment." in response.content.decode()


@pytest.mark.parametrize("raw", INVALID_UTF8, ids=lambda b: b.hex())
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_bytes_that_are_not_utf8_are_refused(csrf_reader, article, comment_post_data, field, raw):
    data = {**comment_post_data(), "csrfmiddlewaretoken": csrf_reader.csrf_token}
    encoded = {name: quote_from_bytes(str(value).encode()) for name, value in data.items()}
    encoded[field] = quote_from_bytes(sent("@@", field).encode()).replace(
        "%40%40", quote_from_bytes(raw)
    )
    body = "&".join(f"{name}={value}" for name, value in encoded.items())

    response = csrf_reader.generic(
        "POST",
        f"/comments/post/{article.slug}/",
        body.encode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert_refused(response)
    assert f'id="id_{field}_error"' in response.content.decode()
