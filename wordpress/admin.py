from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .legacy import LegacyAddress, normalise_path


@admin.register(LegacyAddress)
class LegacyAddressAdmin(admin.ModelAdmin):
    """Old WordPress addresses, to look one up: the import writes them, so editors
    read them here and change the content they lead to, not the rows."""

    list_display = ["old_address", "target", "leads_to", "created_at"]
    list_filter = ["target"]
    search_fields = ["old_address"]
    ordering = ["old_address"]
    list_select_related = ["article", "page", "topic"]
    date_hierarchy = "created_at"
    fields = ["old_address", "target", "article", "page", "topic", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("current address"))
    def leads_to(self, legacy):
        return legacy.get_absolute_url()

    def get_search_results(self, request, queryset, search_term):
        # Addresses are stored decoded and in lower case: a pasted old link matches.
        term = search_term.strip()
        if term.startswith("/"):
            term = normalise_path(term)
        return super().get_search_results(request, queryset, term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
