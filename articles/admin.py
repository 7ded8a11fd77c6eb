from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ValidatedLookupsMixin

from .content_checks import PUBLISHING_CODES, advisory_report, publishing_problems
from .forms import ArticleAdminForm, FAQFormSet, SectionForm, SectionFormSet, TextField
from .models import (
    FAQ,
    AllowedPhrase,
    Article,
    LanguageGuidance,
    PublicationState,
    Section,
    Topic,
)


class PublicationStateFilter(admin.SimpleListFilter):
    """Draft, Scheduled, Published or Expired: status and times together, now."""

    title = _("publication")
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return PublicationState.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        published = queryset.filter(status=Article.Status.PUBLISHED)
        match self.value():
            case PublicationState.DRAFT:
                return queryset.filter(Q(status=Article.Status.DRAFT) | Q(published_at=None))
            case PublicationState.SCHEDULED:
                return published.filter(published_at__gt=now)
            case PublicationState.PUBLISHED:
                return queryset.published(now)
            case PublicationState.EXPIRED:
                return queryset.expired(now)
        return queryset


# Long texts with normalised line endings: an untouched one is not a change.
TEXT_FIELDS = {models.TextField: {"form_class": TextField}}


class SectionInline(admin.StackedInline):
    model = Section
    formfield_overrides = TEXT_FIELDS
    form = SectionForm
    formset = SectionFormSet
    extra = 0
    ordering = ["position"]
    fields = [("position", "heading", "anchor"), "body"]


class FAQInline(admin.StackedInline):
    model = FAQ
    formfield_overrides = TEXT_FIELDS
    formset = FAQFormSet
    extra = 0
    ordering = ["position"]
    fields = [("position", "question"), "answer"]


@admin.register(Article)
class ArticleAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    formfield_overrides = TEXT_FIELDS
    inlines = [SectionInline, FAQInline]
    list_display = [
        "title",
        "publication",
        "published_at",
        "is_featured",
        "updated_at",
        "view_link",
    ]
    list_filter = [PublicationStateFilter, "is_featured", "allows_comments", "topics"]
    search_fields = ["title", "slug", "summary", "author"]
    ordering = ["-updated_at"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    readonly_fields = ["hero_preview", "publication", "created_at", "updated_at", "old_slugs"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "topics"]}),
        (_("Hero image"), {"fields": ["hero_image", "hero_preview", "hero_alt"]}),
        (_("Credits and review"), {"fields": ["author", "reviewer", "reviewed_on"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    ("published_at", "unpublish_at"),
                    "publication",
                    "is_featured",
                    "allows_comments",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (_("References"), {"fields": ["references"]}),
        (
            _("Search engines"),
            {"fields": ["seo_title", "meta_description", "old_slugs"], "classes": ["collapse"]},
        ),
    ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Why a publish was refused, together at the top (each message is also next
        # to its field or at the top of its inline); and the advisory checks of the
        # saved sections and FAQs.
        formsets = [inline.formset for inline in context["inline_admin_formsets"]]
        context["publishing_problems"] = refused_publishing(context["adminform"].form, formsets)
        if obj is not None and obj.pk:
            sections, faqs = list(obj.sections.all()), list(obj.faqs.all())
            context["content_checks"] = {
                "required": publishing_problems(
                    obj, sections, faqs, seo_title_taken=obj.seo_title_is_taken()
                ),
                "parts": advisory_report(
                    sections,
                    faqs,
                    LanguageGuidance.objects.active(),
                    AllowedPhrase.objects.values_list("phrase", flat=True),
                ),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # An unchanged form writes nothing: no new updated_at, no new cache generation.
        if not change or form.has_changed():
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the sections and FAQs: the page shows the outline stored from them.
        if not change or form.has_changed() or any(f.has_changed() for f in formsets):
            form.instance.refresh_outline()

    def log_change(self, request, obj, message):
        # Saving an unchanged form is not a change worth a line in the history.
        if message:
            return super().log_change(request, obj, message)
        return None

    @admin.display(description=_("Preview"))
    def hero_preview(self, article):
        if not article.hero_image:
            return _("No image yet.")
        picture = article.hero_picture
        return format_html(
            '<img src="{}" alt="{}" width="240" height="{}">',
            # The smallest rendition: the original may be a camera's full-size photo.
            picture.smallest_src if picture else article.hero_image.url,
            article.hero_alt,
            round(
                240 * picture.height / picture.width
                if picture
                else 240 * (article.hero_height or 1) / (article.hero_width or 1)
            ),
        )

    @admin.display(description=_("Old addresses"))
    def old_slugs(self, article):
        # Kept by a database trigger (migration 0004); each one redirects here.
        if article.pk is None:
            return "—"
        slugs = article.slug_redirects.values_list("old_slug", flat=True)
        return ", ".join(slugs) or _("None: the slug has not changed.")

    @admin.display(description=_("Publication"))
    def publication(self, article):
        """The state readers see now, with the time it changes or changed."""
        if article.pk is None:
            return PublicationState.DRAFT.label
        state = article.publication_state
        if state == PublicationState.SCHEDULED:
            when = article.published_at
        elif state == PublicationState.EXPIRED or (
            state == PublicationState.PUBLISHED and article.unpublish_at
        ):
            when = article.unpublish_at
        else:
            return state.label
        text = (
            _("%(state)s (until %(time)s)")
            if state == PublicationState.PUBLISHED
            else (_("%(state)s (%(time)s)"))
        )
        local = timezone.localtime(when)
        return text % {"state": state.label, "time": date_format(local, "DATETIME_FORMAT")}

    @admin.display(description=_("On site"))
    def view_link(self, article):
        if not article.is_published:
            return "—"
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), _("View"))


def refused_publishing(form, formsets):
    """The messages of the checks before publishing among the errors of a bound
    article form and its inline formsets (the article's fields first)."""
    if not form.is_bound:
        return []
    errors = [error for errors in form.errors.as_data().values() for error in errors]
    for formset in formsets:
        errors += formset.non_form_errors().as_data()
        errors += [
            error
            for row in formset.forms
            for errors in row.errors.as_data().values()
            for error in errors
        ]
    return [
        message for error in errors if error.code in PUBLISHING_CODES for message in error.messages
    ]


@admin.register(LanguageGuidance)
class LanguageGuidanceAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["term", "suggestion", "context_words", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["term", "suggestion", "explanation"]
    ordering = ["term"]


@admin.register(AllowedPhrase)
class AllowedPhraseAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["phrase"]
    search_fields = ["phrase"]
    ordering = ["phrase"]


@admin.register(Topic)
class TopicAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
