from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .models import Page

# Longer than any page an editor writes; the preview renders on every pause in typing.
PREVIEW_MAX_CHARS = 100_000


class TextField(forms.CharField):
    """Markdown with its line endings normalised on the way in: browsers send CRLF,
    and an untouched text must not count as changed (a write, a new cache generation)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class PageTextarea(AdminTextareaWidget):
    """The admin's textarea for a page's Markdown, naming the endpoint that renders it:
    the site's js/admin-markdown-preview.js shows the result beside it as one types."""

    def __init__(self, attrs=None):
        preview_url = reverse_lazy("admin:pages_page_markdown_preview")
        super().__init__({"data-markdown-preview": preview_url, "rows": 30, **(attrs or {})})


class PageAdminForm(forms.ModelForm):
    body = TextField(
        label=_("Text"), widget=PageTextarea, help_text=Page._meta.get_field("body").help_text
    )

    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "is_published",
            "show_in_footer",
            "footer_position",
        ]


class PreviewForm(forms.Form):
    """The text the live preview sends to be rendered."""

    text = TextField(
        required=False,
        strip=False,
        max_length=PREVIEW_MAX_CHARS,
        error_messages={
            "max_length": _(
                "This text is too long to preview (%(limit_value)d characters at most); "
                "it can still be saved."
            )
        },
    )
