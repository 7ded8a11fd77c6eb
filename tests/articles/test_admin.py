import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from articles.models import Article
from core import caching
from tests.factories import make_article, make_reviewed_draft, make_section, make_topic

pytestmark = pytest.mark.django_db


def make_staff(username, groups=()):
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def article_form_data(topic, sections, faqs, **overrides):
    """POST data for the article admin form with its two inlines."""
    data = {
        "title": "Supervised detox",
        "slug": "supervised-detox",
        "summary": "What happens in a medically supervised detox.",
        "topics": [topic.pk],
        "hero_alt": "",
        "author": "Editorial team",
        "reviewer": "",
        "review_period_months": "12",
        "status": "draft",
        "published_at_0": "2026-01-05",
        "published_at_1": "09:00:00",
        "allows_comments": "on",
        "references": "- SAMHSA. *TIP 63*.",
        "seo_title": "",
        "meta_description": "",
    }
    for prefix, rows in (("sections", sections), ("faqs", faqs)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    data.update(overrides)
    return data


def section_rows(count):
    return [
        {"position": str(n), "heading": f"Step {n}", "anchor": "", "body": f"Body {n}."}
        for n in range(1, count + 1)
    ]


def faq_rows(count):
    return [
        {"position": str(n), "question": f"Question {n}?", "answer": f"Answer {n}."}
        for n in range(1, count + 1)
    ]


def test_editors_group_has_exactly_the_article_permissions_and_reads_the_audit_log():
    codenames = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )

    expected = {
        f"{action}_{model}"
        for model in (
            "article",
            "section",
            "faq",
            "topic",
            "reviewer",
            "libraryimage",
            "languageguidance",
            "allowedphrase",
            "searchsynonym",
        )
        for action in ("add", "change", "delete", "view")
    } | {"change_sitesettings", "view_sitesettings", "view_auditentry"}
    expected |= {"add_previewlink", "change_previewlink", "view_previewlink"}
    expected |= {f"{action}_page" for action in ("add", "change", "delete", "view")}
    # Readers' feedback: read (notes included) and delete, never write.
    expected |= {"view_articlefeedback", "delete_articlefeedback"}
    # Old WordPress addresses: looked up, never edited (the import writes them).
    expected |= {"view_legacyaddress"}
    assert codenames == expected


def test_editor_adds_an_article_with_sections_and_faqs(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    topic = make_topic()

    response = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(topic, section_rows(3), faq_rows(2)),
    )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    article = Article.objects.get(slug="supervised-detox")
    assert [s.heading for s in article.sections.all()] == ["Step 1", "Step 2", "Step 3"]
    assert [s.anchor for s in article.sections.all()] == ["step-1", "step-2", "step-3"]
    assert [f.question for f in article.faqs.all()] == ["Question 1?", "Question 2?"]
    assert list(article.topics.all()) == [topic]
    # A draft until a medical reviewer marks it reviewed: editors preview it.
    assert article.status == Article.Status.DRAFT
    preview = reverse("admin:articles_article_preview", args=[article.pk])
    assert "Step 3" in client.get(preview).content.decode()


def test_staff_outside_the_editors_group_cannot_manage_articles(client):
    client.force_login(make_staff("outsider"))
    topic = make_topic()

    assert client.get(reverse("admin:articles_article_changelist")).status_code == 403
    response = client.post(
        reverse("admin:articles_article_add"),
        article_form_data(topic, section_rows(1), faq_rows(1)),
    )
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_duplicate_positions_are_a_form_error_not_a_crash(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    rows = section_rows(2)
    rows[1]["position"] = "1"

    response = client.post(
        reverse("admin:articles_article_add"), article_form_data(make_topic(), rows, [])
    )

    assert response.status_code == 200
    assert "Please correct the duplicate" in response.content.decode()
    assert not Article.objects.exists()


def test_editor_swaps_two_sections_in_one_save(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    topic = make_topic()
    article = make_article(slug="supervised-detox", topics=[topic])
    first = make_section(article, position=1, heading="First")
    second = make_section(article, position=2, heading="Second")
    rows = [
        {
            "id": str(first.pk),
            "article": str(article.pk),
            "position": "2",
            "heading": "First",
            "anchor": first.anchor,
            "body": "One.",
        },
        {
            "id": str(second.pk),
            "article": str(article.pk),
            "position": "1",
            "heading": "Second",
            "anchor": second.anchor,
            "body": "Two.",
        },
    ]

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(topic, rows, []),
    )

    assert response.status_code == 302
    assert [s.heading for s in article.sections.all()] == ["Second", "First"]


def test_article_admin_pages_render(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    article = make_article(sections=2, faqs=2)

    for url in (
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_topic_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    settings_page = client.get(reverse("admin:core_sitesettings_changelist"))
    assert settings_page.status_code == 302
    assert client.get(settings_page.url).status_code == 200


def test_editor_changes_the_site_name_shown_in_the_header(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    page = client.get(reverse("admin:core_sitesettings_changelist"), follow=True)
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["site_name"] = "Harbor House"

    client.post(page.redirect_chain[-1][0], data)

    assert "Harbor House" in client.get("/").content.decode()
    assert not Permission.objects.filter(
        group__name="Editors", codename="delete_sitesettings"
    ).exists()


def test_publishing_without_a_time_in_the_admin_publishes_now(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    draft = make_reviewed_draft(slug="supervised-detox")
    data = article_form_data(
        make_topic(), section_rows(1), [], status="published", reviewer=str(draft.reviewer_id)
    )
    data.update({"published_at_0": "", "published_at_1": ""})

    response = client.post(reverse("admin:articles_article_change", args=[draft.pk]), data)

    assert response.status_code == 302
    article = Article.objects.get(slug="supervised-detox")
    assert article.is_published


def test_saving_an_unchanged_article_changes_and_records_nothing(
    client, django_capture_on_commit_callbacks
):

    client.force_login(make_staff("editor", groups=["Editors"]))
    topic = make_topic()
    # As a browser sends a textarea: lines end in CRLF.
    sections = [{**row, "body": "First line.\r\nSecond line."} for row in section_rows(2)]
    faqs = [{**row, "answer": "Yes.\r\n\r\nAnd more."} for row in faq_rows(1)]
    data = article_form_data(
        topic, sections, faqs, summary="The first line, one sentence.\r\nAnother line."
    )
    client.post(reverse("admin:articles_article_add"), data)
    article = Article.objects.get(slug="supervised-detox")
    assert article.summary == "The first line, one sentence.\nAnother line."
    assert article.sections.first().body == "First line.\nSecond line."

    # The same form sent back untouched, as the change page would send it.
    for row, section in zip(sections, article.sections.order_by("position"), strict=True):
        row.update(id=str(section.pk), article=str(article.pk), anchor=section.anchor)
    for row, faq in zip(faqs, article.faqs.order_by("position"), strict=True):
        row.update(id=str(faq.pk), article=str(article.pk))
    unchanged = article_form_data(
        topic, sections, faqs, summary="The first line, one sentence.\r\nAnother line."
    )
    generation = caching.generation(caching.CONTENT)
    entries = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_article_change", args=[article.pk]), unchanged
        )

    assert response.status_code == 302
    refreshed = Article.objects.get(pk=article.pk)
    assert refreshed.updated_at == article.updated_at
    assert LogEntry.objects.count() == entries
    assert caching.generation(caching.CONTENT) == generation

    # A real change still saves and is recorded.
    changed = {**unchanged, "sections-1-body": "First line.\r\nA new second line."}
    client.post(reverse("admin:articles_article_change", args=[article.pk]), changed)
    assert LogEntry.objects.count() == entries + 1
    assert "A new second line" in Article.objects.get(pk=article.pk).sections.get(position=2).body
