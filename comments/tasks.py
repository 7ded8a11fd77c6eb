"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django_tasks import task

from .emails import send_pending_comment_email
from .models import Comment


@task()
def notify_moderators(comment_id):
    """Email moderators that a comment awaits them (if it still does)."""
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None or comment.status != Comment.Status.PENDING:
        return 0
    return send_pending_comment_email(comment)
