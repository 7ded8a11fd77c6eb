"""Moderators' emails about new pending comments, sent in batches by a sweep task.

A post only flags its pending comment (``awaits_moderator_email``) and queues a
sweep when none is waiting; the sweep emails about each flagged comment, one email
per comment as before, and clears the flag. Moderators get the same emails, about as
soon, and a post no longer writes a task row of its own (issue #6).

Why no email is missed: a post checks for a waiting sweep after inserting its
comment, inside its transaction. A sweep that a post counted on may be claimed by
the worker before that post commits, so the sweep first waits for every transaction
of this database that was writing when it started (``wait_for_writers``): any post
that saw it waiting is among them. A post that checks after the claim finds no
waiting sweep and queues one. At worst two sweeps run, and SKIP LOCKED shares the
comments out between them.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from .emails import send_pending_comment_email
from .models import Comment

SWEEP_TASK_PATH = "comments.tasks.announce_pending_comments"
# How long a sweep waits for unfinished writers before it goes ahead and queues a
# second sweep to pick up what they commit afterwards.
WAIT_FOR_WRITERS_SECONDS = 5.0
BATCH_SIZE = 50


def flag_for_moderators(comment):
    """In the posting transaction: have moderators emailed about ``comment``.

    The database task backend gets a sweep row in this very transaction (so it
    commits with the comment or not at all) unless one is already waiting: a
    single indexed SELECT instead of a task row per post. Other backends (the
    immediate one runs the task at once) sweep after the commit, as before.
    """
    from django_tasks_db import DatabaseBackend

    from .tasks import announce_pending_comments

    if isinstance(announce_pending_comments.get_backend(), DatabaseBackend):
        if not sweep_is_waiting():
            announce_pending_comments.enqueue()
    else:
        transaction.on_commit(announce_pending_comments.enqueue)


def sweep_is_waiting():
    """Whether a sweep task is queued and not yet claimed by a worker."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # Raw SQL: the ORM would cost more than the row it saves. The table's partial
    # index on READY rows answers it.
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{DBTaskResult._meta.db_table}" '
            "WHERE status = %s AND task_path = %s LIMIT 1",
            [TaskResultStatus.READY.value, SWEEP_TASK_PATH],
        )
        return cursor.fetchone() is not None


def wait_for_writers(timeout=None, interval=0.005):
    """Wait until the transactions of this database that were writing have ended.

    Returns False if some were still open after ``timeout`` seconds. The worker must
    see the web processes' ``backend_xid``: the same database role, or one with
    pg_read_all_stats.
    """
    query = (
        "SELECT backend_xid::text FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        writers = {row[0] for row in cursor.fetchall()}
        deadline = time.monotonic() + (timeout or WAIT_FOR_WRITERS_SECONDS)
        while writers:
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)
            cursor.execute(query)
            # A transaction id is never reused while it runs: one no longer listed
            # has committed or rolled back.
            writers &= {row[0] for row in cursor.fetchall()}
    return True


def announce_pending_comments(*, wait=True):
    """Email moderators about every flagged pending comment; return emails sent.

    Each batch is locked (SKIP LOCKED, so concurrent sweeps share the work), sent
    and unflagged in one transaction: a crash before the commit sends those emails
    again rather than losing them. A failed send keeps its comment (and the rest of
    the batch) flagged, commits the ones already sent and raises.
    """
    if wait and not wait_for_writers():
        # A writer outlived the wait: sweep now, and again later for its comment.
        from .tasks import announce_pending_comments as sweep_task

        if sweep_task.get_backend().supports_defer:
            sweep_task.using(run_after=time_after(WAIT_FOR_WRITERS_SECONDS)).enqueue()
    sent = 0
    while True:
        failure = None
        with transaction.atomic():
            batch = list(
                Comment.objects.pending()
                .filter(awaits_moderator_email=True)
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


def queue_sweep_for_stragglers():
    """Queue a sweep if comments still await their email (after a failed send, say).

    A failed sweep leaves its comments flagged, and the next pending post queues a new
    sweep; this covers the quiet days without one. Returns how many are waiting.
    """
    from .tasks import announce_pending_comments as sweep_task

    waiting = Comment.objects.pending().filter(awaits_moderator_email=True).count()
    if waiting:
        sweep_task.enqueue()
    return waiting


def time_after(seconds):
    return timezone.now() + timezone.timedelta(seconds=seconds)
