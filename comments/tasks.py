"""Background tasks (django-tasks): run by `manage.py db_worker` in production."""

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from . import notifications, subscriptions
from .conf import comment_settings

RETRY_KEY = "comments:email-sweep-retry"


@task()
def announce_pending_comments(retry=False):
    """Email moderators about each new pending comment not yet announced (a sweep).

    Queue it with ``transaction.on_commit`` from the code that flags a comment, so it
    cannot run before that comment is committed. When mail fails (the SMTP server
    refuses, or does not answer within EMAIL_TIMEOUT), the comments stay flagged and
    the sweep runs again later (``retry``: this is that later sweep).
    """
    if retry:
        # This retry no longer waits: if it fails too, it queues the next one.
        cache.delete(RETRY_KEY)
    try:
        return notifications.announce_pending_comments()
    except OSError:  # smtplib's errors and socket timeouts alike
        retry_sweep_later()
        raise


def retry_sweep_later():
    """Queue a sweep to run in COMMENTS_EMAIL_RETRY_SECONDS; return whether one was.

    One retry waits at a time, however many sweeps fail meanwhile (each post queues
    one): the cache key is held until the retry runs. A backend that cannot
    defer (the immediate one of development) leaves it to the next post's sweep and
    the daily ``comments_maintenance``.
    """
    seconds = comment_settings.COMMENTS_EMAIL_RETRY_SECONDS
    if not seconds or not announce_pending_comments.get_backend().supports_defer:
        return False
    # Held a little longer than the wait: the retry itself lets it go.
    if not cache.add(RETRY_KEY, 1, timeout=seconds + 60):
        return False
    run_after = timezone.now() + timezone.timedelta(seconds=seconds)
    announce_pending_comments.using(run_after=run_after).enqueue(retry=True)
    return True


def queue_sweep_for_stragglers():
    """Queue a sweep if comments still await their email; return how many do.

    A failed send leaves its comment flagged, as does a process that stopped between
    a post's commit and its queueing of the sweep; the next post's sweep (or the retry
    a failed sweep queued) sends those emails, and this covers the quiet days without
    one.
    """
    waiting = notifications.comments_awaiting_email().count()
    if waiting:
        announce_pending_comments.enqueue()
    return waiting


@task()
def send_reply_confirmation(subscription_id):
    """Email the link that confirms a reply subscription (comments/subscriptions.py)."""
    return subscriptions.send_confirmation(subscription_id)


# Sending a reply email is tried this many times, COMMENTS_EMAIL_RETRY_SECONDS apart.
REPLY_EMAIL_ATTEMPTS = 3


@task()
def send_reply_notifications(reply_ids, attempt=1):
    """Email confirmed subscribers about these replies, once each (queued after the
    commit that made them visible: services.notify_reply_subscribers).

    When mail fails, a later attempt is queued: it sends only what is still unsent,
    as each sent email is recorded.
    """
    try:
        return subscriptions.send_reply_notifications(reply_ids)
    except OSError:  # smtplib's errors and socket timeouts alike
        seconds = comment_settings.COMMENTS_EMAIL_RETRY_SECONDS
        backend = send_reply_notifications.get_backend()
        if seconds and attempt < REPLY_EMAIL_ATTEMPTS and backend.supports_defer:
            run_after = timezone.now() + timezone.timedelta(seconds=seconds)
            send_reply_notifications.using(run_after=run_after).enqueue(
                reply_ids, attempt=attempt + 1
            )
        raise
