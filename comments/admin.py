from django.contrib import admin, messages
from django.db import models
from django.db.models import Case, Count, IntegerField, When
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import SingletonAdmin, ValidatedLookupsMixin

from . import services
from .models import Comment, ModerationLists

Status = Comment.Status


class StatusFilter(admin.SimpleListFilter):
    """Status with a count beside each choice, pending first (WordPress's tabs)."""

    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        counts = dict(Comment.objects.values_list("status").annotate(count=Count("id")).order_by())
        return [(value, f"{label} ({counts.get(value, 0)})") for value, label in Status.choices]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


def _report(modeladmin, request, count, verb):
    modeladmin.message_user(
        request,
        ngettext("%(count)d comment %(verb)s.", "%(count)d comments %(verb)s.", count)
        % {"count": count, "verb": verb},
        messages.SUCCESS if count else messages.WARNING,
    )


@admin.register(Comment)
class CommentAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    list_display = [
        "short_text",
        "author_name",
        "article_link",
        "status",
        "is_urgent",
        "decided_by",
        "created_at",
        "on_site",
    ]
    list_filter = [StatusFilter, "is_urgent", "decided_by", "article"]
    search_fields = ["author_name", "author_email", "ip_address", "body"]
    date_hierarchy = "created_at"
    list_select_related = ["article"]
    list_per_page = 50
    actions = [
        "approve",
        "unapprove",
        "mark_spam",
        "move_to_trash",
        "restore",
        "delete_permanently",
    ]
    readonly_fields = [
        "article",
        "parent",
        "user",
        "status",
        "previous_status",
        "decided_by",
        "is_urgent",
        "ip_address",
        "user_agent",
        "created_at",
        "status_changed_at",
    ]
    fieldsets = [
        (None, {"fields": ["article", "parent", "body"]}),
        (_("Author"), {"fields": ["author_name", "author_email", "author_url", "user"]}),
        (
            _("Moderation"),
            {
                "fields": [
                    ("status", "previous_status"),
                    ("decided_by", "is_urgent"),
                    ("created_at", "status_changed_at"),
                    ("ip_address", "user_agent"),
                ]
            },
        ),
    ]

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Urgent comments still waiting come first, then the newest.
    ordering = [
        Case(
            When(is_urgent=True, status=Status.PENDING, then=0),
            default=1,
            output_field=IntegerField(),
        ).asc(),
        "-created_at",
    ]

    def has_add_permission(self, request):
        # Comments come from readers through the site, never typed in here.
        return False

    def delete_model(self, request, obj):
        # The delete button of a comment's page: the same path, and log, as the action.
        services.delete_comments(Comment.objects.filter(pk=obj.pk), by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The built-in delete skips trash; "Delete permanently" works on trash only.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("Comment"))
    def short_text(self, comment):
        text = Truncator(comment.body).chars(90)
        return format_html("<strong>URGENT</strong> {}", text) if comment.is_urgent else text

    @admin.display(description=_("Article"), ordering="article__title")
    def article_link(self, comment):
        return format_html(
            '<a href="{}">{}</a>',
            comment.article.get_absolute_url(),
            Truncator(comment.article.title).chars(40),
        )

    @admin.display(description=_("On site"))
    def on_site(self, comment):
        if comment.status != Status.APPROVED or not comment.article.is_published:
            return "—"
        return format_html('<a href="{}">{}</a>', comment.get_absolute_url(), _("View"))

    @admin.action(description=_("Approve selected comments"), permissions=["change"])
    def approve(self, request, queryset):
        _report(
            self,
            request,
            services.moderate(queryset, Status.APPROVED, by=request.user),
            _("approved"),
        )

    @admin.action(description=_("Unapprove (back to pending)"), permissions=["change"])
    def unapprove(self, request, queryset):
        count = services.moderate(
            queryset.filter(status=Status.APPROVED), Status.PENDING, by=request.user
        )
        _report(self, request, count, _("moved back to pending"))

    @admin.action(description=_("Mark as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        _report(
            self,
            request,
            services.moderate(queryset, Status.SPAM, by=request.user),
            _("marked as spam"),
        )

    @admin.action(description=_("Move to trash"), permissions=["change"])
    def move_to_trash(self, request, queryset):
        _report(
            self,
            request,
            services.moderate(queryset, Status.TRASH, by=request.user),
            _("moved to trash"),
        )

    @admin.action(description=_("Restore from spam or trash"), permissions=["change"])
    def restore(self, request, queryset):
        _report(self, request, services.restore(queryset, by=request.user), _("restored"))

    @admin.action(description=_("Delete permanently (trash only)"), permissions=["delete"])
    def delete_permanently(self, request, queryset):
        count = services.delete_comments(queryset.filter(status=Status.TRASH), by=request.user)
        _report(self, request, count, _("deleted permanently"))


@admin.register(ModerationLists)
class ModerationListsAdmin(SingletonAdmin):
    fields = ["disallowed_keys", "moderation_keys", "crisis_keys"]
