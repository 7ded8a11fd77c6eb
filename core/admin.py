from django.contrib import admin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .models import SiteSettings


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
        (_("Footer"), {"fields": ["disclaimer"]}),
    ]
