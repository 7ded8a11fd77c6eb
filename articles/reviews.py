"""The medical review cycle: marking articles as reviewed.

Only a full review moves an article's review dates (the NHS rule): the admin's
"Mark as reviewed" calls ``mark_reviewed``; ordinary edits leave the dates alone.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import audit

REVIEW_FIELDS = ["reviewer", "reviewed_on", "next_review_due"]


def mark_reviewed(articles, *, reviewer, reviewed_on, by, note=""):
    """Record that ``reviewer`` reviewed ``articles`` on ``reviewed_on``: set their
    reviewer, last review and next review due (the review date plus each article's
    period), and add a line to each one's history naming ``by`` (the user who
    recorded it) with ``note``; all or none. Returns the articles."""
    message = _("Marked as reviewed by %(reviewer)s on %(date)s.") % {
        "reviewer": reviewer,
        "date": date_format(reviewed_on, "DATE_FORMAT"),
    }
    with transaction.atomic():
        for article in articles:
            article.reviewer = reviewer
            article.reviewed_on = reviewed_on
            article.next_review_due = article.review_due_after(reviewed_on)
            # Not updated_at: a review that changed no word is not an update to readers.
            article.save(update_fields=REVIEW_FIELDS)
        LogEntry.objects.log_actions(by.pk, articles, CHANGE, f"{message} {note}".strip())
        for article in articles:
            audit.record(by, audit.Action.MARKED_REVIEWED, article, detail=message)
    return articles
