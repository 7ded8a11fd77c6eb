"""Site search on real PostgreSQL: ranking, snippets, anchors, freshness, typos, odd input."""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section
from tests.factories import make_article, make_faq, make_section

pytestmark = pytest.mark.django_db


def search(client, q, **params):
    response = client.get(reverse("articles:search"), {"q": q, **params})
    assert response.status_code == 200
    return response


RESULT_TITLE = re.compile(r'<li class="search-result">\s*<h2><a href="[^"]*">([^<]*)</a></h2>')


def titles(response):
    """The titles of the results on the page, in order."""
    return [html.unescape(title) for title in RESULT_TITLE.findall(response.content.decode())]


@pytest.fixture
def library():
    in_title = make_article(title="Naloxone saves lives", summary="A short guide.")
    make_section(in_title, heading="Where to get it", body="Pharmacies and programs.")
    in_heading = make_article(title="Overdose basics", summary="What to know.")
    make_section(in_heading, heading="How naloxone works", body="It reverses opioids.")
    in_body = make_article(title="Family guide", summary="Support at home.")
    make_section(in_body, heading="Be prepared", body="Keep naloxone at home, just in case.")
    in_faq = make_article(title="Detox questions", summary="Common questions.")
    make_faq(in_faq, question="Is detox safe?", answer="Ask about naloxone before you leave.")
    make_article(title="Unrelated", summary="Sleep and nutrition.")
    make_article(title="Naloxone draft", status=Article.Status.DRAFT, published_at=None)
    return {"title": in_title, "heading": in_heading, "body": in_body, "faq": in_faq}


def test_title_outranks_headings_which_outrank_bodies(client, library):
    response = search(client, "naloxone")

    assert titles(response)[:2] == ["Naloxone saves lives", "Overdose basics"]
    assert set(titles(response)) == {
        "Naloxone saves lives",
        "Overdose basics",
        "Family guide",
        "Detox questions",
    }
    assert "Naloxone draft" not in titles(response)


def test_results_link_to_the_best_matching_section_or_faq(client, library):
    response = search(client, "reverses opioids")
    content = response.content.decode()
    section = library["heading"].sections.get()

    assert f'href="{library["heading"].get_absolute_url()}#{section.anchor}"' in content
    assert "In <a" in content and "How naloxone works</a>" in content

    faq = library["faq"].faqs.get()
    faq_page = search(client, "leave").content.decode()
    assert f'href="{library["faq"].get_absolute_url()}#faq-{faq.pk}"' in faq_page


def test_snippets_highlight_the_match_and_escape_the_source(client):
    article = make_article(title="Sleep")
    make_section(
        article,
        heading="Nights",
        body="Insomnia is common. <script>alert('x')</script> **Insomnia** fades with time.",
    )

    content = search(client, "insomnia").content.decode()

    assert "<mark>Insomnia</mark> is common" in content
    assert "<script>alert" not in content
    # Markdown shows the tag as text (typographic quotes and all); it is escaped.
    assert "&lt;script&gt;alert(‘x’)&lt;/script&gt;" in content
    assert "**" not in content.split('class="search-results"')[1]


def test_web_search_syntax_phrases_or_and_exclusion(client, library):
    assert titles(search(client, '"reverses opioids"')) == ["Overdose basics"]
    assert titles(search(client, '"opioids reverses"')) == []
    assert set(titles(search(client, "pharmacies or nutrition"))) == {
        "Naloxone saves lives",
        "Unrelated",
    }
    assert "Family guide" not in titles(search(client, "naloxone -home"))


def test_stemming_finds_other_forms_of_a_word(client):
    make_article(title="Craving", summary="Cravings can be managed.")

    assert titles(search(client, "craved")) == ["Craving"]


def test_the_index_follows_edits_to_sections_faqs_and_titles(client, library):
    article = library["body"]
    section = article.sections.get()
    assert "Family guide" not in titles(search(client, "buprenorphine"))

    section.body = "Ask about buprenorphine."
    section.save()
    assert titles(search(client, "buprenorphine")) == ["Family guide"]

    Section.objects.filter(pk=section.pk).update(body="Nothing special.")  # no save()
    assert titles(search(client, "buprenorphine")) == []

    make_faq(article, question="What about methadone?", answer="It is an option.")
    assert titles(search(client, "methadone")) == ["Family guide"]

    article.title = "Families and methadone"
    article.save()
    section.delete()
    assert titles(search(client, "special")) == []


def test_an_edit_through_the_admin_inline_updates_the_index(admin_client):
    article = make_article(title="Admin edited", slug="admin-edited")
    section = make_section(article, heading="Old heading", body="Old text.")
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "author": article.author,
        "reviewer": str(article.reviewer_id),
        "status": "published",
        "published_at_0": timezone.localtime(article.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(article.published_at).strftime("%H:%M:%S"),
        "allows_comments": "on",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "1",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-id": str(section.pk),
        "sections-0-article": str(article.pk),
        "sections-0-position": "1",
        "sections-0-heading": "Old heading",
        "sections-0-anchor": section.anchor,
        "sections-0-body": "Lofexidine can ease symptoms.",
        "faqs-TOTAL_FORMS": "0",
        "faqs-INITIAL_FORMS": "0",
        "faqs-MIN_NUM_FORMS": "0",
        "faqs-MAX_NUM_FORMS": "1000",
    }

    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302, response.context["errors"]
    assert titles(search(admin_client, "lofexidine")) == ["Admin edited"]


def test_rebuild_command_recomputes_every_document(client, library):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET search_vector = NULL")
    assert titles(search(client, "naloxone")) == []

    call_command("rebuild_search_index", stdout=io.StringIO())

    assert len(titles(search(client, "naloxone"))) == 4


def test_a_misspelling_offers_did_you_mean_with_results(client, library):
    response = search(client, "nalaxone")
    content = response.content.decode()

    assert 'Did you mean <a href="?q=naloxone">naloxone</a>?' in content
    assert "Naloxone saves lives" in titles(response)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", "Type a word or two"),
        ("   ", "Type a word or two"),
        ("!!! ??? ...", "no letters or numbers"),
        ("'; DROP TABLE articles_article; --", "No articles matched"),
        ("<script>alert(1)</script>", "No articles matched"),
        ("x" * 300, "first 200 characters"),
        ('"unclosed quote', "No articles matched"),
        ("-", "no letters or numbers"),
        ("or or or", "No articles matched"),
        ("&&& || !! ()", "no letters or numbers"),
    ],
)
def test_odd_queries_give_a_normal_page_with_a_helpful_message(client, library, q, expected):
    response = search(client, q)
    content = response.content.decode()

    assert expected in content
    assert "<script>alert(1)" not in content
    assert Article.objects.count() == 6  # nothing dropped


def test_a_nul_in_the_query_gets_the_400_page(client, library):
    # No browser sends one; PostgreSQL could not compare it (core.middleware).
    client.raise_request_exception = False

    response = client.get(reverse("articles:search"), {"q": "naloxone\x00"})

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


def test_search_page_has_a_title_noindex_and_a_header_box(client, library):
    content = search(client, "naloxone").content.decode()

    assert "<title>Search results for “naloxone”" in content
    assert '<meta name="robots" content="noindex, follow">' in content
    home = client.get(reverse("articles:home")).content.decode()
    assert '<form class="site-search" action="/search/" method="get" role="search">' in home
    assert '<label class="visually-hidden" for="site-search-q">Search articles</label>' in home


def test_results_paginate(client):
    for number in range(13):
        make_article(title=f"Recovery story {number}")

    first = search(client, "recovery story")
    second = search(client, "recovery story", page=2)

    assert "13 articles found for “recovery story”" in first.content.decode()
    assert len(titles(first)) == 10 and len(titles(second)) == 3
    assert 'href="?q=recovery+story&amp;page=2"' in first.content.decode()


def test_suggestions_follow_the_sites_clock_for_publication(client, time_machine):
    # Published and scheduled as the site's clock says, whatever the database's says
    # (the two disagree here by two days).
    time_machine.move_to(timezone.now() + timezone.timedelta(days=2), tick=False)
    make_article(title="Buprenorphine basics", summary="How it works.")
    make_article(
        title="Methadone clinics",
        summary="Opening soon.",
        published_at=timezone.now() + timezone.timedelta(hours=1),
    )

    suggested = search(client, "buprenorfine").content.decode()
    assert 'Did you mean <a href="?q=buprenorphine">buprenorphine</a>?' in suggested
    assert "Did you mean" not in search(client, "methadon").content.decode()


# --- Snippets from the text readers see -------------------------------------------------


def result_list(response):
    content = response.content.decode()
    return content.split('class="search-results"')[1].split("</ol>")[0]


def test_snippets_show_the_rendered_text_without_markdown(client):
    article = make_article(title="Support", summary="Where to turn.")
    make_section(
        article,
        heading="Options",
        body=(
            "Many people find help by:\n\n"
            "- joining a **mutual-help** group\n"
            "- calling the [national helpline](https://www.samhsa.gov/find-help)\n\n"
            "![](image:999)\n\n"
            "> _Peer support_ works.\n"
        ),
    )

    results = result_list(search(client, "joining helpline peer"))

    assert "<mark>joining</mark> a mutual-help group · calling" in results
    assert "calling the national <mark>helpline</mark>" in results
    for markup in ("- ", "**", "](", "samhsa.gov", "image:", "![", "&gt;", "_Peer"):
        assert markup not in results


def test_a_snippet_starts_at_the_sentence_with_the_match(client):
    article = make_article(title="Sleep", summary="Rest matters.")
    make_section(
        article,
        heading="Nights",
        body=(
            "Sleep often suffers in early recovery and many people lie awake. "
            "Insomnia usually fades within weeks. Ask your doctor before taking pills."
        ),
    )

    results = result_list(search(client, "insomnia"))

    assert "<mark>Insomnia</mark> usually fades within weeks. Ask your doctor" in results
    assert "lie awake" not in results
    assert "…" not in results


def test_a_snippet_cut_inside_a_sentence_says_so(client):
    long_start = " ".join(["word"] * 60)
    article = make_article(title="Long", summary="A long one.")
    make_section(article, heading="Text", body=f"{long_start} then naloxone at the end of it all.")

    results = result_list(search(client, "naloxone"))

    assert re.search(r"<p class=\"search-result-passage\">In <a [^>]*>Text</a>: …word", results)
    assert "<mark>naloxone</mark> at the end of it all." in results


@pytest.mark.parametrize(
    ("highlighted", "expected"),
    [
        # The sentence with most different matches, whole sentences after it.
        (
            "One a. Two \x02b\x03. Three \x02b\x03 and \x02c\x03. Four.",
            "Three <mark>b</mark> and <mark>c</mark>. Four.",
        ),
        # A full stop before a small letter ends no sentence.
        ("See e.g. the \x02dose\x03 chart.", "See e.g. the <mark>dose</mark> chart."),
        # Lines (paragraphs, list items) are sentences too.
        ("first item\n\x02second\x03 item", "<mark>second</mark> item"),
        # List items read apart, even without their own punctuation.
        ("Then:\n\x02take\x03 it\nwait\nAsk.", "<mark>take</mark> it · wait · Ask."),
        # A mark cut open is closed; a stray one is dropped; the text is escaped.
        ("<b>\x03 \x02x", "&lt;b&gt; <mark>x</mark>"),
        ("", ""),
    ],
)
def test_make_snippet(highlighted, expected):
    from articles.search import make_snippet

    assert make_snippet(highlighted) == expected


def test_the_readable_text_is_stored_and_refreshed_by_the_command(client):
    article = make_article(title="Kept")
    section = make_section(article, body="A *gentle* [start](https://example.org).")
    faq = make_faq(article, answer="- yes\n- no")
    assert section.body_text == "A gentle start."
    assert faq.answer_text == "yes\nno"

    Section.objects.filter(pk=section.pk).update(body="Changed **by SQL**.")
    call_command("refresh_articles", stdout=io.StringIO())

    section.refresh_from_db()
    assert section.body_text == "Changed by SQL."


# --- Did you mean -----------------------------------------------------------------------


def test_a_suggestion_is_never_shorter_than_the_word_asked(client):
    from articles.models import SearchSynonym

    SearchSynonym.objects.all().delete()  # no synonym to find "narcan" by
    make_article(title="Nar-Anon meetings", summary="Support for families.")

    content = search(client, "narcan").content.decode()

    assert "Did you mean" not in content
    assert "No articles matched “narcan”" in content


def test_no_suggestion_for_a_word_of_a_synonym_the_query_matched(client):
    from articles.models import SearchSynonym

    SearchSynonym.objects.all().delete()
    SearchSynonym.objects.create(terms="naloxone\nNarcan")
    make_article(title="Nar-Anon meetings", summary="Families get naloxone kits there.")

    assert "Did you mean" not in search(client, "narcan").content.decode()
    assert "No articles matched" not in search(client, "narcan").content.decode()
    # Another word of the same query may still be corrected; the synonym stays.
    content = search(client, "narcan familes").content.decode()
    assert 'Did you mean <a href="?q=narcan%20families">narcan families</a>?' in content


def test_suggestions_come_from_the_text_readers_see(client):
    article = make_article(title="Help", summary="Where to call.")
    make_section(article, body="Call the [helpline](https://example.org/recoveryhelpline).")

    assert "Did you mean" not in search(client, "recoveryhelpine").content.decode()
    suggested = search(client, "helpine").content.decode()
    assert 'Did you mean <a href="?q=helpline">helpline</a>?' in suggested
