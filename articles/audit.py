"""What the audit log says about an article's publication (core.audit keeps the log)."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import audit

from .models import Article, PublicationState

Action = audit.Action
PUBLICATION_FIELDS = ("status", "published_at", "unpublish_at")


def _when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def publication_change(before, after):
    """The audit action and detail for an article going from ``before`` to ``after``
    (two articles, or anything with status, published_at and unpublish_at), or None
    when what readers see and when they see it did not change."""
    if all(getattr(before, name) == getattr(after, name) for name in PUBLICATION_FIELDS):
        return None
    old, new = _state(before), _state(after)
    if new == PublicationState.DRAFT:
        return None if old == PublicationState.DRAFT else (Action.UNPUBLISHED, "")
    if new == PublicationState.EXPIRED:
        return Action.UNPUBLISHED, _("Expired at %(time)s") % {"time": _when(after.unpublish_at)}
    until = (
        _(", until %(time)s") % {"time": _when(after.unpublish_at)} if after.unpublish_at else ""
    )
    if new == PublicationState.SCHEDULED:
        return Action.SCHEDULED, _("For %(time)s") % {"time": _when(after.published_at)} + until
    if (
        old == PublicationState.PUBLISHED
        and after.unpublish_at
        and after.unpublish_at != before.unpublish_at
    ):
        return Action.SCHEDULED, _("Unpublication at %(time)s") % {
            "time": _when(after.unpublish_at)
        }
    return Action.PUBLISHED, _("Public from %(time)s") % {"time": _when(after.published_at)} + until


def _state(values):
    return Article(**{name: getattr(values, name) for name in PUBLICATION_FIELDS}).publication_state


def record_publication_change(user, article, before):
    """Write one audit entry if saving ``article`` changed its publication (``before``
    holds the status and times it had); return the entry or None. Call it in the
    transaction that saves the article."""
    change = publication_change(before, article)
    if change is None:
        return None
    action, detail = change
    return audit.record(user, action, article, detail)
