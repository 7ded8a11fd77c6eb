from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, IntegerField, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import SingletonAdmin, ValidatedLookupsMixin
from core.models import SiteSettings

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


# The buttons on a comment's own page, by status: the list actions that would change
# it. A withdrawn comment (in the trash for good) gets none.
PAGE_ACTIONS = {
    Status.PENDING: ["approve", "mark_spam", "move_to_trash"],
    Status.APPROVED: ["unapprove", "mark_spam", "move_to_trash"],
    Status.SPAM: ["restore", "move_to_trash"],
    Status.TRASH: ["restore"],
}
PAGE_ACTION_LABELS = {
    "approve": _("Approve"),
    "unapprove": _("Unapprove"),
    "mark_spam": _("Mark as spam"),
    "move_to_trash": _("Move to trash"),
    "restore": _("Restore"),
}
PREPARED_REPLY_TEMPLATE = "admin/comments/comment/prepared_reply.txt"


def page_actions(comment):
    """The names of the moderation buttons ``comment``'s admin page offers."""
    return [] if comment.is_withdrawn else PAGE_ACTIONS[comment.status]


def prepared_reply(comment, site):
    """The editable reply offered for an urgent comment, pointing to help ("" for
    any other comment)."""
    if not comment.is_urgent:
        return ""
    context = {"comment": comment, "site": site}
    return render_to_string(PREPARED_REPLY_TEMPLATE, context, using="django").strip()


class CenterReplyForm(forms.Form):
    """The "Reply as the center" box on a comment's admin page."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(
            attrs={"rows": 12, "cols": 80, "aria-describedby": "center-reply-help"}
        ),
        error_messages={"required": _("Write a reply before sending it: nothing was posted.")},
    )

    def __init__(self, *args, **kwargs):
        # A prefix: the comment's own form on the same page has a "body" field too.
        super().__init__(*args, prefix="reply", **kwargs)


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
    list_filter = [StatusFilter, "is_urgent", "is_center_reply", "decided_by", "article"]
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
        "is_center_reply",
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
                    ("decided_by", "is_urgent", "is_center_reply"),
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

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name="{}_{}_moderate".format(*info),
            ),
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="{}_{}_reply".format(*info),
            ),
        ]
        # Before Django's own, whose "<path:object_id>/" would take these addresses.
        return [*own, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, unquote(object_id))
        if comment is not None and self.has_change_permission(request, comment):
            extra_context = {**(extra_context or {}), **self.moderation_context(request, comment)}
        return super().change_view(request, object_id, form_url, extra_context)

    def moderation_context(self, request, comment):
        """What a comment's page shows a moderator: its buttons and the reply box."""
        site = SiteSettings.load()
        allowed = self.get_actions(request)
        can_reply = not comment.is_withdrawn and comment.status in {
            Status.APPROVED,
            Status.PENDING,
        }
        return {
            "moderation_buttons": [
                (name, PAGE_ACTION_LABELS[name])
                for name in page_actions(comment)
                if name in allowed
            ],
            "reply_form": (
                CenterReplyForm(initial={"body": prepared_reply(comment, site)})
                if can_reply
                else None
            ),
            "reply_approves": comment.status == Status.PENDING,
            "site_name": site.site_name,
        }

    def _comment_to_moderate(self, request, object_id):
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            raise Http404
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        return comment

    def _back_to(self, comment):
        return redirect(reverse("admin:comments_comment_change", args=[comment.pk]))

    def moderate_view(self, request, object_id):
        """A button of a comment's page: run the list action it names on this comment
        alone, with that action's permission check, and go back to the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        comment = self._comment_to_moderate(request, object_id)
        name = request.POST.get("action", "")
        actions = self.get_actions(request)
        if name not in page_actions(comment):
            self.message_user(
                request,
                _("That button does not apply to this comment as it stands: nothing changed."),
                messages.WARNING,
            )
        elif name not in actions:
            raise PermissionDenied
        else:
            action = actions[name][0]
            action(self, request, Comment.objects.filter(pk=comment.pk))
        return self._back_to(comment)

    def reply_view(self, request, object_id):
        """The reply box of a comment's page: publish the reply as the center."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        comment = self._comment_to_moderate(request, object_id)
        form = CenterReplyForm(request.POST)
        if not form.is_valid():
            for error in form.errors["body"]:
                self.message_user(request, error, messages.ERROR)
            return self._back_to(comment)
        try:
            services.post_center_reply(
                comment,
                form.cleaned_data["body"],
                by=request.user,
                approve_parent=request.POST.get("approve_parent") == "1",
            )
        except services.ReplyRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Your reply was published as %(name)s.")
                % {"name": SiteSettings.load().site_name},
                messages.SUCCESS,
            )
        return self._back_to(comment)

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
