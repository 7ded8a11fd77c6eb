"""The reading layout's markup: crisis lines wherever help is offered, the header's
"Get help" link, and "Back to top" after long sections."""

import re

import pytest
from django.urls import reverse

from articles.models import BACK_TO_TOP_MIN_WORDS, Section
from core.models import SiteSettings
from tests.factories import make_article, make_section

pytestmark = pytest.mark.django_db


def words(count):
    return " ".join(["recovery"] * count)


def block(content, start, end):
    """The markup from the first ``start`` to the next ``end`` after it."""
    begin = content.index(start)
    return content[begin : content.index(end, begin)]


def assert_crisis_lines(markup):
    site = SiteSettings.load()
    assert 'href="tel:988"' in markup
    assert 'href="sms:988"' in markup
    assert "988 Suicide &amp; Crisis Lifeline" in markup
    assert f'href="tel:{site.helpline_tel}"' in markup
    assert site.helpline_name in markup and site.helpline_phone in markup
    assert 'href="tel:911"' in markup


def test_help_box_and_footer_give_988_the_helpline_and_911(client):
    article = make_article()

    content = client.get(article.get_absolute_url()).content.decode()

    assert_crisis_lines(block(content, '<aside class="help-box"', "</aside>"))
    assert_crisis_lines(block(content, '<section id="help"', "</section>"))


def test_crisis_lines_follow_the_site_settings(client):
    site = SiteSettings.load()
    site.helpline_name = "County <Helpline>"
    site.helpline_phone = "+1 (555) 010-0199"
    site.save()

    content = client.get(reverse("articles:home")).content.decode()

    footer = block(content, '<section id="help"', "</section>")
    assert "County &lt;Helpline&gt;" in footer
    assert 'href="tel:+15550100199"' in footer


def test_header_has_a_get_help_link_outside_the_menu(client):
    content = client.get(reverse("articles:home")).content.decode()

    header = block(content, '<header class="site-header"', "</header>")
    before_menu = header[: header.index('id="site-nav"')]
    link = re.search(r'<a class="header-help" href="([^"]+)">([^<]+)</a>', before_menu)
    assert link and link.groups() == ("#help", "Get help")
    assert 'id="help"' in content


def test_long_sections_end_with_a_back_to_top_link(client):
    article = make_article()
    make_section(article, heading="Short", body=words(20))
    make_section(article, heading="Long", body=words(BACK_TO_TOP_MIN_WORDS))
    make_section(article, heading="Nearly", body=words(BACK_TO_TOP_MIN_WORDS - 2))

    content = client.get(article.get_absolute_url()).content.decode()

    sections = re.findall(
        r'<section id="([^"]+)" class="article-section".*?</section>', content, re.S
    )
    assert sections == ["short", "long", "nearly"]
    links = {
        anchor: 'href="#article-title"' in block(content, f'<section id="{anchor}"', "</section>")
        for anchor in sections
    }
    assert links == {"short": False, "long": True, "nearly": False}
    assert 'id="article-title"' in content


def test_a_section_is_long_from_the_threshold_counting_its_heading():
    section = Section(heading="Long", body=words(BACK_TO_TOP_MIN_WORDS - 1))
    section.render_body()
    assert section.is_long

    section.body = words(BACK_TO_TOP_MIN_WORDS - 2)
    section.render_body()
    assert not section.is_long
