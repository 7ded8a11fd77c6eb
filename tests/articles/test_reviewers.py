"""Medical reviewers as records, the review dates, "Mark as reviewed", the review
filter and the reviewer's public page."""

import datetime
import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.importer import import_article_file
from articles.models import Article, Reviewer, add_months
from core.models import AuditEntry, SiteSettings
from pages.models import footer_links
from tests import factories
from tests.articles.test_admin import article_form_data, make_staff
from tests.factories import make_reviewer, make_topic

pytestmark = pytest.mark.django_db


def make_article(**fields):
    """An article no medical reviewer has reviewed yet, unless ``fields`` say so."""
    return factories.make_article(**{"reviewer": None, "reviewed_on": None, **fields})


MARK_URL = reverse("admin:articles_article_mark_reviewed")


def mark_url(*articles):
    return f"{MARK_URL}?ids={','.join(str(article.pk) for article in articles)}"


def text_of(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def reviewer():
    return make_reviewer(
        name="Dr. Ana Ruiz",
        slug="ana-ruiz",
        credentials="MD, addiction medicine",
        bio="Ana treats opioid use disorder at the **clinic**.",
        has_public_page=True,
    )


@pytest.fixture
def medical_reviewer_client(client):
    client.force_login(make_staff("doctor", groups=["Medical reviewers"]))
    return client


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    return client


# --- Dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 2, 16), 12, datetime.date(2027, 2, 16)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 12, 31), 2, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 6, datetime.date(2027, 5, 15)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
    ],
)
def test_months_are_added_within_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_a_review_date_without_a_due_date_gets_one_a_period_later(reviewer):
    article = make_article(
        reviewer=reviewer, reviewed_on=datetime.date(2026, 3, 1), review_period_months=6
    )

    assert article.next_review_due == datetime.date(2026, 9, 1)


def test_an_ordinary_edit_in_the_admin_does_not_move_the_review_dates(editor_client, reviewer):
    topic = make_topic()
    article = make_article(
        slug="supervised-detox",
        topics=[topic],
        reviewer=reviewer,
        reviewed_on=datetime.date(2026, 3, 1),
    )
    data = article_form_data(
        topic,
        [],
        [],
        reviewer=str(reviewer.pk),
        review_period_months="3",
        # Read-only in the form: sent anyway, ignored.
        reviewed_on="2030-01-01",
        next_review_due="2030-06-01",
        summary="An edited summary.",
    )

    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.summary == "An edited summary."
    assert article.review_period_months == 3
    assert (article.reviewed_on, article.next_review_due) == (
        datetime.date(2026, 3, 1),
        datetime.date(2027, 3, 1),
    )


# --- Mark as reviewed -------------------------------------------------------------------


def test_groups_medical_reviewers_may_mark_reviewed_and_editors_may_not():
    def codenames(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert "mark_reviewed" in codenames("Medical reviewers")
    assert {"view_article", "change_article"} <= codenames("Medical reviewers")
    assert "mark_reviewed" not in codenames("Editors")
    assert "mark_reviewed" not in codenames("Moderators")


def test_the_change_page_links_to_mark_reviewed_only_for_those_allowed(client, reviewer):
    article = make_article()
    change = reverse("admin:articles_article_change", args=[article.pk])

    client.force_login(make_staff("doctor", groups=["Medical reviewers"]))
    assert mark_url(article) in client.get(change).content.decode()
    client.force_login(make_staff("editor", groups=["Editors"]))
    page = client.get(change)
    assert page.status_code == 200
    assert MARK_URL not in page.content.decode()


def test_a_medical_reviewer_marks_an_article_reviewed(medical_reviewer_client, reviewer, today):
    article = make_article(review_period_months=6)
    updated_at = Article.objects.get(pk=article.pk).updated_at

    page = medical_reviewer_client.get(mark_url(article))
    assert page.status_code == 200
    assert page.context["form"].initial["reviewed_on"] == today
    assert article.title in page.content.decode()
    # Showing the form writes nothing.
    article.refresh_from_db()
    assert (article.reviewed_on, article.reviewer) == (None, None)
    assert not LogEntry.objects.exists()

    response = medical_reviewer_client.post(
        mark_url(article),
        {"reviewer": reviewer.pk, "reviewed_on": today.isoformat(), "note": "Doses checked."},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    article.refresh_from_db()
    assert article.reviewer == reviewer
    assert article.reviewed_on == today
    assert article.next_review_due == add_months(today, 6)
    assert article.updated_at == updated_at
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert entry.user.username == "doctor"
    assert entry.is_change()
    assert "Marked as reviewed by Dr. Ana Ruiz" in entry.change_message
    assert "Doses checked." in entry.change_message
    audit_entry = AuditEntry.objects.get()
    assert (audit_entry.action, audit_entry.object_id) == (
        AuditEntry.Action.MARKED_REVIEWED,
        str(article.pk),
    )
    assert audit_entry.username == "doctor"


def test_a_review_date_in_the_past_counts_from_that_day(medical_reviewer_client, reviewer):
    article = make_article()
    day = timezone.localdate() - datetime.timedelta(days=400)

    medical_reviewer_client.post(
        mark_url(article), {"reviewer": reviewer.pk, "reviewed_on": day.isoformat()}
    )

    article.refresh_from_db()
    assert (article.reviewed_on, article.next_review_due) == (day, add_months(day, 12))
    assert article in Article.objects.review_overdue()


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"reviewed_on": "2999-01-01"}, "reviewed_on", "review_in_future"),
        ({"reviewed_on": "spring"}, "reviewed_on", "invalid"),
        ({"reviewer": "999999"}, "reviewer", "invalid_choice"),
        ({"reviewer": ""}, "reviewer", "required"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(
    medical_reviewer_client, reviewer, today, data, field, code
):
    article = make_article()
    post = {"reviewer": reviewer.pk, "reviewed_on": today.isoformat(), **data}

    response = medical_reviewer_client.post(mark_url(article), post)

    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()[field]] == [code]
    article.refresh_from_db()
    assert article.reviewed_on is None


@pytest.mark.parametrize("group", ["Editors", "Moderators"])
def test_editors_and_moderators_cannot_mark_reviewed(client, reviewer, today, group):
    client.force_login(make_staff("someone", groups=[group]))
    article = make_article()

    assert client.get(mark_url(article)).status_code == 403
    response = client.post(
        mark_url(article), {"reviewer": reviewer.pk, "reviewed_on": today.isoformat()}
    )

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.reviewed_on is None


def test_marking_reviewed_needs_the_csrf_token(reviewer, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("doctor", groups=["Medical reviewers"]))
    article = make_article()

    response = client.post(
        mark_url(article), {"reviewer": reviewer.pk, "reviewed_on": today.isoformat()}
    )

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.reviewed_on is None


def test_no_articles_chosen_goes_back_to_the_list(medical_reviewer_client):
    response = medical_reviewer_client.get(f"{MARK_URL}?ids=x,,-1")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_changelist")


def test_the_list_action_marks_several_articles_each_with_its_period(
    medical_reviewer_client, reviewer, today
):
    yearly = make_article()
    quarterly = make_article(review_period_months=3)
    untouched = make_article()

    chosen = medical_reviewer_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "mark_reviewed_action", "_selected_action": [yearly.pk, quarterly.pk]},
    )
    assert chosen.status_code == 302
    confirm = medical_reviewer_client.get(chosen["Location"])
    assert confirm.status_code == 200
    assert {article.pk for article in confirm.context["articles"]} == {yearly.pk, quarterly.pk}

    done = medical_reviewer_client.post(
        chosen["Location"], {"reviewer": reviewer.pk, "reviewed_on": today.isoformat()}
    )

    assert done.status_code == 302
    dues = dict(Article.objects.values_list("pk", "next_review_due"))
    assert dues == {
        yearly.pk: add_months(today, 12),
        quarterly.pk: add_months(today, 3),
        untouched.pk: None,
    }


def test_editors_do_not_get_the_list_action(editor_client):
    make_article()

    response = editor_client.get(reverse("admin:articles_article_changelist"))

    assert "mark_reviewed_action" not in response.content.decode()


# --- Overdue in the admin list ------------------------------------------------------------


@pytest.fixture
def review_states(reviewer, today):
    def reviewed(title, due_in_days):
        due = today + datetime.timedelta(days=due_in_days)
        return make_article(
            title=title,
            reviewer=reviewer,
            reviewed_on=add_months(due, -12),
            next_review_due=due,
        )

    return {
        "overdue": reviewed("Overdue one", -1),
        "due today": reviewed("Due today", 0),
        "due in 30 days": reviewed("Due in a month", 30),
        "due later": reviewed("Due later", 31),
        "never": make_article(title="Never reviewed one"),
    }


def test_the_review_querysets_follow_the_sites_date(review_states, today, time_machine):
    def titles(queryset):
        return set(queryset.values_list("title", flat=True))

    assert titles(Article.objects.review_overdue()) == {"Overdue one"}
    assert titles(Article.objects.review_due_soon()) == {"Due today", "Due in a month"}
    assert titles(Article.objects.never_reviewed()) == {"Never reviewed one"}

    # Two days on, "due today" is overdue and "due later" falls within 30 days.
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2), tick=False)
    assert titles(Article.objects.review_overdue()) == {"Overdue one", "Due today"}
    assert titles(Article.objects.review_due_soon()) == {"Due in a month", "Due later"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("overdue", {"Overdue one"}),
        ("due_soon", {"Due today", "Due in a month"}),
        ("never", {"Never reviewed one"}),
    ],
)
def test_the_admin_list_filters_by_review(editor_client, review_states, value, expected):
    response = editor_client.get(reverse("admin:articles_article_changelist"), {"review": value})

    assert {article.title for article in response.context["cl"].result_list} == expected


def test_the_admin_list_says_overdue_in_words(editor_client, review_states):
    response = editor_client.get(reverse("admin:articles_article_changelist"))

    text = text_of(response)
    assert text.count("Overdue:") == 1
    assert "Never reviewed" in text


def test_an_overdue_article_stays_public(client, review_states):
    article = review_states["overdue"]

    assert client.get(article.get_absolute_url()).status_code == 200


# --- Public pages -------------------------------------------------------------------------


def test_the_article_names_its_reviewer_and_review_dates(client, reviewer):
    article = make_article(
        reviewer=reviewer,
        reviewed_on=datetime.date(2026, 3, 1),
        next_review_due=datetime.date(2027, 3, 1),
    )

    response = client.get(article.get_absolute_url())

    text = text_of(response)
    assert "Medically reviewed by Dr. Ana Ruiz , MD, addiction medicine" in text
    assert f'<a href="{reviewer.get_absolute_url()}">Dr. Ana Ruiz</a>' in response.content.decode()
    assert "Last reviewed March 1, 2026 · Next review due March 1, 2027" in text


def test_a_reviewer_without_a_public_page_is_named_without_a_link(client):
    reviewer = make_reviewer(name="Dr. Ben Okafor", credentials="", has_public_page=False)
    article = make_article(reviewer=reviewer)

    content = client.get(article.get_absolute_url()).content.decode()

    assert "Dr. Ben Okafor" in content
    assert reviewer.get_absolute_url() not in content
    assert client.get(reviewer.get_absolute_url()).status_code == 404
    ld = structured_data(content)
    assert ld["reviewedBy"] == {"@type": "Person", "name": "Dr. Ben Okafor"}


def structured_data(content):
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S):
        for data in json.loads(block) if block.strip().startswith("[") else [json.loads(block)]:
            if data.get("@type") == "MedicalWebPage":
                return data
    raise AssertionError("no MedicalWebPage")


def test_the_reviewers_page_lists_the_published_articles_they_reviewed(client, reviewer):
    make_article(title="Reviewed and public", reviewer=reviewer)
    make_article(title="Reviewed draft", reviewer=reviewer, status=Article.Status.DRAFT)
    make_article(title="Someone else's", reviewer=make_reviewer())

    response = client.get(reverse("articles:reviewer", kwargs={"slug": "ana-ruiz"}))

    assert response.status_code == 200
    text = text_of(response)
    assert "Dr. Ana Ruiz" in text and "MD, addiction medicine" in text
    assert "<strong>clinic</strong>" in response.content.decode()
    assert "Reviewed and public" in text
    assert "Reviewed draft" not in text and "Someone else's" not in text


def test_changing_a_reviewer_changes_the_cached_pages_of_their_articles(client, reviewer):
    article = make_article(reviewer=reviewer)
    url = article.get_absolute_url()
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get(reviewer.get_absolute_url())["X-Page-Cache"] == "miss"

    reviewer.credentials = "MD, psychiatry"
    reviewer.save()

    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "MD, psychiatry" in after.content.decode()
    assert "MD, psychiatry" in client.get(reviewer.get_absolute_url()).content.decode()


def test_marking_reviewed_changes_the_cached_article_page(
    client, medical_reviewer_client, reviewer, today
):
    article = make_article()
    reader = Client()
    assert "Last reviewed" not in reader.get(article.get_absolute_url()).content.decode()

    medical_reviewer_client.post(
        mark_url(article), {"reviewer": reviewer.pk, "reviewed_on": today.isoformat()}
    )

    assert "Last reviewed" in reader.get(article.get_absolute_url()).content.decode()


def test_a_reviewer_with_articles_cannot_be_deleted(editor_client, reviewer):
    make_article(reviewer=reviewer)

    response = editor_client.post(
        reverse("admin:articles_reviewer_delete", args=[reviewer.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert Reviewer.objects.filter(pk=reviewer.pk).exists()


# --- Importer -----------------------------------------------------------------------------


def article_file(tmp_path, name, *front_matter):
    path = tmp_path / name
    path.write_text(
        "---\n" + "\n".join(front_matter) + "\n---\n\n# A title\n\nA summary.\n\n"
        "## A section\n\nSome text.\n"
    )
    return path


def test_the_importer_finds_or_creates_reviewers_by_name(tmp_path, reviewer):
    first, _ = import_article_file(
        article_file(
            tmp_path, "a.md", "slug: first", "reviewer: Dr. Ana Ruiz", "reviewed_on: 2026-02-16"
        )
    )
    second, _ = import_article_file(
        article_file(
            tmp_path,
            "b.md",
            "slug: second",
            "reviewer: Dr. Ben  Okafor",
            "reviewer_credentials: MD, psychiatry",
        )
    )

    assert first.reviewer == reviewer
    assert first.next_review_due == datetime.date(2027, 2, 16)
    assert second.reviewer.name == "Dr. Ben Okafor"
    assert second.reviewer.credentials == "MD, psychiatry"
    assert second.reviewer.slug == "dr-ben-okafor"
    assert second.next_review_due is None
    assert Reviewer.objects.count() == 2


def test_a_form_sent_without_a_review_period_keeps_the_articles(editor_client):
    topic = make_topic()
    article = make_article(slug="supervised-detox", topics=[topic], review_period_months=6)
    data = article_form_data(topic, [], [], summary="Edited.")
    del data["review_period_months"]

    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.summary, article.review_period_months) == ("Edited.", 6)


@pytest.mark.parametrize("period", ["0", "61", "twelve"])
def test_a_review_period_out_of_range_is_refused(editor_client, period):
    topic = make_topic()
    article = make_article(slug="supervised-detox", topics=[topic])
    data = article_form_data(topic, [], [], review_period_months=period)

    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 200
    assert "review_period_months" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.review_period_months == 12


def test_the_reviewers_page_costs_two_queries_and_a_cached_one_none(
    client, settings, reviewer, django_assert_num_queries
):
    for _ in range(5):
        make_article(reviewer=reviewer, topics=[make_topic()])
    url = reviewer.get_absolute_url()
    # Read once and cached, as on a warm site.
    SiteSettings.load()
    footer_links()

    settings.PAGE_CACHE_SECONDS = 0
    # The reviewer, their published articles.
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200

    settings.PAGE_CACHE_SECONDS = 3600
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_an_overlong_reviewer_name_in_a_file_is_reported_not_stored(tmp_path):
    from articles.importer import ArticleFormatError

    path = article_file(tmp_path, "long.md", "slug: long", f"reviewer: Dr. {'A' * 160}")

    with pytest.raises(ArticleFormatError, match="reviewer is 164 characters long"):
        import_article_file(path)
    assert not Reviewer.objects.exists()
    assert not Article.objects.exists()
