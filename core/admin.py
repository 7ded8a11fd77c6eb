from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, SiteSettings

# Lookups whose value is one value of the field itself.
COMPARISONS = {"exact", "gt", "gte", "lt", "lte"}
# The date hierarchy's parts, with the values a date can have.
DATE_PARTS = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def lookup_value_is_valid(model, lookup, value):
    """Whether ``value`` fits the field a changelist's ``lookup`` filters on.

    Django's changelist passes a filter's value to the database unchecked (an IP
    address filter fails there) and reads a date part as an unbounded integer; a
    value that cannot be one of the field's values is refused before either.
    Lookups that take other shapes of value (``__in``, ``__isnull``...) are left to
    Django.
    """
    *path, last = lookup.split(LOOKUP_SEP)
    if path and last in DATE_PARTS:
        low, high = DATE_PARTS[last]
        return value.isascii() and value.isdigit() and low <= int(value[:5]) <= high
    if last not in COMPARISONS:
        path.append(last)
    if value == "":
        return True
    try:
        field = get_fields_from_path(model, LOOKUP_SEP.join(path))[-1]
    except (FieldDoesNotExist, NotRelationField):
        return True
    if field.is_relation:
        field = field.target_field
    try:
        field.clean(value, None)
    except ValidationError:
        return False
    return True


class ValidatedLookupsMixin:
    """A ModelAdmin whose changelist answers 400 to a filter value its field cannot
    hold, instead of failing in the database."""

    def lookup_allowed(self, lookup, value, request):
        return super().lookup_allowed(lookup, value, request) and lookup_value_is_valid(
            self.model, lookup, value
        )


class LivePreviewMixin:
    """A ModelAdmin with the endpoint of the live Markdown preview
    (js/admin-markdown-preview.js): ``<app>_<model>_markdown_preview``, which takes
    the text by POST and answers its HTML, or the reason it cannot, in JSON.

    ``preview_form`` checks the text (one field, ``text``); ``render_preview(text)``
    returns the HTML, or raises ValidationError to refuse the text. Writes nothing.
    """

    preview_form = None

    def get_urls(self):
        preview = path(
            "markdown-preview/",
            self.admin_site.admin_view(self.markdown_preview_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_markdown_preview",
        )
        return [preview, *super().get_urls()]

    def render_preview(self, text):
        raise NotImplementedError

    def markdown_preview_view(self, request):
        if request.method != "POST":
            refusal = JsonResponse({"error": _("Send the text with POST.")}, status=405)
            refusal["Allow"] = "POST"
            return refusal
        # Whoever may write the text may see it rendered.
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = self.preview_form(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": " ".join(form.errors["text"])}, status=400)
        try:
            html = self.render_preview(form.cleaned_data["text"])
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        return JsonResponse({"html": html})


class ViewOnlyAdminMixin:
    """A ModelAdmin whose rows are only read here: others write them (readers, the
    import, the audit), so nobody adds, changes or deletes one in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SingletonAdmin(admin.ModelAdmin):
    """Admin for a SingletonModel: straight to the one row's form, no add or delete."""

    def changelist_view(self, request, extra_context=None):
        instance = self.model.load()
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", instance.pk)

    def get_object(self, request, object_id, from_field=None):
        # Until an editor first saves it, the row does not exist: edit the defaults.
        return self.model.objects.filter(pk=1).first() or self.model(pk=1)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiteSettings)
class SiteSettingsAdmin(SingletonAdmin):
    fieldsets = [
        (None, {"fields": ["site_name", "slogan", "welcome"]}),
        (
            _("Help"),
            {"fields": ["helpline_name", "helpline_phone", "helpline_text", "emergency_text"]},
        ),
        (_("Contact"), {"fields": ["contact_email", "contact_phone"]}),
        (_("Footer"), {"fields": ["disclaimer"]}),
    ]


def visible_content_types(user, content_types):
    """Those of ``content_types`` whose objects ``user`` may view (or change)."""
    return [
        content_type
        for content_type in content_types
        if (model := content_type.model_class()) is not None
        and any(
            user.has_perm(f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}")
            for action in ("view", "change")
        )
    ]


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdminMixin, ValidatedLookupsMixin, admin.ModelAdmin):
    """The audit log: read only, for everyone, superusers included.

    Each person sees the entries about the kinds of objects they may see themselves:
    editors the articles, moderators the comments, superusers everything.
    """

    list_display = ["created_at", "username", "action", "object_text", "kind", "detail"]
    list_filter = ["action", "username", "content_type"]
    search_fields = ["object_text"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    list_select_related = ["content_type"]
    list_per_page = 100
    fields = [
        "created_at",
        "username",
        "user",
        "action",
        "content_type",
        "object_id",
        "object_text",
        "detail",
    ]
    readonly_fields = fields

    @admin.display(description=_("kind"), ordering="content_type")
    def kind(self, entry):
        return capfirst(entry.content_type.name) if entry.content_type else "—"

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        logged_types = ContentType.objects.filter(
            pk__in=AuditEntry.objects.values("content_type").distinct()
        )
        return entries.filter(content_type__in=visible_content_types(request.user, logged_types))
