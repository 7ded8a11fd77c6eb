"""recovery_site/prepared_queries.py: querysets compiled once, run with new values."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from articles.models import Article
from articles.outline import outline_for
from comments.models import Comment
from recovery_site.prepared_queries import PreparedQuery
from tests.factories import make_article, make_comment, make_topic

pytestmark = pytest.mark.django_db


def article_page_query(slug, now):
    return Article.objects.published(now).with_outline().with_comment_count().filter(slug=slug)


def test_rows_come_out_as_the_queryset_makes_them(django_assert_num_queries):
    topics = [make_topic(name="Withdrawal"), make_topic(name="Opioids")]
    article = make_article(sections=2, faqs=1, topics=topics)
    outline_for(Article.objects.with_outline().get(pk=article.pk))
    make_comment(article, status=Comment.Status.APPROVED)
    make_comment(article, status=Comment.Status.PENDING)
    now = timezone.now()
    prepared = PreparedQuery(article_page_query)

    expected = list(article_page_query(article.slug, now))
    with django_assert_num_queries(1):
        [got] = prepared(slug=article.slug, now=now)

    fields = [field.attname for field in Article._meta.concrete_fields]
    fields.remove("search_vector")  # deferred by with_outline()
    assert [getattr(got, name) for name in fields] == [
        getattr(expected[0], name) for name in fields
    ]
    assert got.comment_count == 1 and got.topic_rows == expected[0].topic_rows
    assert [topic.name for topic in got.ordered_topics] == ["Opioids", "Withdrawal"]
    with django_assert_num_queries(0):
        assert got.stored_outline.html == expected[0].stored_outline.html
    assert got.get_deferred_fields() == {"search_vector"}


def test_each_call_runs_with_its_own_values():
    first, second = make_article(title="First"), make_article(title="Second")
    prepared = PreparedQuery(article_page_query)

    assert [a.title for a in prepared(slug=first.slug, now=timezone.now())] == ["First"]
    assert [a.title for a in prepared(slug=second.slug, now=timezone.now())] == ["Second"]
    assert prepared(slug="no-such-article", now=timezone.now()) == []


def test_time_values_are_substituted_too():
    scheduled = make_article(published_at=timezone.now() + datetime.timedelta(days=1))
    prepared = PreparedQuery(article_page_query)

    assert prepared(slug=scheduled.slug, now=timezone.now()) == []
    later = timezone.now() + datetime.timedelta(days=2)
    assert [a.pk for a in prepared(slug=scheduled.slug, now=later)] == [scheduled.pk]


def test_lists_of_any_length_are_shapes_of_their_own():
    one, two, three = make_topic(), make_topic(), make_topic()
    article = make_article(topics=[one])
    in_two = make_article(topics=[one, two])
    in_three = make_article(topics=[three])
    prepared = PreparedQuery(
        lambda topic_ids, article_id, now: Article.objects.published(now).sharing_topics(
            topic_ids, other_than=article_id
        )
    )
    now = timezone.now()

    assert [a.pk for a in prepared(topic_ids=[one.pk], article_id=article.pk, now=now)] == [
        in_two.pk
    ]
    found = prepared(topic_ids=[two.pk, three.pk], article_id=article.pk, now=now)
    assert {a.pk for a in found} == {in_two.pk, in_three.pk}
    assert [a.pk for a in prepared(topic_ids=[one.pk], article_id=in_two.pk, now=now)] == [
        article.pk
    ]


def test_a_value_the_sql_does_not_carry_unchanged_is_refused():
    prepared = PreparedQuery(lambda words: Article.objects.filter(title__contains=words))

    with pytest.raises(ImproperlyConfigured, match="does not reach the SQL unchanged"):
        prepared(words="withdrawal")


def test_prefetching_is_refused():
    prepared = PreparedQuery(
        lambda slug: Article.objects.filter(slug=slug).prefetch_related("faqs")
    )

    with pytest.raises(ImproperlyConfigured, match="cannot prefetch"):
        prepared(slug="any")


def test_a_naive_time_is_refused():
    prepared = PreparedQuery(article_page_query)
    prepared(slug="any", now=timezone.now())

    with pytest.raises(ValueError, match="aware"):
        prepared(slug="any", now=datetime.datetime(2026, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_threads_share_the_compiled_query_each_on_its_own_connection():
    # gunicorn runs two threads per process, each with its own database connection.
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    articles = [make_article(title=f"Thread article {n}") for n in range(4)]
    prepared = PreparedQuery(article_page_query)
    prepared(slug=articles[0].slug, now=timezone.now())  # compiled on this thread

    def look_up_each(offset):
        found = []
        try:
            for step in range(40):
                wanted = articles[(offset + step) % len(articles)]
                [got] = prepared(slug=wanted.slug, now=timezone.now())
                found.append((wanted.pk, got.pk, got.title == wanted.title))
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return found, cursor.fetchone()[0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(look_up_each, [0, 1]))

    for found, _connection in results:
        assert all(wanted == got and same_title for wanted, got, same_title in found)
    assert results[0][1] != results[1][1], "each thread has its own connection"
