from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import csrf
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from core import caching
from core.network import client_ip
from core.origin import is_from_this_site
from pages.search import matching_pages

from . import feedback
from .forms import ArticleFeedbackForm
from .models import Article, PreviewLink, Reviewer, Topic
from .previews import banner_for, prepare_for_preview
from .search import clean_query, search_articles

HOME_FEATURED_COUNT = 3
HOME_LATEST_COUNT = 6


def next_visibility_change():
    """When an article next goes public or stops being public: shared pages change
    then."""
    return Article.objects.next_visibility_change()


def shared_page(**kwargs):
    return caching.cache_shared_page(until=next_visibility_change, **kwargs)


@shared_page()
def home(request):
    cards = Article.objects.published().for_cards().newest_first()
    featured = list(cards.featured()[:HOME_FEATURED_COUNT])
    latest = cards.exclude(pk__in=[article.pk for article in featured])[:HOME_LATEST_COUNT]
    return render(request, "articles/home.html", {"featured": featured, "latest": latest})


@method_decorator(
    shared_page(query_params={"page": caching.NUMBER, "topic": caching.SLUG}), name="dispatch"
)
class ArticleListView(ListView):
    """All published articles, newest first; on /topics/<slug>/ only that topic's."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        queryset = Article.objects.published().for_cards().newest_first()
        topic_slug = self.kwargs.get("slug") or self.request.GET.get("topic")
        self.topic = get_object_or_404(Topic, slug=topic_slug) if topic_slug else None
        if self.topic:
            queryset = queryset.filter(topics=self.topic)
        return queryset

    def get_context_data(self, **kwargs):
        topics = Topic.objects.with_article_counts().filter(article_count__gt=0)
        return super().get_context_data(topic=self.topic, topics=topics, **kwargs)


@method_decorator(shared_page(), name="dispatch")
class TopicListView(ListView):
    template_name = "articles/topic_list.html"
    context_object_name = "topics"

    def get_queryset(self):
        return Topic.objects.with_article_counts()


@shared_page(query_params={"cpage": caching.NUMBER})
def article_detail(request, slug):
    try:
        article = Article.objects.published().for_page().get(slug=slug)
    except Article.DoesNotExist:
        return redirect_renamed_article(request, slug)
    # The "Was this article helpful?" form's thank-you (its answer's redirect): a
    # query string the page cache does not key on, so this page is the reader's alone.
    if request.GET.get("feedback") != FEEDBACK_SENT:
        return render_article_page(request, article)
    set_no_cookie(request)
    return render_article_page(request, article, feedback_thanks=feedback_thanks())


def redirect_renamed_article(request, old_slug, url_name="articles:detail"):
    """301 to the current address of the article once at ``old_slug`` (keeping the
    query string, e.g. a comment page), or 404."""
    article = get_object_or_404(Article.objects.published().renamed_from(old_slug))
    url = reverse(url_name, kwargs={"slug": article.slug})
    if request.GET:
        url = f"{url}?{request.GET.urlencode()}"
    return redirect(url, permanent=True)


def render_article_page(request, article, *, status=200, **extra_context):
    """Render the article page; the comments app passes a bound form when re-showing it."""
    if not article.outline_html:
        # Blanked by the database when a section or FAQ is written, stored again by
        # the code that wrote it (Article.refresh_outline); until then rendered here,
        # never written on a GET.
        article.render_outline()
    context = {
        "article": article,
        "fragment_generation": caching.generations_for(request),
        "fragment_seconds": settings.PAGE_CACHE_SECONDS,
        "fragment_until": next_visibility_change,
        "feedback_form": ArticleFeedbackForm(),
        **extra_context,
    }
    return render(request, "articles/article_detail.html", context, status=status)


FEEDBACK_SENT = "sent"
FEEDBACK_ANCHOR = "article-feedback"


def feedback_thanks():
    """What a reader reads after answering, with or without JavaScript."""
    return _("Thank you for your feedback. It helps our editors keep these articles clear.")


# The form is on pages every reader shares, without a CSRF token, and sets no cookie:
# it is refused unless the browser says one of our pages sent it (core/origin.py).
@csrf_exempt
@sensitive_post_parameters("note")
@require_POST
def send_feedback(request, slug):
    """Store a reader's "Was this article helpful?" answer, then back to the article
    with a thank-you (or, asked by static/js/article-feedback.js, a JSON answer)."""
    if not is_from_this_site(request):
        return csrf.csrf_failure(request, reason="Cross-site feedback refused")
    article = Article.objects.published().only("pk", "slug").filter(slug=slug).first()
    if article is None:
        raise Http404("No published article here.")
    form = ArticleFeedbackForm(request.POST)
    if not form.is_valid():
        problem = _("Your feedback was not sent yet: please see below what to change.")
        return feedback_problem(request, article, form, problem, status=400)
    if feedback.is_flooding(client_ip(request.META)):
        seconds = settings.ARTICLE_FEEDBACK_FLOOD_SECONDS
        problem = _(
            "Thank you, but we have just had an answer from your connection. Please "
            "wait %(seconds)d seconds and send it again."
        ) % {"seconds": seconds}
        response = feedback_problem(request, article, form, problem, status=429)
        response["Retry-After"] = str(seconds)
        return response
    feedback.record_feedback(article=article, form=form)
    if wants_json(request):
        return JsonResponse({"message": feedback_thanks()})
    url = reverse("articles:detail", kwargs={"slug": article.slug})
    # 303: the browser follows with a GET, and Back does not send the answer twice.
    response = HttpResponseRedirect(f"{url}?feedback={FEEDBACK_SENT}#{FEEDBACK_ANCHOR}")
    response.status_code = 303
    return response


def set_no_cookie(request):
    """Render the page as the shared one is rendered, unless the reader's pages are
    personal already: its forms then leave out the CSRF token, whose cookie would be
    the first this reader gets, for an answer that promises none."""
    if not caching.is_personal(request):
        request.is_shared_page = True


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def feedback_problem(request, article, form, problem, *, status):
    """The feedback form again, with ``problem`` and its errors: as JSON for the
    script, else on the article page with what the reader chose and wrote."""
    if wants_json(request):
        errors = {
            name: [error["message"] for error in errors]
            for name, errors in form.errors.get_json_data().items()
        }
        return JsonResponse({"message": problem, "errors": errors}, status=status)
    article = get_object_or_404(Article.objects.published().for_page(), pk=article.pk)
    set_no_cookie(request)
    return render_article_page(
        request, article, status=status, feedback_form=form, feedback_problem=problem
    )


PREVIEW_TEMPLATE = "articles/article_preview.html"
PREVIEW_GONE_TEMPLATE = "articles/preview_gone.html"


def keep_private(response):
    """A preview is for the person who asked: never indexed, never stored by a
    browser or a shared cache."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def render_preview(request, article, *, banner, status=200, **extra_context):
    """Render ``article`` (prepared by ``previews.prepare_for_preview``) with the
    public article template under a preview banner.

    ``fragment_generation`` None renders every cached fragment afresh without reading
    or writing the cache: a preview shows what is not public, and must not leave it
    where readers' pages are served from. The banner's ``notes`` (strings) are listed
    in it, as a place for notes on the text; the template's ``preview_notes`` block
    can show more from ``extra_context``.
    """
    context = {
        "article": article,
        "preview": banner,
        "fragment_generation": None,
        "fragment_seconds": 0,
        "fragment_until": None,
        **extra_context,
    }
    return keep_private(render(request, PREVIEW_TEMPLATE, context, status=status))


def shared_preview(request, token):
    """The latest saved version of an article, for whoever holds a preview link."""
    try:
        link = PreviewLink.from_token(token)
    except PreviewLink.Invalid:
        return preview_gone(request, status=404)
    if not link.is_usable:
        return preview_gone(request, status=410)
    article = Article.objects.for_page().filter(pk=link.article_id).first()
    if article is None:  # deleted since the link was read (its links go with it)
        return preview_gone(request, status=404)
    prepare_for_preview(article)
    banner = banner_for(article)
    banner.expires_at = link.expires_at
    response = render_preview(request, article, banner=banner)
    # The token is in the address: no link followed from the page may carry it away.
    response["Referrer-Policy"] = "no-referrer"
    return response


def preview_gone(request, *, status):
    """The same calm page for a link that expired, was withdrawn or never existed:
    it tells nothing about the article."""
    response = render(request, PREVIEW_GONE_TEMPLATE, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return keep_private(response)


@shared_page()
def reviewer_detail(request, slug):
    """A medical reviewer's page: who they are and the published articles they
    reviewed (404 unless the reviewer has a public page)."""
    reviewer = get_object_or_404(Reviewer.objects.with_public_page(), slug=slug)
    articles = Article.objects.published().for_cards().newest_first().filter(reviewer=reviewer)
    return render(
        request, "articles/reviewer_detail.html", {"reviewer": reviewer, "articles": articles}
    )


SEARCH_RESULTS_PER_PAGE = 10


def search(request):
    """Search published articles; the results page is never indexed by search engines."""
    query = clean_query(request.GET.get("q", ""))
    context = {"query": query, "suggestion": None, "searched_for": query.text}
    if query.is_searchable:
        found = search_articles(
            query.text,
            page_number=request.GET.get("page"),
            per_page=SEARCH_RESULTS_PER_PAGE,
        )
        context.update(
            page_obj=found.page,
            searched_for=found.searched_for,
            suggestion=found.suggestion,
            other_names=found.other_names,
            query_string=urlencode({"q": found.searched_for}),
        )
        # Site pages (About, Privacy notice...) that match, once, above the first page.
        if found.page.number == 1:
            context["site_pages"] = matching_pages(found.searched_for)
    return render(request, "articles/search.html", context)
