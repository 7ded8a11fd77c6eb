"""Drop an article's cached page when its approved comments change.

Every status change goes through Comment.save() (services.moderate and the admin's
actions move comments one by one), so signals see them all. The one queryset update,
services.erase_old_network_data(), blanks IP addresses and browsers, which pages
never show.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from articles import page_cache

from .models import Comment


def remember_if_was_approved(sender, instance, raw=False, **kwargs):
    if instance._state.adding or raw or instance.status == Comment.Status.APPROVED:
        return
    # Only a comment leaving "approved" needs the old status: one query, on moderation.
    instance._was_approved = Comment.objects.filter(
        pk=instance.pk, status=Comment.Status.APPROVED
    ).exists()


def comment_saved(sender, instance, **kwargs):
    if instance.status == Comment.Status.APPROVED or getattr(instance, "_was_approved", False):
        page_cache.comments_changed(instance.article_id)


def comment_deleted(sender, instance, **kwargs):
    # Even a deleted trashed comment changes the thread: its replies move up a level.
    page_cache.comments_changed(instance.article_id)


def connect():
    uid = "comments.page_cache"
    pre_save.connect(remember_if_was_approved, sender=Comment, dispatch_uid=f"{uid}.pre_save")
    post_save.connect(comment_saved, sender=Comment, dispatch_uid=f"{uid}.save")
    post_delete.connect(comment_deleted, sender=Comment, dispatch_uid=f"{uid}.delete")
