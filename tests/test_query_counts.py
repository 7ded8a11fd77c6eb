"""The number of SQL queries behind every public page, pinned: rendered from the
database (page cache off, and on a cache miss) and served from the page cache.

The article page has the benchmark's shape: ten sections, ten FAQs, two topics,
related articles, and 5 or 500 approved comments in threads.
"""

import pytest
from django.urls import reverse

from comments.models import Comment
from core.models import SiteSettings
from pages.models import footer_links
from tests.factories import make_article, make_threads, make_topic

pytestmark = pytest.mark.django_db

# url name (or path), what the queries are
PAGES = {
    # featured articles, latest articles
    "/": 2,
    # count, page of articles, the topic filter
    "/articles/": 3,
    "/articles/?page=2": 3,
    # the topic, count, page of articles, the topic filter
    "/topics/opioids/": 4,
    # topics with their article counts
    "/topics/": 1,
    # the article (with its reviewer, stored outline, topics and comment count), related
    # articles, approved comments
    "/articles/the-article/": 3,
    # synonym groups (cached when pages are), count, page of matches, their sections
    # and FAQs (best passages), site pages
    "/search/?q=withdrawal": 6,
    # latest articles with their topics
    "/feed/": 2,
    # count and rows for the articles', the topics' and the site pages' sections, listing
    # pages
    "/sitemap.xml": 7,
    # the slug, the slugs it used to have, then old WordPress addresses
    "/articles/no-such-article/": 3,
    # the site page
    "/about/": 1,
    # no such site page, then old WordPress addresses
    "/no-such-page/": 2,
}
CACHED_PAGES = [
    "/",
    "/articles/",
    "/articles/?page=2",
    "/topics/opioids/",
    "/topics/",
    "/articles/the-article/",
    "/about/",
]


@pytest.fixture(params=[5, 500], ids=["5 comments", "500 comments"])
def site(request, settings):
    settings.ARTICLES_PER_PAGE = 2
    opioids, withdrawal = make_topic(slug="opioids"), make_topic(name="Withdrawal")
    article = make_article(
        slug="the-article",
        title="Withdrawal",
        is_featured=True,
        sections=10,
        faqs=10,
        topics=[opioids, withdrawal],
    )
    for _ in range(4):
        make_article(topics=[opioids])
    make_threads(article, request.param)
    # Cached singletons read by every page (the header and footer).
    SiteSettings.load()
    footer_links()
    return article


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_a_fixed_number_of_queries(
    client, settings, site, django_assert_num_queries, url
):
    settings.PAGE_CACHE_SECONDS = 0

    with django_assert_num_queries(PAGES[url]):
        response = client.get(url)

    assert response.status_code == (404 if "no-such" in url else 200)


def test_the_article_page_shows_every_comment_with_at_most_eight_queries(client, site):
    assert PAGES["/articles/the-article/"] <= 8
    content = client.get("/articles/the-article/?cpage=1").content.decode()
    assert content.count('class="comment depth-') == min(Comment.objects.count(), 50 * 5)


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_a_cache_miss_costs_what_rendering_does_and_a_hit_costs_nothing(
    client, site, django_assert_num_queries, url
):
    # and, to store the page, when an article next goes public or stops being public
    # (asked again for the article page's body fragment, whose related cards change then)
    # (a site page shows no article: nothing to ask)
    extra = {"/articles/the-article/": 2, "/about/": 0}.get(url, 1)
    with django_assert_num_queries(PAGES[url] + extra):
        miss = client.get(url)
    with django_assert_num_queries(0):
        hit = client.get(url)

    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert reverse("articles:home") in hit.content.decode()


def test_a_reader_with_a_pending_comment_gets_their_own_thread(
    client, site, comment_post_data, django_assert_num_queries
):
    posted = client.post(
        reverse("comments:post", args=[site.slug]), comment_post_data(body="Mine, pending.")
    )
    assert Comment.objects.get(body="Mine, pending.").status == Comment.Status.PENDING
    where = posted["Location"].split("#")[0]  # the comment page it is on
    client.get(where)  # shows and clears the "Thank you" message

    # The article, the approved comments and the reader's own pending ones: the thread
    # is theirs alone, while the article and its related cards (the same for every
    # reader) come from the fragment cached by the view before.
    with django_assert_num_queries(3):
        content = client.get(where).content.decode()

    assert "Mine, pending." in content
