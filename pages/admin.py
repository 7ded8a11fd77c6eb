from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core import caching

from . import placeholders
from .forms import PageAdminForm, PreviewForm
from .models import Page, forget_footer_links, render_page_body


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = PageAdminForm
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

    def get_urls(self):
        preview = path(
            "markdown-preview/",
            self.admin_site.admin_view(self.markdown_preview_view),
            name="pages_page_markdown_preview",
        )
        return [preview, *super().get_urls()]

    def markdown_preview_view(self, request):
        """The live preview's endpoint: the page's HTML for the posted Markdown, with
        the placeholders' current values, in JSON. Writes nothing."""
        if request.method != "POST":
            refusal = JsonResponse({"error": _("Send the text with POST.")}, status=405)
            refusal["Allow"] = "POST"
            return refusal
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": " ".join(form.errors["text"])}, status=400)
        text = form.cleaned_data["text"]
        problems = placeholders.problems(text)
        if problems:
            return JsonResponse({"error": " ".join(problems)}, status=400)
        html = placeholders.fill(render_page_body(text), placeholders.current_values())
        return JsonResponse({"html": html})

    def delete_queryset(self, request, queryset):
        # The bulk action deletes in one query, without Page.delete().
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            caching.bump(caching.CONTENT)
            forget_footer_links()
