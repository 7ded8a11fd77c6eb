"""Reply notifications: a commenter asks to hear, by email, about replies to their comment.

Double opt-in: ticking the box stores an unconfirmed subscription and sends one email
with a confirm link (services.subscribe_to_replies); only a confirmed subscription is
emailed about replies (services.notify_reply_subscribers). Every email carries a
one-click unsubscribe link and the RFC 8058 headers that let a mail client use it.

The links hold signed tokens naming the subscription, each purpose with its own salt,
so a token for one cannot be used for the other and none is stored. The confirm link
expires after COMMENTS_REPLY_CONFIRM_DAYS; the unsubscribe link never does, as it must
keep working in an email read months later.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .conf import comment_settings
from .emails import send_reply_confirmation_email, send_reply_email
from .models import Comment, ReplyNotice, ReplySubscription

CONFIRM_SALT = "comments.reply-subscription.confirm"
UNSUBSCRIBE_SALT = "comments.reply-subscription.unsubscribe"
# A subscribed comment in these has no visible thread to hear about.
HIDDEN = [Comment.Status.SPAM, Comment.Status.TRASH]


class LinkNotValid(Exception):
    """A confirm or unsubscribe link that cannot be used: forged, or ``expired``."""

    def __init__(self, *, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def confirm_window():
    return timezone.timedelta(days=comment_settings.COMMENTS_REPLY_CONFIRM_DAYS)


def confirm_url(subscription):
    """The absolute link that confirms ``subscription`` (it expires)."""
    token = signing.dumps({"s": subscription.pk}, salt=CONFIRM_SALT)
    return settings.SITE_URL + reverse("comments:reply_confirm", args=[token])


def unsubscribe_url(subscription):
    """The absolute one-click unsubscribe link of ``subscription`` (it never expires)."""
    token = signing.dumps({"s": subscription.pk}, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("comments:reply_unsubscribe", args=[token])


def _subscription_id(token, *, salt, max_age=None):
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
        return int(data["s"])
    except signing.SignatureExpired as error:
        raise LinkNotValid(expired=True) from error
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkNotValid from error


def subscription_for_confirm_token(token):
    """The subscription a confirm token names; raises LinkNotValid.

    A subscription that is gone (deleted unconfirmed by the daily clean-up, or erased
    with its commenter's data) reads as expired: the reader can do nothing more.
    """
    pk = _subscription_id(token, salt=CONFIRM_SALT, max_age=confirm_window())
    subscription = ReplySubscription.objects.select_related("comment__article").filter(pk=pk)
    found = subscription.first()
    if found is None:
        raise LinkNotValid(expired=True)
    return found


def subscription_for_unsubscribe_token(token):
    """The subscription an unsubscribe token names, or None if it is gone already;
    raises LinkNotValid for a forged token."""
    pk = _subscription_id(token, salt=UNSUBSCRIBE_SALT)
    return ReplySubscription.objects.select_related("comment__article").filter(pk=pk).first()


def confirm(subscription):
    """Confirm ``subscription`` unless it is confirmed or unsubscribed already; return
    whether this call confirmed it. One UPDATE, so two clicks at once confirm once."""
    confirmed = (
        ReplySubscription.objects.filter(
            pk=subscription.pk, confirmed_at__isnull=True, unsubscribed_at__isnull=True
        ).update(confirmed_at=timezone.now())
        == 1
    )
    subscription.refresh_from_db(fields=["confirmed_at", "unsubscribed_at"])
    return confirmed


def unsubscribe(subscription):
    """Stop ``subscription``'s emails (again is fine); return whether this call did."""
    stopped = (
        ReplySubscription.objects.filter(pk=subscription.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        == 1
    )
    subscription.refresh_from_db(fields=["unsubscribed_at"])
    return stopped


def send_confirmation(subscription_id):
    """Send the confirm email of a subscription still waiting for it; return emails sent.

    Nothing goes out if, by the time the task runs, the comment was marked spam or
    trashed, or the subscription was confirmed, unsubscribed or erased.
    """
    subscription = (
        ReplySubscription.objects.unconfirmed()
        .exclude(comment__status__in=HIDDEN)
        .select_related("comment__article")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return 0
    return send_reply_confirmation_email(
        subscription,
        confirm_url=confirm_url(subscription),
        unsubscribe_url=unsubscribe_url(subscription),
    )


def is_own_reply(reply, subscription):
    """Whether the subscriber wrote ``reply`` (same address, or same account)."""
    same_email = reply.author_email.strip().casefold() == subscription.email.strip().casefold()
    same_user = reply.user_id is not None and reply.user_id == subscription.comment.user_id
    return same_email or same_user


def send_reply_notifications(reply_ids):
    """Email each reply among ``reply_ids`` that is visible now to the confirmed
    subscriber of the comment it answers, once ever; return emails sent.

    The ReplyNotice row is written before the email goes, in the same transaction: a
    second worker on the same reply waits on that row and then finds it, and a failed
    send rolls it back so that a later run may still send. Never to the reply's author.
    """
    replies = (
        Comment.objects.approved()
        .filter(pk__in=reply_ids, parent__isnull=False)
        .select_related("article")
        .order_by("id")
    )
    sent = 0
    for reply in replies:
        subscription = (
            ReplySubscription.objects.active()
            .exclude(comment__status__in=HIDDEN)
            .select_related("comment")
            .filter(comment_id=reply.parent_id)
            .first()
        )
        if subscription is None or is_own_reply(reply, subscription):
            continue
        with transaction.atomic():
            _notice, created = ReplyNotice.objects.get_or_create(
                subscription=subscription, reply=reply
            )
            if created:
                sent += send_reply_email(
                    subscription, reply, unsubscribe_url=unsubscribe_url(subscription)
                )
    return sent


def delete_stale_subscriptions(now=None):
    """Delete subscriptions never confirmed, or unsubscribed, once their confirm link
    has expired: they serve no one and hold an email address. Return how many."""
    cutoff = (now or timezone.now()) - confirm_window()
    _total, by_model = (
        ReplySubscription.objects.filter(created_at__lt=cutoff)
        .filter(Q(confirmed_at__isnull=True) | Q(unsubscribed_at__isnull=False))
        .delete()
    )
    return by_model.get(ReplySubscription._meta.label, 0)
