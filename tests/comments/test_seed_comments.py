import io

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def seed(*args, **options):
    out = io.StringIO()
    call_command("seed_comments", *args, stdout=out, **options)
    return out.getvalue()


def test_seeds_approved_comments_with_evenly_spread_replies():
    article = make_article()

    out = seed(article.slug)

    comments = list(Comment.objects.filter(article=article).order_by("pk"))
    assert len(comments) == 50
    assert {comment.status for comment in comments} == {Comment.Status.APPROVED}
    # The shape the bench measures: every tenth comment's 4th, 7th and 10th answer.
    replies = [number for number, comment in enumerate(comments) if comment.parent_id]
    assert replies == [n for n in range(50) if n % 10 in (3, 6, 9)]
    for number in replies:
        earlier = [comment.pk for comment in comments[max(0, number - 6) : number]]
        assert comments[number].parent_id in earlier
    assert all(comment.body_html.startswith("<p>") for comment in comments)
    assert out == f"Added 50 approved comments to {article.slug}, 15 of them replies.\n"


def test_the_same_seed_gives_the_same_comments():
    def shape(article, **options):
        seed(article.slug, **options)
        comments = list(Comment.objects.filter(article=article).order_by("pk"))
        positions = {comment.pk: number for number, comment in enumerate(comments)}
        return [(comment.body, positions.get(comment.parent_id)) for comment in comments]

    first = shape(make_article(), count=20, replies=8, seed=3)

    assert shape(make_article(), count=20, replies=8, seed=3) == first
    assert shape(make_article(), count=20, replies=8, seed=4) != first
    assert sum(1 for _body, parent in first if parent is not None) == 8


def test_comments_without_replies_are_all_threads():
    article = make_article()

    seed(article.slug, count=7, replies=0)

    assert Comment.objects.filter(article=article, parent=None).count() == 7


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"count": 5, "replies": 5}, "--replies must be at least 0 and below --count."),
        ({"count": 5, "replies": -1}, "--replies must be at least 0 and below --count."),
        ({"count": -1}, "--count must be at least 0."),
    ],
)
def test_impossible_shapes_are_refused(options, message):
    article = make_article()

    with pytest.raises(CommandError, match=message):
        seed(article.slug, **options)

    assert not Comment.objects.exists()


def test_an_unknown_article_is_refused():
    with pytest.raises(CommandError, match="No article with the slug 'nowhere'"):
        seed("nowhere")
