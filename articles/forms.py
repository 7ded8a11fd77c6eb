from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet
from django.forms.renderers import Jinja2
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .content_checks import faqs_problems, sections_problems
from .library import described_image_ids
from .models import (
    FAQ,
    Article,
    ArticleFeedback,
    LibraryImage,
    Reviewer,
    Section,
    unique_anchor,
)
from .renditions import validate_picture


class PictureField(forms.ImageField):
    """An image field (hero or library picture) that decodes a new upload in full
    before Django's own check.

    Django's ImageField only reads the header and runs Pillow's ``verify()``: a
    truncated file, a text chunk that inflates past Pillow's limit or a picture of
    too many pixels would pass it and fail when resized on save. Checked first, such
    files get our message rather than Django's, and a huge one is refused from its
    header before Django's check opens it.
    """

    def to_python(self, data):
        if isinstance(data, UploadedFile) and data.size:
            data.seek(0)
            validate_picture(data.read(), name=data.name)
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


class ReviewPeriodField(forms.IntegerField):
    """The review period in months: left empty (or absent from the form sent), the
    article keeps the period it has, and the form is not changed by it."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "required": False})

    def has_changed(self, initial, data):
        return data not in self.empty_values and super().has_changed(initial, data)


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

    revision_note = forms.CharField(
        label=_("Revision note"),
        required=False,
        max_length=500,
        help_text=_(
            "Optional: why you made this change. Shown with the revision in the article's history."
        ),
    )

    class Meta:
        model = Article
        # The admin's fieldsets add the other fields.
        fields = ["hero_image", "hero_alt"]
        field_classes = {"hero_image": PictureField, "review_period_months": ReviewPeriodField}

    def clean_review_period_months(self):
        period = self.cleaned_data.get("review_period_months")
        return period if period is not None else self.instance.review_period_months

    @cached_property
    def changed_data(self):
        # A note alone changes nothing in the article: no save, no revision.
        return [name for name in super().changed_data if name != "revision_note"]


class LibraryImageForm(forms.ModelForm):
    """A library picture: the same upload rules as hero images."""

    class Meta:
        model = LibraryImage
        fields = ["file", "alt", "caption", "credit"]
        field_classes = {"file": PictureField}


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


class ArticleChildFormSet(BaseInlineFormSet):
    """Rows under an article (sections or FAQs), checked before it is published.

    The admin validates the article form first, so ``self.instance`` is the article
    with the submitted values: when its status is Published, this formset's part of
    the checks before publishing (articles/content_checks.py) must pass. A problem
    of one row is shown next to its field, the others above the rows.
    """

    def live_forms(self):
        """The rows that will be saved: valid so far and not marked for deletion."""
        return [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if self.instance.status != Article.Status.PUBLISHED:
            return
        live_forms = self.live_forms()
        rows = [form.instance for form in live_forms]
        whole_set = []
        for problem in self.publishing_problems(rows, described_image_ids(self.texts_of(rows))):
            error = forms.ValidationError(problem.message, code=problem.code)
            if problem.index is None:
                whole_set.append(error)
            else:
                live_forms[problem.index].add_error(problem.field, error)
        if whole_set:
            raise forms.ValidationError(whole_set)

    def publishing_problems(self, rows, described_ids):
        raise NotImplementedError

    def texts_of(self, rows):
        raise NotImplementedError


class FAQForm(OrderedRowForm):
    title_field = "question"

    class Meta:
        model = FAQ
        fields = ["position", "question", "answer"]


class FAQFormSet(ArticleChildFormSet):
    """FAQs of one article: their answers' images need descriptions to publish."""

    def publishing_problems(self, rows, described_ids):
        return faqs_problems(rows, described_ids)

    def texts_of(self, rows):
        return [row.answer for row in rows]


class SectionFormSet(ArticleChildFormSet):
    """Sections of one article: generated anchors are made unique among the rows.

    Django's formset check then reports duplicate positions or anchors next to the
    rows, instead of the database refusing them when the transaction commits.
    """

    def publishing_problems(self, rows, described_ids):
        return sections_problems(rows, described_ids)

    def texts_of(self, rows):
        return [row.body for row in rows]

    def clean(self):
        live_forms = self.live_forms()
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


class MarkReviewedForm(forms.Form):
    """ "Mark as reviewed": who reviewed the articles, when, and an optional note."""

    reviewer = forms.ModelChoiceField(
        queryset=Reviewer.objects.all(),
        label=_("Medical reviewer"),
        help_text=_("The clinician who checked the whole article."),
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the review was finished; the next review falls due from it."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was checked or changed; kept in each article's history."),
    )

    def clean_reviewed_on(self):
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on > timezone.localdate():
            raise ValidationError(
                _("A review cannot be recorded before it happens: choose today or an earlier day."),
                code="review_in_future",
            )
        return reviewed_on


class RevisionCompareForm(forms.Form):
    """Two revisions of one article to compare (the history page's choice)."""

    old = forms.ModelChoiceField(queryset=None, label=_("Compare"))
    new = forms.ModelChoiceField(queryset=None, label=_("with"))

    def __init__(self, *args, revisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].queryset = self.fields["new"].queryset = revisions

    def clean(self):
        cleaned_data = super().clean()
        old, new = cleaned_data.get("old"), cleaned_data.get("new")
        if old and new and old.pk == new.pk:
            raise forms.ValidationError(_("Choose two different revisions."), code="same_revision")
        if old and new and (new.date_created, new.pk) < (old.date_created, old.pk):
            # Whichever way round they were chosen, the earlier one is the "before".
            cleaned_data["old"], cleaned_data["new"] = new, old
        return cleaned_data


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


def is_yes(value):
    return value == "yes"


class ArticleFeedbackForm(forms.Form):
    """ "Was this article helpful?" under an article: Yes or No, and an optional note
    for the editors. Laid out in articles/includes/feedback_form.html, where the two
    answers form a fieldset whose legend is the question."""

    # The public pages' engine (Django's Jinja2 widget templates).
    default_renderer = Jinja2()

    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=is_yes,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose Yes or No."),
            "invalid_choice": _("Please choose Yes or No."),
        },
    )
    note = forms.CharField(
        label=_("A note for our editors (optional)"),
        required=False,
        max_length=ArticleFeedback.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Private: only our editors read it, and it is never published. Please leave "
            "out names, contact details and anything about your own health."
        ),
        error_messages={
            "max_length": _(
                "Please shorten your note to %(limit_value)d characters at most "
                "(it has %(show_value)d)."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        # Ids of their own: the comment form shares the page.
        kwargs.setdefault("auto_id", "feedback_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
