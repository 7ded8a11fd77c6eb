"""The article page's outline (table of contents, sections, FAQs), stored in the article
row by the code that changes sections (the admin, the importer) and read with it."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import FAQ, Article, Section
from tests.articles.test_admin import article_form_data, faq_rows, make_staff, section_rows
from tests.factories import make_article, make_reviewed_draft, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def render_every_request(settings):
    # The page cache would answer repeated requests; these tests are about rendering.
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def article():
    return make_article(sections=3, faqs=2, topics=[make_topic()])


def stored(article):
    return Article.objects.get(pk=article.pk)


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def faq_page_data(content):
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return next(data for data in map(json.loads, scripts) if data["@type"] == "FAQPage")


def test_the_page_shows_the_stored_outline_without_fetching_sections(
    client, article, django_assert_num_queries
):
    html = stored(article).outline_html
    assert 'id="section-heading-3"' in html and "Question number 2?" in html

    page(client, article)  # the site settings are cached from then on
    # the article, related articles, comments
    with django_assert_num_queries(3) as queries:
        content = page(client, article)
    assert not any("articles_section" in query["sql"] for query in queries.captured_queries)
    assert html in content


def test_saving_in_the_admin_stores_the_outline(client):
    client.force_login(make_staff("editor", groups=["Editors"]))

    draft = make_reviewed_draft(slug="supervised-detox")
    client.post(
        reverse("admin:articles_article_change", args=[draft.pk]),
        article_form_data(
            make_topic(),
            section_rows(2),
            faq_rows(1),
            status="published",
            reviewer=str(draft.reviewer_id),
        ),
    )

    article = Article.objects.get(slug="supervised-detox")
    assert "Step 2" in article.outline_html and "Question 1?" in article.outline_html
    assert [question for question, _answer in article.faq_entries] == ["Question 1?"]
    assert "Step 2" in page(client, article)


def test_importing_stores_the_outline(tmp_path):
    path = tmp_path / "article.md"
    path.write_text(
        "# Imported title\n\nA summary sentence.\n\n## First part\n\nText.\n\n"
        "## Frequently asked questions\n\n### Is it imported?\n\nYes.\n"
    )

    call_command("import_article", str(path), stdout=io.StringIO())

    article = Article.objects.get(title="Imported title")
    assert "First part" in article.outline_html and "Is it imported?" in article.outline_html


def test_any_write_of_a_section_shows_at_once_and_the_page_never_writes(client, article):
    Section.objects.create(article=article, position=9, heading="Written by code", body="Text.")
    assert stored(article).outline_html == ""  # blanked by the database

    content = page(client, article)

    # Rendered for the page, as the admin would have stored it; nothing written on GET.
    assert "Written by code" in content
    assert stored(article).outline_html == ""


def test_the_refresh_command_stores_changes_made_behind_djangos_back(client, article):
    Section.objects.filter(article=article, position=1).update(
        heading="Changed with SQL", body_html="<p>New text.</p>"
    )
    FAQ.objects.filter(article=article, position=1).update(
        question="Changed question?", answer_html="<p>Changed answer.</p>"
    )
    assert "Changed with SQL" in page(client, article)

    call_command("refresh_articles", stdout=io.StringIO())

    assert "Changed with SQL" in stored(article).outline_html
    content = page(client, article)
    assert "Changed with SQL" in content
    assert faq_page_data(content)["mainEntity"][0]["name"] == "Changed question?"


def test_the_reading_time_follows_the_text(client, article):
    minutes = stored(article).reading_minutes
    Section.objects.filter(article=article, position=1).update(word_count=10_000)
    stored(article).refresh_outline()

    assert stored(article).reading_minutes > minutes
    assert f"{stored(article).reading_minutes} min" in page(client, article)


def test_the_stored_outline_is_what_rendering_now_would_make(article):
    row = stored(article)
    fresh = stored(article)
    fresh.render_outline()

    assert (row.outline_html, row.faq_entries, row.reading_minutes) == (
        fresh.outline_html,
        [list(entry) for entry in fresh.faq_entries],
        fresh.reading_minutes,
    )


def test_the_outline_holds_nothing_per_visitor(article):
    html = stored(article).outline_html
    assert "csrfmiddlewaretoken" not in html and "timestamp" not in html
