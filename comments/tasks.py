"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task

from . import notifications
from .emails import send_pending_comment_email
from .models import Comment


@task()
def announce_pending_comments():
    """Email moderators about each new pending comment not yet announced (a sweep)."""
    from django_tasks_db import DatabaseBackend

    # Only a worker of the database backend can start before a post it serves has
    # committed; the immediate backend sweeps after the post's own commit.
    waits = isinstance(announce_pending_comments.get_backend(), DatabaseBackend)
    return notifications.announce_pending_comments(wait=waits)


@task()
def notify_moderators(comment_id):
    """Email moderators that a comment awaits them (if it still does).

    Posts no longer queue it (they flag the comment for the sweep above); it stays
    for task rows queued before that change.
    """
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0
    return send_pending_comment_email(comment)
