"""The cost of posting a comment: what a POST asks the database, and that the shortcuts
taken for speed keep every rule of the moderation policy."""

import threading

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from comments import services
from comments.models import Comment, ModerationLists
from comments.spam import Policy, Submission, contains_any, decide, is_disallowed
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal", sections=2, faqs=1)


@pytest.fixture
def database_tasks(settings):
    """The production task backend: tasks are rows in PostgreSQL, run by db_worker.

    Also warms the cached moderation lists, as any post but the very first finds them.
    """
    settings.TASKS = DATABASE_TASKS
    ModerationLists.load()


def post(client, article, data):
    """POST the form; what the post queues on commit runs too, even inside a test's
    transaction (as it does in production, after the request's commit)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("comments:post", args=[article.slug]), data)


def queued_notifications():
    return list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))


# The moderators' notification sweep (comments/notifications.py), queued by each new
# pending comment once it is committed.
SWEEP = ("comments.tasks.announce_pending_comments", {"args": [], "kwargs": {}})


# --- Query counts -----------------------------------------------------------------------


def test_an_accepted_anonymous_post_asks_the_database_six_things(
    client, article, comment_post_data, database_tasks, django_assert_num_queries
):
    # The article (posting columns only), the flood-control slot, the commenter's
    # approved history, the comment
    # in its transaction (here a savepoint), the count of earlier threads for the
    # redirect and, once committed, the moderators' sweep task. No sections, FAQs or
    # topics.
    with django_assert_num_queries(8) as queries:
        response = post(client, article, comment_post_data())

    assert response.status_code == 302
    sql = [query["sql"] for query in queries.captured_queries]
    assert sql[0].startswith('SELECT "articles_article"."id"')
    assert sql[1].startswith("INSERT INTO comments_flood_slot")
    assert "articles_section" not in " ".join(sql) and "articles_faq" not in " ".join(sql)
    assert sql[3].startswith("SAVEPOINT") and sql[5].startswith("RELEASE SAVEPOINT")
    assert sql[4].startswith('INSERT INTO "comments_comment"')
    assert sql[7].startswith('INSERT INTO "django_tasks_database_dbtaskresult"')
    comment = Comment.objects.get()
    assert (comment.status, comment.awaits_moderator_email) == (Status.PENDING, True)
    assert queued_notifications() == [SWEEP]


def test_spam_skips_the_history_query_and_queues_nothing(
    client, article, comment_post_data, database_tasks, django_assert_num_queries
):
    # The honeypot decides before the history could matter; spam lands at #comments.
    with django_assert_num_queries(5):
        response = post(client, article, comment_post_data(fax_number="http://pills.example"))

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.status, comment.awaits_moderator_email) == (Status.SPAM, False)
    assert queued_notifications() == []


def test_a_held_comment_skips_the_history_query(
    client, article, comment_post_data, database_tasks, django_assert_num_queries
):
    # A moderation word holds the comment whatever the author's history.
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")

    with django_assert_num_queries(7):
        post(client, article, comment_post_data(body="Is there a plug near the clinic?"))

    comment = Comment.objects.latest("id")
    assert (comment.status, comment.decided_by) == (Status.PENDING, Comment.Rule.MODERATION_WORDS)


def test_only_published_articles_take_comments(client, comment_post_data, database_tasks):
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timezone.timedelta(hours=1))
    published = make_article()

    for article in (draft, scheduled):
        assert post(client, article, comment_post_data()).status_code == 404
    missing = client.post(reverse("comments:post", args=["no-such-article"]), comment_post_data())
    assert missing.status_code == 404
    assert not Comment.objects.exists()
    assert post(client, published, comment_post_data()).status_code == 302
    assert Comment.objects.get().article == published


# --- The policy still sees the history when it matters ------------------------------------


@pytest.mark.parametrize(("trusted", "status"), [(True, Status.APPROVED), (False, Status.PENDING)])
def test_a_returning_commenter_is_still_trusted_as_configured(
    client, article, comment_post_data, settings, trusted, status
):
    settings.COMMENTS_TRUST_PREVIOUSLY_APPROVED = trusted
    make_comment(article, author_name="Sam Rivera", author_email="SAM@example.org")

    post(client, article, comment_post_data(body="Back with another question."))

    comment = Comment.objects.latest("id")
    assert comment.status == status
    expected_rule = Comment.Rule.TRUSTED_AUTHOR if trusted else Comment.Rule.DEFAULT
    assert comment.decided_by == expected_rule


def test_approve_by_default_still_names_the_trusted_rule_for_a_returning_commenter(
    client, article, comment_post_data, settings
):
    settings.COMMENTS_APPROVE_BY_DEFAULT = True
    settings.COMMENTS_FLOOD_SECONDS = 0
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")

    post(client, article, comment_post_data(body="Back again."))
    post(client, article, comment_post_data(body="First time.", author_email="new@example.org"))

    back, first = Comment.objects.order_by("-id")[1], Comment.objects.latest("id")
    assert (back.status, back.decided_by) == (Status.APPROVED, Comment.Rule.TRUSTED_AUTHOR)
    assert (first.status, first.decided_by) == (Status.APPROVED, Comment.Rule.DEFAULT)


@pytest.mark.parametrize(
    ("fields", "asked"),
    [
        ({"is_staff": True}, False),
        ({"honeypot": "http://pills.example"}, False),
        ({"body": "Is there a plug near the clinic?"}, False),
        ({"body": "I feel suicidal tonight."}, False),
        ({}, True),
    ],
    ids=["staff", "honeypot", "held", "crisis", "default"],
)
def test_the_policy_asks_for_the_history_only_when_no_earlier_rule_decides(fields, asked):
    calls = []

    def history():
        calls.append(True)
        return True

    submission = Submission(**{"body": "Thank you.", **fields, "has_approved_history": history})
    decision = decide(submission, Policy(moderation=["plug"], crisis=["suicidal"]))

    assert bool(calls) is asked
    assert (decision.rule == Comment.Rule.TRUSTED_AUTHOR) is asked
    calls.clear()
    untrusting = decide(submission, Policy(trust_previously_approved=False))
    assert calls == [] and untrusting.rule != Comment.Rule.TRUSTED_AUTHOR


# --- The moderators' notification sweep is queued once the comment is committed ----------


def test_each_pending_comment_queues_a_sweep(
    client, article, comment_post_data, database_tasks, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article, comment_post_data(body="First question."))
    post(client, article, comment_post_data(body="Second question."))

    assert queued_notifications() == [SWEEP, SWEEP]
    assert Comment.objects.filter(awaits_moderator_email=True).count() == 2


def test_approved_comments_queue_no_notification(
    client, article, comment_post_data, database_tasks
):
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")

    post(client, article, comment_post_data(body="Trusted, so published at once."))

    comment = Comment.objects.latest("id")
    assert (comment.status, comment.awaits_moderator_email) == (Status.APPROVED, False)
    assert queued_notifications() == []


def test_a_refused_duplicate_queues_no_second_notification(
    client, article, comment_post_data, database_tasks, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article, comment_post_data(body="Exactly this."))

    response = post(client, article, comment_post_data(body="exactly  THIS."))

    assert response.status_code == 409
    assert Comment.objects.count() == 1
    assert queued_notifications() == [SWEEP]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_double_submits_store_one_comment_and_one_notification(
    comment_post_data, settings
):
    settings.TASKS = DATABASE_TASKS
    settings.COMMENTS_FLOOD_SECONDS = 0
    article = make_article()
    data = comment_post_data(body="Sent four times by an impatient double click.")
    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        barrier.wait()
        try:
            statuses.append(post(Client(), article, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302, 409, 409, 409]
    assert queued_notifications() == [SWEEP]


# --- Errors still show the whole article ---------------------------------------------------


def test_a_post_with_errors_shows_the_whole_article_again_and_stores_nothing(
    client, article, comment_post_data, database_tasks
):
    make_comment(article, body="An approved comment already here.")

    response = post(client, article, comment_post_data(author_email="not an address"))

    assert response.status_code == 400
    content = response.content.decode()
    assert "Understanding withdrawal" in content
    assert "Section heading 2" in content and "Question number 1?" in content
    assert "An approved comment already here." in content
    assert "Thank you for explaining this so clearly.</textarea>" in content
    assert Comment.objects.count() == 1
    assert queued_notifications() == []


# --- Queries the database can answer from an index -----------------------------------------


def test_looking_up_a_commenter_by_email_can_use_the_email_index(article):
    make_comment(article, author_email="Sam@Example.org")
    query = Comment.objects.by_email(" sam@EXAMPLE.org ").order_by()

    with connection.cursor() as cursor:
        # Too few rows for the planner to prefer an index on its own; forbid the scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()

    assert "comment_author_email" in plan
    assert query.count() == 1


def test_the_history_query_can_use_the_email_index(article):
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = services.approved_history("Sam Rivera", "sam@example.org").explain()

    assert "comment_author_email" in plan


def test_the_history_needs_one_approved_comment_with_both_name_and_email(article):
    make_comment(article, author_name="Sam Rivera", author_email="Sam@Example.org")
    make_comment(article, author_name="Alex Kim", author_email="alex@example.org")
    make_comment(
        article, author_name="Jo Park", author_email="jo@example.org", status=Status.PENDING
    )

    # Blind to case and to spaces around, as the form leaves them.
    assert services.has_approved_history(" sam RIVERA ", " sam@EXAMPLE.org ")
    assert not services.has_approved_history("Sam Rivera", "alex@example.org")
    assert not services.has_approved_history("Alex Kim", "sam@example.org")
    assert not services.has_approved_history("Sam Rivera", "sam@example.org.evil")
    assert not services.has_approved_history("Jo Park", "jo@example.org")


# --- The lists compiled once give the same answers as phrase by phrase ---------------------


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        ("the plugin broke", ["plug"], False),
        ("the plugin broke", ["plug", "plugin"], True),
        ("the plugin broke", ["plugin", "plug"], True),
        ("I feel SUICIDAL today", ["self harm", "suicidal"], True),
        ("I   can\u2019t   breathe", ["can't breathe"], True),
        ("a (b) c", ["(b)"], True),
        ("no match here", ["", "  "], False),
        ("anything", [], False),
    ],
)
def test_contains_any_matches_whole_words_of_any_phrase(text, phrases, expected):
    assert contains_any(text, phrases) is expected


def test_disallowed_networks_and_words_are_both_checked():
    entries = ["203.0.113.0/24", "cheap-pills", "2001:db8::/32"]

    assert is_disallowed(Submission(body="hi", ip_address="203.0.113.9"), entries)
    assert is_disallowed(Submission(body="hi", ip_address="2001:db8::5"), entries)
    assert is_disallowed(Submission(body="buy cheap-pills", ip_address="192.0.2.1"), entries)
    assert not is_disallowed(Submission(body="hi", ip_address="192.0.2.1"), entries)
    assert not is_disallowed(Submission(body="hi", ip_address=None), entries)


def test_an_edited_list_takes_effect_on_the_next_post(client, article, comment_post_data, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article, comment_post_data(body="Ask about the methadone clinic."))
    lists = ModerationLists.load()
    lists.moderation_keys += "\nmethadone clinic"
    lists.save()
    post(client, article, comment_post_data(body="Another methadone clinic question."))

    first, second = Comment.objects.order_by("id")
    assert first.decided_by == Comment.Rule.DEFAULT
    assert second.decided_by == Comment.Rule.MODERATION_WORDS
    assert services.current_policy().moderation[-1] == "methadone clinic"
