"""Old WordPress addresses answer 301 to where their content is now."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from core.models import SiteSettings
from pages.models import footer_links
from tests.factories import make_article, make_page, make_topic
from wordpress.legacy import (
    LegacyAddress,
    add_article_addresses,
    add_feed_addresses,
    add_page_addresses,
    add_topic_addresses,
)

pytestmark = pytest.mark.django_db

POSTED_ON = date(2019, 5, 3)


@pytest.fixture
def article():
    article = make_article(slug="tapering-safely")
    add_article_addresses(
        article,
        post_id=42,
        link="https://old.example.org/2019/05/03/tapering-safely/",
        slug="tapering-safely",
        posted_on=POSTED_ON,
    )
    return article


@pytest.fixture
def counting(settings):
    """Pages rendered from the database, the singletons every page reads already
    cached, as tests/test_query_counts.py counts them."""
    settings.PAGE_CACHE_SECONDS = 0
    SiteSettings.load()
    footer_links()


def assert_lands(response, url):
    assert response.status_code == 301, response.status_code
    assert response["Location"] == url


@pytest.mark.parametrize(
    "old",
    [
        "/2019/05/03/tapering-safely/",
        "/2019/05/03/tapering-safely",
        "/2019/05/tapering-safely/",
        "/tapering-safely/",
        "/tapering-safely",
        "/2019/05/03/Tapering-Safely/",
        "/?p=42",
        "/?p=042&utm_source=newsletter",
    ],
)
def test_every_old_form_of_a_post_lands_on_the_article(client, article, old):
    assert_lands(client.get(old), "/articles/tapering-safely/")


def test_the_posts_comment_feed_lands_on_the_articles_comment_feed(client, article):
    url = reverse("comments:feed", kwargs={"slug": "tapering-safely"})

    assert_lands(client.get("/2019/05/03/tapering-safely/feed/"), url)


def test_a_custom_permalink_and_its_feed_are_kept(client):
    article = make_article(slug="naloxone")
    add_article_addresses(
        article, post_id=7, link="https://old.example.org/guides/naloxone-kits/", slug="x"
    )

    assert_lands(client.get("/guides/naloxone-kits/"), "/articles/naloxone/")
    assert_lands(client.get("/guides/naloxone-kits/feed/"), "/comments/feed/naloxone/")


def test_a_renamed_article_is_followed_to_its_current_address(client, article):
    article.slug = "tapering-off-safely"
    article.save()

    assert_lands(client.get("/?p=42"), "/articles/tapering-off-safely/")
    assert_lands(client.get("/2019/05/tapering-safely/"), "/articles/tapering-off-safely/")


def test_an_unpublished_or_deleted_target_leaves_the_404(client, article):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert client.get("/2019/05/03/tapering-safely/").status_code == 404

    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)
    )
    assert client.get("/tapering-safely/").status_code == 404

    Article.objects.filter(pk=article.pk).delete()
    assert client.get("/tapering-safely/").status_code == 404
    assert not LegacyAddress.objects.exists()


def test_the_home_address_without_a_match_is_the_home_page(client, article):
    assert client.get("/?p=43").status_code == 200
    assert client.get("/?p=abc").status_code == 200
    assert client.get("/").status_code == 200


def test_head_is_answered_like_get(client, article):
    response = client.head("/2019/05/03/tapering-safely/")

    assert_lands(response, "/articles/tapering-safely/")
    assert response.content == b""
    assert_lands(client.head("/?p=42"), "/articles/tapering-safely/")


def test_a_post_to_an_old_address_is_not_redirected(client, article):
    assert client.post("/tapering-safely/").status_code == 404


@pytest.mark.parametrize(
    "old",
    [
        "/2020/01/02/fr%C3%BChst%C3%BCck/",
        "/2020/01/02/fr%c3%bchst%c3%bcck/",
        "/2020/01/02/FR%C3%9CHST%C3%9CCK",
        "/fr%C3%BChst%C3%BCck/",
        "/2020/01/fr%C3%BChst%C3%BCck/",
    ],
)
def test_non_ascii_slugs_match_however_they_are_encoded(client, old):
    article = make_article(slug="fruhstuck")
    # As WordPress exports them: percent-encoded in lower case.
    add_article_addresses(
        article,
        post_id=9,
        link="https://old.example.org/2020/01/02/fr%c3%bchst%c3%bcck/",
        slug="fr%c3%bchst%c3%bcck",
        posted_on=date(2020, 1, 2),
    )

    assert_lands(client.get(old), "/articles/fruhstuck/")


def test_a_page_lands_from_its_permalink_and_both_query_forms(client):
    page = make_page(slug="visiting-hours")
    add_page_addresses(page, page_id=11, link="https://old.example.org/about/visiting/")

    for old in ["/about/visiting/", "/about/visiting", "/?page_id=11", "/?p=11"]:
        assert_lands(client.get(old), "/visiting-hours/")

    page.is_published = False
    page.save()
    assert client.get("/about/visiting/").status_code == 404
    assert client.get("/?page_id=11").status_code == 200


def test_a_nested_category_lands_on_the_topic_and_its_feed(client):
    topic = make_topic(slug="opioid-withdrawal")
    add_topic_addresses(
        topic, taxonomy="category", slug="opioids", parent_slugs=["withdrawal"], term_id=5
    )

    for old in ["/category/withdrawal/opioids/", "/category/opioids/", "/?cat=5"]:
        assert_lands(client.get(old), "/topics/opioid-withdrawal/")
    assert_lands(
        client.get("/category/withdrawal/opioids/feed/"), "/topics/opioid-withdrawal/feed/"
    )


def test_a_tag_lands_on_the_topic(client):
    topic = make_topic(slug="naloxone")
    add_topic_addresses(topic, taxonomy="post_tag", slug="Naloxone", term_id=8)

    assert_lands(client.get("/tag/naloxone/"), "/topics/naloxone/")
    assert_lands(client.get("/?tag=naloxone"), "/topics/naloxone/")
    assert_lands(client.get("/tag/naloxone/feed/"), "/topics/naloxone/feed/")
    assert client.get("/?cat=8").status_code == 200


@pytest.mark.parametrize(
    "old", ["/feed/rss2/", "/comments/feed/", "/comments/feed", "/comments/feed/atom/"]
)
def test_the_site_feeds_land_on_ours(client, old):
    add_feed_addresses()

    assert_lands(client.get(old), reverse("articles:feed"))


def test_our_own_feed_address_is_still_ours(client):
    add_feed_addresses()

    assert client.get("/feed/").status_code == 200


def test_an_address_of_the_site_itself_is_never_redirected(client):
    # /visit/ answers 200 as a page of this site, whatever the old site had there.
    make_page(slug="visit")
    other = make_page(slug="team")
    add_page_addresses(other, page_id=3, link="https://old.example.org/visit/")

    assert client.get("/visit/").status_code == 200


def test_a_permalink_takes_an_address_over_from_a_guess_and_not_the_reverse():
    guessed, linked = make_article(), make_article()
    add_article_addresses(guessed, post_id=1, slug="recovery", posted_on=POSTED_ON)
    add_article_addresses(linked, post_id=2, link="http://old.example.org/recovery/")
    add_article_addresses(guessed, post_id=1, slug="recovery", posted_on=POSTED_ON)

    assert LegacyAddress.objects.get(old_address="/recovery").article == linked
    assert LegacyAddress.objects.get(old_address="/2019/05/recovery").article == guessed


def test_adding_the_same_addresses_again_changes_nothing(article):
    before = list(LegacyAddress.objects.values_list("old_address", "target", "article", "pk"))

    add_article_addresses(
        article,
        post_id=42,
        link="https://old.example.org/2019/05/03/tapering-safely/",
        slug="tapering-safely",
        posted_on=POSTED_ON,
    )

    after = list(LegacyAddress.objects.values_list("old_address", "target", "article", "pk"))
    assert after == before
    assert sorted(address for address, *_ in after) == [
        "/2019/05/03/tapering-safely",
        "/2019/05/03/tapering-safely/feed",
        "/2019/05/tapering-safely",
        "/?p=42",
        "/tapering-safely",
    ]


def test_an_address_leads_to_exactly_one_target(article):
    with pytest.raises(IntegrityError):
        LegacyAddress.objects.create(
            old_address="/both",
            target=LegacyAddress.Target.ARTICLE,
            article=article,
            topic=make_topic(),
        )


def test_a_normal_page_costs_no_extra_query(client, article, django_assert_num_queries, counting):
    # The same as tests/test_query_counts.py pins for the home page and a site page.
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200
    page = make_page(slug="visit")
    footer_links()  # saving a page forgets them
    with django_assert_num_queries(1):
        assert client.get(page.get_absolute_url()).status_code == 200


def test_an_old_address_costs_one_query_over_the_404(
    client, article, django_assert_num_queries, counting
):
    # The site page lookup, then the old address.
    with django_assert_num_queries(2):
        assert client.get("/tapering-safely/").status_code == 301
    with django_assert_num_queries(2):
        assert client.get("/no-such-thing/").status_code == 404
    # The old address alone: the home page is not rendered.
    with django_assert_num_queries(1):
        assert client.get("/?p=42").status_code == 301


def test_a_cached_home_page_does_not_hide_the_old_query_forms(client, article):
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"

    assert_lands(client.get("/?p=42"), "/articles/tapering-safely/")


def test_the_redirect_is_not_stored_in_the_page_cache_and_expires_in_browsers(client, article):
    first = client.get("/tapering-safely/")
    article.slug = "tapering-off"
    article.save()
    second = client.get("/tapering-safely/")

    assert "X-Page-Cache" not in first
    assert "max-age=86400" in first["Cache-Control"]
    assert_lands(second, "/articles/tapering-off/")


def test_an_address_added_after_a_404_answers_at_once(client):
    article = make_article(slug="sleep")
    assert client.get("/sleep-after-detox/").status_code == 404

    add_article_addresses(article, post_id=3, slug="sleep-after-detox")

    assert_lands(client.get("/sleep-after-detox/"), "/articles/sleep/")


def test_a_very_long_address_is_a_plain_404(client, django_assert_num_queries, counting):
    # Longer than any stored address: not looked up.
    with django_assert_num_queries(0):
        assert client.get("/" + "a" * 600 + "/x/").status_code == 404


def test_editors_find_an_old_address_in_the_admin(admin_client, article):
    url = reverse("admin:wordpress_legacyaddress_changelist")

    found = admin_client.get(url, {"q": "/2019/05/03/Tapering-Safely/"})
    missing = admin_client.get(url, {"q": "/nothing-here/"})

    assert found.status_code == 200
    assert "/articles/tapering-safely/" in found.content.decode()
    assert "/2019/05/03/tapering-safely" in found.content.decode()
    assert "/articles/tapering-safely/" not in missing.content.decode()
    assert admin_client.get(reverse("admin:wordpress_legacyaddress_add")).status_code == 403


def test_index_php_answers_the_query_forms_too(client, article):
    assert_lands(client.get("/index.php?p=42"), "/articles/tapering-safely/")


@pytest.mark.parametrize("query", ["?tag=%00", "?tag=a%00b", "?p=%00", "?p=" + "9" * 40, "?tag="])
def test_a_hostile_query_form_is_never_a_500(client, article, query):
    assert client.get("/" + query).status_code in (200, 400)
    assert client.get("/index.php" + query).status_code in (400, 404)


def test_the_front_cache_keeps_no_redirect(client, article, settings):
    settings.FRONT_CACHE_SECONDS = 1

    assert client.get("/?p=42")["X-Accel-Expires"] == "0"


def test_editors_may_read_the_list_and_change_nothing(client, article):
    from tests.articles.test_admin import make_staff

    client.force_login(make_staff("editor", groups=["Editors"]))
    legacy = LegacyAddress.objects.get(old_address="/?p=42")

    assert client.get(reverse("admin:wordpress_legacyaddress_changelist")).status_code == 200
    change = reverse("admin:wordpress_legacyaddress_change", args=[legacy.pk])
    assert client.post(change, {"old_address": "/elsewhere"}).status_code == 403
    assert LegacyAddress.objects.get(pk=legacy.pk).old_address == "/?p=42"


def test_an_articles_addresses_are_added_in_a_fixed_number_of_queries(
    article, django_assert_num_queries
):
    other = make_article()
    # Per call: a savepoint, the permalinks in one statement, the guesses in one,
    # the release; one call for the article's addresses, one for its comment feeds.
    with django_assert_num_queries(8):
        add_article_addresses(
            other,
            post_id=42,
            link="https://old.example.org/tapering-safely/",
            slug="tapering-safely",
            posted_on=POSTED_ON,
        )

    # The permalink and /?p= are taken over from the article that had them; the
    # guesses the other article has stay its own.
    taken = LegacyAddress.objects.filter(article=other).values_list("old_address", flat=True)
    assert sorted(taken) == ["/?p=42", "/tapering-safely", "/tapering-safely/feed"]
    kept = LegacyAddress.objects.filter(article=article).values_list("old_address", flat=True)
    assert sorted(kept) == [
        "/2019/05/03/tapering-safely",
        "/2019/05/03/tapering-safely/feed",
        "/2019/05/tapering-safely",
    ]
