"""Emails about comments. They may sit in inboxes for years, so they carry no
commenter email, IP address or comment text: only where to look."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

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
