"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task

from . import notifications


@task()
def announce_pending_comments():
    """Email moderators about each new pending comment not yet announced (a sweep).

    Queue it with ``transaction.on_commit`` from the code that flags a comment, so it
    cannot run before that comment is committed.
    """
    return notifications.announce_pending_comments()


def queue_sweep_for_stragglers():
    """Queue a sweep if comments still await their email; return how many do.

    A failed send leaves its comment flagged, as does a process that stopped between
    a post's commit and its queueing of the sweep; the next post's sweep sends those
    emails, and this covers the quiet days without one.
    """
    waiting = notifications.comments_awaiting_email().count()
    if waiting:
        announce_pending_comments.enqueue()
    return waiting
