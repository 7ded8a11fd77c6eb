"""The comment section under an article: its thread and its "Leave a Reply" form.

What does not depend on the reader is cached through Django's cache, under the
content and comments generations (core/caching.py): the approved thread of a page,
and the form's fields for each kind of form (anonymous or logged in, the comment
replied to, the details a returning commenter saved). The reader's own comments
(awaiting moderation, with withdraw links), the CSRF token and the signed form
timestamp are never part of a cached fragment.
"""

import re

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from core import caching

from . import services
from .conf import comment_settings
from .cookies import own_comment_ids, saved_details
from .forms import CommentForm
from .models import Comment
from .threads import build_threads

THREAD_TEMPLATE = "comments/includes/thread_list.html"
# Comment page numbers worth a cached fragment; anything else renders uncached.
PAGE_NUMBER = re.compile(caching.NUMBER)


def comment_section(request, article, *, site, form=None, problem=None):
    """Everything the comment section shows, as template context."""
    is_open = services.comments_are_open(article)
    # A cached page goes stale when the form closes.
    caching.keep_until(request, services.comments_close_at(article))
    shared = caching.is_shared(request)
    reply_to = _reply_target(request, article, form)
    if form is None and is_open:
        form = _blank_form(request, article, reply_to, shared=shared)
    generation = caching.generations_for(request)
    return {
        "article": article,
        "comment_count": article.comment_count,
        "thread_html": _thread_html(request, article, generation, is_open=is_open, site=site),
        "comment_form": form,
        "form_fields": _form_fields(form, generation) if form is not None else "",
        "comment_problem": problem,
        "comments_open": is_open,
        "reply_to": reply_to,
        "shared_page": shared,
    }


def _thread_html(request, article, generation, *, is_open, site):
    cpage = request.GET.get("cpage", "1")
    own_ids = own_comment_ids(request)

    def render():
        return _render_thread(article, cpage, own_ids, is_open=is_open, site=site)

    # The Jinja2 backend returns a plain str: the thread is HTML its template escaped.
    if own_ids or generation is None or not PAGE_NUMBER.fullmatch(cpage):
        return mark_safe(render())  # nosec B308 B703 # HTML its autoescaped template rendered
    key = make_template_fragment_key("comment-thread", [generation, article.pk, cpage, is_open])
    return mark_safe(cache.get_or_set(key, render, timeout=settings.PAGE_CACHE_SECONDS))  # nosec B308 B703 # HTML its autoescaped template rendered


def _render_thread(article, cpage, own_ids, *, is_open, site):
    approved = list(Comment.objects.approved().filter(article=article).for_thread())
    own_pending = (
        list(Comment.objects.pending().filter(article=article, pk__in=own_ids).for_thread())
        if own_ids
        else []
    )
    # The reader's own comments, approved or not, carry their withdraw links.
    withdraw_urls = {
        comment.pk: services.withdraw_url(comment)
        for comment in [*own_pending, *approved]
        if comment.pk in own_ids
    }
    threads = build_threads(approved, own_pending, withdraw_urls)
    page = Paginator(threads, comment_settings.COMMENTS_PER_PAGE).get_page(cpage)
    context = {"comment_page": page, "comments_open": is_open, "site": site}
    return render_to_string(THREAD_TEMPLATE, context, using="jinja2")


def _reply_target(request, article, form):
    if form is not None and form.is_bound:
        value = form.data.get("parent")
    else:
        value = request.GET.get("replyto")
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return Comment.objects.approved().filter(article=article, pk=pk).first()


def _blank_form(request, article, reply_to, *, shared):
    details = saved_details(request)
    initial = {"parent": reply_to.pk if reply_to else None}
    if details:
        initial.update(
            author_name=details.get("name", ""),
            author_email=details.get("email", ""),
            author_url=details.get("url", ""),
            save_details=True,
        )
    return CommentForm(article=article, user=request.user, initial=initial, for_shared_page=shared)


def _form_fields(form, generation):
    """The form's fields as crispy-forms renders them (without the timestamp, which
    the template writes); a blank form's are cached per kind of form."""
    if form.is_bound or generation is None:
        return render_crispy_form(form)
    values = {name: form[name].value() for name in form.fields if name != "timestamp"}
    key = make_template_fragment_key("comment-form", [generation, form.is_logged_in, values])
    return cache.get_or_set(key, lambda: render_crispy_form(form), settings.PAGE_CACHE_SECONDS)
