from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, AdminTextareaWidget
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet
from django.urls import reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import FAQ, Article, Section, unique_anchor
from .renditions import validate_hero_image


class HeroImageField(forms.ImageField):
    """An image field that decodes a new upload in full before Django's own check.

    Django's ImageField only reads the header and runs Pillow's ``verify()``: a
    truncated file, a text chunk that inflates past Pillow's limit or a picture of
    too many pixels would pass it and fail when resized on save. Checked first, such
    files get our message rather than Django's, and a huge one is refused from its
    header before Django's check opens it.
    """

    def to_python(self, data):
        if isinstance(data, UploadedFile) and data.size:
            data.seek(0)
            validate_hero_image(data.read(), name=data.name)
            data.seek(0)
        return super().to_python(data)


class TextField(forms.CharField):
    """A long text (Markdown) with its line endings normalised on the way in.

    Browsers send a textarea's lines with CRLF; the stored text has LF. Without this
    an untouched body would count as changed on every save (a write, a "Changed
    Body" in the history, a new cached generation); Markdown renders both alike.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class MarkdownTextarea(AdminTextareaWidget):
    """The admin's textarea for a Markdown field, naming the endpoint that renders
    it: js/admin-markdown-preview.js then shows the result beside it as one types."""

    def __init__(self, attrs=None):
        preview_url = reverse_lazy("admin:articles_article_markdown_preview")
        super().__init__({"data-markdown-preview": preview_url, **(attrs or {})})


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time inputs, each with an accessible name ("Publication
    time: date"): Django writes "Date:" and "Time:" beside them as plain text, and its
    field label points at neither."""

    def __init__(self, label, attrs=None):
        super().__init__(attrs)
        self.label = label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        parts = (_("date"), _("time"))
        for subwidget, part in zip(context["widget"]["subwidgets"], parts, strict=True):
            subwidget["attrs"]["aria-label"] = f"{capfirst(self.label)}: {part}"
        return context


class ArticleAdminForm(forms.ModelForm):
    """The article form in the admin: a new hero image must be one we can resize."""

    class Meta:
        model = Article
        # The admin's fieldsets add the other fields.
        fields = ["hero_image", "hero_alt"]
        field_classes = {"hero_image": HeroImageField}


class OrderedRowForm(forms.ModelForm):
    """A section or FAQ row; its summary line in the admin shows the position and
    ``title_field`` as they stand in the form (typed, or stored)."""

    title_field = None

    @property
    def row_position(self):
        return self["position"].value()

    @property
    def row_title(self):
        return self[self.title_field].value()


class SectionForm(OrderedRowForm):
    """A section row: an empty anchor is made from the heading."""

    title_field = "heading"

    class Meta:
        model = Section
        fields = ["position", "heading", "anchor", "body"]

    def clean(self):
        cleaned_data = super().clean()
        self.anchor_was_generated = False
        if not cleaned_data.get("anchor") and cleaned_data.get("heading"):
            cleaned_data["anchor"] = unique_anchor(cleaned_data["heading"], set())
            self.anchor_was_generated = True
        return cleaned_data


class FAQForm(OrderedRowForm):
    title_field = "question"

    class Meta:
        model = FAQ
        fields = ["position", "question", "answer"]


class SectionFormSet(BaseInlineFormSet):
    """Sections of one article: generated anchors are made unique among the rows.

    Django's formset check then reports duplicate positions or anchors next to the
    rows, instead of the database refusing them when the transaction commits.
    """

    def clean(self):
        live_forms = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        taken = {
            form.cleaned_data.get("anchor")
            for form in live_forms
            if not getattr(form, "anchor_was_generated", False)
        }
        for form in live_forms:
            if getattr(form, "anchor_was_generated", False):
                anchor = unique_anchor(form.cleaned_data["heading"], taken)
                taken.add(anchor)
                form.cleaned_data["anchor"] = form.instance.anchor = anchor
        super().clean()


# Longer than any body an editor writes; the preview renders on every pause in typing.
MARKDOWN_PREVIEW_MAX_CHARS = 100_000


class MarkdownPreviewForm(forms.Form):
    """The text the article form's live preview sends to be rendered."""

    text = TextField(
        required=False,
        strip=False,
        max_length=MARKDOWN_PREVIEW_MAX_CHARS,
        error_messages={
            "max_length": _(
                "This text is too long to preview (%(limit_value)d characters at most); "
                "it can still be saved."
            )
        },
    )
