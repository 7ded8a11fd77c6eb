"""The article admin's revisions: history, compare, restore and recover.

A base class for ArticleAdmin on django-reversion's VersionAdmin. Its changes to
reversion's behaviour:

- one revision per save holds the article with all its sections, FAQs and topics,
  and its comment is the editor's note with Django's change message;
- history lists the revisions newest first, any two of which can be compared;
- restoring a revision (or recovering a deleted article) fills the change form with
  that revision's content but keeps the article's current status and publication
  times; saving it is recorded as "Restored from the revision of DATE".
"""

from contextlib import nullcontext
from dataclasses import dataclass

import reversion
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Revision, Version

from core import audit

from .forms import RevisionCompareForm
from .models import Article
from .revisions import add_article_to_revision, compare_revisions, revision_comment
from .signals import writes_undone

# What a restore leaves as it is: whether and when readers see the article (an
# editor publishes or unpublishes on purpose, not by restoring older text), the
# medical review (only "Mark as reviewed" moves it) and the count kept by the
# comments app.
KEPT_ON_RESTORE = [
    "status",
    "published_at",
    "unpublish_at",
    "reviewer",
    "reviewed_on",
    "next_review_due",
    "review_period_months",
    "comment_count",
]
# The hero picture's file and renditions are deleted with the article or when a new
# picture replaces it: a revision naming a file that is gone cannot bring it back.
HERO_FIELDS = ["hero_image", "hero_alt", "hero_width", "hero_height", "hero_renditions"]
NO_HERO = {"hero_image": "", "hero_width": None, "hero_height": None, "hero_renditions": {}}


def hero_file_is_gone(version):
    """Whether ``version`` names a hero picture whose file no longer exists."""
    name = getattr(version.field_dict.get("hero_image"), "name", None)
    return bool(name) and not Article._meta.get_field("hero_image").storage.exists(name)


@dataclass
class Restore:
    """The revision a request restores, and its line in the history."""

    revision: Revision
    message: str
    # Its line in the audit log: restored, or recovered after a deletion.
    action: str


class _KeepNothing(Exception):
    """Leaves the transaction of a restore page that was only shown."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def revision_date(revision):
    return date_format(timezone.localtime(revision.date_created), "DATETIME_FORMAT")


class ArticleVersionAdmin(VersionAdmin):
    object_history_template = "admin/articles/article/revision_history.html"
    revision_form_template = "admin/articles/article/revision_form.html"
    recover_form_template = "admin/articles/article/recover_form.html"
    recover_list_template = "admin/articles/article/recover_list.html"
    compare_template = "admin/articles/article/revision_compare.html"
    history_latest_first = True
    history_order_by_date = True

    class Media:
        css = {"all": ["css/admin-revisions.css"]}
        js = ["js/admin-article-form.js"]

    # --- recording --------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        return [
            *super().get_fieldsets(request, obj),
            (_("Revision"), {"fields": ["revision_note"]}),
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if reversion.is_active():
            # Read back in log_addition/log_change, which have no form.
            reversion.set_comment(form.cleaned_data.get("revision_note", ""))

    def log_addition(self, request, obj, message):
        note = reversion.get_comment() if reversion.is_active() else ""
        entry = super().log_addition(request, obj, message)
        self.add_to_revision(obj, note, entry)
        return entry

    def log_change(self, request, obj, message):
        note = reversion.get_comment() if reversion.is_active() else ""
        entry = super().log_change(request, obj, message)
        self.add_to_revision(obj, note, entry)
        restore = getattr(request, "revision_restore", None)
        if restore:
            # In the save's transaction, as every audit entry is.
            audit.record(request.user, restore.action, obj, detail=restore.message)
        return entry

    def add_to_revision(self, article, note, entry):
        """Store the whole article in the revision of this save (called once the
        article, its topics, sections, FAQs and outline are saved)."""
        if reversion.is_active():
            add_article_to_revision(article)
            reversion.set_comment(revision_comment(note, entry.get_change_message()))

    def construct_change_message(self, request, form, formsets, add=False):
        restore = getattr(request, "revision_restore", None)
        if restore:
            return restore.message
        return super().construct_change_message(request, form, formsets, add)

    def is_restoring(self, request):
        """Whether this request saves a restored revision (always a change: the
        database already holds the restored rows the form compares against)."""
        return hasattr(request, "revision_restore")

    def delete_model(self, request, obj):
        self.record_before_delete(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self.record_before_delete(request, list(queryset))
        super().delete_queryset(request, queryset)

    def record_before_delete(self, request, articles):
        # Recovery brings back the latest revision: make it the article as deleted,
        # whatever changed since its last recorded save.
        for article in articles:
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment(_("Deleted."))
                add_article_to_revision(article)

    # --- history and compare ------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="{}_{}_compare".format(*info),
        )
        return [compare, *super().get_urls()]

    def revisions_of(self, article):
        """Revisions holding ``article``, newest first, with their authors."""
        return (
            Revision.objects.filter(
                version__in=Version.objects.get_for_object(article),
            )
            .select_related("user")
            .order_by("-date_created", "-pk")
        )

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        revisions = list(self.revisions_of(article))
        info = self.opts.app_label, self.opts.model_name
        versions = dict(Version.objects.get_for_object(article).values_list("revision_id", "pk"))
        rows = [
            {
                "revision": revision,
                "previous": revisions[index + 1] if index + 1 < len(revisions) else None,
                "restore_url": reverse(
                    "admin:{}_{}_revision".format(*info),
                    args=[quote(article.pk), versions[revision.pk]],
                ),
            }
            for index, revision in enumerate(revisions)
        ]
        context = {
            "revision_rows": rows,
            "compare_url": reverse("admin:{}_{}_compare".format(*info), args=[quote(article.pk)]),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        form = RevisionCompareForm(request.GET, revisions=self.revisions_of(article))
        comparison = None
        if form.is_valid():
            comparison = compare_revisions(form.cleaned_data["old"], form.cleaned_data["new"])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare revisions of “%(title)s”") % {"title": article},
            "subtitle": None,
            "opts": self.opts,
            "original": article,
            "object_id": object_id,
            "form": form,
            "comparison": comparison,
            "old": form.cleaned_data.get("old") if comparison else None,
            "new": form.cleaned_data.get("new") if comparison else None,
        }
        request.current_app = self.admin_site.name
        # A wrong or missing choice is the request's fault: the page says which.
        status = 200 if comparison else 400
        return TemplateResponse(request, self.compare_template, context, status=status)

    # --- restore and recover ------------------------------------------------------

    def revision_view(self, request, object_id, version_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
        when = revision_date(version.revision)
        restore = Restore(
            version.revision,
            _("Restored from the revision of %(date)s.") % {"date": when},
            audit.Action.RESTORED,
        )
        context = {
            "title": _("Restore “%(title)s” as of %(date)s") % {"title": article, "date": when},
            "revision": version.revision,
            "revert": True,
            **(extra_context or {}),
        }
        kept = {name: getattr(article, name) for name in KEPT_ON_RESTORE}
        if hero_file_is_gone(version):
            kept.update({name: getattr(article, name) for name in HERO_FIELDS})
            context["hero_kept"] = True
        return self.restore_form(
            request, version, restore, kept, self.revision_form_template, context
        )

    def recover_view(self, request, version_id, extra_context=None):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        when = revision_date(version.revision)
        restore = Restore(
            version.revision,
            _("Recovered from the revision of %(date)s.") % {"date": when},
            audit.Action.RECOVERED,
        )
        context = {
            "title": _("Recover “%(title)s” as of %(date)s")
            % {"title": version.object_repr, "date": when},
            "revision": version.revision,
            "recover": True,
            **(extra_context or {}),
        }
        # Its comments were deleted with it.
        kept = {"comment_count": 0}
        if hero_file_is_gone(version):
            kept.update(NO_HERO)
            context["hero_gone"] = True
        return self.restore_form(
            request, version, restore, kept, self.recover_form_template, context
        )

    def restore_form(self, request, version, restore, kept, template, context):
        """The change form filled with ``version``'s revision, with ``kept`` fields
        as they are now; on a valid POST, saved as a new revision.

        The revision is written into the rows inside a transaction and the change
        form is built from them, as django-reversion's own view does; when the form
        is only shown (GET, or a POST with errors) the transaction is rolled back, and
        on a GET the caches are left alone, so nothing is kept. (Unlike reversion's
        view, which mutes model signals for every thread of the process meanwhile.)
        """
        slug = version.field_dict.get("slug")
        if Article.objects.filter(slug=slug).exclude(pk=version.object_id).exists():
            message = _(
                "Another article now uses the address “%(slug)s” this revision had: "
                "change that article's slug first."
            )
            messages.error(request, message % {"slug": slug})
            return redirect("admin:articles_article_changelist")
        request.revision_restore = restore
        undone = writes_undone() if request.method == "GET" else nullcontext()
        try:
            with transaction.atomic(), undone:
                version.revision.revert(delete=True)
                Article.objects.filter(pk=version.object_id).update(**kept)
                with self.create_revision(request):
                    response = self.changeform_view(
                        request, quote(version.object_id), request.path, context
                    )
                    if response.status_code != 302:
                        response.template_name = template
                        response.render()
                        raise _KeepNothing(response)
        except _KeepNothing as shown:
            return shown.response
        except RevertError as error:
            messages.error(request, str(error))
            return redirect("admin:articles_article_changelist")
        # Back to the article rather than the list: the editor may publish it now.
        return redirect("admin:articles_article_change", quote(version.object_id))
