"""Search in readers' words: synonym groups editors keep, applied to every query."""

import html
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.models import Article, SearchSynonym
from core.models import SiteSettings
from pages.models import footer_links
from tests.factories import make_article, make_faq, make_section

pytestmark = pytest.mark.django_db

RESULT_TITLE = re.compile(r'<li class="search-result">\s*<h2><a href="[^"]*">([^<]*)</a></h2>')


def search(client, q, **params):
    response = client.get(reverse("articles:search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def titles(response):
    return [html.unescape(title) for title in RESULT_TITLE.findall(response.content.decode())]


def add_group(*terms):
    return SearchSynonym.objects.create(terms="\n".join(terms))


@pytest.fixture
def synonyms():
    """The groups these tests use, whatever the seeded table holds."""
    SearchSynonym.objects.all().delete()
    return [
        add_group("naloxone", "Narcan"),
        add_group("buprenorphine", "Suboxone", "Subutex", "Sublocade"),
        add_group("naltrexone", "Vivitrol"),
        add_group(
            "medications for opioid use disorder", "MOUD", "MAT", "medication-assisted treatment"
        ),
        add_group("opioid use disorder", "OUD"),
    ]


@pytest.fixture
def library(synonyms):
    bup = make_article(title="Starting treatment", summary="Your first weeks.")
    make_section(bup, heading="The first dose", body="Buprenorphine is taken under the tongue.")
    nal = make_article(title="Overdose kits", summary="Keep one at home.")
    make_faq(nal, question="Where do I get it?", answer="Pharmacies sell naloxone.")
    make_article(title="Methadone clinics", summary="Daily dosing with buprenorphine as an option.")
    make_article(title="Monthly shots", summary="Vivitrol is given once a month.")
    moud = make_article(title="Treatment that works", summary="Plain facts.")
    make_section(moud, heading="Evidence", body="MOUD halves the risk of death.")
    oud = make_article(title="Diagnosis", summary="What clinicians look for.")
    make_section(oud, heading="Criteria", body="Opioid use disorder is a treatable illness.")
    return {"bup": bup, "nal": nal, "moud": moud, "oud": oud}


def test_the_migration_seeds_the_common_names_and_leaves_out_false_friends():
    groups = [group.term_list for group in SearchSynonym.objects.all()]
    by_term = {term.lower(): terms for terms in groups for term in terms}

    assert {"naloxone", "Narcan"} <= set(by_term["narcan"])
    assert {"buprenorphine", "Suboxone", "Subutex", "Sublocade"} <= set(by_term["suboxone"])
    assert {"MOUD", "MAT", "medication-assisted treatment"} <= set(by_term["moud"])
    assert {"fentanyl", "fent"} <= set(by_term["fent"])
    assert "detox" not in by_term  # care during withdrawal, not another word for it
    assert "meth" not in by_term  # said for methamphetamine and for methadone


def test_a_brand_name_finds_the_generic_names_article_and_highlights_it(client, library):
    response = search(client, "suboxone")
    content = response.content.decode()

    # The summary (weight B) outranks a section's text (weight C).
    assert titles(response) == ["Methadone clinics", "Starting treatment"]
    section = library["bup"].sections.get()
    assert f'href="{library["bup"].get_absolute_url()}#{section.anchor}"' in content
    assert "<mark>Buprenorphine</mark> is taken under the tongue." in content
    assert "Also searched for: buprenorphine, Subutex, Sublocade." in content
    assert "Did you mean" not in content


def test_narcan_finds_naloxone_and_any_name_finds_the_others(client, library):
    assert titles(search(client, "narcan")) == ["Overdose kits"]
    assert titles(search(client, "Narcan")) == ["Overdose kits"]
    assert titles(search(client, "naloxone")) == ["Overdose kits"]
    assert "Did you mean" not in search(client, "narcan").content.decode()
    assert "Monthly shots" in titles(search(client, "naltrexone"))


def test_phrases_and_abbreviations_find_each_other(client, library):
    assert titles(search(client, "medication assisted treatment")) == ["Treatment that works"]
    assert titles(search(client, "MAT")) == ["Treatment that works"]
    # The longest term wins: not "opioid use disorder" inside the longer phrase.
    found = titles(search(client, "medications for opioid use disorder"))
    assert found[0] == "Treatment that works"
    assert titles(search(client, "OUD")) == ["Diagnosis"]
    assert titles(search(client, "opioid use disorders")) == ["Diagnosis"]
    assert titles(search(client, '"oud"')) == ["Diagnosis"]


def test_a_term_is_only_a_synonym_as_whole_words(client, library):
    # "use" is part of a term, but alone it is just a word.
    assert "Diagnosis" in titles(search(client, "opioid use"))
    assert "Also searched for" not in search(client, "opioid use").content.decode()


def test_web_search_syntax_still_works_with_synonyms(client, library):
    # Exclusion widens to the whole group, as inclusion does.
    assert titles(search(client, "suboxone -methadone")) == ["Starting treatment"]
    assert titles(search(client, "buprenorphine -suboxone")) == []
    assert set(titles(search(client, "narcan or vivitrol"))) == {"Overdose kits", "Monthly shots"}
    assert titles(search(client, "narcan pharmacies")) == ["Overdose kits"]
    assert titles(search(client, "narcan tongue")) == []
    assert set(titles(search(client, '"under the tongue" or narcan'))) == {
        "Starting treatment",
        "Overdose kits",
    }


def test_a_group_added_in_the_admin_takes_effect_at_once(client, admin_client, synonyms):
    make_article(title="Calmer days", summary="Lofexidine eases withdrawal symptoms.")
    assert titles(search(client, "lucemyra")) == []  # the groups are now cached

    response = admin_client.post(
        reverse("admin:articles_searchsynonym_add"),
        {"terms": "lofexidine, Lucemyra"},
    )
    assert response.status_code == 302
    assert titles(search(client, "lucemyra")) == ["Calmer days"]

    group = SearchSynonym.objects.get(terms__contains="Lucemyra")
    response = admin_client.post(
        reverse("admin:articles_searchsynonym_delete", args=[group.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert titles(search(client, "lucemyra")) == []


def test_an_edit_in_the_admin_takes_effect_at_once(client, admin_client, library, synonyms):
    group = synonyms[2]  # naltrexone, Vivitrol
    assert titles(search(client, "revia")) == []

    response = admin_client.post(
        reverse("admin:articles_searchsynonym_change", args=[group.pk]),
        {"terms": "naltrexone\nVivitrol\nReVia"},
    )

    assert response.status_code == 302
    assert "Monthly shots" in titles(search(client, "revia"))
    group.refresh_from_db()
    assert group.terms == "naltrexone\nVivitrol\nReVia"


def test_editors_manage_synonyms_and_moderators_cannot(client):
    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    editor.groups.set(Group.objects.filter(name="Editors"))
    moderator = User.objects.create_user("moderator", password="pw", is_staff=True)
    moderator.groups.set(Group.objects.filter(name="Moderators"))

    client.force_login(editor)
    assert client.get(reverse("admin:articles_searchsynonym_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_searchsynonym_add")).status_code == 200
    client.force_login(moderator)
    assert client.get(reverse("admin:articles_searchsynonym_add")).status_code == 403


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        ("naloxone", "too_few_terms"),
        ("Narcan, narcan", "too_few_terms"),
        (", ,\n", "too_few_terms"),
        ("one two three four five six seven, short", "term_too_long"),
        ("NARCAN, nasal spray", "term_in_other_group"),
    ],
)
def test_a_group_needs_two_terms_of_a_few_words_in_no_other_group(synonyms, terms, code):
    with pytest.raises(ValidationError) as raised:
        SearchSynonym(terms=terms).full_clean()

    assert code in [error.code for error in raised.value.error_dict["terms"]]


def test_a_group_is_tidied_to_one_term_a_line(synonyms):
    group = SearchSynonym(terms="  fentanyl ,\n\nfent,  Fentanyl  ")
    group.full_clean()

    assert group.terms == "fentanyl\nfent"
    assert str(group) == "fentanyl / fent"
    assert group.get_absolute_url() == "/search/?q=fentanyl"
    # Editing a group keeps its own terms.
    synonyms[0].full_clean()


def test_the_groups_are_read_once_then_from_the_cache(client, library, django_assert_num_queries):
    SiteSettings.load()
    footer_links()
    # The synonym groups, then the count, the page, its sections and its FAQs, and the
    # matching site pages.
    with django_assert_num_queries(6):
        search(client, "suboxone")
    with django_assert_num_queries(5):
        search(client, "narcan")


def test_without_the_page_cache_the_groups_are_read_each_time(
    client, settings, library, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    SiteSettings.load()
    footer_links()
    for q in ("suboxone", "narcan"):
        with django_assert_num_queries(6):
            search(client, q)


@pytest.mark.parametrize(
    "q",
    [
        "suboxone'",
        "'suboxone",
        '"suboxone',
        'sub"oxone',
        '""',
        '" "',
        "suboxone:*",
        "suboxone:A",
        "narcan & vivitrol",
        "narcan | vivitrol",
        "!narcan",
        "narcan !",
        "-",
        "--narcan",
        "- - narcan",
        '-"narcan"',
        "or",
        "narcan or",
        "or narcan or or",
        "(narcan",
        "narcan) <-> (vivitrol",
        "\\",
        "narcan\\",
        "%_%",
        "$1",
        "%(now)s",
        "naloxone " * 40,
        "Narcan " + "x" * 300,
        "ñandú naïve café",
        "налоксон",
        "纳洛酮",
        "نالوكسون",
        "💊 narcan 💊",
        "ｎａｒｃａｎ",
        "medication-assisted",
        "-medication-assisted treatment",
        "opioid use disorder disorder use opioid",
    ],
)
def test_odd_queries_never_break_the_search(client, library, q):
    response = search(client, q)

    assert "<h1>Search" in response.content.decode()
    assert Article.objects.count() == 6


def test_fullwidth_and_odd_cases_still_find_the_group(client, library):
    assert titles(search(client, "ｎａｒｃａｎ")) == ["Overdose kits"]
    assert titles(search(client, "--narcan")) == ["Overdose kits"]
    assert titles(search(client, "- - narcan")) == ["Overdose kits"]
