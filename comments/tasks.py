"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task

from . import notifications


@task()
def announce_pending_comments():
    """Email moderators about each new pending comment not yet announced (a sweep)."""
    from django_tasks_db import DatabaseBackend

    # Only a worker of the database backend can start before a post it serves has
    # committed; the immediate backend sweeps after the post's own commit.
    waits = isinstance(announce_pending_comments.get_backend(), DatabaseBackend)
    return notifications.announce_pending_comments(wait=waits)
