"""What needs the editors' attention: the panels of the admin index's dashboard and
of the weekly digest.

Each panel is a count, the first few titles and the admin list that holds them all,
for the users with the permission it names. No panel holds personal data (no
commenter name, email, address or comment text), so the digest can carry them.
"""

from dataclasses import dataclass, field, replace

from django.db.models import Count, Q, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.feedback import with_feedback_counts
from articles.feedback_admin import PERIOD_PARAMETER
from articles.models import REVIEW_SOON_DAYS, Article, ArticleFeedback, ArticleFeedbackSummary
from comments.models import Comment
from wordpress.models import ImportedItem, WaitingFeaturedImage

TITLES_SHOWN = 5
# "Was this article helpful?" answers counted over this many days (a period the
# feedback admins' "received" filter offers, so the links show the same answers).
FEEDBACK_DAYS = 30


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    count: int
    summary: str
    list_url: str
    items: list = field(default_factory=list)
    urgent_count: int = 0
    urgent_url: str = ""
    # Who may see it: the permission its admin list needs (set by build_panels).
    permission: str = ""


PANELS = []


def panel(permission):
    """Register a panel builder, ``build(today) -> Panel``, shown in this order to
    users with ``permission``."""

    def register(build):
        PANELS.append((permission, build))
        return build

    return register


def first_rows(queryset, **totals):
    """(total, first rows): the count and the first TITLES_SHOWN rows in one query.

    ``totals`` are extra counts over every row (window aggregates), set on each row.
    """
    rows = list(
        queryset.annotate(
            total=Window(Count("pk")),
            **{name: Window(aggregate) for name, aggregate in totals.items()},
        )[:TITLES_SHOWN]
    )
    return (rows[0].total if rows else 0), rows


def changelist(model, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def article_item(article, note=""):
    return Item(article.title, reverse("admin:articles_article_change", args=[article.pk]), note)


def due_note(article):
    return _("due %(date)s") % {"date": date_format(article.next_review_due, "DATE_FORMAT")}


@panel("articles.view_article")
def overdue_reviews(today):
    queryset = Article.objects.review_overdue(today).order_by("next_review_due", "pk")
    count, rows = first_rows(queryset.only("pk", "title", "next_review_due"))
    return Panel(
        key="overdue",
        title=_("Overdue reviews"),
        count=count,
        summary=ngettext(
            "%(count)d article is overdue for medical review",
            "%(count)d articles are overdue for medical review",
            count,
        )
        % {"count": count},
        list_url=changelist(Article, review="overdue"),
        items=[article_item(article, due_note(article)) for article in rows],
    )


@panel("articles.view_article")
def reviews_due_soon(today):
    queryset = Article.objects.review_due_soon(today).order_by("next_review_due", "pk")
    count, rows = first_rows(queryset.only("pk", "title", "next_review_due"))
    return Panel(
        key="due_soon",
        title=_("Reviews due within %(days)d days") % {"days": REVIEW_SOON_DAYS},
        count=count,
        summary=ngettext(
            "%(count)d article falls due for review within %(days)d days",
            "%(count)d articles fall due for review within %(days)d days",
            count,
        )
        % {"count": count, "days": REVIEW_SOON_DAYS},
        list_url=changelist(Article, review="due_soon"),
        items=[article_item(article, due_note(article)) for article in rows],
    )


@panel("articles.view_article")
def drafts(today):
    queryset = Article.objects.drafts().order_by("-updated_at", "-pk")
    count, rows = first_rows(queryset.only("pk", "title"))
    return Panel(
        key="drafts",
        title=_("Drafts"),
        count=count,
        summary=ngettext("%(count)d draft", "%(count)d drafts", count) % {"count": count},
        list_url=changelist(Article, publication="draft"),
        items=[article_item(article) for article in rows],
    )


@panel("articles.view_article")
def scheduled_articles(today):
    count, rows = first_rows(Article.objects.scheduled().only("pk", "title", "published_at"))
    return Panel(
        key="scheduled",
        title=_("Scheduled articles"),
        count=count,
        summary=ngettext(
            "%(count)d article is scheduled", "%(count)d articles are scheduled", count
        )
        % {"count": count},
        list_url=changelist(Article, publication="scheduled"),
        items=[
            article_item(
                article,
                _("goes public %(time)s")
                % {
                    "time": date_format(timezone.localtime(article.published_at), "DATETIME_FORMAT")
                },
            )
            for article in rows
        ],
    )


@panel("articles.view_articlefeedback")
def unhelpful_articles(today):
    # Counts and titles only: a reader's note may hold what the digest must not carry.
    since = timezone.now() - timezone.timedelta(days=FEEDBACK_DAYS)
    queryset = (
        with_feedback_counts(Article.objects.only("pk", "title"), since=since)
        .filter(unhelpful_count__gt=0)
        .order_by("-unhelpful_count", "-pk")
    )
    count, rows = first_rows(queryset)
    period = {PERIOD_PARAMETER: str(FEEDBACK_DAYS)}
    return Panel(
        key="feedback",
        title=_("Marked not helpful by readers"),
        count=count,
        summary=ngettext(
            "%(count)d article was marked not helpful in the last %(days)d days",
            "%(count)d articles were marked not helpful in the last %(days)d days",
            count,
        )
        % {"count": count, "days": FEEDBACK_DAYS},
        list_url=changelist(ArticleFeedbackSummary, **period),
        items=[
            Item(
                article.title,
                changelist(
                    ArticleFeedback, article__id__exact=article.pk, is_helpful__exact=0, **period
                ),
                _("%(no)d no, %(yes)d yes")
                % {"no": article.unhelpful_count, "yes": article.helpful_count},
            )
            for article in rows
        ],
    )


@panel("articles.change_article")
def featured_images_waiting(today):
    queryset = ImportedItem.objects.waiting_for_hero().only("pk", "article__title", "waiting_hero")
    count, rows = first_rows(queryset)
    return Panel(
        key="featured_images",
        title=_("Featured images waiting for a description"),
        count=count,
        summary=ngettext(
            "%(count)d imported article has a featured image waiting for a description",
            "%(count)d imported articles have a featured image waiting for a description",
            count,
        )
        % {"count": count},
        list_url=changelist(WaitingFeaturedImage),
        items=[
            Item(
                record.article.title,
                reverse("admin:wordpress_waitingfeaturedimage_use", args=[record.pk]),
                _("describe it to make it the hero image"),
            )
            for record in rows
        ],
    )


@panel("comments.view_comment")
def pending_comments(today):
    # Urgent ones (crisis language) first, as in the moderation queue.
    queryset = (
        Comment.objects.pending()
        .select_related("article")
        .only("pk", "is_urgent", "article__title")
        .order_by("-is_urgent", "-created_at", "-pk")
    )
    count, rows = first_rows(queryset, urgent=Count("pk", filter=Q(is_urgent=True)))
    urgent = rows[0].urgent if rows else 0
    return Panel(
        key="comments",
        title=_("Pending comments"),
        count=count,
        summary=ngettext(
            "%(count)d comment awaiting moderation", "%(count)d comments awaiting moderation", count
        )
        % {"count": count},
        list_url=changelist(Comment, status__exact=Comment.Status.PENDING),
        urgent_count=urgent,
        urgent_url=changelist(Comment, status__exact=Comment.Status.PENDING, is_urgent__exact=1),
        # The article it is on: never the comment's text or author.
        items=[
            Item(
                _("On “%(title)s”") % {"title": comment.article.title},
                reverse("admin:comments_comment_change", args=[comment.pk]),
                _("urgent") if comment.is_urgent else "",
            )
            for comment in rows
        ],
    )


def build_panels(user=None, *, today=None):
    """The panels ``user`` may see (every panel without a user), on ``today`` (the
    site's date unless given); one query per panel."""
    today = today or timezone.localdate()
    return [
        replace(build(today), permission=permission)
        for permission, build in PANELS
        if user is None or user.has_perm(permission)
    ]


def panels_for(user, panels):
    """Those of ``panels`` that ``user`` may see."""
    return [panel for panel in panels if user.has_perm(panel.permission)]
