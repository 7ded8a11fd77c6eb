"""The hostile-input corpus: what an attacker, a broken client or a crawler sends. Every
module here is one kind of input, its cases in plain lists. The promise under test:
no input gets a 5xx, and input the site refuses stores nothing."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from comments.models import Comment
from tests.factories import make_article, make_comment, make_topic


@pytest.fixture
def topic():
    return make_topic(name="Opioids", slug="opioids")


@pytest.fixture
def article(topic):
    return make_article(title="Understanding withdrawal", sections=1, faqs=1, topics=[topic])


@pytest.fixture
def approved(article):
    return make_comment(article, body="An approved comment.")


@pytest.fixture
def reader():
    """A client that answers errors as a server would, instead of raising them."""
    return Client(raise_request_exception=False)


@pytest.fixture
def csrf_reader():
    """A reader whose posts pass Django's CSRF check, as a browser's do."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/comments/form-token/")
    client.csrf_token = client.cookies["csrftoken"].value
    return client


def assert_not_a_server_error(response):
    assert response.status_code < 500, (response.status_code, response.content[:300])


def assert_nothing_stored():
    assert Comment.objects.count() == 0


# What can run script in a page: these elements, event-handler attributes and
# script-bearing addresses.
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "form"}
ACTIVE_SCHEMES = ("javascript:", "data:", "vbscript:")


class ActiveContent(HTMLParser):
    """Collects every tag, attribute and address of a page that could run script."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            carries_address = name in {"href", "src", "action", "formaction", "style"}
            if (
                carries_address
                and value
                and (value.strip().lower().startswith(ACTIVE_SCHEMES) or "url(" in value)
            ):
                self.found.append(f"{tag}[{name}={value}]")


def active_content(html):
    parser = ActiveContent()
    parser.feed(html)
    return sorted(parser.found)
