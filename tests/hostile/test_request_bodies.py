"""Comment posts a browser would never send: huge bodies, wrong content types and
charsets, broken multipart, bad reply targets, forged form timestamps. None gets a
5xx; none stores a comment, except a forged timestamp, which is kept as spam (for
moderators, as WordPress keeps it) and never shown."""

import base64
import time
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client

from comments.forms import TIMESTAMP_SALT, sign_timestamp
from comments.models import Comment
from tests.factories import make_article, make_comment

from .conftest import assert_not_a_server_error, assert_nothing_stored

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# The comment text of the comment_post_data fixture.
DEFAULT_BODY = b"Thank you for explaining this so clearly."


def post_raw(client, article, body, content_type):
    return client.generic(
        "POST",
        f"/comments/post/{article.slug}/",
        body,
        content_type=content_type,
        headers={"X-CSRFToken": client.csrf_token},
    )


def form_body(data, **extra):
    return urlencode({**data, **extra}).encode()


def multipart(*parts, boundary="BOUNDARY"):
    """A multipart body from (headers, content) parts, closed properly."""
    lines = []
    for headers, content in parts:
        lines += [f"--{boundary}".encode(), *[h.encode() for h in headers], b"", content]
    return b"\r\n".join([*lines, f"--{boundary}--".encode(), b""])


def field(name, value):
    return ([f'Content-Disposition: form-data; name="{name}"'], value.encode())


# --- Sizes ---------------------------------------------------------------------------------

SIZES = [
    ("1 MB comment, form-encoded", lambda data: ("body", "x" * MB, "form")),
    ("20 MB comment, form-encoded", lambda data: ("body", "x" * (20 * MB), "form")),
    ("1 MB comment, multipart", lambda data: ("body", "x" * MB, "multipart")),
    ("20 MB comment, multipart", lambda data: ("body", "x" * (20 * MB), "multipart")),
    ("1 MB name", lambda data: ("author_name", "n" * MB, "form")),
    ("20 MB of one unknown field", lambda data: ("filler", "f" * (20 * MB), "form")),
]


@pytest.mark.parametrize("make", [make for _, make in SIZES], ids=[name for name, _ in SIZES])
def test_huge_posts_store_nothing(csrf_reader, article, comment_post_data, make):
    name, value, encoding = make(None)
    data = comment_post_data(**{name: value})
    if encoding == "form":
        response = post_raw(
            csrf_reader, article, form_body(data), "application/x-www-form-urlencoded"
        )
    else:
        body = multipart(*(field(key, str(val)) for key, val in data.items()))
        response = post_raw(csrf_reader, article, body, "multipart/form-data; boundary=BOUNDARY")

    assert_not_a_server_error(response)
    assert response.status_code in (400, 413)
    assert_nothing_stored()


def test_a_20_mb_file_beside_a_comment_without_text_stores_nothing(
    csrf_reader, article, comment_post_data
):
    data = comment_post_data(body="")
    upload = (
        ['Content-Disposition: form-data; name="upload"; filename="big.bin"'],
        b"\0" * (20 * MB),
    )
    body = multipart(*(field(key, str(val)) for key, val in data.items()), upload)

    response = post_raw(csrf_reader, article, body, "multipart/form-data; boundary=BOUNDARY")

    assert response.status_code == 400
    assert_nothing_stored()


# --- Content types and charsets -------------------------------------------------------------

# (content type, whether Django reads the body as the comment form)
CONTENT_TYPES = [
    ("application/x-www-form-urlencoded", True),
    ("application/x-www-form-urlencoded; charset=UTF-8", True),
    ("application/x-www-form-urlencoded; charset=no-such-charset", True),
    ("application/x-www-form-urlencoded; charset=latin-1", False),
    ("application/x-www-form-urlencoded; charset=utf8", False),
    ("application/x-www-form-urlencoded; charset=utf-16", False),
    ("application/x-www-form-urlencoded; charset=ascii", False),
    ("application/x-www-form-urlencoded; charset=", True),
    ("text/plain", False),
    ("text/html; charset=utf-8", False),
    ("application/json", False),
    ("application/xml", False),
    ("application/octet-stream", False),
    ("", False),
    ("multipart/form-data", False),
    ("multipart/form-data; boundary=", False),
    ("multipart/form-data; boundary=OTHER", False),
    ("application/x-www-form-urlencoded, text/plain", False),
    ("x" * 2000, False),
]


@pytest.mark.parametrize(
    ("content_type", "read_as_form"), CONTENT_TYPES, ids=[ct[:60] for ct, _ in CONTENT_TYPES]
)
def test_content_types_and_charsets(
    csrf_reader, article, comment_post_data, content_type, read_as_form
):
    response = post_raw(csrf_reader, article, form_body(comment_post_data()), content_type)

    assert_not_a_server_error(response)
    if read_as_form:
        assert response.status_code == 302
        assert Comment.objects.count() == 1
    else:
        assert response.status_code in (400, 403)
        assert_nothing_stored()


# --- Malformed multipart --------------------------------------------------------------------

MALFORMED_MULTIPART = [
    ("no closing boundary", lambda ok: ok.removesuffix(b"--BOUNDARY--\r\n")),
    ("cut in a part's headers", lambda ok: ok[: ok.index(b"Content-Disposition") + 12]),
    ("no blank line after headers", lambda ok: ok.replace(b'"\r\n\r\n', b'"\r\n', 1)),
    ("part without a name", lambda ok: ok.replace(b'; name="body"', b"", 1)),
    ("garbage disposition", lambda ok: ok.replace(b"form-data;", b"\xff\xfe;;;=", 1)),
    ("boundary never used", lambda ok: ok.replace(b"--BOUNDARY", b"--ELSEWHERE")),
    ("header line of 100 KB", lambda ok: ok.replace(b"Content-Disposition", b"X" * 100_000, 1)),
    ("only a closing boundary", lambda ok: b"--BOUNDARY--\r\n"),
    ("binary junk", lambda ok: bytes(range(256)) * 40),
    ("empty body", lambda ok: b""),
    (
        "a base64 part decoding to bytes that are not UTF-8",
        lambda ok: ok.replace(
            b'name="body"\r\n\r\n' + DEFAULT_BODY,
            b'name="body"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64.b64encode(b"caf\xe9 \xff\xfe"),
        ),
    ),
]


@pytest.mark.parametrize(
    "damage", [d for _, d in MALFORMED_MULTIPART], ids=[name for name, _ in MALFORMED_MULTIPART]
)
def test_malformed_multipart(csrf_reader, article, comment_post_data, damage):
    data = comment_post_data()
    body = damage(multipart(*(field(key, str(val)) for key, val in data.items())))

    response = post_raw(csrf_reader, article, body, "multipart/form-data; boundary=BOUNDARY")

    assert_not_a_server_error(response)
    assert response.status_code in (400, 403)
    assert_nothing_stored()


# --- Reply targets ---------------------------------------------------------------------------

BAD_PARENTS = [
    "abc",
    "-1",
    "0",
    "1.5",
    "1e3",
    "0x10",
    "[1]",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1
    "1; DROP TABLE comments_comment",
    "{pending}",
    "{spam}",
    "{trash}",
    "{other_article}",
    "{missing}",
]


@pytest.fixture
def parents(article, approved):
    other = make_article()
    return {
        "pending": make_comment(article, status=Comment.Status.PENDING).pk,
        "spam": make_comment(article, status=Comment.Status.SPAM).pk,
        "trash": make_comment(article, status=Comment.Status.TRASH).pk,
        "other_article": make_comment(other).pk,
        "missing": approved.pk + 1000,
    }


@pytest.mark.parametrize("parent", BAD_PARENTS)
def test_bad_reply_targets_store_nothing(csrf_reader, article, comment_post_data, parents, parent):
    before = Comment.objects.count()
    data = comment_post_data(parent=parent.format(**parents), body="A reply to nothing.")

    response = post_raw(csrf_reader, article, form_body(data), "application/x-www-form-urlencoded")

    assert_not_a_server_error(response)
    assert response.status_code == 400
    assert Comment.objects.count() == before


# --- Form timestamps -------------------------------------------------------------------------

FORGED_TIMESTAMPS = [
    "",
    "abc",
    "1700000000",
    "{now}",
    "{signed_with_other_salt}",
    "{tampered}",
    "{from_the_future}",
    "{years_old}",
    "{signed_text}",
    "x" * 10_000,
    "a:b:c:d",
]


@pytest.fixture
def timestamps():
    now = time.time()
    good = sign_timestamp(now - 30)
    return {
        "now": str(now - 30),
        "signed_with_other_salt": signing.dumps(now - 30, salt="something-else"),
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "from_the_future": sign_timestamp(now + 3600),
        "years_old": sign_timestamp(now - 5 * 365 * 86400),
        "signed_text": signing.dumps("yesterday", salt=TIMESTAMP_SALT),
    }


@pytest.mark.parametrize("timestamp", FORGED_TIMESTAMPS, ids=lambda t: t[:30])
def test_forged_timestamps_are_never_published(
    csrf_reader, article, comment_post_data, timestamps, timestamp
):
    data = comment_post_data(timestamp=timestamp.format(**timestamps))

    response = post_raw(csrf_reader, article, form_body(data), "application/x-www-form-urlencoded")

    assert_not_a_server_error(response)
    assert set(Comment.objects.values_list("status", flat=True)) <= {Comment.Status.SPAM}
    assert data["body"] not in Client().get(article.get_absolute_url()).content.decode()
