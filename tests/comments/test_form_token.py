"""The comment form on a page every reader shares: its CSRF token and timestamp come
from comments:form_token, and a comment sent without them (JavaScript off) comes back
filled in to send again, never lost and never stored unchecked."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from comments.forms import timestamp_problem
from comments.models import Comment
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal", sections=1, faqs=1)


def post_url(article):
    return reverse("comments:post", args=[article.slug])


def field_value(content, name):
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', content)
    return found.group(1) if found else None


def test_the_token_endpoint_gives_a_working_token_and_a_fresh_timestamp(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(reverse("comments:form_token"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    values = response.json()
    assert set(values) == {"csrfmiddlewaretoken", "timestamp"}
    assert timestamp_problem(values["timestamp"]) == "too_fast"
    assert timestamp_problem(values["timestamp"], now=time.time() + 10) is None
    assert "csrftoken" in response.cookies
    assert client.post(reverse("comments:form_token")).status_code == 405


def test_a_comment_sent_without_a_token_comes_back_filled_in_and_nothing_is_stored(
    article, comment_post_data
):
    reader = Client(enforce_csrf_checks=True)
    data = comment_post_data(body="Written with JavaScript off.", timestamp="")

    response = reader.post(post_url(article), data)

    assert response.status_code == 403
    assert not Comment.objects.exists()
    content = response.content.decode()
    assert "Your comment is not sent yet" in content
    assert "Written with JavaScript off.</textarea>" in content
    assert 'value="Sam Rivera"' in content and 'value="sam@example.org"' in content
    assert field_value(content, "csrfmiddlewaretoken")
    # The reader wrote it before this page: the "too fast" rule does not catch them.
    assert timestamp_problem(field_value(content, "timestamp")) is None
    assert "csrftoken" in response.cookies


def test_sending_it_again_from_that_page_stores_it_once(article, comment_post_data):
    reader = Client(enforce_csrf_checks=True)
    first = reader.post(post_url(article), comment_post_data(body="Sent twice.", timestamp=""))
    content = first.content.decode()
    again = comment_post_data(
        body="Sent twice.",
        timestamp=field_value(content, "timestamp"),
        csrfmiddlewaretoken=field_value(content, "csrfmiddlewaretoken"),
    )

    response = reader.post(post_url(article), again)

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == "Sent twice." and comment.decided_by == "default"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["another origin", "a cross-site form"],
)
def test_a_post_from_another_site_gets_djangos_403_without_the_comment(
    article, comment_post_data, headers
):
    reader = Client(enforce_csrf_checks=True)

    response = reader.post(
        post_url(article), comment_post_data(body="From elsewhere."), headers=headers
    )

    assert response.status_code == 403
    assert "From elsewhere." not in response.content.decode()
    assert not Comment.objects.exists()


def test_other_forms_keep_djangos_csrf_failure_page(article):
    response = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "x"})

    assert response.status_code == 403
    assert "CSRF verification failed" in response.content.decode()
