"""Moderators' emails about new pending comments, sent by a sweep.

A post flags its new pending comment (``awaits_moderator_email``) and, once its
transaction has committed, queues a sweep task (comments/tasks.py): the task can
only run after the comment is visible to it. A sweep emails about every flagged
comment, one email per comment, and clears the flags. Sweeps may overlap (one per
post): each locks the comments it sends about and skips those another sweep holds,
so every comment is announced exactly once.
"""

from django.db import transaction

from .emails import send_pending_comment_email
from .models import Comment

BATCH_SIZE = 50


def comments_awaiting_email():
    """Pending comments whose moderators' email has not been sent yet."""
    return Comment.objects.pending().filter(awaits_moderator_email=True)


def announce_pending_comments():
    """Email moderators about every flagged pending comment; return emails sent.

    Each batch is locked (SKIP LOCKED, so concurrent sweeps share the work), sent
    and unflagged in one transaction: a crash before the commit sends those emails
    again rather than losing them. A failed send keeps its comment (and the rest of
    the batch) flagged, commits the ones already sent and raises.
    """
    sent = 0
    while True:
        failure = None
        with transaction.atomic():
            batch = list(
                comments_awaiting_email()
                .select_related("article")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("-is_urgent", "id")[:BATCH_SIZE]
            )
            announced = []
            for comment in batch:
                try:
                    sent += send_pending_comment_email(comment)
                except Exception as error:  # noqa: BLE001 - re-raised after the commit
                    failure = error
                    break
                announced.append(comment.pk)
            Comment.objects.filter(pk__in=announced).update(awaits_moderator_email=False)
        if failure is not None:
            raise failure
        if len(batch) < BATCH_SIZE:
            return sent
