"""Search-engine metadata: titles, descriptions, canonical links, social cards, JSON-LD,
sitemap.xml, robots.txt and the favicon."""

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from core.models import SiteSettings
from pages.models import Page, footer_links
from tests.factories import (
    make_article,
    make_faq,
    make_image_upload,
    make_reviewer,
    make_topic,
)

pytestmark = pytest.mark.django_db

HOSTILE = "</script><script>alert(1)</script>"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class Head(HTMLParser):
    """What a crawler reads from a page: title, meta tags, links and JSON-LD blocks."""

    def __init__(self, html):
        super().__init__()
        self.lang = None
        self.title = ""
        self.meta = {}
        self.links = []
        self.json_ld = []
        self.scripts = 0
        self._in = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "meta" and "content" in attrs:
            key = attrs.get("name") or attrs.get("property")
            if key:
                self.meta.setdefault(key, attrs["content"])
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self.scripts += 1
            self._in = "json_ld" if attrs.get("type") == "application/ld+json" else "script"
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld.append(json.loads(data))

    def link(self, rel, **match):
        found = [
            link
            for link in self.links
            if link.get("rel") == rel and all(link.get(k) == v for k, v in match.items())
        ]
        return found[0]["href"] if found else None

    def ld(self, type_):
        found = [data for data in self.json_ld if data["@type"] == type_]
        assert len(found) <= 1
        return found[0] if found else None


def head(client, url, **kwargs):
    response = client.get(url, **kwargs)
    return response, Head(response.content.decode())


@pytest.fixture
def site():
    return SiteSettings.load()


@pytest.fixture
def pages(settings):
    """One of each public page, with a second page of articles and of a topic."""
    settings.ARTICLES_PER_PAGE = 1
    topic = make_topic(name="Opioids", slug="opioids", description="About opioids.")
    article = make_article(title="Naloxone saves lives", topics=[topic])
    make_article(title="Second article", topics=[topic])
    return {
        "home": reverse("articles:home"),
        "list": reverse("articles:list"),
        "list_2": reverse("articles:list") + "?page=2",
        "topics": reverse("articles:topics"),
        "topic": topic.get_absolute_url(),
        "topic_2": topic.get_absolute_url() + "?page=2",
        "article": article.get_absolute_url(),
        "search": reverse("articles:search") + "?q=naloxone",
        "not_found": "/no-such-page/",
    }


def test_every_page_has_a_unique_title_and_a_description(client, pages, site):
    titles = {}
    for name, url in pages.items():
        response, page = head(client, url)
        assert response.status_code == (404 if name == "not_found" else 200), name
        assert page.lang == "en"
        assert page.title.strip() and site.site_name in page.title, name
        assert page.meta["description"].strip(), name
        assert page.meta["og:site_name"] == site.site_name
        assert page.meta["og:title"] and page.meta["og:description"] == page.meta["description"]
        assert page.meta["twitter:card"] in {"summary", "summary_large_image"}
        assert page.link("icon") is not None
        titles[name] = page.title
    assert len(set(titles.values())) == len(titles), titles
    assert titles["list_2"] == f"All articles (page 2) | {site.site_name}"
    assert titles["topic_2"] == f"Opioids (page 2) | {site.site_name}"


def test_descriptions_come_from_the_content(client, pages, site):
    assert head(client, pages["home"])[1].meta["description"] == site.welcome
    assert head(client, pages["topic"])[1].meta["description"] == "About opioids."
    article = Article.objects.get(title="Naloxone saves lives")
    assert head(client, pages["article"])[1].meta["description"] == article.summary

    article.meta_description = "Written for search engines."
    article.save()
    assert head(client, pages["article"])[1].meta["description"] == "Written for search engines."


def test_home_has_a_description_even_without_welcome_or_slogan(client, site):
    site.welcome = site.slogan = ""
    site.save()

    _, page = head(client, reverse("articles:home"))

    assert page.meta["description"] == site.site_name


def test_canonical_is_absolute_keeps_the_page_number_and_drops_the_rest(client, pages):
    cases = {
        pages["home"] + "?utm_source=newsletter&fbclid=abc": "http://testserver/",
        pages["list"] + "?page=1": "http://testserver/articles/",
        pages["list_2"] + "&utm_campaign=x": "http://testserver/articles/?page=2",
        pages["topic_2"]: "http://testserver/topics/opioids/?page=2",
        # The same list through the filter parameter points to the topic's own page.
        pages["list"] + "?topic=opioids": "http://testserver/topics/opioids/",
        pages["article"] + "?replyto=5&gclid=1": f"http://testserver{pages['article']}",
    }
    for url, canonical in cases.items():
        _, page = head(client, url)
        assert page.link("canonical") == canonical, url
        assert page.meta["og:url"] == canonical, url


def test_canonical_uses_the_host_and_scheme_of_the_request(client, pages, settings):
    settings.ALLOWED_HOSTS = ["www.example.org"]

    _, page = head(client, pages["article"], HTTP_HOST="www.example.org", secure=True)

    assert page.link("canonical") == f"https://www.example.org{pages['article']}"


def test_error_and_search_pages_claim_no_canonical_address(client, pages):
    for name in ("search", "not_found"):
        _, page = head(client, pages[name])
        assert page.link("canonical") is None, name
        assert "og:url" not in page.meta
        assert "noindex" in page.meta["robots"]


def test_article_social_card_has_the_hero_image_as_an_absolute_url(client, media_root):
    article = make_article(hero_image=make_image_upload(), hero_alt="A nurse at a bedside")

    _, page = head(client, article.get_absolute_url())

    image = page.meta["og:image"]
    # The largest JPEG rendition: upright, without the upload's metadata.
    largest = article.hero_renditions["files"][-1]
    assert image == f"http://testserver/media/{largest['name']}"
    assert image.endswith(".jpg")
    assert page.meta["og:image:alt"] == "A nurse at a bedside"
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == article.title
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == image


def test_article_without_image_gets_a_summary_card(client):
    article = make_article()

    _, page = head(client, article.get_absolute_url())

    assert "og:image" not in page.meta and "twitter:image" not in page.meta
    assert page.meta["twitter:card"] == "summary"


@pytest.fixture
def reviewed_article(media_root):
    topic = make_topic(name="Withdrawal", slug="withdrawal")
    article = make_article(
        title="Opioid withdrawal timeline",
        summary="What happens day by day.",
        author="Dana Lee, RN",
        reviewer=make_reviewer(name="Dr. Sam Ortiz", credentials="MD", has_public_page=True),
        reviewed_on=timezone.now().date(),
        hero_image=make_image_upload(),
        hero_alt="A calendar",
        topics=[topic],
    )
    make_faq(article, question="How long does it last?", answer="Usually **5 to 10** days.")
    make_faq(article, question="Is it dangerous?", answer="It can be: see a [doctor](/help/).")
    return article


def test_article_json_ld_describes_the_medical_page(client, reviewed_article):
    article = reviewed_article
    url = f"http://testserver{article.get_absolute_url()}"

    _, page = head(client, article.get_absolute_url())

    data = page.ld("MedicalWebPage")
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == data["name"] == "Opioid withdrawal timeline"
    assert data["description"] == "What happens day by day."
    assert data["url"] == data["mainEntityOfPage"] == url
    assert data["inLanguage"] == "en-US"
    assert data["datePublished"] == article.published_at.isoformat()
    assert data["dateModified"] >= data["datePublished"]
    assert data["author"] == {"@type": "Person", "name": "Dana Lee, RN"}
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr. Sam Ortiz",
        "description": "MD",
        "url": f"http://testserver{article.reviewer.get_absolute_url()}",
    }
    assert data["lastReviewed"] == article.reviewed_on.isoformat()
    assert data["image"]["url"] == page.meta["og:image"]
    assert data["image"]["url"].startswith("http://testserver/media/")
    publisher = data["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == SiteSettings.load().site_name
    assert publisher["logo"]["url"].startswith("http://testserver/static/")


def test_article_json_ld_breadcrumbs_match_the_visible_trail(client, reviewed_article):
    _, page = head(client, reviewed_article.get_absolute_url())

    items = page.ld("BreadcrumbList")["itemListElement"]
    assert [(i["position"], i["name"]) for i in items] == [
        (1, "Home"),
        (2, "Articles"),
        (3, "Withdrawal"),
        (4, "Opioid withdrawal timeline"),
    ]
    assert [i["item"] for i in items] == [
        "http://testserver/",
        "http://testserver/articles/",
        "http://testserver/topics/withdrawal/",
        f"http://testserver{reviewed_article.get_absolute_url()}",
    ]


def test_article_json_ld_faq_page_has_questions_and_plain_text_answers(client, reviewed_article):
    _, page = head(client, reviewed_article.get_absolute_url())

    questions = page.ld("FAQPage")["mainEntity"]
    assert [(q["@type"], q["name"]) for q in questions] == [
        ("Question", "How long does it last?"),
        ("Question", "Is it dangerous?"),
    ]
    assert [q["acceptedAnswer"] for q in questions] == [
        {"@type": "Answer", "text": "Usually 5 to 10 days."},
        {"@type": "Answer", "text": "It can be: see a doctor."},
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Recovery Center Editorial Team", "Organization"),
        ("Harbor Recovery Center editorial team", "Organization"),
        ("Harbor Recovery Center", "Organization"),
        ("Dana Lee, RN", "Person"),
        ("Teamwork Smith", "Person"),
    ],
)
def test_an_author_named_like_a_group_is_an_organization(client, name, kind):
    article = make_article(author=name)

    _, page = head(client, article.get_absolute_url())

    assert page.ld("MedicalWebPage")["author"] == {"@type": kind, "name": name}


def test_article_without_faqs_topics_reviewer_or_image_leaves_those_out(client):
    # Published before reviews were records: no reviewer, no review date.
    article = make_article(reviewer=None, reviewed_on=None)

    _, page = head(client, article.get_absolute_url())

    assert page.ld("FAQPage") is None
    data = page.ld("MedicalWebPage")
    assert not {"reviewedBy", "lastReviewed", "image"} & set(data)
    trail = [i["name"] for i in page.ld("BreadcrumbList")["itemListElement"]]
    assert trail == ["Home", "Articles", article.title]


def test_content_cannot_break_out_of_the_json_ld_script(client):
    article = make_article(title=f"Title {HOSTILE}", summary=f"Summary {HOSTILE} & more")
    make_faq(article, question=f"Question {HOSTILE}?", answer=f"Answer `{HOSTILE}`")

    response, page = head(client, article.get_absolute_url())

    html = response.content.decode()
    assert "<script>alert(1)" not in html
    # Every <script> element is one we wrote: the site script, the comment and
    # feedback scripts and three JSON-LD blocks, which parse back to exactly the text
    # entered.
    assert page.scripts == 3 + 3
    assert page.ld("MedicalWebPage")["headline"] == f"Title {HOSTILE}"
    assert page.ld("MedicalWebPage")["description"] == f"Summary {HOSTILE} & more"
    faq = page.ld("FAQPage")["mainEntity"][0]
    assert faq["name"] == f"Question {HOSTILE}?"
    assert faq["acceptedAnswer"]["text"] == f"Answer {HOSTILE}"


def test_json_ld_needs_no_csp_exception(client):
    article = make_article()

    response = client.get(article.get_absolute_url())

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "nonce-" not in policy


def test_article_page_query_count_does_not_grow_with_metadata(client, reviewed_article):
    SiteSettings.load()
    footer_links()
    url = reviewed_article.get_absolute_url()
    before = count_queries(client, url)
    # More FAQs, topics and a reviewer: JSON-LD and social tags use only what the
    # page has already fetched, so the page costs the same.
    for position in range(3, 13):
        make_faq(reviewed_article, position=position)
    reviewed_article.topics.add(make_topic(), make_topic())

    assert count_queries(client, url) == before


# --- sitemap.xml -------------------------------------------------------------------


def sitemap_entries(response):
    root = ET.fromstring(response.content)
    return {
        url.findtext("sm:loc", namespaces=SITEMAP_NS): url.findtext(
            "sm:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("sm:url", SITEMAP_NS)
    }


# An evening in New York is already the next day in UTC: the sitemap gives the site's date.
@pytest.mark.parametrize(
    "instant", [None, "2026-06-15 02:30Z"], ids=["now", "new-york-evening-next-day-in-utc"]
)
def test_sitemap_lists_exactly_the_public_pages(client, time_machine, instant):
    if instant:
        time_machine.move_to(instant)
    topic = make_topic(name="Opioids", slug="opioids")
    empty_topic = make_topic(name="Unused", slug="unused")
    published = [make_article(topics=[topic]) for _ in range(3)]
    draft = make_article(status=Article.Status.DRAFT, published_at=None, topics=[empty_topic])
    future = make_article(published_at=timezone.now() + timezone.timedelta(days=1))

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    entries = sitemap_entries(response)
    base = "http://testserver"
    # lastmod is the site's local date (TIME_ZONE), not the UTC one.
    expected = {
        base + a.get_absolute_url(): timezone.localdate(a.updated_at).isoformat() for a in published
    }
    newest = timezone.localdate(max(a.updated_at for a in published)).isoformat()
    expected[base + topic.get_absolute_url()] = newest
    expected[base + "/"] = expected[base + "/articles/"] = expected[base + "/topics/"] = newest
    for page in Page.objects.published():
        expected[base + page.get_absolute_url()] = timezone.localdate(page.updated_at).isoformat()
    assert entries == expected
    for absent in (draft, future, empty_topic):
        assert base + absent.get_absolute_url() not in entries


def test_sitemap_uses_the_request_host_and_scheme(client, settings):
    settings.ALLOWED_HOSTS = ["www.example.org"]
    article = make_article()

    response = client.get("/sitemap.xml", HTTP_HOST="www.example.org", secure=True)

    assert f"https://www.example.org{article.get_absolute_url()}" in sitemap_entries(response)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_sitemap_query_count_does_not_grow_with_articles(client):
    SiteSettings.load()
    footer_links()
    topics = [make_topic() for _ in range(3)]
    make_article(topics=topics)
    few = count_queries(client, "/sitemap.xml")

    for _ in range(30):
        make_article(topics=topics)

    assert count_queries(client, "/sitemap.xml") == few
    assert few <= 8  # pages' lastmod, articles and topics (each with a count), middleware


# --- robots.txt and favicon ----------------------------------------------------------


def test_robots_txt_keeps_admin_and_search_out_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow:")}
    assert disallowed == {
        "/admin/",
        "/search/",
        "/comments/post/",
        "/comments/form-token/",
        "/comments/withdraw/",
        "/comments/replies/",
    }
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /articles") for line in lines)


def test_favicon_ico_points_to_the_icon_we_serve(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    assert finders.find("img/favicon.svg")
