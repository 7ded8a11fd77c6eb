"""The per-article feeds of approved comments."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.services import withdraw_comment
from core.models import SiteSettings
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def feed_url(article, atom=False):
    name = "comments:feed_atom" if atom else "comments:feed"
    return reverse(name, kwargs={"slug": article.slug})


def minutes_ago(minutes):
    return timezone.now() - timezone.timedelta(minutes=minutes)


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def thread(article):
    """Approved comments (newest first) among pending, spam, trashed and withdrawn ones."""
    approved = [
        make_comment(article, author_name="Newest Reader", created_at=minutes_ago(1)),
        make_comment(article, author_name="Middle Reader", created_at=minutes_ago(2)),
        make_comment(article, author_name="Oldest Reader", created_at=minutes_ago(3)),
    ]
    for status in (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.TRASH):
        make_comment(article, author_name=f"Hidden {status}", status=status)
    withdrawn = make_comment(article, author_name="Hidden withdrawn")
    withdraw_comment(withdrawn)
    make_comment(make_article(), author_name="Hidden elsewhere")
    return approved


def test_rss_feed_has_exactly_the_approved_comments_newest_first(client, article, thread):
    response = client.get(feed_url(article))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "Comments on “Understanding withdrawal”"
    assert channel.findtext("link") == f"http://testserver{article.get_absolute_url()}#comments"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "Comment by Newest Reader",
        "Comment by Middle Reader",
        "Comment by Oldest Reader",
    ]
    assert [item.findtext("link") for item in items] == [
        f"http://testserver{comment.get_absolute_url()}" for comment in thread
    ]
    creator = "{http://purl.org/dc/elements/1.1/}creator"
    assert [item.findtext(creator) for item in items] == [c.author_name for c in thread]
    assert b"Hidden" not in response.content


def test_atom_feed_has_the_same_comments(client, article, thread):
    response = client.get(feed_url(article, atom=True))

    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall("atom:entry", ATOM)
    assert [e.findtext("atom:author/atom:name", namespaces=ATOM) for e in entries] == [
        "Newest Reader",
        "Middle Reader",
        "Oldest Reader",
    ]
    assert b"Hidden" not in response.content


def test_commenters_email_addresses_never_appear(client, article, thread):
    for url in (feed_url(article), feed_url(article, atom=True)):
        response = client.get(url)

        content = response.content.decode()
        for comment in Comment.objects.all():
            if comment.author_email:
                assert comment.author_email not in content
        # RSS's <author> element holds an email address; Atom's <author> a <name> only.
        assert "<email>" not in content and "<author>" not in content.replace("<author><name>", "")
        assert "@example.org" not in content


def test_comment_text_is_escaped(client, article):
    make_comment(article, body="I take <script>alert(1)</script> & more\n\nSecond paragraph")

    response = client.get(feed_url(article))

    description = ET.fromstring(response.content).find("channel/item").findtext("description")
    assert description == (
        "<p>I take &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>\n<p>Second paragraph</p>"
    )
    assert b"<script>" not in response.content


def test_draft_and_unknown_articles_have_no_comment_feed(client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    make_comment(draft)

    assert client.get(feed_url(draft)).status_code == 404
    assert client.get(reverse("comments:feed", kwargs={"slug": "nope"})).status_code == 404


def test_renamed_articles_comment_feed_redirects(client, article):
    old = feed_url(article, atom=True)
    article.slug = "withdrawal-explained"
    article.save()

    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == feed_url(article, atom=True)


def test_article_page_advertises_its_comment_feeds(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    head = html[: html.index("</head>")]
    assert 'type="application/rss+xml" title="Comments on' in head
    assert f'href="{feed_url(article)}"' in head
    assert f'href="{feed_url(article, atom=True)}"' in head


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_comment_feed_query_count_does_not_grow_with_comments(client, article):
    SiteSettings.load()
    make_comment(article)
    few = count_queries(client, feed_url(article))

    for _ in range(20):
        make_comment(article)

    assert count_queries(client, feed_url(article)) == few
    assert few <= 4  # the article, its comments, and what middleware needs
