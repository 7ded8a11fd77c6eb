"""Article.topic_rows (the topics cards and pages show without a join) never drifts
from the article's topics, whichever side of the relation changes."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Topic
from tests.factories import make_article, make_topic

pytestmark = pytest.mark.django_db


def assert_rows_match():
    for article in Article.objects.prefetch_related("topics"):
        expected = [
            {"id": topic.pk, "name": topic.name, "slug": topic.slug}
            for topic in sorted(article.topics.all(), key=lambda topic: (topic.name, topic.pk))
        ]
        assert article.topic_rows == expected, article


def test_topic_rows_follow_every_change():
    opioids, alcohol = make_topic(name="Opioids"), make_topic(name="Alcohol")
    article, other = make_article(), make_article()
    steps = [
        lambda: article.topics.add(opioids, alcohol),
        lambda: opioids.articles.add(other),
        lambda: article.topics.remove(alcohol),
        lambda: Topic.objects.filter(pk=opioids.pk).first().save(),
        lambda: setattr(opioids, "name", "Opioid use") or opioids.save(),
        lambda: alcohol.articles.set([article, other]),
        lambda: opioids.articles.clear(),
        lambda: article.topics.set([opioids]),
        lambda: alcohol.delete(),
        lambda: article.topics.clear(),
    ]
    for step in steps:
        step()
        assert_rows_match()


def test_a_renamed_topic_shows_on_cards_at_once(client):
    topic = make_topic(name="Opioids", slug="opioids")
    make_article(topics=[topic])
    client.get(reverse("articles:list"))

    topic.name = "Opioid use"
    topic.save()

    assert "Opioid use" in client.get(reverse("articles:list")).content.decode()


def test_the_refresh_command_repairs_rows_changed_behind_djangos_back():
    article = make_article(topics=[make_topic(name="Opioids")])
    Article.objects.filter(pk=article.pk).update(topic_rows=[])

    call_command("refresh_articles", stdout=io.StringIO())

    assert_rows_match()
