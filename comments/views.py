import time

from crispy_forms.utils import render_crispy_form
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article
from articles.views import render_article_page
from core import database
from core.views import service_unavailable

from . import services, subscriptions
from .conf import comment_settings
from .cookies import (
    remember_or_forget_details,
    remember_own_comment,
)
from .forms import CommentForm, sign_timestamp, timestamp_problem
from .models import Comment


# Every field a commenter sends (text, name, email, website) stays out of error reports.
@sensitive_post_parameters()
@require_POST
def post_comment(request, slug):
    try:
        return _post_comment(request, slug)
    except database.OUTAGE_ERRORS:
        return _not_saved_yet(request, slug)


def _post_comment(request, slug):
    article = services.article_for_posting(slug)
    if article is None:
        raise Http404("No published article here.")
    form = CommentForm(request.POST, article=article, user=request.user)
    if not services.comments_are_open(article):
        return _show_again(request, article, form, status=403, problem=_("Comments are closed."))
    if not form.is_valid():
        return _show_again(request, article, form, status=400)
    if _sent_too_fast(form, request.user):
        return _show_again_to_check(request, article)

    info = services.request_info(request)
    if not request.user.is_staff and services.is_flooding(info.ip_address):
        response = _show_again(
            request,
            article,
            form,
            status=429,
            problem=_(
                "You are sending comments faster than we accept them. Your text is "
                "still here: please wait %(seconds)s seconds and send it again."
            )
            % {"seconds": comment_settings.COMMENTS_FLOOD_SECONDS},
        )
        response["Retry-After"] = str(comment_settings.COMMENTS_FLOOD_SECONDS)
        return response

    try:
        comment = services.submit_comment(
            article=article,
            form=form,
            user=request.user,
            info=info,
            timestamp_problem=timestamp_problem(form.cleaned_data.get("timestamp")),
        )
    except services.DuplicateComment:
        services.release_flood_slot(info.ip_address)
        form.add_error(
            "body",
            ValidationError(_("You have already posted this comment here."), code="duplicate"),
        )
        # 409 Conflict: the request was sound, but the comment is already there.
        return _show_again(request, article, form, status=409)
    except database.OUTAGE_ERRORS:
        # Not stored: the reader may send it again as soon as the database is back.
        services.release_flood_slot(info.ip_address)
        raise

    # Not redirect(): it would first try the URL as a view name to reverse.
    response = HttpResponseRedirect(comment_location(comment))
    _announce(request, comment)
    if form.cleaned_data.get("notify_replies") and services.can_subscribe_to_replies(comment):
        messages.info(
            request,
            _(
                "To get an email when someone replies, please open the link we just sent "
                "to your email address. Until you confirm, we send nothing more."
            ),
        )
    if comment.status != Comment.Status.SPAM:
        remember_own_comment(request, response, comment)
    if not form.is_logged_in:
        remember_or_forget_details(response, form)
    return response


def _sent_too_fast(form, user):
    """Whether the form came back sooner after it was shown than a person writes a
    comment. A filled honeypot is a robot's whatever the time (silent spam), and staff
    are never held up."""
    if form.cleaned_data.get("fax_number", "").strip() or user.is_staff:
        return False
    return timestamp_problem(form.cleaned_data.get("timestamp")) == "too_fast"


def _show_again_to_check(request, article):
    """The comment, as typed, for its author to check and send again (nothing stored).

    422: the form is fine but cannot be taken yet. Its new timestamp starts now, so
    the next press counts from the moment the author saw it again.
    """
    data = request.POST.copy()
    data["timestamp"] = sign_timestamp()
    form = CommentForm(data, article=article, user=request.user)
    problem = _("Please check your comment and press Post Comment again.")
    return _show_again(request, article, form, status=422, problem=problem)


@never_cache
@require_GET
def form_token(request):
    """What a shared page's comment form leaves out: the reader's CSRF token (the
    cookie comes with it) and the signed "form shown at" time. static/js/comment-form.js
    asks for them when the reader nears the form (a screen away)."""
    response = JsonResponse(
        {"csrfmiddlewaretoken": get_token(request), "timestamp": sign_timestamp()}
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@sensitive_post_parameters()
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a comment that came without its CSRF token (JavaScript off,
    or the token could not be fetched) is shown again, as typed, with a token and a
    note, for the reader to send; nothing is stored. Anything else, and any post
    from another site, gets Django's own 403 page."""
    match = request.resolver_match
    from_this_site = request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    # Origin and Referer failures ("Origin checking failed...") come from other sites.
    if match is None or match.view_name != "comments:post" or not reason.startswith("CSRF "):
        return csrf.csrf_failure(request, reason)
    if not from_this_site:
        return csrf.csrf_failure(request, reason)
    try:
        return _show_again_with_token(request, match.kwargs["slug"], reason)
    except database.OUTAGE_ERRORS:
        return _not_saved_yet(request, match.kwargs["slug"])


def _show_again_with_token(request, slug, reason):
    article = services.article_for_posting(slug)
    if article is None:
        return csrf.csrf_failure(request, reason)
    data = request.POST.copy()
    # The reader wrote the comment before this page: the "sent too fast" rule counts
    # from then, not from now.
    data["timestamp"] = sign_timestamp(time.time() - comment_settings.COMMENTS_MIN_SUBMIT_SECONDS)
    form = CommentForm(data, article=article, user=request.user)
    problem = _(
        "Your comment is not sent yet. It is kept below: please press Post Comment "
        "once more to send it."
    )
    return _show_again(request, article, form, status=403, problem=problem)


def _show_again(request, article, form, *, status, problem=None):
    """The article page with the submitted form, its errors and what was typed."""
    # Only now the whole article: an accepted post never needs the page's outline.
    article = get_object_or_404(Article.objects.published().for_page(), pk=article.pk)
    form.article = article
    return render_article_page(
        request, article, status=status, comment_form=form, comment_problem=problem
    )


def _not_saved_yet(request, slug):
    """The database is out: the comment comes back as typed, on a page that needs no
    database, with a note to send it again in a minute (503, Retry-After). Nothing
    is stored; the reader's account cannot be read either, so the form is the
    anonymous one."""
    # What was sent, as typed; a missing timestamp is made afresh.
    typed = {name: request.POST.get(name) for name in CommentForm.base_fields}
    form = CommentForm(
        initial={name: value for name, value in typed.items() if value}, article=None
    )
    problem = _(
        "We could not save your comment just now: our database is not answering. "
        "Nothing is lost: your text is kept below. Please press Post Comment again in "
        "a minute."
    )
    context = {
        # Unsaved: its address is all this page needs of it.
        "article": Article(slug=slug),
        "comment_form": form,
        "form_fields": render_crispy_form(form),
        "comment_problem": problem,
    }
    return service_unavailable(request, "comments/not_saved.html", context)


def comment_location(comment):
    """The article URL at the page and anchor where ``comment`` is shown."""
    url = comment.article.get_absolute_url()
    if comment.status == Comment.Status.SPAM:
        return f"{url}#comments"
    page = comment.earlier_threads() // comment_settings.COMMENTS_PER_PAGE + 1
    query = f"?cpage={page}" if page > 1 else ""
    # The author of an urgent comment lands on the help under it, which takes focus.
    anchor = comment.anchor
    if comment.is_urgent and comment.status == Comment.Status.PENDING:
        anchor = f"{anchor}-help"
    return f"{url}{query}#{anchor}"


def _announce(request, comment):
    if comment.status == Comment.Status.APPROVED:
        message = _("Thank you. Your comment is published.")
    elif comment.status == Comment.Status.PENDING:
        message = _(
            "Thank you. Your comment is awaiting moderation; until a moderator approves "
            "it, only you can see it."
        )
    else:
        messages.success(request, _("Thank you. Your comment has been received."))
        return
    withdraw_url = services.withdraw_url(comment)
    if comment.is_urgent:
        messages.warning(
            request,
            format_html(
                '{} <a href="tel:988">{}</a>, <a href="sms:988">{}</a>; <a href="tel:911">{}</a>',
                _(
                    "Help is there right now if you are thinking about suicide or hurting "
                    "yourself, or someone may be overdosing:"
                ),
                _("call 988"),
                _("text 988"),
                _("in an emergency, call 911"),
            ),
        )
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            message,
            withdraw_url,
            _("Changed your mind? Withdraw it (this private link works for 30 days)."),
        ),
    )


def permalink(request, pk):
    """Redirect to the article, at the comments page and anchor showing comment ``pk``."""
    comment = get_object_or_404(
        Comment.objects.approved().select_related("article", "parent__parent__parent"),
        pk=pk,
        article__in=Article.objects.published(),
    )
    return redirect(comment_location(comment))


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def withdraw(request, token):
    comment = services.comment_for_withdraw_token(token)
    if comment is None:
        return render(request, "comments/withdraw_invalid.html", status=404)
    if request.method == "POST":
        article = comment.article
        services.withdraw_comment(comment)
        messages.success(
            request, _("Your comment was withdrawn and your name, email and address erased.")
        )
        return redirect(f"{article.get_absolute_url()}#comments")
    return render(request, "comments/withdraw_confirm.html", {"comment": comment})


# The token in these addresses is the reader's key: kept out of any cache.
@never_cache
@require_http_methods(["GET", "POST"])
def reply_confirm(request, token):
    """The confirm link of "notify me of replies": a GET only shows the button (mail
    scanners open links), the POST confirms. Confirming twice is fine."""
    try:
        subscription = subscriptions.subscription_for_confirm_token(token)
    except subscriptions.LinkNotValid as problem:
        return _reply_link_not_valid(request, problem)
    if request.method == "POST":
        subscriptions.confirm(subscription)
        return redirect(request.path)
    return render(request, "comments/reply_confirm.html", {"subscription": subscription})


# RFC 8058 one-click unsubscribe: a mail client POSTs "List-Unsubscribe=One-Click" to
# this address from outside any page of ours, so there is no CSRF token to send. The
# signed token in the address is the authority; a forged request could only do what
# its holder may do anyway, and only stop emails.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reply_unsubscribe(request, token):
    """The unsubscribe link of every reply email: a page with one button (GET), and
    the one-click POST of mail clients. Unsubscribing twice is fine."""
    try:
        subscription = subscriptions.subscription_for_unsubscribe_token(token)
    except subscriptions.LinkNotValid as problem:
        return _reply_link_not_valid(request, problem)
    if request.method == "POST" and subscription is not None:
        subscriptions.unsubscribe(subscription)
    # Gone (erased, or cleaned up) is as done as unsubscribed.
    is_done = subscription is None or subscription.unsubscribed_at is not None
    context = {"subscription": subscription, "is_done": is_done}
    return render(request, "comments/reply_unsubscribe.html", context)


def _reply_link_not_valid(request, problem):
    context = {
        "expired": problem.expired,
        "confirm_days": comment_settings.COMMENTS_REPLY_CONFIRM_DAYS,
    }
    return render(request, "comments/reply_link_invalid.html", context, status=404)
