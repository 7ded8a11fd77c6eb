import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from core.models import SiteSettings
from pages.models import footer_links
from tests.factories import make_article, make_faq, make_reviewer, make_section, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def warm_site_settings():
    # The settings row and the footer's links are read once and cached; pin query
    # counts for warm pages.
    footer_links()
    return SiteSettings.load()


@pytest.fixture
def long_article():
    opioids, withdrawal = make_topic(name="Opioids"), make_topic(name="Withdrawal")
    article = make_article(
        title="The physiology of withdrawal",
        reviewer=make_reviewer(name="Dr. A. Reviewer", credentials="MD"),
        reviewed_on=timezone.now().date(),
        references="- NIDA. *Heroin research report*. 2021.",
        topics=[opioids, withdrawal],
    )
    for position in range(1, 11):
        make_section(article, position=position, heading=f"Heading number {position}")
        make_faq(article, position=position, question=f"Question number {position}?")
    return article


def test_home_shows_slogan_featured_latest_and_help(client, long_article):
    long_article.is_featured = True
    long_article.save()
    latest = make_article(title="A newer article")
    make_article(title="A draft", status=Article.Status.DRAFT, published_at=None)

    response = client.get(reverse("articles:home"))

    content = response.content.decode()
    assert response.status_code == 200
    site = SiteSettings.load()
    assert site.site_name in content and site.slogan in content
    assert "Featured articles" in content and long_article.title in content
    assert "Latest articles" in content and latest.title in content
    assert "A draft" not in content
    assert site.helpline_phone in content
    assert 'href="tel:18006624357"' in content


def test_article_page_shows_everything_in_order(client, long_article):
    response = client.get(long_article.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<h1") == 1
    headings = re.findall(r'<h2 id="[^"]+-heading">(Heading number \d+)</h2>', content)
    assert headings == [f"Heading number {n}" for n in range(1, 11)]
    questions = re.findall(r"<summary>(Question number \d+\?)</summary>", content)
    assert questions == [f"Question number {n}?" for n in range(1, 11)]
    for text in ["Dr. A. Reviewer, MD", "Reading time", "References", "Heroin research report"]:
        assert text in content
    assert 'id="comments"' in content


def test_table_of_contents_links_resolve_to_anchors(client, long_article):
    content = client.get(long_article.get_absolute_url()).content.decode()

    toc = content[
        content.index('id="contents"') : content.index("</nav>", content.index('id="contents"'))
    ]
    targets = re.findall(r'href="#([^"]+)"', toc)
    ids = set(re.findall(r'\sid="([^"]+)"', content))
    assert len(targets) == 12  # ten sections, the FAQ and the references
    assert all(target in ids for target in targets)
    assert len(ids) == len(re.findall(r'\sid="([^"]+)"', content)), "ids must be unique"


def test_article_page_query_count_is_fixed(
    client, settings, django_assert_num_queries, long_article
):
    settings.PAGE_CACHE_SECONDS = 0  # every request renders
    related = make_article(topics=list(long_article.topics.all()))
    make_article(topics=list(long_article.topics.all()))
    SiteSettings.load()
    footer_links()

    # the article (with its stored outline, topics and comment count), related
    # articles, approved comments
    with django_assert_num_queries(3) as queries:
        response = client.get(long_article.get_absolute_url())
    assert related.title in response.content.decode()
    # The full-text document is for search queries only, never loaded for the page.
    assert not any("search_vector" in query["sql"] for query in queries.captured_queries)
    with django_assert_num_queries(3):
        client.get(long_article.get_absolute_url())

    for position in range(11, 31):
        make_section(long_article, position=position)
    with django_assert_num_queries(3):
        response = client.get(long_article.get_absolute_url())
    assert "Section heading 30" in response.content.decode()


def test_related_cards_list_each_articles_own_topics_in_name_order(client, long_article):
    opioids, withdrawal = long_article.topics.all()
    families, anxiety = make_topic(name="Families"), make_topic(name="Anxiety")
    related = make_article(title="Related one", topics=[withdrawal, families, opioids, anxiety])
    untagged_elsewhere = make_article(title="Related two", topics=[opioids])

    content = client.get(long_article.get_absolute_url()).content.decode()

    cards = content[content.index('id="related"') :]
    names = re.findall(r'<a class="topic-tag" href="([^"]+)">([^<]+)</a>', cards)
    expected = [
        (topic.get_absolute_url(), topic.name)
        for article in (related, untagged_elsewhere)
        for topic in article.topics.all()
    ]
    assert names[: len(expected)] == expected
    assert [name for _url, name in names[:4]] == ["Anxiety", "Families", "Opioids", "Withdrawal"]


def test_list_and_home_query_counts_do_not_grow(
    client, django_assert_num_queries, warm_site_settings
):
    topic = make_topic()
    for number in range(12):
        make_article(topics=[topic], is_featured=number < 2)

    # articles page: count, page of articles, topic filter; and, to store the shared
    # page, when the next scheduled article goes public
    with django_assert_num_queries(4):
        client.get(reverse("articles:list"))
    # home: featured, latest; the next scheduled article
    with django_assert_num_queries(3):
        client.get(reverse("articles:home"))


def test_drafts_and_future_articles_are_not_found(client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    future = make_article(published_at=timezone.now() + timezone.timedelta(days=1))

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(future.get_absolute_url()).status_code == 404
    listing = client.get(reverse("articles:list")).content.decode()
    assert draft.title not in listing and future.title not in listing


def test_article_list_paginates(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for number in range(5):
        make_article(title=f"Listed {number}")

    first = client.get(reverse("articles:list"))
    last = client.get(reverse("articles:list"), {"page": 3})

    assert "Page 1 of 3" in first.content.decode()
    assert 'rel="next"' in first.content.decode()
    assert last.content.decode().count('<article class="article-card">') == 1
    assert client.get(reverse("articles:list"), {"page": 9}).status_code == 404
    assert client.get(reverse("articles:list"), {"page": "x"}).status_code == 404


def test_topic_page_and_filter_list_only_that_topic(client):
    opioids, families = make_topic(name="Opioids"), make_topic(name="Families")
    about_opioids = make_article(title="About opioids", topics=[opioids])
    make_article(title="About families", topics=[families])

    page = client.get(opioids.get_absolute_url())
    filtered = client.get(reverse("articles:list"), {"topic": opioids.slug})

    for response in (page, filtered):
        assert response.status_code == 200
        content = response.content.decode()
        assert content.count('<article class="article-card">') == 1
        assert f'<a href="{about_opioids.get_absolute_url()}">About opioids</a>' in content
    assert client.get(reverse("articles:list"), {"topic": "nope"}).status_code == 404


def test_topic_index_counts_published_articles_only(client):
    topic = make_topic(name="Treatment")
    make_article(topics=[topic])
    make_article(topics=[topic], status=Article.Status.DRAFT, published_at=None)

    response = client.get(reverse("articles:topics"))

    assert response.status_code == 200
    assert "1 article<" in response.content.decode()


def test_topic_index_and_filter_list_topics_in_name_order(client):
    # Made in reverse order: without an explicit ORDER BY, PostgreSQL's grouping
    # returns them as stored.
    topics = [make_topic(name=name) for name in ("Withdrawal", "Recovery", "Opioids", "Family")]
    make_article(topics=topics)

    for url in (reverse("articles:topics"), reverse("articles:list")):
        page = client.get(url).content.decode()
        places = [page.index(f"/topics/{topic.slug}/") for topic in topics]
        # Family, Opioids, Recovery, Withdrawal: the reverse of the order made.
        assert places == sorted(places, reverse=True), url


def test_script_in_a_section_body_never_reaches_the_page(client):
    article = make_article()
    make_section(article, body="Hello <script>alert('owned')</script> world")
    make_faq(article, question="<script>alert(2)</script>?", answer="<b onmouseover=x>hi</b>")

    content = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert" not in content
    # Shown as text: escaped in the HTML, and JSON-escaped in the FAQPage JSON-LD.
    shown_as_text = content.replace("&lt;b onmouseover=x&gt;", "").replace(
        "\\u003Cb onmouseover=x\\u003E", ""
    )
    assert "onmouseover" not in shown_as_text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;?" in content


def test_custom_404_page_uses_the_site_design(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    content = response.content.decode()
    assert "We could not find that page" in content
    assert SiteSettings.load().helpline_phone in content
    assert 'id="main-content"' in content


def test_custom_500_page_uses_the_site_design(client, settings):
    settings.ROOT_URLCONF = "tests.articles.urls_500"
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_healthz_reports_the_database(client, monkeypatch):
    assert client.get("/healthz").status_code == 200

    from django.db import connection
    from django.db.utils import OperationalError

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_header_has_an_accessible_menu_toggle_and_skip_link(client):
    content = client.get(reverse("articles:home")).content.decode()

    assert content.index('class="skip-link"') < content.index("<header")
    assert 'aria-controls="site-nav"' in content and 'aria-expanded="false"' in content
    assert '<script src="/static/js/site.js"></script>' in content
    assert not re.search(r"<script>(?!\s*</script>)", content), "no inline scripts"
    assert "style=" not in content


def test_hero_image_is_shown_with_its_size_and_description(client, media_root):
    from tests.factories import make_image_upload

    article = make_article(hero_image=make_image_upload(640, 360), hero_alt="A quiet harbour.")

    content = client.get(article.get_absolute_url()).content.decode()

    # The renditions, not the original (tests/articles/test_renditions.py has the rest).
    assert re.search(
        r'<img src="/media/renditions/[0-9a-f]{16}-480\.jpg" srcset="[^"]+" sizes="[^"]+" '
        r'alt="A quiet harbour\." width="640" height="360"',
        content,
    )


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("articles:home"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_comment_leaks_into_pages(client):
    # Django's {# #} comments are single-line; a multi-line one is printed as text.
    article = make_article(sections=1, faqs=1)

    for url in (reverse("articles:home"), article.get_absolute_url(), "/missing/"):
        content = client.get(url).content.decode()
        assert "{#" not in content and "{%" not in content, url
