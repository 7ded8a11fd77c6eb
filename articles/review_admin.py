"""The review cycle in the article admin: the "Review" filter, the due-date column
and "Mark as reviewed" (a confirmation page, from the change page or the list)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import reviews
from .forms import MarkReviewedForm
from .models import REVIEW_SOON_DAYS, Article

MARK_REVIEWED_URL = "admin:articles_article_mark_reviewed"


class ReviewFilter(admin.SimpleListFilter):
    """Overdue, due soon or never reviewed, on the site's date today."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("due_soon", _("Due within %(days)d days") % {"days": REVIEW_SOON_DAYS}),
            ("never", _("Never reviewed")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "overdue":
                return queryset.review_overdue()
            case "due_soon":
                return queryset.review_due_soon()
            case "never":
                return queryset.never_reviewed()
        return queryset


def mark_reviewed_url(ids):
    ids = ",".join(str(pk) for pk in ids)
    return f"{reverse(MARK_REVIEWED_URL)}?{urlencode({'ids': ids})}"


class ReviewCycleAdminMixin:
    """ArticleAdmin's part of the review cycle. The review dates are read-only in
    the change form: only "Mark as reviewed" moves them."""

    def has_mark_reviewed_permission(self, request):
        return request.user.has_perm("articles.mark_reviewed")

    def get_urls(self):
        view = self.admin_site.admin_view(self.mark_reviewed_view)
        return [
            path("mark-reviewed/", view, name="articles_article_mark_reviewed"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # For the "Mark as reviewed" link among the object tools.
        extra_context = {
            **(extra_context or {}),
            "can_mark_reviewed": self.has_mark_reviewed_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Mark as reviewed…"), permissions=["mark_reviewed"])
    def mark_reviewed_action(self, request, queryset):
        return redirect(mark_reviewed_url(queryset.values_list("pk", flat=True)))

    @admin.display(description=_("Next review due"), ordering="next_review_due")
    def review_due(self, article):
        if article.next_review_due is None:
            return _("Never reviewed") if article.reviewed_on is None else "—"
        due = date_format(article.next_review_due, "DATE_FORMAT")
        if article.next_review_due < timezone.localdate():
            return format_html("<strong>{}</strong> {}", _("Overdue:"), due)
        return due

    def mark_reviewed_view(self, request):
        """Confirm and record a review of the articles in ``?ids=`` (POST only writes)."""
        if not self.has_mark_reviewed_permission(request):
            raise PermissionDenied
        ids = [value for value in request.GET.get("ids", "").split(",") if value.isdigit()]
        articles = list(
            Article.objects.filter(pk__in=ids[:1000]).select_related("reviewer").order_by("title")
        )
        if not articles:
            self.message_user(
                request, _("Choose the articles to mark as reviewed."), messages.WARNING
            )
            return redirect("admin:articles_article_changelist")
        current = {article.reviewer for article in articles}
        initial = {
            "reviewed_on": timezone.localdate(),
            "reviewer": current.pop() if len(current) == 1 else None,
        }
        form = MarkReviewedForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            return self.record_review(request, articles, form.cleaned_data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Mark as reviewed"),
            "articles": articles,
            "form": form,
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(
            request, "admin/articles/article/mark_reviewed.html", context, status=status
        )

    def record_review(self, request, articles, data):
        reviews.mark_reviewed(
            articles,
            reviewer=data["reviewer"],
            reviewed_on=data["reviewed_on"],
            by=request.user,
            note=data["note"],
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d article marked as reviewed.",
                "%(count)d articles marked as reviewed.",
                len(articles),
            )
            % {"count": len(articles)},
            messages.SUCCESS,
        )
        if len(articles) == 1:
            return redirect("admin:articles_article_change", articles[0].pk)
        return redirect("admin:articles_article_changelist")
