from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.admin import ViewOnlyAdminMixin

from . import heroes, progress, runs
from .forms import FeaturedImageForm, ImportUploadForm
from .legacy import LegacyAddress, normalise_path
from .models import ImportRun, WaitingFeaturedImage
from .report import Report

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


@admin.register(ImportRun)
class ImportRunAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Imports from WordPress started here, for superusers only: an export holds every
    commenter's email and IP address, and an import writes the whole site.

    Upload (``upload/``), then the status page of each run (``<id>/status/``) shows the
    dry run, "Import now" and "Cancel", then the final report. Runs change only
    through those pages; they stay as the record of imports.
    """

    list_display = ["run_link", "state", "uploaded_by", "created_at", "finished_at"]
    list_display_links = None
    list_filter = ["state"]
    search_fields = ["original_name"]
    ordering = ["-created_at", "-pk"]
    list_select_related = ["uploaded_by"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=_("import"), ordering="created_at")
    def run_link(self, run):
        return format_html('<a href="{}">{}</a>', run.get_absolute_url(), run)

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("upload/", view(self.upload_view), name="wordpress_importrun_upload"),
            path("<int:pk>/status/", view(self.status_view), name="wordpress_importrun_status"),
            path(
                "<int:pk>/import/",
                view(require_POST(self.import_view)),
                name="wordpress_importrun_import",
            ),
            path(
                "<int:pk>/cancel/",
                view(require_POST(self.cancel_view)),
                name="wordpress_importrun_cancel",
            ),
            *super().get_urls(),
        ]

    def check_superuser(self, request):
        if not self.has_module_permission(request):
            raise PermissionDenied

    def render(self, request, template, title, status=200, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        return TemplateResponse(
            request, f"admin/wordpress/importrun/{template}", context, status=status
        )

    def upload_view(self, request):
        """Step one: the export and its option; a valid upload goes to its status page."""
        self.check_superuser(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = runs.start_run(
                    upload=form.cleaned_data["export"],
                    skip_bad_items=form.cleaned_data["skip_bad_items"],
                    with_media=form.cleaned_data.get("with_media", False),
                    user=request.user,
                )
            except runs.AnotherRunOpen:
                form.add_error(
                    None,
                    ValidationError(
                        _("Another import is open: finish or cancel it first."),
                        code="another_open",
                    ),
                )
            else:
                return redirect(run)
        return self.render(
            request,
            "upload.html",
            _("Import from WordPress"),
            status=400 if form.is_bound else 200,
            form=form,
            open_run=ImportRun.objects.open().first(),
            max_bytes=settings.WORDPRESS_IMPORT_MAX_BYTES,
        )

    def status_view(self, request, pk):
        """Where a run stands: its progress, the dry run's report, the final report."""
        self.check_superuser(request)
        run = get_object_or_404(
            ImportRun.objects.select_related("uploaded_by", "imported_by"), pk=pk
        )
        return self.render(
            request,
            "status.html",
            str(run),
            run=run,
            running=run.is_running,
            progress=progress.read(run.pk) if run.is_running else None,
            dry_run=Report.from_json(run.dry_run_report) if run.dry_run_report else None,
            report=Report.from_json(run.report) if run.report else None,
        )

    def import_view(self, request, pk):
        """Import now: queue the import of the checked file."""
        self.check_superuser(request)
        run = get_object_or_404(ImportRun, pk=pk)
        if not runs.start_import(run=run, user=request.user):
            self.message_user(
                request,
                _("This import cannot start now (it is: %(state)s).")
                % {"state": run.get_state_display()},
                messages.WARNING,
            )
        return redirect(run)

    def cancel_view(self, request, pk):
        """Cancel before the import starts: the run is closed and its file deleted."""
        self.check_superuser(request)
        run = get_object_or_404(ImportRun, pk=pk)
        if runs.cancel_run(run=run):
            self.message_user(
                request, _("Import cancelled; the uploaded file is deleted."), messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                _("This import cannot be cancelled now (it is: %(state)s).")
                % {"state": run.get_state_display()},
                messages.WARNING,
            )
        return redirect(run)


@admin.register(WaitingFeaturedImage)
class WaitingFeaturedImageAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
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
