"""Site pages: rendering, placeholders and the addresses a page may not take."""

import pytest
from django.core.exceptions import ValidationError

from core.markdown import render_markdown
from core.models import SiteSettings
from pages import placeholders
from pages.models import Page, render_page_body
from pages.routes import is_taken
from tests.factories import make_page

pytestmark = pytest.mark.django_db


def test_a_page_renders_its_own_headings_from_h2_and_sanitises_on_save():
    page = make_page(body="# Top\n\n## Who we are\n\n### More\n\n<script>x()</script>\n\n**bold**")

    assert "<h2>Top</h2>" in page.body_html
    assert "<h2>Who we are</h2>" in page.body_html
    assert "<h3>More</h3>" in page.body_html
    assert "<script" not in page.body_html
    assert "<strong>bold</strong>" in page.body_html


def test_article_markdown_still_starts_at_h3():
    assert render_markdown("## Heading") == "<h3>Heading</h3>"


def test_placeholders_show_the_current_values_escaped(settings):
    SiteSettings.objects.create(site_name="Harbor <Recovery> & Co")
    settings.COMMENTS_IP_RETENTION_DAYS = 12
    page = make_page(body="We are {{ site_name }}; addresses go after {{ip_retention_days}} days.")

    html = page.html()

    assert "We are Harbor &lt;Recovery&gt; &amp; Co;" in html
    assert "after 12 days" in html
    assert "@@" not in html


def test_a_placeholder_in_a_link_address_is_percent_encoded():
    SiteSettings.objects.create(contact_phone="+1 (555) 010-0000", site_name='x" onclick="y')
    page = make_page(
        body="[Call](tel:{{ contact_tel }}) or [us](https://example.org/{{ site_name }})"
    )

    html = page.html()

    assert 'href="tel:+15550100000"' in html
    assert 'href="https://example.org/x%22%20onclick%3D%22y"' in html
    assert "onclick=" not in html.replace("onclick%3D", "")


def test_a_value_can_never_become_a_script_address():
    SiteSettings.objects.create(site_name="javascript:alert(1)")
    page = make_page(body="[Home]({{ site_name }})")

    # Percent-encoded, the colon is gone: a relative address, never a scheme.
    assert 'href="javascript:' not in page.html()


@pytest.mark.parametrize(
    "body",
    ["{{ no_such_thing }}", "{{ site name }}", "{{}}", "Hello {{ site_name", "{{ SITE_NAME }}"],
)
def test_unknown_or_broken_placeholders_are_refused(body):
    page = Page(title="T", slug="t-page", summary="S.", body=body)

    with pytest.raises(ValidationError) as caught:
        page.full_clean()

    assert [error.code for error in caught.value.error_dict["body"]] == ["placeholder"]


def test_the_error_names_the_known_placeholders():
    messages = placeholders.problems("{{ nope }}")

    assert "{{ nope }}" in messages[0]
    assert "ip_retention_days" in messages[0] and "site_name" in messages[0]


def test_every_known_placeholder_is_accepted_and_filled():
    body = " ".join(f"{{{{ {name} }}}}" for name in placeholders.known())
    page = Page(title="T", slug="t-page", summary="S.", body=body)

    page.full_clean()
    page.save()

    assert "@@" not in page.html()
    assert "{{" not in page.html()


@pytest.mark.parametrize(
    "slug",
    [
        "admin",
        "articles",
        "topics",
        "search",
        "feed",
        "feeds",
        "comments",
        "static",
        "media",
        "preview",
        "reviewers",
        "healthz",
        "Search",
    ],
)
def test_a_slug_another_route_uses_is_refused(slug):
    assert is_taken(slug)
    page = Page(title="T", slug=slug, summary="S.", body="Text.")

    with pytest.raises(ValidationError) as caught:
        page.full_clean()

    assert [error.code for error in caught.value.error_dict["slug"]] == ["reserved"]


@pytest.mark.parametrize("slug", ["about", "privacy", "contact", "editorial-policy", "search-tips"])
def test_other_slugs_are_free(slug):
    assert not is_taken(slug)


def test_render_page_body_keeps_markers_out_of_the_source():
    html = render_page_body("Kept {{ withdraw_days }} days, and {{ not_known }}.")

    assert "@@withdraw_days@@" in html
    assert "{{ not_known }}" in html
