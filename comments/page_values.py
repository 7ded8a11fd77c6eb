"""Values site pages may show with placeholders (see pages/placeholders.py): how long
the comments app keeps what, from its settings, so that the privacy notice follows
them."""

from django.utils.translation import gettext_lazy as _

from .conf import comment_settings
from .cookies import DETAILS_MAX_AGE

PLACEHOLDERS = {
    "ip_retention_days": (
        _("Days a comment's IP address and browser are kept (COMMENTS_IP_RETENTION_DAYS)."),
        lambda: comment_settings.COMMENTS_IP_RETENTION_DAYS,
    ),
    "trash_retention_days": (
        _("Days a trashed comment is kept before deletion (COMMENTS_TRASH_RETENTION_DAYS)."),
        lambda: comment_settings.COMMENTS_TRASH_RETENTION_DAYS,
    ),
    "withdraw_days": (
        _(
            "Days an author's withdraw link, and the cookie that shows them their own "
            "comments, last (COMMENTS_WITHDRAW_DAYS)."
        ),
        lambda: comment_settings.COMMENTS_WITHDRAW_DAYS,
    ),
    "saved_details_days": (
        _("Days the optional cookie with a commenter's name, email and website lasts."),
        lambda: DETAILS_MAX_AGE // (24 * 3600),
    ),
    "reply_confirm_days": (
        _(
            "Days a confirm link for reply emails works; an unconfirmed or unsubscribed "
            "request is deleted after as long (COMMENTS_REPLY_CONFIRM_DAYS)."
        ),
        lambda: comment_settings.COMMENTS_REPLY_CONFIRM_DAYS,
    ),
}
