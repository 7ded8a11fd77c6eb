"""The weekly digest email to editors: the dashboard's panels, once per ISO week.

It may sit in inboxes for years, so it holds what the panels hold and nothing
personal: counts, article titles and admin links.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import DigestWeek
from .panels import build_panels, panels_for

EDITORS_GROUP = "Editors"


def digest_recipients():
    """Active users with an email address in the Editors group, and superusers."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(Q(is_superuser=True) | Q(groups__name=EDITORS_GROUP)).distinct()


def week_start(day):
    """The Monday of ``day``'s ISO week."""
    return day - datetime.timedelta(days=day.isoweekday() - 1)


def digest_message(user, panels, *, week):
    """The digest for ``user``: only the panels they may see, or None without any."""
    panels = panels_for(user, panels)
    if not panels:
        return None
    context = {"panels": panels, "week": week, "site_url": settings.SITE_URL}
    subject = render_to_string("dashboard/email/digest_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject,
        render_to_string("dashboard/email/digest_body.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("dashboard/email/digest_body.html", context), "text/html"
    )
    return message


def send_editors_digest(*, today=None):
    """Email this ISO week's digest to every recipient, unless it went out already;
    return how many emails were sent, or None when this week's had been.

    The week's row and the sending are one transaction: when mail fails, the row is
    rolled back and the next run sends it.
    """
    today = today or timezone.localdate()
    week = week_start(today)
    with transaction.atomic():
        record, created = DigestWeek.objects.get_or_create(week_start=week)
        if not created:
            return None
        panels = build_panels(today=today)
        messages = [digest_message(user, panels, week=week) for user in digest_recipients()]
        messages = [message for message in messages if message is not None]
        if messages:
            get_connection().send_messages(messages)
        record.recipient_count = len(messages)
        record.save(update_fields=["recipient_count"])
    return len(messages)
