"""sitemap.xml: the home page, the article list, topics, every published article and
the published site pages (About, Privacy notice...).

Without django.contrib.sites, the sitemap view builds absolute addresses from the
request's host and scheme (``RequestSite``), like the feeds and canonical links.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.functional import cached_property

from pages.sitemaps import SitePageSitemap

from .models import Article, Topic


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-published_at")

    def lastmod(self, article):
        return article.updated_at


class TopicSitemap(Sitemap):
    """Topics with at least one published article; lastmod is their newest change."""

    def items(self):
        published = Article.objects.published()
        return (
            Topic.objects.annotate(
                last_change=Max("articles__updated_at", filter=Q(articles__in=published))
            )
            .filter(last_change__isnull=False)
            .only("slug")
            .order_by("name")
        )

    def lastmod(self, topic):
        return topic.last_change


class PageSitemap(Sitemap):
    """The listing pages, changing whenever an article does."""

    def items(self):
        return ["articles:home", "articles:list", "articles:topics"]

    def location(self, name):
        return reverse(name)

    @cached_property
    def last_change(self):
        # One query for all three pages (the view makes a new sitemap per request).
        return Article.objects.published().aggregate(last=Max("updated_at"))["last"]

    def lastmod(self, name):
        return self.last_change


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "site_pages": SitePageSitemap,
}
