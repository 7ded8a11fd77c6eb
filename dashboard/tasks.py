"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task

from . import digest


@task()
def send_editors_digest():
    """Email editors this week's digest, once per ISO week (see dashboard/digest.py)."""
    return digest.send_editors_digest()
