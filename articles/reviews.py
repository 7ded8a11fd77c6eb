"""The medical review cycle: marking articles as reviewed.

Only a full review moves an article's review dates (the NHS rule): the admin's
"Mark as reviewed" calls ``mark_reviewed``; ordinary edits leave the dates alone.
"""

from django.db import transaction

REVIEW_FIELDS = ["reviewer", "reviewed_on", "next_review_due"]


def mark_reviewed(articles, *, reviewer, reviewed_on, by, note=""):
    """Record that ``reviewer`` reviewed ``articles`` on ``reviewed_on``: set their
    reviewer, last review and next review due (the review date plus each article's
    period), all or none. ``by`` is the user who recorded it, ``note`` what they
    said. Returns the articles."""
    with transaction.atomic():
        for article in articles:
            article.reviewer = reviewer
            article.reviewed_on = reviewed_on
            article.next_review_due = article.review_due_after(reviewed_on)
            # Not updated_at: a review that changed no word is not an update to readers.
            article.save(update_fields=REVIEW_FIELDS)
    return articles
