"""The editors' dashboard on the admin index: panels, permissions, links, queries."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleFeedback, add_months
from comments.models import Comment
from dashboard.panels import TITLES_SHOWN, build_panels
from tests.articles.test_admin import make_staff
from tests.factories import make_article, make_comment, make_reviewer

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
ARTICLE_PANELS = ["overdue", "due_soon", "drafts", "scheduled", "feedback", "featured_images"]


def panel_keys(response):
    return [panel.key for panel in response.context["panels"]]


def dashboard_html(response):
    html = response.content.decode()
    match = re.search(r'<section class="module dashboard".*?</section>\s*</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def superuser():
    return User.objects.create_superuser("boss", "boss@example.org", "pw")


@pytest.fixture
def work(time_machine):
    """One of each thing the dashboard lists, seen from a fixed day."""
    time_machine.move_to(datetime.datetime(2027, 3, 10, 15, tzinfo=datetime.UTC), tick=False)
    today = timezone.localdate()
    reviewer = make_reviewer()

    def reviewed(title, due):
        return make_article(
            title=title, reviewer=reviewer, reviewed_on=add_months(due, -12), next_review_due=due
        )

    article = make_article(title="Naloxone at home")
    make_comment(article, status=Comment.Status.PENDING, author_name="Pat Secret")
    make_comment(article, status=Comment.Status.PENDING, is_urgent=True, body="I need help tonight")
    make_comment(article, status=Comment.Status.APPROVED, is_urgent=True)
    return {
        "today": today,
        "overdue": reviewed("Overdue article", today - datetime.timedelta(days=3)),
        "due_soon": reviewed("Due-soon article", today + datetime.timedelta(days=20)),
        "later": reviewed("Later article", today + datetime.timedelta(days=90)),
        "draft": make_article(
            title="Draft article", status=Article.Status.DRAFT, published_at=None
        ),
        "scheduled": make_article(
            title="Scheduled article", published_at=timezone.now() + datetime.timedelta(days=2)
        ),
    }


def test_an_editor_sees_the_article_panels_and_not_the_comments(client, work):
    client.force_login(make_staff("editor", groups=["Editors"]))

    response = client.get(INDEX)

    assert panel_keys(response) == ARTICLE_PANELS
    html = dashboard_html(response)
    assert "Overdue article" in html and "Due-soon article" in html
    assert "Draft article" in html and "Scheduled article" in html
    assert "Later article" not in html
    assert "awaiting moderation" not in html


def test_a_moderator_sees_pending_comments_only_urgent_first(client, work):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    response = client.get(INDEX)

    assert panel_keys(response) == ["comments"]
    (panel,) = response.context["panels"]
    assert (panel.count, panel.urgent_count) == (2, 1)
    assert [item.note for item in panel.items] == ["urgent", ""]
    html = dashboard_html(response)
    assert "On “Naloxone at home”" in html
    # Where to look, never who wrote what.
    assert "Pat Secret" not in html and "I need help tonight" not in html


def test_a_superuser_sees_every_panel_with_counts_and_links(client, superuser, work):
    client.force_login(superuser)

    response = client.get(INDEX)

    assert panel_keys(response) == [*ARTICLE_PANELS, "comments"]
    html = dashboard_html(response)
    assert re.search(r"<h3[^>]*>Overdue reviews \(1\)</h3>", html)
    assert "1 article is overdue for medical review" in html
    assert "due March 7, 2027" in html
    changelist = reverse("admin:articles_article_changelist")
    for query in [
        "review=overdue",
        "review=due_soon",
        "publication=draft",
        "publication=scheduled",
    ]:
        assert f'href="{changelist}?{query}"' in html
    change = reverse("admin:articles_article_change", args=[work["overdue"].pk])
    assert f'href="{change}"' in html


@pytest.mark.parametrize(
    ("key", "titles"),
    [
        ("overdue", {"Overdue article"}),
        ("due_soon", {"Due-soon article"}),
        ("drafts", {"Draft article"}),
        ("scheduled", {"Scheduled article"}),
    ],
)
def test_each_panel_links_to_the_list_of_exactly_its_articles(client, superuser, work, key, titles):
    client.force_login(superuser)
    panel = next(panel for panel in build_panels(superuser) if panel.key == key)

    listed = client.get(panel.list_url)

    assert listed.status_code == 200
    assert {article.title for article in listed.context["cl"].result_list} == titles
    assert {item.title for item in panel.items} == titles


def test_panels_show_a_few_titles_and_the_full_count(superuser):
    for number in range(TITLES_SHOWN + 3):
        make_article(title=f"Draft {number}", status=Article.Status.DRAFT, published_at=None)

    drafts = next(panel for panel in build_panels(superuser) if panel.key == "drafts")

    assert drafts.count == TITLES_SHOWN + 3
    assert len(drafts.items) == TITLES_SHOWN


def test_an_article_becomes_overdue_the_day_after_it_is_due(superuser, work, time_machine):
    def titles(key):
        panel = next(panel for panel in build_panels(superuser) if panel.key == key)
        return {item.title for item in panel.items}

    assert titles("overdue") == {"Overdue article"}

    time_machine.move_to(timezone.now() + datetime.timedelta(days=21), tick=False)

    assert titles("overdue") == {"Overdue article", "Due-soon article"}
    assert titles("due_soon") == set()


def test_an_empty_dashboard_says_zero(client, superuser):
    client.force_login(superuser)

    html = dashboard_html(client.get(INDEX))

    assert "0 articles are overdue for medical review" in html
    assert "0 comments awaiting moderation" in html


def test_staff_without_either_permission_see_no_dashboard(client, work):
    client.force_login(make_staff("outsider"))

    response = client.get(INDEX)

    assert response.status_code == 200
    assert response.context["panels"] == []
    assert dashboard_html(response) == ""


def test_the_panels_cost_one_query_each(superuser, work, django_assert_num_queries):
    with django_assert_num_queries(7):
        panels = build_panels(superuser)

    assert len(panels) == 7


def test_the_admin_index_query_count_is_fixed(client, superuser, work, django_assert_num_queries):
    client.force_login(superuser)
    client.get(INDEX)
    for number in range(10):
        make_article(title=f"More {number}", status=Article.Status.DRAFT, published_at=None)

    # The session and its user, the seven panels, the recent actions.
    with django_assert_num_queries(10):
        client.get(INDEX)


# --- "Was this article helpful?" -----------------------------------------------------


def answer(article, is_helpful, days_ago, note=""):
    ArticleFeedback.objects.create(
        article=article,
        is_helpful=is_helpful,
        note=note,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def feedback(work):
    """Answers on three articles, seen from the ``work`` fixture's fixed day."""
    most = make_article(title="Tapering safely")
    some = make_article(title="Naloxone basics")
    liked = make_article(title="Finding a meeting")
    for days_ago in (1, 2, 29):
        answer(most, False, days_ago, note="I could not follow the dosage table.")
    answer(most, True, 3)
    answer(some, False, 10)
    # Outside the 30 days: not counted.
    answer(some, False, 31)
    answer(some, False, 60)
    answer(liked, True, 1)
    return {"most": most, "some": some}


def test_the_feedback_panel_lists_the_most_not_helpful_articles_first(client, feedback):
    client.force_login(make_staff("editor", groups=["Editors"]))

    response = client.get(INDEX)

    (panel,) = [panel for panel in response.context["panels"] if panel.key == "feedback"]
    assert panel.count == 2
    assert [(item.title, item.note) for item in panel.items] == [
        ("Tapering safely", "3 no, 1 yes"),
        ("Naloxone basics", "1 no, 0 yes"),
    ]
    html = dashboard_html(response)
    assert "2 articles were marked not helpful in the last 30 days" in html
    # Titles and counts only: a reader's note never reaches the dashboard or digest.
    assert "dosage table" not in html


def test_the_feedback_panel_links_to_the_filtered_admin_lists(client, feedback):
    client.force_login(make_staff("editor", groups=["Editors"]))
    editor = User.objects.get(username="editor")
    panel = next(panel for panel in build_panels(editor) if panel.key == "feedback")

    summary = client.get(panel.list_url)
    answers = client.get(panel.items[1].url)

    assert summary.status_code == 200
    counted = {row.title: row.unhelpful_count for row in summary.context["cl"].result_list}
    assert counted == {"Tapering safely": 3, "Naloxone basics": 1, "Finding a meeting": 0}
    assert answers.status_code == 200
    (row,) = answers.context["cl"].result_list
    assert (row.article, row.is_helpful) == (feedback["some"], False)


def test_only_staff_who_may_read_feedback_see_its_panel(client, feedback):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    assert "feedback" not in panel_keys(client.get(INDEX))
