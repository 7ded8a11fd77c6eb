"""RSS 2.0 and Atom feeds of the latest published articles, site-wide and per topic.

Item descriptions are the summary, HTML-escaped: feed readers treat an RSS
description (and an Atom summary of type "html") as HTML, and a summary is plain
text. Absolute links use the host and scheme the request came in on.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from core.models import SiteSettings

from .models import Article, Topic

FEED_ITEMS = 20


class LatestArticlesFeed(Feed):
    """The latest published articles, newest first (RSS 2.0)."""

    url_name = "articles:feed"

    def title(self):
        return f"{SiteSettings.load().site_name}: latest articles"

    def link(self):
        return reverse("articles:home")

    def feed_url(self):
        return reverse(self.url_name)

    def description(self):
        site = SiteSettings.load()
        return site.slogan or site.welcome or site.site_name

    def articles(self):
        return Article.objects.published().newest_first().prefetch_related("topics")

    def items(self):
        return self.articles()[:FEED_ITEMS]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return escape(article.summary)

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return max(article.updated_at, article.published_at)

    def item_author_name(self, article):
        return article.author

    def item_categories(self, article):
        return [topic.name for topic in article.topics.all()]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    url_name = "articles:feed_atom"

    def subtitle(self):
        return self.description()


class TopicArticlesFeed(LatestArticlesFeed):
    """The latest published articles on one topic, newest first (RSS 2.0)."""

    url_name = "articles:topic_feed"

    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return f"{SiteSettings.load().site_name}: {topic.name}"

    def link(self, topic):
        return topic.get_absolute_url()

    def feed_url(self, topic):
        return reverse(self.url_name, kwargs={"slug": topic.slug})

    def description(self, topic):
        return topic.description or f"Articles about {topic.name.lower()}."

    def items(self, topic):
        return self.articles().filter(topics=topic)[:FEED_ITEMS]


class TopicArticlesAtomFeed(TopicArticlesFeed):
    feed_type = Atom1Feed
    url_name = "articles:topic_feed_atom"

    def subtitle(self, topic):
        return self.description(topic)
