import time
import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.forms.renderers import Jinja2
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .conf import comment_settings
from .models import Comment

TIMESTAMP_SALT = "comments.form-timestamp"
# Line breaks and tabs are fine in a comment's text; other control characters are not.
ALLOWED_CONTROL_CHARACTERS = {"\n", "\r", "\t"}
# Characters that reorder text on screen (used to disguise names and links): the
# embeddings, overrides and isolates, and the three invisible direction marks.
BIDI_CONTROLS = {
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x061C, 0x200E, 0x200F)
}
# What Django puts in place of bytes that are not UTF-8: such a field came garbled.
REPLACEMENT_CHARACTER = "\ufffd"
# RFC 5321: the part of an address before the @ has at most 64 octets.
EMAIL_LOCAL_PART_MAX_OCTETS = 64


def reject_control_characters(value, allowed=frozenset()):
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS:
            raise ValidationError(
                _("Please remove the invisible control characters from this field."),
                code="control_characters",
            )


def reject_undecodable(value):
    if REPLACEMENT_CHARACTER in value:
        raise ValidationError(
            _(
                "Part of this field arrived garbled (it was not sent as UTF-8 text). "
                "Please type it again."
            ),
            code="undecodable",
        )


def has_visible_character(value):
    """True when ``value`` has a letter, digit, punctuation mark or symbol: spaces,
    zero-width and other format characters alone show nothing."""
    return any(unicodedata.category(character)[0] in "LNPS" for character in value)


def sign_timestamp(now=None):
    """A signed 'form shown at' time, checked when the form comes back."""
    return signing.dumps(now if now is not None else time.time(), salt=TIMESTAMP_SALT)


def timestamp_problem(token, now=None):
    """Return None if ``token`` is a fair form timestamp, else why it is not."""
    now = now if now is not None else time.time()
    try:
        shown_at = float(signing.loads(token or "", salt=TIMESTAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return "forged"
    if now - shown_at > comment_settings.COMMENTS_FORM_MAX_AGE_SECONDS:
        return "expired"
    if now - shown_at < comment_settings.COMMENTS_MIN_SUBMIT_SECONDS:
        return "too_fast"
    return None


class WebsiteField(forms.URLField):
    """A URL field that takes http and https addresses only (no javascript:, data:...)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


# The model's own fields, as this form shows them (with the model's limits).
_MODEL_FIELDS = forms.fields_for_model(
    Comment,
    fields=["body", "author_name", "author_email"],
    labels={"body": _("Comment"), "author_name": _("Name"), "author_email": _("Email")},
    widgets={
        "body": forms.Textarea(attrs={"rows": 8, "maxlength": 10_000}),
        "author_name": forms.TextInput(attrs={"autocomplete": "name"}),
        "author_email": forms.EmailInput(attrs={"autocomplete": "email"}),
    },
    error_messages={
        "body": {"required": _("Please write your comment.")},
        "author_name": {"required": _("Please enter your name.")},
        "author_email": {
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address."),
        },
    },
)


class CommentForm(forms.Form):
    """The "Leave a Reply" form. Pass the article and the request's user.

    A plain Form with the model's fields, not a ModelForm: services.submit_comment
    builds the Comment. A ModelForm's model validation only repeated these fields'
    checks and tried each of the model's constraints, every one of which involves a
    field the form does not have (article, status, parent): work for nothing on every
    post. Duplicates are refused by the database.
    """

    # Its widgets come from Django's Jinja2 widget templates, the engine of the public
    # pages: the same markup as Django's template engine writes, in less time.
    default_renderer = Jinja2()

    body = _MODEL_FIELDS["body"]
    author_name = _MODEL_FIELDS["author_name"]
    author_email = _MODEL_FIELDS["author_email"]
    author_url = WebsiteField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address starting with http:// or https://.")},
    )
    save_details = forms.BooleanField(
        label=_("Save my name, email, and website in this browser for the next time I comment."),
        required=False,
    )
    # Opt-in: a confirm link goes to the address first (services.subscribe_to_replies).
    notify_replies = forms.BooleanField(
        label=_("Notify me of replies to my comment by email"), required=False
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    timestamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people (and from screen readers); robots fill it in.
    fax_number = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, article, user=None, for_shared_page=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.user = user
        self.fields["author_url"].widget.attrs["autocomplete"] = "url"
        # A page every reader shares carries no timestamp: the reader's browser fetches
        # one (views.form_token) when the reader nears the form.
        if not self.is_bound and not for_shared_page:
            self.fields["timestamp"].initial = sign_timestamp()
        if self.is_logged_in:
            for name in ("author_name", "author_email", "author_url", "save_details"):
                del self.fields[name]

    @cached_property
    def helper(self):
        """The crispy-forms layout, built when the form is rendered (a valid post never is)."""
        helper = FormHelper()
        helper.form_tag = False
        # The template writes the per-request values (CSRF token, signed timestamp)
        # itself, so that this markup depends only on the form's fields and values.
        helper.disable_csrf = True
        helper.layout = Layout(
            Field("body"),
            *(
                []
                if self.is_logged_in
                else ["author_name", "author_email", "author_url", "save_details"]
            ),
            "notify_replies",
            Div("fax_number", css_class="visually-hidden", aria_hidden="true"),
            "parent",
        )
        return helper

    def add_error(self, field, error):
        super().add_error(field, error)
        self._autofocus_first_invalid_field()

    def _autofocus_first_invalid_field(self):
        """When the form comes back with errors, the first invalid field has keyboard
        focus (the autofocus attribute: no JavaScript needed)."""
        invalid = [
            name
            for name, field in self.fields.items()
            if name in self._errors and not field.widget.is_hidden and name != "fax_number"
        ]
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        if invalid:
            self.fields[invalid[0]].widget.attrs["autofocus"] = True

    @property
    def is_logged_in(self):
        return self.user is not None and self.user.is_authenticated

    def clean_body(self):
        body = self.cleaned_data["body"]
        reject_undecodable(body)
        reject_control_characters(body, ALLOWED_CONTROL_CHARACTERS)
        if not has_visible_character(body):
            raise ValidationError(_("Please write your comment."), code="required")
        return body.strip()

    def clean_author_name(self):
        name = self.cleaned_data["author_name"]
        reject_undecodable(name)
        reject_control_characters(name)
        if not has_visible_character(name):
            raise ValidationError(_("Please enter your name."), code="required")
        return " ".join(name.split())

    def clean_author_email(self):
        email = self.cleaned_data["author_email"].strip()
        reject_undecodable(email)
        reject_control_characters(email)
        local_part = email.rpartition("@")[0]
        if len(local_part.encode()) > EMAIL_LOCAL_PART_MAX_OCTETS:
            raise ValidationError(
                _("The part before the @ can be at most 64 characters long."), code="invalid"
            )
        return email

    def clean_author_url(self):
        url = self.cleaned_data["author_url"]
        reject_undecodable(url)
        reject_control_characters(url)
        return url

    def clean(self):
        cleaned_data = super().clean()
        parent_id = cleaned_data.get("parent")
        if parent_id is not None:
            cleaned_data["parent"] = self.approved_parent(parent_id)
        return cleaned_data

    def approved_parent(self, parent_id):
        """The approved comment of this article being replied to (or a form error)."""
        parent = (
            Comment.objects.approved()
            .filter(pk=parent_id, article=self.article)
            .select_related("parent__parent__parent")
            .first()
        )
        if parent is None:
            # The field is hidden, so the message goes at the top of the form.
            self.add_error(
                None,
                ValidationError(
                    _(
                        "The comment you are replying to is not available. "
                        "You can still reply to the article."
                    ),
                    code="invalid_parent",
                ),
            )
        return parent
