"""The "Leave a Reply" form: validation, replies, logged-in users and the form timestamp."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.urls import reverse

from comments.conf import comment_settings
from comments.forms import CommentForm, sign_timestamp, timestamp_problem
from comments.models import Comment
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

IDENTITY_FIELDS = {"author_name", "author_email", "author_url", "save_details"}


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def submit(article, comment_post_data):
    """Bind valid anonymous POST data, changed by ``overrides``, to a CommentForm."""

    def bind(**overrides):
        return CommentForm(comment_post_data(**overrides), article=article, user=AnonymousUser())

    return bind


def error_codes(form):
    """{field: [code, ...]} of a validated form ("__all__" for non-field errors)."""
    assert not form.is_valid()
    return {
        field: [error.code for error in errors] for field, errors in form.errors.as_data().items()
    }


def test_valid_data_is_valid_and_cleaned(submit):
    form = submit(author_name="  Sam   Rivera ", author_email=" sam@example.org ")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["author_name"] == "Sam Rivera"
    assert form.cleaned_data["author_email"] == "sam@example.org"
    assert form.cleaned_data["author_url"] == ""
    assert form.cleaned_data["parent"] is None


# --- Required fields and formats -----------------------------------------------------------


@pytest.mark.parametrize("field", ["body", "author_name", "author_email"])
@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "spaces"])
def test_required_fields(submit, field, value):
    assert error_codes(submit(**{field: value})) == {field: ["required"]}


def test_a_body_of_only_whitespace_is_required(submit):
    assert error_codes(submit(body=" \n\r\n\t \u00a0 ")) == {"body": ["required"]}


@pytest.mark.parametrize(
    "email", ["sam", "sam@", "@example.org", "sam@exa mple.org", "sam@@example.org"]
)
def test_a_bad_email_is_invalid(submit, email):
    assert error_codes(submit(author_email=email)) == {"author_email": ["invalid"]}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "ftp://files.example.org/pills.zip",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ],
    ids=["javascript", "javascript-mixed-case", "ftp", "data"],
)
def test_only_web_addresses_are_accepted_as_website(submit, url):
    codes = error_codes(submit(author_url=url))

    assert set(codes) == {"author_url"}
    assert set(codes["author_url"]) == {"invalid"}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi"], ids=["js", "data"])
def test_a_bad_website_gets_one_error(submit, url):
    assert error_codes(submit(author_url=url)) == {"author_url": ["invalid"]}


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("http://example.org", "http://example.org"),
        ("https://example.org/about?me=1", "https://example.org/about?me=1"),
        ("example.org/about", "https://example.org/about"),
    ],
    ids=["http", "https", "no-scheme-gets-https"],
)
def test_http_and_https_websites_are_accepted(submit, url, cleaned):
    form = submit(author_url=url)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["author_url"] == cleaned


# --- Length limits -------------------------------------------------------------------------


def email_of_length(length):
    local = "a" * 64
    domain = f"{'b' * 63}.{'c' * 63}."
    return f"{local}@{domain}{'d' * (length - len(local) - 1 - len(domain))}"


def url_of_length(length):
    start = "https://example.org/"
    return start + "a" * (length - len(start))


LIMITS = [
    ("author_name", lambda n: "n" * n, 100),
    ("author_email", email_of_length, 254),
    ("author_url", url_of_length, 200),
    ("body", lambda n: "b" * n, 10_000),
]


@pytest.mark.parametrize(
    ("field", "make_value", "limit"), LIMITS, ids=[field for field, *_rest in LIMITS]
)
def test_one_character_over_the_limit_is_too_long(submit, field, make_value, limit):
    value = make_value(limit + 1)
    assert len(value) == limit + 1

    assert "max_length" in error_codes(submit(**{field: value}))[field]


@pytest.mark.parametrize(
    ("field", "make_value", "limit"), LIMITS, ids=[field for field, *_rest in LIMITS]
)
def test_exactly_the_limit_is_accepted(submit, field, make_value, limit):
    value = make_value(limit)
    assert len(value) == limit

    form = submit(**{field: value})

    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == value


def test_the_website_limit_counts_the_assumed_scheme(submit):
    # 195 typed characters become 203 with "https://" in front.
    assert "max_length" in error_codes(submit(author_url="example.org/" + "a" * 183))["author_url"]


# --- Control characters --------------------------------------------------------------------

VALUES_WITH_ROOM = {
    "body": "Thank you for {} this.",
    "author_name": "Sam {}Rivera",
    # A quoted local part may hold ASCII control characters and passes the format check.
    "author_email": '"sam{}"@example.org',
    "author_url": "https://example.org/sam{}rivera",
}
ASCII_CONTROLS = {"bell": "\x07", "escape": "\x1b", "delete": "\x7f"}
BIDI_CONTROLS = {"rlo": "\u202e", "lri": "\u2066"}


@pytest.mark.parametrize("field", VALUES_WITH_ROOM)
def test_a_nul_byte_is_rejected_in_every_field(submit, field):
    value = VALUES_WITH_ROOM[field].format("\x00")

    assert "null_characters_not_allowed" in error_codes(submit(**{field: value}))[field]


@pytest.mark.parametrize("field", ["body", "author_name", "author_email", "author_url"])
@pytest.mark.parametrize("character", list(ASCII_CONTROLS.values()), ids=list(ASCII_CONTROLS))
def test_ascii_control_characters_are_rejected_in_every_field(submit, field, character):
    value = VALUES_WITH_ROOM[field].format(character)

    assert error_codes(submit(**{field: value})) == {field: ["control_characters"]}


@pytest.mark.parametrize("field", ["body", "author_name", "author_url"])
@pytest.mark.parametrize("character", list(BIDI_CONTROLS.values()), ids=list(BIDI_CONTROLS))
def test_bidi_controls_are_rejected(submit, field, character):
    value = VALUES_WITH_ROOM[field].format(character)

    assert error_codes(submit(**{field: value})) == {field: ["control_characters"]}


@pytest.mark.parametrize(
    "email",
    [
        "sam\x07@example.org",
        "sam@exa\x1bmple.org",
        '"sam\u202e"@example.org',
        "sam\u2066@example.org",
    ],
    ids=["bell-plain", "escape-in-domain", "rlo-quoted", "lri-plain"],
)
def test_other_control_characters_in_an_email_fail_the_format_check(submit, email):
    assert error_codes(submit(author_email=email)) == {"author_email": ["invalid"]}


@pytest.mark.parametrize("character", list(BIDI_CONTROLS.values()), ids=list(BIDI_CONTROLS))
def test_a_bidi_control_in_a_website_host_name_is_rejected(submit, character):
    assert error_codes(submit(author_url=f"https://exa{character}mple.org/")) == {
        "author_url": ["control_characters"]
    }


def test_line_breaks_and_tabs_are_fine_in_the_body(submit):
    body = "First paragraph.\r\n\r\nSecond:\n\t- one\n\t- two"

    form = submit(body=body)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == body


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("author_name", "control_characters"),
        ("author_email", "invalid"),
        ("author_url", "invalid"),
    ],
)
@pytest.mark.parametrize("character", ["\n", "\t"], ids=["newline", "tab"])
def test_line_breaks_and_tabs_are_rejected_in_one_line_fields(submit, field, code, character):
    value = VALUES_WITH_ROOM[field].format(character)

    codes = error_codes(submit(**{field: value}))

    assert set(codes) == {field}
    assert set(codes[field]) == {code}


# --- Replies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_parent",
    [
        lambda article: make_comment(article, status=Comment.Status.PENDING).pk,
        lambda article: make_comment(article, status=Comment.Status.SPAM).pk,
        lambda article: make_comment(article, status=Comment.Status.TRASH).pk,
        lambda article: make_comment(make_article()).pk,
        lambda article: 987_654_321,
    ],
    ids=["pending", "spam", "trash", "other-article", "nonexistent"],
)
def test_a_reply_to_anything_but_an_approved_comment_here_is_refused(submit, article, make_parent):
    form = submit(parent=str(make_parent(article)))

    assert error_codes(form) == {"__all__": ["invalid_parent"]}
    assert [error.code for error in form.non_field_errors().as_data()] == ["invalid_parent"]


def test_a_reply_to_an_approved_comment_of_the_article_is_accepted(submit, article):
    parent = make_comment(article, status=Comment.Status.APPROVED)

    form = submit(parent=str(parent.pk))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["parent"] == parent
    assert isinstance(form.cleaned_data["parent"], Comment)


def test_a_parent_that_is_not_a_number_is_invalid(submit):
    assert error_codes(submit(parent="1 OR 1=1")) == {"parent": ["invalid"]}


# --- Logged-in users -----------------------------------------------------------------------


def test_logged_in_users_write_only_the_comment(article):
    user = User.objects.create_user("editor", "editor@example.org", "secret")

    form = CommentForm({"body": "Reviewed, thanks."}, article=article, user=user)

    assert not IDENTITY_FIELDS & set(form.fields)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == "Reviewed, thanks."


def test_anonymous_readers_get_the_identity_fields(article):
    form = CommentForm(article=article, user=AnonymousUser())

    assert set(form.fields) >= IDENTITY_FIELDS
    assert timestamp_problem(form.fields["timestamp"].initial) == "too_fast"


# --- Form timestamp ------------------------------------------------------------------------

SHOWN_AT = 1_750_000_000.0


@pytest.mark.parametrize(
    ("seconds_later", "problem"),
    [
        (0, "too_fast"),
        (1, "too_fast"),
        (30, None),
        (3600, None),
    ],
    ids=["at-once", "after-1s", "after-30s", "after-an-hour"],
)
def test_timestamp_too_fast_or_fine(settings, seconds_later, problem):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    token = sign_timestamp(now=SHOWN_AT)

    assert timestamp_problem(token, now=SHOWN_AT + seconds_later) == problem


def test_timestamp_exactly_the_minimum_is_fine(settings):
    token = sign_timestamp(now=SHOWN_AT)

    minimum = comment_settings.COMMENTS_MIN_SUBMIT_SECONDS
    assert timestamp_problem(token, now=SHOWN_AT + minimum) is None


def with_payload_of(token, other):
    """``token``'s timestamp and signature with ``other``'s payload (an edited time)."""
    _payload, stamp, signature = token.split(":")
    return ":".join([other.split(":")[0], stamp, signature])


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: "",
        lambda: None,
        lambda: "not-a-token",
        lambda: sign_timestamp(now=SHOWN_AT)[:-1] + "x",
        lambda: with_payload_of(sign_timestamp(now=SHOWN_AT), sign_timestamp(now=SHOWN_AT - 600)),
    ],
    ids=["empty", "missing", "garbage", "bad-signature", "edited-time"],
)
def test_a_forged_timestamp(make_token):
    assert timestamp_problem(make_token(), now=SHOWN_AT + 60) == "forged"


def test_a_timestamp_signed_for_another_purpose_is_forged():
    token = signing.dumps(SHOWN_AT, salt="comments.withdraw")

    assert timestamp_problem(token, now=SHOWN_AT + 60) == "forged"


def test_a_timestamp_older_than_the_maximum_age_is_expired(settings):
    token = sign_timestamp(now=SHOWN_AT)

    later = SHOWN_AT + comment_settings.COMMENTS_FORM_MAX_AGE_SECONDS + 1
    assert timestamp_problem(token, now=later) == "expired"


def test_a_timestamp_older_than_the_maximum_age_is_expired_by_the_clock(settings, monkeypatch):
    # The same rule with the process clock moved on, as it is for a real visitor.
    token = sign_timestamp(now=SHOWN_AT)
    later = time.time() + comment_settings.COMMENTS_FORM_MAX_AGE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)

    assert timestamp_problem(token) == "expired"


# --- Through the view: errors save nothing -----------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"author_name": ""}, "author_name"),
        ({"author_email": "sam(at)example.org"}, "author_email"),
        ({"author_url": "javascript:alert(1)"}, "author_url"),
        ({"author_name": "Sam \u202eRivera"}, "author_name"),
        ({"parent": "987654321"}, "__all__"),
    ],
    ids=["no-name", "bad-email", "javascript-url", "bidi-name", "bad-parent"],
)
def test_a_form_with_errors_saves_nothing_and_keeps_the_text(
    client, article, comment_post_data, overrides, field
):
    body = "I typed this carefully & would hate to lose it."
    data = comment_post_data(body=body, **overrides)

    response = client.post(reverse("comments:post", args=[article.slug]), data)

    assert response.status_code == 400
    assert Comment.objects.count() == 0
    content = response.content.decode()
    assert "I typed this carefully &amp; would hate to lose it." in content
    # The message the form gives for that field is the one the page shows.
    message = CommentForm(data, article=article, user=AnonymousUser()).errors[field][0]
    assert str(message) in content


@pytest.mark.parametrize(
    ("overrides", "focused"),
    [
        ({"body": "", "author_name": ""}, "body"),
        ({"author_name": "", "author_email": "not an address"}, "author_name"),
        ({"author_url": "javascript:alert(1)"}, "author_url"),
    ],
)
def test_only_the_first_invalid_field_gets_autofocus(submit, overrides, focused):
    form = submit(**overrides)

    assert not form.is_valid()
    autofocused = [
        name for name, field in form.fields.items() if field.widget.attrs.get("autofocus")
    ]
    assert autofocused == [focused]


def test_a_valid_form_autofocuses_nothing(submit):
    form = submit()

    assert form.is_valid()
    assert not any(field.widget.attrs.get("autofocus") for field in form.fields.values())


# --- Text a person did not type --------------------------------------------------------


@pytest.mark.parametrize("field", ["body", "author_name", "author_url"])
def test_text_that_was_not_valid_utf8_is_refused(article, field):
    """Django decodes undecodable bytes as U+FFFD: a field holding it came garbled."""
    values = {
        "body": "Kind words \ufffd",
        "author_name": "Sam \ufffd",
        "author_url": "https://ex\ufffd.org",
    }
    form = CommentForm(
        {
            "body": "Fine.",
            "author_name": "Sam",
            "author_email": "sam@example.org",
            field: values[field],
            "timestamp": sign_timestamp(time.time() - 30),
        },
        article=article,
        user=AnonymousUser(),
    )

    assert error_codes(form) == {field: ["undecodable"]}


@pytest.mark.parametrize(
    "body",
    ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u200b\n\u200b"],
    ids=["zwsp", "zw-joiners", "bom-word-joiner", "lines-of-zwsp"],
)
def test_a_body_of_only_invisible_characters_is_required(submit, body):
    assert error_codes(submit(body=body)) == {"body": ["required"]}


BIDI_MARKS = pytest.mark.parametrize(
    "character", ["\u061c", "\u200e", "\u200f"], ids=["alm", "lrm", "rlm"]
)


@BIDI_MARKS
@pytest.mark.parametrize(
    ("field", "value"),
    [("body", "Fine{} words"), ("author_name", "Sam{}"), ("author_url", "https://example.org/{}")],
    ids=["body", "author_name", "author_url"],
)
def test_bidi_marks_are_refused(submit, field, value, character):
    assert error_codes(submit(**{field: value.format(character)})) == {
        field: ["control_characters"]
    }


@BIDI_MARKS
def test_bidi_marks_make_an_email_address_invalid(submit, character):
    assert error_codes(submit(author_email=f"sam{character}@example.org")) == {
        "author_email": ["invalid"]
    }


def test_an_email_local_part_over_64_characters_is_invalid(submit):
    assert submit(author_email=f"{'a' * 64}@example.org").is_valid()
    assert error_codes(submit(author_email=f"{'a' * 65}@example.org")) == {
        "author_email": ["invalid"]
    }
