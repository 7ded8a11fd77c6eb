from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import heroes
from .forms import FeaturedImageForm
from .legacy import LegacyAddress, normalise_path
from .models import WaitingFeaturedImage

# Who may give an article its hero image may describe and use a featured picture.
HERO_PERMISSION = "articles.change_article"


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


@admin.register(WaitingFeaturedImage)
class WaitingFeaturedImageAdmin(admin.ModelAdmin):
    """Imported articles whose featured picture needs a description before it can be
    their hero image; "Describe and use" does both in one step."""

    list_display = ["article_title", "thumbnail", "describe"]
    list_display_links = None
    list_filter = []
    search_fields = ["article__title"]
    ordering = ["article__title", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).waiting_for_hero()

    def has_module_permission(self, request):
        return request.user.has_perm(HERO_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(HERO_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("article"), ordering="article__title")
    def article_title(self, record):
        url = reverse("admin:articles_article_change", args=[record.article_id])
        return format_html('<a href="{}">{}</a>', url, record.article.title)

    @admin.display(description=_("featured image"))
    def thumbnail(self, record):
        image = record.waiting_hero
        picture = image.picture
        return format_html(
            '<img src="{}" alt="" width="120">',
            picture.smallest_src if picture else image.file.url,
        )

    @admin.display(description=_("hero image"))
    def describe(self, record):
        url = reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, _("Describe and use"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.use_view)
        return [
            path("<int:pk>/use/", view, name="wordpress_waitingfeaturedimage_use"),
            *super().get_urls(),
        ]

    def use_view(self, request, pk):
        """Describe a waiting featured picture and make it the hero (POST writes)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.get_queryset(request), pk=pk)
        form = FeaturedImageForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                article = heroes.use_featured_image(
                    record, alt=form.cleaned_data["alt"], user=request.user
                )
            except OSError:
                # The library's file is gone from storage: nothing was changed.
                form.add_error(
                    None,
                    _("The picture's file cannot be read any more; upload a hero image instead."),
                )
            else:
                self.message_user(
                    request,
                    _("“%(title)s” now has its hero image.") % {"title": article.title},
                    messages.SUCCESS,
                )
                return redirect("admin:wordpress_waitingfeaturedimage_changelist")
        image = record.waiting_hero
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Describe the featured image"),
            "record": record,
            "article": record.article,
            "image": image,
            "picture": image.picture,
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/wordpress/waitingfeaturedimage/use.html",
            context,
            status=400 if form.is_bound else 200,
        )
