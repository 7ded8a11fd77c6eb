from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core import caching
from core.admin import LivePreviewMixin

from . import placeholders
from .forms import PageAdminForm, PreviewForm
from .models import Page, forget_footer_links, render_page_body


@admin.register(Page)
class PageAdmin(LivePreviewMixin, admin.ModelAdmin):
    form = PageAdminForm
    preview_form = PreviewForm
    list_display = [
        "title",
        "slug",
        "is_published",
        "show_in_footer",
        "footer_position",
        "updated_at",
    ]
    list_editable = ["footer_position"]
    list_filter = ["is_published", "show_in_footer"]
    search_fields = ["title", "slug", "summary", "body"]
    ordering = ["footer_position", "title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "is_published",
                    ("show_in_footer", "footer_position"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    class Media:
        css = {"all": ["css/admin-article.css"]}
        js = ["js/admin-markdown-preview.js"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The placeholders editors may use, listed under the text.
        context["placeholders"] = placeholders.known().values()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_preview(self, text):
        """The page's HTML for the text, with the placeholders' current values."""
        problems = placeholders.problems(text)
        if problems:
            raise ValidationError(problems)
        return placeholders.fill(render_page_body(text), placeholders.current_values())

    def delete_queryset(self, request, queryset):
        # The bulk action deletes in one query, without Page.delete().
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            caching.bump(caching.CONTENT)
            forget_footer_links()
