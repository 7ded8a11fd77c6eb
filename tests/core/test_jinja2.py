"""The public pages' Jinja2 environment (core/jinja2.py)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def request_for(path="/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def test_a_missing_variable_prints_nothing_at_any_depth():
    template = engines["jinja2"].from_string(
        "[{{ missing }}|{{ missing.deeper.still }}|{{ missing|date('c') }}|"
        "{{ missing.method() }}|{{ missing.number > 1 }}]"
    )

    assert template.render({}) == "[||||False]"


def test_a_public_page_missing_its_view_context_still_renders():
    # The article list without any of its view's variables (no topic, no page, no
    # articles): a template mistake must show an emptier page, never a server error.
    html = render_to_string("articles/article_list.html", {}, request=request_for())

    assert "<h1>All articles</h1>" in html
    assert "No articles are published yet." in html
    assert "{{" not in html and "Undefined" not in html


def test_a_cached_fragment_is_rendered_once_per_generation():
    template = engines["jinja2"].from_string(
        '{% call cached_fragment("test", 1, generation=generation, timeout=60) %}'
        "{{ value }}{% endcall %}"
    )

    assert template.render({"generation": "g1", "value": "first"}) == "first"
    assert template.render({"generation": "g1", "value": "second"}) == "first"
    assert template.render({"generation": "g2", "value": "second"}) == "second"
    assert template.render({"generation": None, "value": "third"}) == "third"
