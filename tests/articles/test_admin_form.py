"""The article change form's comfort, as the server renders it (the browser journeys
are in tests/e2e/test_editor_comfort.py): folding rows, preview hooks, labelled
inputs, the scripts and styles it loads."""

import re

import pytest
from django.urls import reverse

from tests.articles.test_admin import article_form_data, make_staff, section_rows
from tests.factories import make_article, make_faq, make_section, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    return client


def change_form(client, article):
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row_markup(page, row_id):
    """The markup of one inline row, from its opening tag to the next row's."""
    start = page.index(f'id="{row_id}"')
    following = re.search(r'<div class="inline-related', page[start:])
    return page[start : start + following.start()] if following else page[start:]


def test_saved_rows_are_folded_with_their_position_and_heading_in_the_summary(editor_client):
    article = make_article()
    make_section(article, position=1, heading="Why the body rebounds")
    make_faq(article, position=1, question="How long does it last?")

    page = change_form(editor_client, article)

    section = row_markup(page, "sections-0")
    assert '<details class="ordered-row-details">' in section
    assert re.search(
        r'ordered-row-kind">Section</span> <span class="ordered-row-position">1</span>'
        r'.*?ordered-row-title">Why the body rebounds</span>',
        section,
        re.S,
    )
    faq = row_markup(page, "faqs-0")
    assert '<details class="ordered-row-details">' in faq
    assert 'ordered-row-title">How long does it last?</span>' in faq
    # The template for "Add another" is a new row: open.
    assert '<details class="ordered-row-details" open>' in row_markup(page, "sections-empty")


def test_rows_with_errors_open_and_say_so(editor_client):
    rows = section_rows(2)
    rows[1]["position"] = "1"
    rows[0]["heading"] = ""

    response = editor_client.post(
        reverse("admin:articles_article_add"), article_form_data(make_topic(), rows, [])
    )

    assert response.status_code == 200
    page = response.content.decode()
    first = row_markup(page, "sections-0")
    assert '<details class="ordered-row-details" open>' in first
    assert "(needs correcting)" in first
    # Typed values, not stored ones, in the summary.
    assert 'ordered-row-title">Step 2</span>' in row_markup(page, "sections-1")


def test_positions_stay_plain_inputs_and_nothing_needs_a_script(editor_client):
    article = make_article(sections=2)

    page = change_form(editor_client, article)

    assert re.search(r'<input type="number" name="sections-1-position" value="2"', page)
    # The buttons the script adds are not in the markup: no dead controls without it.
    assert "Move up" not in page and "Expand all" not in page
    assert '<div class="ordered-rows-tools" hidden></div>' in page
    assert page.count('aria-live="polite"') >= 2


def test_markdown_fields_name_the_preview_endpoint_and_plain_text_does_not(editor_client):
    article = make_article(sections=1, faqs=1)
    preview_url = reverse("admin:articles_article_markdown_preview")

    page = change_form(editor_client, article)

    marked = {
        re.search(r'name="([^"]+)"', tag).group(1)
        for tag in re.findall(r"<textarea[^>]*>", page)
        if f'data-markdown-preview="{preview_url}"' in tag
    }
    assert marked == {
        "references",
        "sections-0-body",
        "sections-__prefix__-body",
        "faqs-0-answer",
        "faqs-__prefix__-answer",
    }


def test_the_form_loads_its_scripts_and_stylesheets_from_static(editor_client):
    page = change_form(editor_client, make_article())

    for path in (
        "js/admin-ordered-rows.js",
        "js/admin-markdown-preview.js",
        "js/admin-accessibility.js",
        "css/admin-article.css",
        "css/admin.css",
    ):
        assert f"/static/{path}" in page, path
    assert "<script>" not in page and " style=" not in page


def test_date_and_time_inputs_have_accessible_names(editor_client):
    page = change_form(editor_client, make_article())

    for name, label in (
        ("published_at", "Publication time"),
        ("unpublish_at", "Unpublication time"),
    ):
        assert re.search(rf'name="{name}_0"[^>]*aria-label="{label}: date"', page) or re.search(
            rf'aria-label="{label}: date"[^>]*name="{name}_0"', page
        )
        assert re.search(rf'aria-label="{label}: time"[^>]*name="{name}_1"', page) or re.search(
            rf'name="{name}_1"[^>]*aria-label="{label}: time"', page
        )
