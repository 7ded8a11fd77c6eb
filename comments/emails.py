"""Emails about comments. They may sit in inboxes for years, so they carry no
commenter email or IP address. Moderators' emails carry no comment text either, only
where to look; a subscriber's reply email quotes the reply as the page shows it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from .conf import comment_settings


def moderator_addresses():
    """COMMENTS_MODERATOR_EMAILS, or every active staff user who may moderate comments."""
    if comment_settings.COMMENTS_MODERATOR_EMAILS:
        return list(comment_settings.COMMENTS_MODERATOR_EMAILS)
    User = get_user_model()
    can_moderate = (
        Q(is_superuser=True)
        | Q(
            groups__permissions__codename="change_comment",
            groups__permissions__content_type__app_label="comments",
        )
        | Q(
            user_permissions__codename="change_comment",
            user_permissions__content_type__app_label="comments",
        )
    )
    users = User.objects.filter(can_moderate, is_active=True, is_staff=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def send_pending_comment_email(comment):
    """Tell moderators a comment awaits them; return the number of emails sent."""
    recipients = moderator_addresses()
    if not recipients:
        return 0
    context = {
        "comment": comment,
        "article": comment.article,
        "admin_url": settings.SITE_URL
        + reverse("admin:comments_comment_change", args=[comment.pk]),
        "queue_url": settings.SITE_URL
        + reverse("admin:comments_comment_changelist")
        + "?status__exact=pending",
    }
    subject = render_to_string("comments/email/pending_subject.txt", context).strip()
    body = render_to_string("comments/email/pending_body.txt", context)
    return send_mail(subject, body, None, recipients)


# How much of a reply its email quotes; the link leads to the whole of it.
REPLY_EXCERPT_CHARACTERS = 300


def _send_to_subscriber(subscription, template, context, *, unsubscribe_url):
    """Send one email to a reply subscriber, with the one-click unsubscribe headers."""
    context = {**context, "unsubscribe_url": unsubscribe_url}
    # One line: Django refuses a subject with a line break (an article title may hold one).
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    headers = {
        # RFC 8058: a mail client's "Unsubscribe" button POSTs this body to the URL.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMessage(subject, body, None, [subscription.email], headers=headers)
    return message.send()


def send_reply_confirmation_email(subscription, *, confirm_url, unsubscribe_url):
    """Ask the address to confirm reply notifications; return the number of emails sent."""
    context = {
        "article": subscription.comment.article,
        "comment": subscription.comment,
        "confirm_url": confirm_url,
        "confirm_days": comment_settings.COMMENTS_REPLY_CONFIRM_DAYS,
    }
    return _send_to_subscriber(
        subscription, "comments/email/reply_confirm", context, unsubscribe_url=unsubscribe_url
    )


def send_reply_email(subscription, reply, *, unsubscribe_url):
    """Tell a subscriber about ``reply``: only what the public page shows of it (the
    replier's name as shown, the text, the article); return the number of emails sent."""
    context = {
        "article": reply.article,
        "replier": reply.author_name,
        "excerpt": Truncator(" ".join(reply.body.split())).chars(REPLY_EXCERPT_CHARACTERS),
        "reply_url": settings.SITE_URL + reply.get_absolute_url(),
    }
    return _send_to_subscriber(
        subscription, "comments/email/reply", context, unsubscribe_url=unsubscribe_url
    )
