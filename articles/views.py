from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ListView

from recovery_site.prepared_queries import PreparedQuery

from . import page_cache
from .models import Article, Topic
from .outline import outline_for
from .search import best_passages, clean_query, matching_articles, render_snippet, suggest

HOME_FEATURED_COUNT = 3
HOME_LATEST_COUNT = 6
RELATED_COUNT = 3


# Compiled once per process (recovery_site/prepared_queries.py), as the article page's.
featured_article_cards = PreparedQuery(
    lambda now: (
        Article.objects.published(now).featured().for_cards().newest_first()[:HOME_FEATURED_COUNT]
    )
)
latest_article_cards = PreparedQuery(
    lambda now, other_than: (
        Article.objects.published(now)
        .exclude(pk__in=other_than)
        .for_cards()
        .newest_first()[:HOME_LATEST_COUNT]
    )
)


@page_cache.cache_for_anonymous(stamps=[page_cache.ALL_COMMENTS])
def home(request):
    now = timezone.now()
    featured = featured_article_cards(now=now)
    latest = latest_article_cards(now=now, other_than=[article.pk for article in featured])
    return render(request, "articles/home.html", {"featured": featured, "latest": latest})


@method_decorator(
    page_cache.cache_for_anonymous(
        query_params={"page": page_cache.NUMBER, "topic": page_cache.SLUG},
        stamps=[page_cache.ALL_COMMENTS],
    ),
    name="dispatch",
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


@method_decorator(page_cache.cache_for_anonymous(), name="dispatch")
class TopicListView(ListView):
    template_name = "articles/topic_list.html"
    context_object_name = "topics"

    def get_queryset(self):
        return Topic.objects.with_article_counts()


# The article page's own queries, compiled to SQL once per process: compiling them
# took Django more CPU than PostgreSQL needs to answer them (recovery_site/prepared_queries.py).
published_article_by_slug = PreparedQuery(
    lambda slug, now: (
        Article.objects.published(now).with_outline().with_comment_count().filter(slug=slug)[:1]
    )
)
related_published_articles = PreparedQuery(
    lambda topic_ids, article_id, now: (
        Article.objects.published(now)
        .sharing_topics(topic_ids, other_than=article_id)
        .for_cards()[:RELATED_COUNT]
    )
)


@page_cache.cache_for_anonymous(query_params={"cpage": page_cache.NUMBER})
def article_detail(request, slug):
    found = published_article_by_slug(slug=slug, now=timezone.now())
    if not found:
        return redirect_renamed_article(request, slug)
    return render_article_page(request, found[0])


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
    topic_ids = [topic.pk for topic in article.ordered_topics]
    related = (
        related_published_articles(topic_ids=topic_ids, article_id=article.pk, now=timezone.now())
        if topic_ids
        else []
    )
    # The related cards show their comment counts (the comments app declares the
    # article's own thread).
    page_cache.depends_on(request, *(page_cache.comments_stamp(other.pk) for other in related))
    context = {
        "article": article,
        "outline": outline_for(article),
        "related": related,
        **extra_context,
    }
    return render(request, "articles/article_detail.html", context, status=status)


SEARCH_RESULTS_PER_PAGE = 10


def search(request):
    """Search published articles; the results page is never indexed by search engines."""
    query = clean_query(request.GET.get("q", ""))
    context = {"query": query, "suggestion": None, "searched_for": query.text}
    if query.is_searchable:
        results = matching_articles(query.text)
        if not results.exists():
            suggestion = suggest(query.text)
            if suggestion and matching_articles(suggestion).exists():
                context["suggestion"] = context["searched_for"] = suggestion
                results = matching_articles(suggestion)
        page = Paginator(results, SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        passages = best_passages(page.object_list, context["searched_for"])
        for article in page.object_list:
            article.passage = passages.get(article.pk)
            article.snippet = render_snippet(article.summary_snippet)
        context["page_obj"] = page
        context["query_string"] = urlencode({"q": context["searched_for"]})
    return render(request, "articles/search.html", context)


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """The 500 page in the site's design; it still renders when the database is down."""
    return render(request, "500.html", status=500)
