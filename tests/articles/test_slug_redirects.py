"""Renamed articles keep their links: old slugs answer 301 to the current address."""

import pytest
from django.urls import reverse

from articles.importer import import_article_file
from articles.models import Article, ArticleSlugRedirect
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def detail(slug):
    return reverse("articles:detail", kwargs={"slug": slug})


def rename(article, slug):
    article.slug = slug
    article.save()


def test_old_slug_redirects_permanently_to_the_new_address(client):
    article = make_article(slug="first-name")
    rename(article, "second-name")

    response = client.get(detail("first-name"))

    assert response.status_code == 301
    assert response["Location"] == detail("second-name")
    assert client.get(detail("second-name")).status_code == 200


def test_a_chain_of_renames_redirects_every_old_slug_straight_to_the_current_one(client):
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "c")

    for old in ("a", "b"):
        response = client.get(detail(old))
        assert response.status_code == 301
        assert response["Location"] == detail("c")


def test_going_back_to_an_old_slug_serves_the_page_and_redirects_the_other(client):
    article = make_article(slug="a")
    rename(article, "b")
    rename(article, "a")

    assert client.get(detail("a")).status_code == 200
    assert client.get(detail("b"))["Location"] == detail("a")
    assert set(ArticleSlugRedirect.objects.values_list("old_slug", flat=True)) == {"b"}


def test_a_new_article_may_take_a_retired_slug(client):
    renamed = make_article(slug="shared", title="Renamed")
    rename(renamed, "renamed")
    newcomer = make_article(slug="shared", title="Newcomer")

    response = client.get(detail("shared"))

    assert response.status_code == 200
    assert response.context["article"] == newcomer
    assert not ArticleSlugRedirect.objects.filter(old_slug="shared").exists()


def test_renames_by_bulk_update_are_recorded_too(client):
    # The database records the change, so code that bypasses save() is covered.
    article = make_article(slug="before-update")
    Article.objects.filter(pk=article.pk).update(slug="after-update")

    assert client.get(detail("before-update"))["Location"] == detail("after-update")


def test_saving_without_changing_the_slug_records_nothing():
    article = make_article(slug="steady")
    article.title = "A new title"
    article.save()

    assert not ArticleSlugRedirect.objects.exists()


def test_the_query_string_is_kept(client):
    article = make_article(slug="old-with-query")
    rename(article, "new-with-query")

    response = client.get(detail("old-with-query"), {"page": "2"})

    assert response["Location"] == detail("new-with-query") + "?page=2"


def test_old_slug_of_a_draft_is_not_found(client):
    article = make_article(slug="draft-before")
    rename(article, "draft-after")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)

    assert client.get(detail("draft-before")).status_code == 404


def test_unknown_slug_is_not_found(client):
    make_article(slug="exists")

    assert client.get(detail("never-existed")).status_code == 404


def test_deleting_the_article_deletes_its_old_slugs(client):
    article = make_article(slug="gone-before")
    rename(article, "gone-after")
    article.delete()

    assert not ArticleSlugRedirect.objects.exists()
    assert client.get(detail("gone-before")).status_code == 404


def test_admin_shows_the_old_slugs(admin_client):
    article = make_article(slug="admin-before")
    rename(article, "admin-after")

    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert response.status_code == 200
    assert "admin-before" in response.content.decode()


def test_reimporting_a_renamed_article_updates_it_and_keeps_the_new_slug(tmp_path):
    path = tmp_path / "naloxone.md"
    text = "---\nslug: naloxone\n---\n\n# Naloxone\n\n{summary}\n\n## Use\n\nSpray it.\n"
    path.write_text(text.format(summary="First summary."))
    article, _created = import_article_file(path)
    rename(article, "naloxone-basics")

    path.write_text(text.format(summary="Second summary."))
    again, created = import_article_file(path)

    assert not created and again.pk == article.pk
    assert Article.objects.get().summary == "Second summary."
    assert Article.objects.get().slug == "naloxone-basics"
