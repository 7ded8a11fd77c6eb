"""Publication times: Draft, Scheduled, Published and Expired, as readers and editors
see them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PublicationState
from articles.search import matching_articles, read_query
from tests.articles.test_admin import make_staff
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def in_hours(hours):
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def articles():
    return {
        "draft": make_article(title="A draft", status=Article.Status.DRAFT, published_at=None),
        "scheduled": make_article(title="A scheduled one", published_at=in_hours(2)),
        "published": make_article(title="A public one", unpublish_at=in_hours(5)),
        "expired": make_article(
            title="An expired one", published_at=in_hours(-5), unpublish_at=in_hours(-1)
        ),
    }


def test_each_article_knows_where_it_stands(articles):
    assert {name: article.publication_state for name, article in articles.items()} == {
        "draft": PublicationState.DRAFT,
        "scheduled": PublicationState.SCHEDULED,
        "published": PublicationState.PUBLISHED,
        "expired": PublicationState.EXPIRED,
    }


def test_readers_see_only_what_is_public_now(articles, time_machine):
    assert list(Article.objects.published()) == [articles["published"]]
    assert list(Article.objects.expired()) == [articles["expired"]]

    time_machine.move_to(in_hours(3), tick=False)
    assert set(Article.objects.published()) == {articles["published"], articles["scheduled"]}

    time_machine.move_to(in_hours(6), tick=False)
    assert list(Article.objects.published()) == [articles["scheduled"]]
    assert set(Article.objects.expired()) == {articles["published"], articles["expired"]}


def test_the_next_change_is_the_soonest_publication_or_unpublication(articles, time_machine):
    assert Article.objects.next_visibility_change() == articles["scheduled"].published_at

    time_machine.move_to(in_hours(3), tick=False)
    assert Article.objects.next_visibility_change() == articles["published"].unpublish_at

    time_machine.move_to(in_hours(6), tick=False)
    assert Article.objects.next_visibility_change() is None


def test_expired_articles_leave_search_and_related_cards(articles):
    topic = make_topic()
    for article in articles.values():
        article.topics.add(topic)
    reader = make_article(title="Reading now", topics=[topic])

    assert [card.title for card in reader.related_articles()] == ["A public one"]
    assert list(matching_articles(read_query("expired"))) == []


def test_unpublishing_before_publishing_is_refused(articles):
    article = articles["published"]
    article.unpublish_at = article.published_at - timedelta(minutes=1)
    with pytest.raises(ValidationError, match="must come after the publication time"):
        article.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()


def test_the_admin_lists_and_filters_by_publication_state(client, articles):
    client.force_login(make_staff("editor", groups=["Editors"]))
    url = reverse("admin:articles_article_changelist")

    listing = client.get(url).content.decode()
    assert "Scheduled (" in listing and "Expired (" in listing and "Published (until" in listing

    for state, name in [
        ("draft", "A draft"),
        ("scheduled", "A scheduled one"),
        ("published", "A public one"),
        ("expired", "An expired one"),
    ]:
        page = client.get(url, {"publication": state}).content.decode()
        shown = [
            title
            for title in ("A draft", "A scheduled one", "A public one", "An expired one")
            if f">{title}<" in page
        ]
        assert shown == [name], state


def test_the_change_form_shows_the_state_and_takes_an_unpublication_time(client, articles):
    client.force_login(make_staff("editor", groups=["Editors"]))
    page = client.get(reverse("admin:articles_article_change", args=[articles["expired"].pk]))

    content = page.content.decode()
    assert 'name="unpublish_at_0"' in content
    assert "Expired (" in content
