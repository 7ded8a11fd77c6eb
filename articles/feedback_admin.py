"""Reader feedback in the admin: every answer with its private note (for those with
the permission to read them), and the counts per article (yes, no, share helpful)."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import CharField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.admin import ValidatedLookupsMixin, ViewOnlyAdminMixin

from .feedback import with_feedback_counts
from .models import ArticleFeedback, ArticleFeedbackSummary

# Both lists' "received" filter: the last this many days.
PERIODS = {"7": 7, "30": 30, "90": 90}
PERIOD_PARAMETER = "received"
NOTE_PREVIEW_CHARS = 120


def period_start(value, now=None):
    """The start of the period a "received" filter value names, or None (all time)."""
    days = PERIODS.get(value)
    return (now or timezone.now()) - timedelta(days=days) if days else None


class ReceivedFilter(admin.SimpleListFilter):
    title = _("received")
    parameter_name = PERIOD_PARAMETER

    def lookups(self, request, model_admin):
        return [
            (value, _("In the last %(days)d days") % {"days": days})
            for value, days in PERIODS.items()
        ]

    def queryset(self, request, queryset):
        since = period_start(self.value())
        if since is None or queryset.model is not ArticleFeedback:
            # The counts per article take the period in get_queryset.
            return queryset
        return queryset.received_since(since)


class HasNoteFilter(admin.SimpleListFilter):
    title = _("note")
    parameter_name = "has_note"

    def lookups(self, request, model_admin):
        return [("yes", _("With a note")), ("no", _("Without a note"))]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.exclude(note="")
            case "no":
                return queryset.filter(note="")
        return queryset


def feedback_list_url(**filters):
    url = reverse("admin:articles_articlefeedback_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ValidatedLookupsMixin, admin.ModelAdmin):
    """Read-only: an answer is the reader's. Deleting one is allowed, for a note that
    names someone despite the form's request."""

    list_display = ["created_at", "article", "is_helpful", "note_preview"]
    list_display_links = ["created_at"]
    list_filter = [
        "is_helpful",
        HasNoteFilter,
        ReceivedFilter,
        ("article", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["note", "article__title"]
    list_select_related = ["article"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = ["article", "is_helpful", "note", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("private note"))
    def note_preview(self, feedback):
        return Truncator(feedback.note).chars(NOTE_PREVIEW_CHARS) or "—"


@admin.register(ArticleFeedbackSummary)
class ArticleFeedbackSummaryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The feedback counts of each article that has any, most "No" first. Seen with
    the permission to read feedback; nothing to add, change or delete here."""

    list_display = [
        "title",
        "helpful_answers",
        "unhelpful_answers",
        "helpful_share",
        "notes",
    ]
    list_display_links = None
    list_filter = [ReceivedFilter]
    search_fields = ["title"]

    def get_queryset(self, request):
        period = request.GET.get(PERIOD_PARAMETER)
        period = period if period in PERIODS else ""
        articles = with_feedback_counts(
            ArticleFeedbackSummary.objects.only("pk", "title"), since=period_start(period)
        )
        # Each row carries the period, for its links to the answers counted.
        return articles.filter(feedback_count__gt=0).annotate(
            feedback_period=Value(period, output_field=CharField())
        )

    def get_ordering(self, request):
        # Most "No" first. Counts made in get_queryset, which the ``ordering``
        # attribute cannot name (the admin checks it against the model's fields).
        return ["-unhelpful_count", "-feedback_count", "title"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_articlefeedback")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def _answers_link(self, article, count, **filters):
        """``count``, linked to the answers it counts (over the list's period)."""
        if article.feedback_period:
            filters[PERIOD_PARAMETER] = article.feedback_period
        url = feedback_list_url(article__id__exact=article.pk, **filters)
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=_("Yes"), ordering="helpful_count")
    def helpful_answers(self, article):
        return self._answers_link(article, article.helpful_count, is_helpful__exact=1)

    @admin.display(description=_("No"), ordering="unhelpful_count")
    def unhelpful_answers(self, article):
        return self._answers_link(article, article.unhelpful_count, is_helpful__exact=0)

    @admin.display(description=_("Helpful"), ordering="helpful_share")
    def helpful_share(self, article):
        if article.helpful_share is None:
            return "—"
        return f"{number_format(article.helpful_share * 100, 0)}%"

    @admin.display(description=_("Notes"), ordering="note_count")
    def notes(self, article):
        return self._answers_link(article, article.note_count, has_note="yes")
