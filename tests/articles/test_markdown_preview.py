"""The article form's live Markdown preview endpoint."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.forms import MARKDOWN_PREVIEW_MAX_CHARS
from core.markdown import render_markdown
from tests.articles.test_admin import make_staff

pytestmark = pytest.mark.django_db

URL = reverse("admin:articles_article_markdown_preview")


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    return client


def test_it_returns_the_sanitised_html_the_page_would_show(editor_client):
    text = "Day **one**.\n\n<script>alert(1)</script>\n\n[link](javascript:alert(1))"

    response = editor_client.post(URL, {"text": text})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    html = response.json()["html"]
    assert html == render_markdown(text)
    assert "<strong>one</strong>" in html
    assert "<script" not in html and 'href="javascript' not in html


def test_line_endings_are_those_of_the_saved_text(editor_client):
    response = editor_client.post(URL, {"text": "One\r\n\r\nTwo"})

    assert response.json()["html"] == render_markdown("One\n\nTwo")


def test_empty_text_previews_as_nothing(editor_client):
    assert editor_client.post(URL, {"text": "   "}).json() == {"html": ""}


def test_it_writes_nothing_to_the_database(editor_client):
    editor_client.post(URL, {"text": "warm up"})

    with CaptureQueriesContext(connection) as queries:
        editor_client.post(URL, {"text": "# Heading\n\nText."})

    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_get_is_refused(editor_client):
    response = editor_client.get(URL, {"text": "Hello"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "html" not in response.json()


def test_too_long_a_text_is_refused_with_a_message(editor_client):
    response = editor_client.post(URL, {"text": "a" * (MARKDOWN_PREVIEW_MAX_CHARS + 1)})

    assert response.status_code == 400
    assert "too long to preview" in response.json()["error"]


def test_the_longest_allowed_text_is_previewed(editor_client):
    response = editor_client.post(URL, {"text": "a" * MARKDOWN_PREVIEW_MAX_CHARS})

    assert response.status_code == 200


def test_a_moderator_may_not_use_it(client):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    assert client.post(URL, {"text": "Hello"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.post(URL, {"text": "Hello"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("editor", groups=["Editors"]))

    assert client.post(URL, {"text": "Hello"}).status_code == 403


def test_a_post_with_the_csrf_token_from_the_form_is_accepted():
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("root", password="pw"))
    client.get(reverse("admin:articles_article_add"))
    token = client.cookies["csrftoken"].value

    response = client.post(URL, {"text": "Hello"}, headers={"X-CSRFToken": token})

    assert response.status_code == 200
    assert response.json()["html"] == "<p>Hello</p>"
