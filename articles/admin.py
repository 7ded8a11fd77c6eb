from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import audit
from core.admin import ValidatedLookupsMixin

from .audit import PUBLICATION_FIELDS, record_publication_change
from .forms import (
    ArticleAdminForm,
    FAQForm,
    LabelledSplitDateTime,
    MarkdownPreviewForm,
    MarkdownTextarea,
    SectionForm,
    SectionFormSet,
    TextField,
)
from .markdown import render_markdown
from .models import FAQ, Article, PublicationState, Section, Topic


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


class MarkdownPreviewMixin:
    """Admin (or inline) whose ``markdown_fields`` get a live preview beside them."""

    markdown_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.markdown_fields:
            kwargs["widget"] = MarkdownTextarea
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class OrderedInline(MarkdownPreviewMixin, admin.StackedInline):
    """Sections or FAQs: collapsible rows, reordered by dragging, by Move up / Move
    down or, without JavaScript, by their position numbers."""

    template = "admin/articles/article/ordered_stacked.html"
    formfield_overrides = TEXT_FIELDS
    extra = 0
    ordering = ["position"]

    class Media:
        js = ["js/admin-ordered-rows.js"]


class SectionInline(OrderedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    fields = [("position", "heading", "anchor"), "body"]
    markdown_fields = ["body"]


class FAQInline(OrderedInline):
    model = FAQ
    form = FAQForm
    fields = [("position", "question"), "answer"]
    markdown_fields = ["answer"]


@admin.register(Article)
class ArticleAdmin(MarkdownPreviewMixin, ValidatedLookupsMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    markdown_fields = ["references"]
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

    class Media:
        css = {"all": ["css/admin-article.css"]}
        js = ["js/admin-markdown-preview.js", "js/admin-accessibility.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DateTimeField) and db_field.editable:
            kwargs["widget"] = LabelledSplitDateTime(db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        preview = path(
            "markdown-preview/",
            self.admin_site.admin_view(self.markdown_preview_view),
            name="articles_article_markdown_preview",
        )
        return [preview, *super().get_urls()]

    def markdown_preview_view(self, request):
        """The live preview's endpoint: the sanitised HTML of the posted Markdown, as
        the page would show it, in JSON. Writes nothing."""
        if request.method != "POST":
            refusal = JsonResponse({"error": _("Send the text with POST.")}, status=405)
            refusal["Allow"] = "POST"
            return refusal
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = MarkdownPreviewForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": " ".join(form.errors["text"])}, status=400)
        return JsonResponse({"html": render_markdown(form.cleaned_data["text"])})

    def save_model(self, request, obj, form, change):
        # An unchanged form writes nothing: no new updated_at, no new cache generation.
        if not change or form.has_changed():
            # The status and times stored before this save (a new article's defaults).
            before = (
                Article.objects.only(*PUBLICATION_FIELDS).get(pk=obj.pk) if change else Article()
            )
            super().save_model(request, obj, form, change)
            # In the admin's transaction: the save and its audit entry stand or fall together.
            record_publication_change(request.user, obj, before)

    def delete_model(self, request, obj):
        audit.record(request.user, audit.Action.DELETED, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action runs outside a transaction of its own.
        with transaction.atomic():
            for article in queryset.only("pk", "title"):
                audit.record(request.user, audit.Action.DELETED, article)
            super().delete_queryset(request, queryset)

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


@admin.register(Topic)
class TopicAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
