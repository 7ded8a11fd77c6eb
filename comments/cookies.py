"""The comments app's cookies: the reader's own recent comments and their saved details.

Both make a page personal (core.caching.personal_cookies): it is never shared.
"""

import json

from django.conf import settings

from .conf import comment_settings

# Cookie with the ids of the visitor's own recent comments (signed), so that a
# comment awaiting moderation is shown to its author and nobody else.
OWN_COMMENTS_COOKIE = "comments_mine"
OWN_COMMENTS_SALT = "comments.mine"
OWN_COMMENTS_KEPT = 20
# Opt-in cookie remembering name, email and website ("Save my name...").
DETAILS_COOKIE = "comment_author"
DETAILS_SALT = "comments.author"
DETAILS_MAX_AGE = 365 * 24 * 3600


def own_comment_ids(request):
    """The ids of comments this browser posted recently (from the signed cookie)."""
    raw = request.get_signed_cookie(
        OWN_COMMENTS_COOKIE,
        default=None,
        salt=OWN_COMMENTS_SALT,
        max_age=comment_settings.COMMENTS_WITHDRAW_DAYS * 24 * 3600,
    )
    try:
        ids = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [value for value in ids if isinstance(value, int)]


def cookie_options():
    return {"httponly": True, "samesite": "Lax", "secure": settings.SESSION_COOKIE_SECURE}


def remember_own_comment(request, response, comment):
    ids = [comment.pk, *own_comment_ids(request)][:OWN_COMMENTS_KEPT]
    response.set_signed_cookie(
        OWN_COMMENTS_COOKIE,
        json.dumps(ids),
        salt=OWN_COMMENTS_SALT,
        max_age=comment_settings.COMMENTS_WITHDRAW_DAYS * 24 * 3600,
        **cookie_options(),
    )


def remember_or_forget_details(response, form):
    if form.cleaned_data.get("save_details"):
        details = {
            "name": form.cleaned_data["author_name"],
            "email": form.cleaned_data["author_email"],
            "url": form.cleaned_data.get("author_url", ""),
        }
        response.set_signed_cookie(
            DETAILS_COOKIE,
            json.dumps(details),
            salt=DETAILS_SALT,
            max_age=DETAILS_MAX_AGE,
            **cookie_options(),
        )
    else:
        response.delete_cookie(DETAILS_COOKIE, samesite="Lax")


def saved_details(request):
    """Name, email and website the visitor chose to remember, or an empty dict."""
    raw = request.get_signed_cookie(
        DETAILS_COOKIE, default=None, salt=DETAILS_SALT, max_age=DETAILS_MAX_AGE
    )
    try:
        details = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}
