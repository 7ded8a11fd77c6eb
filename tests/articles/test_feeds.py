"""RSS and Atom feeds of the latest articles, site-wide and per topic."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.feeds import FEED_ITEMS
from articles.models import Article
from core.models import SiteSettings
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def rss_items(response):
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def atom_entries(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, feed.findall("atom:entry", ATOM)


def hours_ago(hours):
    return timezone.now() - timezone.timedelta(hours=hours)


@pytest.fixture
def articles():
    """Three published articles (newest first), a draft and a future one."""
    topic = make_topic(name="Opioids", slug="opioids")
    newest = make_article(title="Newest", published_at=hours_ago(1), topics=[topic])
    middle = make_article(title="Middle", published_at=hours_ago(2))
    oldest = make_article(title="Oldest", published_at=hours_ago(3), topics=[topic])
    make_article(title="Draft", status=Article.Status.DRAFT, published_at=None, topics=[topic])
    make_article(title="Future", published_at=timezone.now() + timezone.timedelta(days=1))
    return [newest, middle, oldest]


def test_rss_feed_has_exactly_the_published_articles_newest_first(client, articles):
    channel, items = rss_items(client.get(reverse("articles:feed")))

    site = SiteSettings.load()
    assert channel.findtext("title") == f"{site.site_name}: latest articles"
    assert channel.findtext("link") == "http://testserver/"
    assert [item.findtext("title") for item in items] == ["Newest", "Middle", "Oldest"]
    assert [item.findtext("link") for item in items] == [
        f"http://testserver{article.get_absolute_url()}" for article in articles
    ]
    newest = items[0]
    assert newest.findtext("description") == articles[0].summary
    assert newest.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Editorial team"
    assert [c.text for c in newest.findall("category")] == ["Opioids"]
    assert newest.findtext("pubDate")


def test_atom_feed_has_the_same_articles(client, articles):
    feed, entries = atom_entries(client.get(reverse("articles:feed_atom")))

    assert feed.find("atom:link[@rel='self']", ATOM).get("href") == "http://testserver/feed/atom/"
    assert feed.findtext("atom:subtitle", namespaces=ATOM)
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries] == [
        "Newest",
        "Middle",
        "Oldest",
    ]
    first = entries[0]
    assert first.find("atom:summary", ATOM).get("type") == "html"
    assert first.findtext("atom:author/atom:name", namespaces=ATOM) == "Editorial team"
    assert first.findtext("atom:published", namespaces=ATOM) == articles[0].published_at.isoformat()


def test_feed_holds_the_latest_twenty(client):
    for hours in range(FEED_ITEMS + 5):
        make_article(title=f"Article {hours:02d}", published_at=hours_ago(hours + 1))

    _, items = rss_items(client.get(reverse("articles:feed")))

    assert [item.findtext("title") for item in items] == [
        f"Article {hours:02d}" for hours in range(FEED_ITEMS)
    ]


def test_summary_is_escaped_for_readers_that_render_html(client):
    make_article(summary="Doses <5 mg & <script>alert(1)</script>")

    response = client.get(reverse("articles:feed"))

    _, items = rss_items(response)
    # Readers treat the description as HTML: it must show the text, not run it.
    assert items[0].findtext("description") == (
        "Doses &lt;5 mg &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert b"<script>" not in response.content


def test_topic_feeds_have_only_that_topics_published_articles(client, articles):
    url = reverse("articles:topic_feed", kwargs={"slug": "opioids"})
    channel, items = rss_items(client.get(url))

    assert channel.findtext("link") == "http://testserver/topics/opioids/"
    assert [item.findtext("title") for item in items] == ["Newest", "Oldest"]

    url = reverse("articles:topic_feed_atom", kwargs={"slug": "opioids"})
    _, entries = atom_entries(client.get(url))
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries] == ["Newest", "Oldest"]


def test_unknown_topic_feed_is_not_found(client):
    assert client.get(reverse("articles:topic_feed", kwargs={"slug": "nope"})).status_code == 404


def test_empty_feed_is_still_valid(client):
    _, items = rss_items(client.get(reverse("articles:feed")))

    assert items == []


def test_feeds_use_the_request_host_and_scheme(client, settings, articles):
    settings.ALLOWED_HOSTS = ["www.example.org"]

    response = client.get(reverse("articles:feed"), HTTP_HOST="www.example.org", secure=True)

    _, items = rss_items(response)
    assert items[0].findtext("link").startswith("https://www.example.org/articles/")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_feed_query_count_does_not_grow_with_articles(client):
    SiteSettings.load()
    topic, other = make_topic(slug="counted"), make_topic()
    make_article(topics=[topic, other])
    urls = [reverse("articles:feed"), reverse("articles:topic_feed", kwargs={"slug": "counted"})]
    few = [count_queries(client, url) for url in urls]

    for _ in range(15):
        make_article(topics=[topic, other])

    assert [count_queries(client, url) for url in urls] == few
    assert max(few) <= 5  # (topic,) articles, their topics, and what middleware needs


def test_pages_advertise_the_feeds(client, articles):
    def alternates(url):
        html = client.get(url).content.decode()
        head = html[: html.index("</head>")]
        return {
            href
            for href in (
                reverse("articles:feed"),
                reverse("articles:feed_atom"),
                reverse("articles:topic_feed", kwargs={"slug": "opioids"}),
                reverse("articles:topic_feed_atom", kwargs={"slug": "opioids"}),
            )
            if f'href="{href}"' in head and 'rel="alternate"' in head
        }

    site_feeds = {reverse("articles:feed"), reverse("articles:feed_atom")}
    assert alternates(reverse("articles:home")) == site_feeds
    assert alternates(articles[0].get_absolute_url()) == site_feeds
    assert alternates(reverse("articles:topic", kwargs={"slug": "opioids"})) == site_feeds | {
        reverse("articles:topic_feed", kwargs={"slug": "opioids"}),
        reverse("articles:topic_feed_atom", kwargs={"slug": "opioids"}),
    }
