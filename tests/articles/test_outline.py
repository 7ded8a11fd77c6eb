"""The article page's stored outline (articles/outline.py): rendered once, reused, and
rendered again whenever the article, a section or an FAQ changes, however it changed."""

import json
import re

import pytest
from django.db import DatabaseError, connection

from articles import outline
from articles.models import FAQ, Article, ArticleOutline, Section
from tests.factories import make_article, make_faq, make_section, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def render_every_request(settings):
    # The page cache would answer repeated requests; these tests are about rendering.
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def article():
    return make_article(sections=3, faqs=2, topics=[make_topic()])


def version_of(article):
    return Article.objects.values_list("content_version", flat=True).get(pk=article.pk)


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def faq_page_data(content):
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return next(data for data in map(json.loads, scripts) if data["@type"] == "FAQPage")


def test_the_first_view_stores_the_outline_and_later_views_reuse_it(
    client, article, django_assert_num_queries
):
    first = page(client, article)
    stored = ArticleOutline.objects.get(article=article)
    assert stored.content_version == version_of(article)
    assert 'id="section-heading-3"' in stored.html and "Section heading 3" in first

    # article (with its topics and the stored outline), related articles, comments
    with django_assert_num_queries(3) as queries:
        again = page(client, article)
    assert not any("articles_section" in query["sql"] for query in queries.captured_queries)
    assert stored.html in again


def test_every_kind_of_write_raises_the_articles_content_version(article):
    other = make_article()
    steps = [
        lambda: article.save(),
        lambda: Article.objects.filter(pk=article.pk).update(is_featured=True),
        lambda: make_section(article),
        lambda: Section.objects.filter(article=article).update(heading="Renamed"),
        lambda: make_faq(article),
        lambda: FAQ.objects.filter(article=article).delete(),
    ]
    for step in steps:
        before = version_of(article)
        step()
        assert version_of(article) > before, step

    # A section that moves dates both outlines.
    section = article.sections.first()
    before, other_before = version_of(article), version_of(other)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_section SET article_id = %s WHERE id = %s", [other.pk, section.pk]
        )
    assert version_of(article) > before and version_of(other) > other_before


def test_a_section_changed_by_a_bulk_update_shows_at_once(client, article):
    page(client, article)

    Section.objects.filter(article=article, position=2).update(
        heading="What changes in the brain", body_html="<p>Receptors adapt.</p>"
    )

    content = page(client, article)
    assert "What changes in the brain" in content and "<p>Receptors adapt.</p>" in content
    assert "Section heading 2" not in content


def test_an_faq_changed_in_plain_sql_updates_the_page_and_its_structured_data(client, article):
    page(client, article)
    faq = article.faqs.get(position=1)

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_faq SET question = %s, answer_html = %s WHERE id = %s",
            ["How long does it last?", "<p>About a <em>week</em>.</p>", faq.pk],
        )

    content = page(client, article)
    assert "<summary>How long does it last?</summary>" in content
    questions = faq_page_data(content)["mainEntity"]
    assert questions[0]["name"] == "How long does it last?"
    assert questions[0]["acceptedAnswer"]["text"] == "About a week."


def test_a_deleted_section_leaves_the_table_of_contents(client, article):
    page(client, article)
    Section.objects.filter(article=article, position=3).delete()

    content = page(client, article)
    assert "Section heading 3" not in content and 'href="#section-heading-3"' not in content


def test_the_reading_time_follows_the_text(client, article):
    page(client, article)
    long_text = " ".join(["word"] * 2200)  # ten minutes at 220 words a minute
    make_section(article, heading="A long section", body=long_text)

    assert "<dd>11 min</dd>" in page(client, article)


def test_an_outline_of_an_older_version_is_never_shown(client, article):
    page(client, article)
    ArticleOutline.objects.filter(article=article).update(
        html="<p>Out of date</p>", content_version=version_of(article) - 1
    )

    content = page(client, article)
    assert "Out of date" not in content and "Section heading 1" in content
    assert ArticleOutline.objects.get(article=article).content_version == version_of(article)


def test_a_new_outline_template_renders_every_outline_again(client, article, monkeypatch):
    page(client, article)
    ArticleOutline.objects.filter(article=article).update(html="<p>Made by the old template</p>")
    monkeypatch.setattr(outline, "template_key", lambda: "a-newer-template")

    content = page(client, article)
    assert "Made by the old template" not in content and "Section heading 1" in content
    assert ArticleOutline.objects.get(article=article).template_key == "a-newer-template"


def test_the_stored_outline_is_what_rendering_now_would_make(client, article):
    page(client, article)
    stored = Article.objects.with_outline().get(pk=article.pk).stored_outline
    fresh = outline.render_outline(Article.objects.get(pk=article.pk))

    assert (stored.html, stored.faq_entries, stored.reading_minutes) == (
        fresh.html,
        [list(entry) for entry in fresh.faq_entries],
        fresh.reading_minutes,
    )


def test_the_outline_holds_nothing_per_visitor(client, article):
    page(client, article)
    html = ArticleOutline.objects.get(article=article).html
    assert "csrfmiddlewaretoken" not in html and "timestamp" not in html


def test_a_database_that_refuses_to_store_the_outline_still_shows_the_page(
    client, article, monkeypatch, caplog
):
    def read_only(*args, **kwargs):
        raise DatabaseError("cannot execute INSERT in a read-only transaction")

    monkeypatch.setattr(ArticleOutline.objects, "bulk_create", read_only)

    content = page(client, article)
    assert "Section heading 3" in content
    assert not ArticleOutline.objects.filter(article=article).exists()
    assert "Could not store the outline" in caplog.text
