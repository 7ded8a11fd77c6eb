"""The comments app's settings and their defaults.

A project sets any of them in its settings module (recovery_site/settings.py takes
them from the environment); the app reads them through ``comment_settings``, so the
defaults live with the code that uses them.
"""

from django.conf import settings

DEFAULTS = {
    # Replies nest at most this deep; a reply to a comment at the cap attaches at the cap.
    "COMMENTS_MAX_DEPTH": 3,
    "COMMENTS_PER_PAGE": 50,  # top-level threads per page
    "COMMENTS_APPROVE_BY_DEFAULT": False,
    "COMMENTS_TRUST_PREVIOUSLY_APPROVED": True,
    "COMMENTS_MAX_LINKS": 2,
    # A human takes longer than this to write a comment; a form older than the maximum
    # age is treated as replayed.
    "COMMENTS_MIN_SUBMIT_SECONDS": 3,
    "COMMENTS_FORM_MAX_AGE_SECONDS": 2 * 24 * 3600,
    "COMMENTS_FLOOD_SECONDS": 15,  # 0 turns flood control off
    # How many proxies in front of the site append to X-Forwarded-For (0: ignore it).
    "COMMENTS_CLOSE_AFTER_DAYS": 0,  # 0: comments never close by age
    "COMMENTS_IP_RETENTION_DAYS": 30,
    "COMMENTS_TRASH_RETENTION_DAYS": 30,
    "COMMENTS_WITHDRAW_DAYS": 30,
    # Who is emailed about pending comments; empty: active staff who can moderate.
    "COMMENTS_MODERATOR_EMAILS": [],
    # When sending them fails, the sweep runs again this much later (0: only the next
    # post's sweep and the daily comments_maintenance send them).
    "COMMENTS_EMAIL_RETRY_SECONDS": 300,
    # The link confirming "notify me of replies" works this long; unconfirmed
    # subscriptions are deleted once it has passed (comments_maintenance).
    "COMMENTS_REPLY_CONFIRM_DAYS": 3,
}


class CommentSettings:
    """``comment_settings.COMMENTS_X``: the project's value, else the default."""

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, name, DEFAULTS[name])


comment_settings = CommentSettings()
