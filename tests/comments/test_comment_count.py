"""Article.comment_count, kept by the comments app: it never drifts from the approved
comments, whichever way they change, and `recount_comments` repairs SQL changes."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from articles.models import Article
from comments import services
from comments.models import Comment
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db


def assert_counts_match():
    counted = Article.objects.annotate(
        approved=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED))
    )
    assert {a.pk: a.comment_count for a in counted} == {a.pk: a.approved for a in counted}


def test_the_count_follows_every_change_of_status(client, comment_post_data, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    article, other = make_article(), make_article()
    steps = [
        lambda: make_comment(article),
        lambda: make_comment(article, status=Comment.Status.PENDING, body="Pending one."),
        lambda: make_comment(other),
        lambda: services.moderate(Comment.objects.filter(body="Pending one."), "approved"),
        lambda: services.moderate(Comment.objects.filter(article=other), "spam"),
        lambda: services.restore(Comment.objects.filter(article=other)),
        lambda: services.moderate(Comment.objects.filter(body="Pending one."), "trash"),
        lambda: services.delete_comments(Comment.objects.filter(body="Pending one.")),
        lambda: client.post(reverse("comments:post", args=[article.slug]), comment_post_data()),
        lambda: services.moderate(Comment.objects.filter(author_name="Sam Rivera"), "approved"),
        lambda: services.withdraw_comment(Comment.objects.get(author_name="Sam Rivera")),
        lambda: services.erase_commenter_data(Comment.objects.first().author_email),
        lambda: Comment.objects.filter(article=other).delete(),
        lambda: make_comment(article).save(),  # saving an approved comment again
    ]
    for step in steps:
        step()
        assert_counts_match()
    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_moderating_in_the_admin_keeps_the_count(admin_client):
    article = make_article()
    pending = [make_comment(article, status=Comment.Status.PENDING) for _ in range(3)]
    url = reverse("admin:comments_comment_changelist")

    admin_client.post(
        url, {"action": "approve", "_selected_action": [comment.pk for comment in pending]}
    )
    assert Article.objects.get(pk=article.pk).comment_count == 3
    admin_client.post(url, {"action": "move_to_trash", "_selected_action": [pending[0].pk]})

    assert_counts_match()
    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_the_recount_command_repairs_counts_changed_behind_djangos_back():
    article = make_article()
    make_comment(article)
    make_comment(article)
    Comment.objects.filter(article=article).update(status=Comment.Status.SPAM)
    Article.objects.filter(pk=make_article().pk).update(comment_count=7)
    out = io.StringIO()

    call_command("recount_comments", stdout=out)

    assert_counts_match()
    assert "Corrected 2 articles." in out.getvalue()
    assert services.recount_comments() == 0


def test_an_approved_comment_shows_in_the_cards_count(client):
    article = make_article(title="Counted article")
    make_comment(article)
    make_comment(article)

    content = client.get(reverse("articles:list")).content.decode()

    assert "2 comments" in content
