"""Site pages on the site: their address, the page cache, footer, sitemap and search."""

import pytest
from django.core.cache import cache

from core.models import SiteSettings
from pages.first_pages import PAGES
from pages.models import FOOTER_KEY, Page, footer_links
from tests.factories import make_article, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_settings():
    # The request that creates the row changes content while it renders and so is
    # not stored; tests here start with it in place.
    return SiteSettings.load()


def test_a_published_page_is_at_the_site_root(client):
    make_page(title="Our team", slug="team", summary="Who we are.", body="## People\n\nHello.")

    response = client.get("/team/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Our team</h1>" in content
    assert "<h2>People</h2>" in content
    assert '<meta name="description" content="Who we are.">' in content
    assert '<link rel="canonical" href="http://testserver/team/">' in content


def test_an_unpublished_or_unknown_page_is_not_found(client):
    make_page(slug="draft-page", is_published=False)

    assert client.get("/draft-page/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404


def test_other_routes_win_over_pages(client):
    # A row the admin would refuse, written around it: the route still wins.
    Page.objects.create(title="Search", slug="search", summary="S.", body="x", is_published=True)

    response = client.get("/search/")

    assert response.status_code == 200
    assert "Search articles" in response.content.decode()


def test_the_page_is_cached_and_a_save_or_delete_shows_at_once(client, django_assert_num_queries):
    page = make_page(slug="team", body="First text.")
    assert client.get("/team/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert client.get("/team/")["X-Page-Cache"] == "hit"

    page.body = "Second text."
    page.save()
    response = client.get("/team/")
    assert "Second text." in response.content.decode()

    page.delete()
    assert client.get("/team/").status_code == 404


def test_the_four_first_pages_are_published_and_in_the_footer(client):
    content = client.get("/").content.decode()

    assert '<nav class="footer-pages" aria-label="About this site">' in content
    for fields in PAGES:
        assert f'<a href="/{fields["slug"]}/">{fields["title"]}</a>' in content
        assert client.get(f"/{fields['slug']}/").status_code == 200


def test_the_footer_lists_only_published_footer_pages_in_order(client):
    Page.objects.all().delete()
    make_page(title="Second", slug="second", show_in_footer=True, footer_position=2)
    make_page(title="First", slug="first", show_in_footer=True, footer_position=1)
    make_page(title="Hidden", slug="hidden", show_in_footer=True, is_published=False)
    make_page(title="Not linked", slug="not-linked", show_in_footer=False)

    assert footer_links() == [("First", "/first/"), ("Second", "/second/")]
    content = client.get("/").content.decode()
    assert content.index('href="/first/"') < content.index('href="/second/"')
    assert 'href="/hidden/"' not in content and 'href="/not-linked/"' not in content


def test_the_footer_links_are_cached_and_forgotten_on_change(django_assert_num_queries):
    footer_links()
    with django_assert_num_queries(0):
        footer_links()

    page = make_page(title="New page", slug="new-page", show_in_footer=True)

    assert cache.get(FOOTER_KEY) is None
    assert ("New page", "/new-page/") in footer_links()
    page.delete()
    assert ("New page", "/new-page/") not in footer_links()


def test_a_new_footer_page_shows_on_cached_pages_at_once(client):
    assert client.get("/").status_code == 200
    assert client.get("/")["X-Page-Cache"] == "hit"

    make_page(title="Accessibility", slug="accessibility", show_in_footer=True)

    assert 'href="/accessibility/"' in client.get("/").content.decode()


def test_published_pages_are_in_the_sitemap(client):
    make_page(slug="hidden-page", is_published=False)

    content = client.get("/sitemap.xml").content.decode()

    assert "<loc>http://testserver/privacy/</loc>" in content
    assert "<loc>http://testserver/about/</loc>" in content
    assert "hidden-page" not in content


def test_the_site_search_lists_matching_pages(client):
    make_page(title="Visiting hours", slug="visiting", summary="When families may visit.")
    make_page(title="Visiting draft", slug="visiting-draft", is_published=False)
    make_article(title="Withdrawal timeline")

    content = client.get("/search/", {"q": "visiting"}).content.decode()

    assert 'aria-labelledby="search-site-pages-heading"' in content
    assert '<a href="/visiting/">Visiting hours</a>: When families may visit.' in content
    assert "/visiting-draft/" not in content


def test_pages_match_on_their_text_too(client):
    content = client.get("/search/", {"q": "cookies"}).content.decode()

    assert '<a href="/privacy/">Privacy notice</a>' in content


def test_a_search_without_matching_pages_shows_no_pages_group(client):
    make_article(title="Withdrawal timeline")

    content = client.get("/search/", {"q": "withdrawal timeline"}).content.decode()

    assert "search-site-pages-heading" not in content


def test_a_post_gets_the_404_page_or_405_never_a_csrf_refusal():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    assert client.post("/no-such-page/", {"a": "b"}).status_code == 404
    response = client.post("/about/", {"a": "b"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
