from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core import audit
from core.admin import LivePreviewMixin, ValidatedLookupsMixin

# Registers the reader feedback admins (its own module, as they touch nothing here).
from . import feedback_admin  # noqa: F401
from .audit import PUBLICATION_FIELDS, record_publication_change
from .content_checks import PUBLISHING_CODES
from .forms import (
    ArticleAdminForm,
    FAQForm,
    FAQFormSet,
    LabelledSplitDateTime,
    LibraryImageForm,
    MarkdownPreviewForm,
    MarkdownTextarea,
    SectionForm,
    SectionFormSet,
    TextField,
)
from .library import articles_using, refresh_texts_using
from .models import (
    FAQ,
    AllowedPhrase,
    Article,
    LanguageGuidance,
    LibraryImage,
    PublicationState,
    Reviewer,
    SearchSynonym,
    Section,
    Topic,
    render_body,
)
from .preview_admin import ArticlePreviewAdminMixin
from .previews import content_report
from .review_admin import ReviewCycleAdminMixin, ReviewFilter
from .revision_admin import ArticleVersionAdmin


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


class ImagePickerMixin:
    """Markdown texts that may show library pictures advertise the picker's address;
    static/js/image-picker.js adds an "Insert image" button beside them."""

    picker_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.picker_fields and request.user.has_perm(
            "articles.view_libraryimage"
        ):
            formfield.widget.attrs["data-image-picker"] = reverse(
                "admin:articles_libraryimage_picker"
            )
        return formfield


class MarkdownPreviewMixin:
    """Admin (or inline) whose ``markdown_fields`` get a live preview beside them."""

    markdown_fields = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.markdown_fields:
            kwargs["widget"] = MarkdownTextarea
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class OrderedInline(ImagePickerMixin, MarkdownPreviewMixin, admin.StackedInline):
    """Sections or FAQs: collapsible rows, reordered by dragging, by Move up / Move
    down or, without JavaScript, by their position numbers; their Markdown with a
    live preview and the image picker."""

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
    picker_fields = ("body",)


class FAQInline(OrderedInline):
    model = FAQ
    form = FAQForm
    formset = FAQFormSet
    picker_fields = ("answer",)
    fields = [("position", "question"), "answer"]
    markdown_fields = ["answer"]


@admin.register(Article)
class ArticleAdmin(
    ArticlePreviewAdminMixin,
    ReviewCycleAdminMixin,
    MarkdownPreviewMixin,
    LivePreviewMixin,
    ValidatedLookupsMixin,
    ArticleVersionAdmin,
):
    form = ArticleAdminForm
    preview_form = MarkdownPreviewForm
    markdown_fields = ["references"]
    formfield_overrides = TEXT_FIELDS
    inlines = [SectionInline, FAQInline]
    list_display = [
        "title",
        "publication",
        "published_at",
        "is_featured",
        "updated_at",
        "review_due",
        "view_link",
    ]
    list_filter = [PublicationStateFilter, ReviewFilter, "is_featured", "allows_comments", "topics"]
    actions = ["mark_reviewed_action"]
    search_fields = ["title", "slug", "summary", "author"]
    ordering = ["-updated_at"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    readonly_fields = [
        "hero_preview",
        "publication",
        "created_at",
        "updated_at",
        "old_slugs",
        "reviewed_on",
        "next_review_due",
    ]
    save_on_top = True

    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "topics"]}),
        (_("Hero image"), {"fields": ["hero_image", "hero_preview", "hero_alt"]}),
        (
            _("Credits and review"),
            {
                "fields": [
                    "author",
                    "reviewer",
                    ("reviewed_on", "next_review_due"),
                    "review_period_months",
                ]
            },
        ),
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
        css = {"all": ["css/admin-article.css", "css/image-library.css"]}
        js = [
            "js/admin-markdown-preview.js",
            "js/admin-accessibility.js",
            "js/image-picker.js",
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Why a publish was refused, together at the top (each message is also next
        # to its field or at the top of its inline); and the advisory checks of the
        # saved sections and FAQs.
        formsets = [inline.formset for inline in context["inline_admin_formsets"]]
        context["publishing_problems"] = refused_publishing(context["adminform"].form, formsets)
        if obj is not None and obj.pk:
            context["content_checks"] = content_report(
                obj, list(obj.sections.all()), list(obj.faqs.all())
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DateTimeField) and db_field.editable:
            kwargs["widget"] = LabelledSplitDateTime(db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def render_preview(self, text):
        # render_body: library pictures as the page shows them.
        return render_body(text)

    def save_model(self, request, obj, form, change):
        # An unchanged form writes nothing: no new updated_at, no new cache generation.
        if not change or form.has_changed() or self.is_restoring(request):
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
        if (
            not change
            or form.has_changed()
            or any(f.has_changed() for f in formsets)
            or self.is_restoring(request)
        ):
            if self.is_restoring(request):
                form.instance.refresh_readable_text()
            form.instance.refresh_outline()
            if self.is_restoring(request):
                form.instance.refresh_topic_rows()

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
            # Readers cannot see it: the admin's preview of the saved version.
            return format_html(
                '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
                self.view_on_site(article),
                _("Preview"),
                article.title,
            )
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), _("View"))


@admin.register(Reviewer)
class ReviewerAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "credentials", "has_public_page"]
    list_filter = ["has_public_page"]
    search_fields = ["name", "credentials"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "credentials", "bio", "has_public_page"]
    formfield_overrides = TEXT_FIELDS


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


@admin.register(SearchSynonym)
class SearchSynonymAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    """Groups of words readers use for the same thing; site search uses a change at
    once (the cached groups are keyed by a generation bumped on every save)."""

    list_display = ["__str__", "updated_at"]
    search_fields = ["terms"]
    ordering = ["terms"]
    formfield_overrides = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 6})}}


@admin.register(Topic)
class TopicAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}


THUMBNAIL_WIDTH = 120
# Enough to scroll through; the picker's search finds older ones.
PICKER_SIZE = 60


@admin.register(LibraryImage)
class LibraryImageAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    """Pictures shown in section bodies and FAQ answers: upload once, describe, reuse."""

    form = LibraryImageForm

    class Media:
        css = {"all": ["css/image-library.css"]}

    list_display = ["thumbnail", "description", "snippet_to_copy", "caption", "uploaded_at"]
    list_display_links = ["description"]
    list_filter = ["uploaded_at"]
    search_fields = ["alt", "caption", "credit"]
    ordering = ["-uploaded_at", "-pk"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["uploaded_by"]
    readonly_fields = [
        "thumbnail",
        "snippet_to_copy",
        "dimensions",
        "used_in",
        "uploaded_by",
        "uploaded_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["file", "thumbnail", "snippet_to_copy", "dimensions"]}),
        (_("Texts"), {"fields": ["alt", "caption", "credit"]}),
        (_("Use"), {"fields": ["used_in", ("uploaded_by", "uploaded_at", "updated_at")]}),
    ]

    def get_urls(self):
        picker = path(
            "picker/",
            self.admin_site.admin_view(self.picker_view),
            name="articles_libraryimage_picker",
        )
        return [picker, *super().get_urls()]

    def picker_view(self, request):
        """The newest pictures (or those matching ``q``) for the "Insert image" picker,
        as JSON: number, description, snippet and thumbnail."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        images = self.get_queryset(request).order_by("-uploaded_at", "-pk")
        query = request.GET.get("q", "").strip()[:100]
        if query:
            images = images.filter(Q(alt__icontains=query) | Q(caption__icontains=query))
        rows = []
        for image in images[:PICKER_SIZE]:
            picture = image.picture
            rows.append(
                {
                    "id": image.pk,
                    "label": str(image),
                    "snippet": image.snippet,
                    "thumbnail": picture.smallest_src if picture else image.file.url,
                }
            )
        return JsonResponse({"images": rows})

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)
        if change:
            # The sections and FAQs showing it store their HTML: render them again.
            refresh_texts_using(obj)

    def get_deleted_objects(self, objs, request):
        # A picture still shown in an article is protected: the editor removes it
        # from the texts first (Django's confirmation page then lists the articles).
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for image in objs:
            for article in articles_using(image):
                protected.append(
                    format_html(
                        '{}: <a href="{}">{}</a>',
                        image,
                        reverse("admin:articles_article_change", args=[article.pk]),
                        article.title,
                    )
                )
        return deleted, model_count, perms_needed, protected

    @admin.display(description=_("Description"), ordering="alt")
    def description(self, image):
        return str(image)

    @admin.display(description=_("Picture"))
    def thumbnail(self, image):
        if not image.pk or not image.file:
            return "—"
        picture = image.picture
        width, height = (picture.width, picture.height) if picture else (image.width, image.height)
        return format_html(
            # Described by the row's text beside it: decorative here.
            '<img class="library-thumbnail" src="{}" alt="" width="{}" height="{}">',
            picture.smallest_src if picture else image.file.url,
            THUMBNAIL_WIDTH,
            round(THUMBNAIL_WIDTH * (height or 1) / (width or 1)),
        )

    @admin.display(description=_("Markdown to copy"))
    def snippet_to_copy(self, image):
        if not image.pk:
            return _("Shown once the picture is saved.")
        return format_html('<code class="library-snippet">{}</code>', image.snippet)

    @admin.display(description=_("Size"))
    def dimensions(self, image):
        if not image.width:
            return "—"
        return _("%(width)s × %(height)s pixels") % {"width": image.width, "height": image.height}

    @admin.display(description=_("Shown in"))
    def used_in(self, image):
        articles = articles_using(image) if image.pk else []
        if not articles:
            return _("No article yet.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                (
                    (reverse("admin:articles_article_change", args=[a.pk]), a.title)
                    for a in articles
                ),
            ),
        )
