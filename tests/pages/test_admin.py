"""Editors manage site pages in the admin: add, change, refused slugs and placeholders,
the live preview."""

import pytest
from django.urls import reverse

from core.models import SiteSettings
from pages.models import Page
from tests.articles.test_admin import make_staff
from tests.factories import make_page

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:pages_page_add")
PREVIEW_URL = reverse("admin:pages_page_markdown_preview")


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    return client


def form_data(**overrides):
    data = {
        "title": "Visiting hours",
        "slug": "visiting-hours",
        "summary": "When families may visit the center.",
        "body": "## Weekdays\r\n\r\nFrom noon. Call {{ helpline_phone }} for help.",
        "is_published": "on",
        "show_in_footer": "on",
        "footer_position": "5",
    }
    data.update(overrides)
    return data


def test_an_editor_sees_the_form_with_the_placeholders_and_the_preview(editor_client):
    content = editor_client.get(ADD_URL).content.decode()

    assert "Placeholders for the text" in content
    assert "{{ ip_retention_days }}" in content
    assert f'data-markdown-preview="{PREVIEW_URL}"' in content
    assert "js/admin-markdown-preview.js" in content


def test_an_editor_adds_a_page_that_shows_at_once(editor_client, client):
    response = editor_client.post(ADD_URL, form_data())

    assert response.status_code == 302
    page = Page.objects.get(slug="visiting-hours")
    assert page.body == "## Weekdays\n\nFrom noon. Call {{ helpline_phone }} for help."
    assert "<h2>Weekdays</h2>" in page.body_html
    reader = client.get("/visiting-hours/").content.decode()
    assert f"Call {SiteSettings.load().helpline_phone} for help." in reader


def test_an_editor_changes_a_page(editor_client):
    page = make_page(slug="visiting-hours", title="Old title")
    url = reverse("admin:pages_page_change", args=[page.pk])

    response = editor_client.post(url, form_data(title="New title"))

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "New title"


@pytest.mark.parametrize("slug", ["search", "admin", "articles", "comments", "topics"])
def test_a_slug_another_route_uses_is_refused_with_a_message(editor_client, slug):
    response = editor_client.post(ADD_URL, form_data(slug=slug))

    assert response.status_code == 200
    error = response.context["adminform"].form.errors.as_data()["slug"][0]
    assert error.code == "reserved"
    assert f"The site already uses /{slug}/ for something else" in response.content.decode()
    assert not Page.objects.filter(slug=slug).exists()


def test_an_unknown_placeholder_is_refused_with_the_list(editor_client):
    response = editor_client.post(ADD_URL, form_data(body="Kept {{ ip_days }} days."))

    assert response.status_code == 200
    error = response.context["adminform"].form.errors.as_data()["body"][0]
    assert error.code == "placeholder"
    assert "Unknown placeholder {{ ip_days }}" in error.message
    assert not Page.objects.filter(slug="visiting-hours").exists()


def test_the_preview_shows_the_html_with_current_values(editor_client, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 9

    response = editor_client.post(PREVIEW_URL, {"text": "# Kept\n\n{{ ip_retention_days }} days"})

    assert response.json() == {"html": "<h2>Kept</h2>\n<p>9 days</p>"}


def test_the_preview_names_a_bad_placeholder(editor_client):
    response = editor_client.post(PREVIEW_URL, {"text": "{{ nope }}"})

    assert response.status_code == 400
    assert "Unknown placeholder {{ nope }}" in response.json()["error"]


def test_moderators_cannot_manage_pages(client):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    assert client.get(ADD_URL).status_code == 403
    assert client.post(PREVIEW_URL, {"text": "x"}).status_code == 403


def test_deleting_pages_in_bulk_takes_them_off_the_footer(admin_client, client):
    page = make_page(title="Going", slug="going", show_in_footer=True)
    assert 'href="/going/"' in client.get("/").content.decode()

    admin_client.post(
        reverse("admin:pages_page_changelist"),
        {"action": "delete_selected", "_selected_action": [page.pk], "post": "yes"},
    )

    assert not Page.objects.filter(pk=page.pk).exists()
    assert 'href="/going/"' not in client.get("/").content.decode()
