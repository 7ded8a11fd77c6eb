"""Keep each article's comment count and the cached threads current.

Every status change goes through Comment.save() (services.moderate and the admin's
actions move comments one by one), so signals see them all. The one queryset update,
services.erase_old_network_data(), blanks IP addresses and browsers, which pages
never show.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save

from articles.models import Article
from core import caching

from .models import Comment


def remember_if_was_approved(sender, instance, raw=False, **kwargs):
    instance._was_approved = (
        not instance._state.adding
        and not raw
        and Comment.objects.filter(pk=instance.pk, status=Comment.Status.APPROVED).exists()
    )


def _count_changed(article_id, delta):
    # F(): two comments approved at once on one article must both count.
    Article.objects.filter(pk=article_id).update(comment_count=F("comment_count") + delta)
    caching.bump(caching.COMMENTS)


def comment_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    is_approved = instance.status == Comment.Status.APPROVED
    was_approved = getattr(instance, "_was_approved", False)
    if is_approved != was_approved:
        _count_changed(instance.article_id, 1 if is_approved else -1)
    elif is_approved:
        # An edited approved comment: the count stands, the thread changed.
        caching.bump(caching.COMMENTS)


def comment_deleted(sender, instance, **kwargs):
    if instance.status == Comment.Status.APPROVED:
        _count_changed(instance.article_id, -1)
    else:
        # Even a deleted trashed comment changes the thread: its replies move up a level.
        caching.bump(caching.COMMENTS)


def connect():
    uid = "comments.count"
    pre_save.connect(remember_if_was_approved, sender=Comment, dispatch_uid=f"{uid}.pre_save")
    post_save.connect(comment_saved, sender=Comment, dispatch_uid=f"{uid}.save")
    post_delete.connect(comment_deleted, sender=Comment, dispatch_uid=f"{uid}.delete")
