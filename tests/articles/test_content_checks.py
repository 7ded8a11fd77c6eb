"""The content checks as pure functions: articles, sections and FAQs held in memory."""

import datetime
from types import SimpleNamespace

import pytest

from articles import content_checks as checks
from articles.models import FAQ, AllowedPhrase, Article, LanguageGuidance, Reviewer, Section


def article(**overrides):
    fields = {
        "title": "Supervised detox",
        "seo_title": "",
        "summary": "What happens in a medically supervised detox.",
        "reviewer": Reviewer(name="Dr. A. Reviewer", credentials="MD"),
        "reviewed_on": datetime.date(2026, 1, 5),
        "status": Article.Status.PUBLISHED,
    }
    fields.update(overrides)
    return Article(**fields)


def section(body="Plain text.", heading="Step one"):
    return Section(heading=heading, body=body)


def faq(answer="Yes.", question="Is it safe?"):
    return FAQ(question=question, answer=answer)


def codes(items):
    return [item.code for item in items]


def term(term, suggestion="better words", explanation="", context_words=""):
    return SimpleNamespace(
        term=term, suggestion=suggestion, explanation=explanation, context_words=context_words
    )


# --- Required before publishing -----------------------------------------------------


def test_a_complete_article_has_no_problems():
    assert checks.publishing_problems(article(), [section()], [faq()]) == []


def test_each_missing_requirement_is_one_problem_on_its_field():
    problems = checks.publishing_problems(
        article(reviewer=None, reviewed_on=None, summary="x"),
        [],
        [],
        seo_title_taken=True,
    )

    assert [(problem.code, problem.field) for problem in problems] == [
        ("missing_reviewer", "reviewer"),
        # Not a field of the form: only "Mark as reviewed" records a review.
        ("missing_review_date", ""),
        ("summary_not_a_sentence", "summary"),
        ("seo_title_taken", "seo_title"),
        ("no_sections", ""),
    ]
    assert set(codes(problems)) <= checks.PUBLISHING_CODES


def test_the_reviewer_check_reads_only_whether_the_field_is_filled():
    assert codes(checks.article_problems(article(reviewer=None))) == ["missing_reviewer"]
    assert checks.article_problems(article(reviewer=Reviewer(name="Dr. B"))) == []


def test_a_missing_review_says_how_one_is_recorded():
    problems = checks.article_problems(article(reviewed_on=None))

    assert codes(problems) == ["missing_review_date"]
    assert "Mark as reviewed" in problems[0].message


def test_messages_say_what_to_do():
    problems = checks.article_problems(article(reviewer=None, summary="Too short."))

    assert problems[0].message == "Choose the medical reviewer before publishing."
    assert "6 words or more" in problems[1].message


@pytest.mark.parametrize(
    ("summary", "is_sentence"),
    [
        ("What happens in a medically supervised detox.", True),
        ("Is withdrawal from heroin ever dangerous?", True),
        ("Call us now, day or night!", True),
        ('Doctors call it "the first step."', True),
        ("x", False),
        ("Withdrawal.", False),
        ("Five words and a stop.", False),
        ("A long summary that never ends with a stop", False),
        ("", False),
        (None, False),
    ],
)
def test_a_summary_is_a_sentence_with_enough_words_and_an_ending(summary, is_sentence):
    assert checks.is_a_sentence(summary) is is_sentence


def test_the_seo_title_message_names_the_title_search_engines_see():
    (problem,) = checks.article_problems(article(seo_title=""), seo_title_taken=True)
    assert "“Supervised detox”" in problem.message

    (problem,) = checks.article_problems(article(seo_title="Detox, safely"), seo_title_taken=True)
    assert "“Detox, safely”" in problem.message


def test_images_without_a_description_are_found_in_bodies():
    body = (
        "Text ![](first.png) and ![A nurse](second.png).\n\n"
        "- ![ ](third.jpg)\n\n"
        "> ![](quoted.webp)\n\n"
        "![](image:12)"
    )

    assert checks.images_without_alt(body) == ["first.png", "third.jpg", "quoted.webp", "image:12"]
    assert checks.images_without_alt("No pictures, ![a](b.png).") == []
    assert checks.images_without_alt("`![](in-code.png)`") == []


def test_an_image_without_description_in_a_section_or_answer_is_a_problem():
    problems = checks.publishing_problems(
        article(),
        [section("![](chart.png)", heading="Dose")],
        [faq("See ![](map.png)", question="Where?")],
    )

    assert codes(problems) == ["image_without_alt", "image_without_alt"]
    assert [(problem.field, problem.index) for problem in problems] == [("body", 0), ("answer", 0)]
    assert "chart.png" in problems[0].message and "“Dose”" in problems[0].message
    assert "map.png" in problems[1].message and "“Where?”" in problems[1].message


# --- Reading grade ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("cat", 1),
        ("the", 1),
        ("table", 2),
        ("water", 2),
        ("recovery", 4),
        ("medication", 4),
        ("made", 1),
        ("opioid", 3),
        ("2026", 1),
    ],
)
def test_syllables_are_estimated(word, syllables):
    assert checks.count_syllables(word) == syllables


def test_plain_short_sentences_read_below_grade_8():
    grade = checks.reading_grade("The test is quick. You give a small cup of urine. We call you.")
    assert grade is not None and grade < 4


def test_long_technical_sentences_read_above_grade_8():
    body = (
        "Physiological dependence develops through neuroadaptation in opioid receptor "
        "signalling pathways, producing characteristic withdrawal manifestations upon "
        "abrupt discontinuation of chronically administered medications."
    )
    assert checks.reading_grade(body) > checks.HIGHEST_ADVISED_GRADE


def test_the_grade_follows_the_flesch_kincaid_formula():
    # 2 sentences, 5 words, 12 syllables: 0.39 * 2.5 + 11.8 * 12 / 5 - 15.59 = 13.705
    assert checks.reading_grade("Recovery takes patience. Medication helps.") == 13.7
    # Very easy text does not go below zero.
    assert checks.reading_grade("Cats sit on mats. Dogs run.") == 0.0


def test_markdown_headings_links_and_code_are_not_measured():
    plain = "The test is quick. You give a small cup of urine."
    marked = (
        "### Extraordinarily complicated pharmacological terminology\n\n"
        "The **test** is [quick](https://example.org/extraordinarily-complicated). "
        "You give a small cup of urine.\n\n"
        "```\nneuroadaptation pharmacokinetics electrophysiological\n```"
    )
    assert checks.reading_grade(marked) == checks.reading_grade(plain)


def test_no_words_no_grade():
    assert checks.reading_grade("") is None
    assert checks.reading_grade("### Only a heading") is None


# --- Stigmatising language ----------------------------------------------------------

WORDS_MATTER = [
    term("addict", "person with a substance use disorder", "Put the person first."),
    term("former addict", "person in recovery"),
    term("abuser", "person who uses drugs"),
    term("substance abuse", "substance use"),
    term("clean", "testing negative", context_words="test, screen, urine, got, stay"),
    term("dirty", "testing positive", context_words="test, urine, came"),
]
NAMES = ["National Institute on Drug Abuse", "Narcotics Anonymous"]


def found(markdown, guidance=WORDS_MATTER, allowed=NAMES):
    return [note.message for note in checks.stigmatising_language(markdown, guidance, allowed)]


def test_a_listed_word_is_reported_with_its_suggestion_and_why():
    assert found("Every addict deserves care.") == [
        "“addict”: consider “person with a substance use disorder”. Put the person first."
    ]


@pytest.mark.parametrize(
    "text", ["Addicts need care.", "ADDICT", "two addicts", "Drug abusers", "substance  abuse"]
)
def test_words_are_matched_in_any_case_in_the_plural_and_across_spaces(text):
    assert len(found(text)) == 1


@pytest.mark.parametrize("text", ["addiction", "addictive drugs", "abused", "unclean", "cleaner"])
def test_only_whole_words_are_matched(text):
    assert found(text) == []


def test_the_longest_phrase_wins_and_each_wording_is_reported_once():
    messages = found("A former addict met another former addict and an addict.")

    assert messages == [
        "“former addict”: consider “person in recovery”.",
        "“addict”: consider “person with a substance use disorder”. Put the person first.",
    ]


def test_notes_come_in_the_order_of_the_text():
    messages = found("An abuser is not an addict.")
    assert [message.split("”")[0] for message in messages] == ["“abuser", "“addict"]


def test_names_quotations_and_blockquotes_are_allowed():
    text = (
        "The National Institute on Drug Abuse and Narcotics Anonymous help.\n\n"
        'He said "I was an addict" and we listened; “junk and addicts” too.\n\n'
        "> I was a drug abuser for ten years.\n\n"
        "`addict` in code"
    )
    assert found(text) == []
    # The same words outside the name are still reported.
    assert len(found("We treat drug abuse, not substance abuse.")) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Use clean needles from a needle exchange.",
        "Wash the dirty dishes.",
        "Keep the room clean. The test is on Monday.",
        "A clean, quiet room.",
    ],
)
def test_clean_and_dirty_in_their_ordinary_sense_are_fine(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Her urine test was clean.",
        "The screen came back dirty.",
        "He got clean last year.",
        "Staying clean is hard.",
        "The clean test result was a relief.",
    ],
)
def test_clean_and_dirty_for_test_results_and_recovery_are_reported(text):
    assert len(found(text)) == 1


def test_an_entry_without_words_finds_nothing():
    assert found("Anything at all.", guidance=[term("  ")]) == []


@pytest.mark.django_db
def test_the_seeded_list_applies_nidas_guidance():
    guidance = list(LanguageGuidance.objects.active())
    allowed = list(AllowedPhrase.objects.values_list("phrase", flat=True))

    def seeded(text):
        return [note.message for note in checks.stigmatising_language(text, guidance, allowed)]

    assert "person with a substance use disorder" in seeded("He was an addict.")[0]
    assert "person in recovery" in seeded("She is a former addict.")[0]
    assert "testing negative" in seeded("Her urine screen was clean.")[0]
    assert "medication for opioid use disorder" in seeded("Opioid replacement therapy")[0]
    assert "alcohol use disorder" in seeded("My father was an alcoholic.")[0]
    assert len(seeded("The junkie and the drug user.")) == 2
    assert seeded("Use clean needles; wash dirty dishes.") == []
    assert seeded("Alcoholics Anonymous and the National Institute on Drug Abuse.") == []
    assert seeded("The Substance Abuse and Mental Health Services Administration.") == []
    assert seeded("A user of the website.") == []


# --- Headings, links, paragraphs ----------------------------------------------------


def test_a_body_heading_may_start_at_three_hashes_and_go_one_deeper():
    assert checks.heading_skips("### A\n\ntext\n\n#### B\n\n### C\n\n#### D") == []
    # # and ## are shown as level 3 in a body.
    assert checks.heading_skips("## A\n\n#### B") == []


def test_headings_skipping_a_level_are_reported_with_the_right_level():
    notes = checks.heading_skips("#### Too deep\n\n### Fine\n\n##### Skips")

    assert codes(notes) == ["heading_skips_level", "heading_skips_level"]
    assert "“Too deep”" in notes[0].message and "make it ###" in notes[0].message
    assert "“Skips”" in notes[1].message and "make it ####" in notes[1].message


def test_links_without_text_are_reported():
    notes = checks.empty_links("[](https://a.example) [ ](b) [text](c) [![Logo](l.png)](d)")

    assert codes(notes) == ["empty_link", "empty_link"]
    assert "https://a.example" in notes[0].message


def test_a_linked_image_without_description_is_an_empty_link():
    assert codes(checks.empty_links("[![](logo.png)](https://example.org)")) == ["empty_link"]


def test_paragraphs_over_the_limit_are_reported_with_their_length():
    limit = checks.LONGEST_ADVISED_PARAGRAPH
    fine = " ".join(["word"] * limit)
    long = " ".join(["long"] * (limit + 30))

    notes = checks.long_paragraphs(f"{fine}\n\n{long}")

    assert codes(notes) == ["long_paragraph"]
    assert f"has {limit + 30} words" in notes[0].message
    assert "“long long long long long long…”" in notes[0].message


# --- The report -----------------------------------------------------------------------


def test_the_report_has_one_part_per_section_and_answer_in_page_order():
    hard = (
        "Physiological dependence develops through neuroadaptation in opioid receptor "
        "signalling pathways, producing characteristic withdrawal manifestations."
    )
    report = checks.advisory_report(
        [section("An addict can get well. We help.", heading="One"), section(hard, heading="Two")],
        [faq("#### Skipped\n\nYes.", question="Really?")],
        WORDS_MATTER,
        NAMES,
    )

    assert [(part.kind, part.title) for part in report] == [
        ("section", "One"),
        ("section", "Two"),
        ("faq", "Really?"),
    ]
    assert codes(report[0].notes) == ["stigmatising_language"]
    assert report[0].grade_is_high is False
    assert report[1].notes == [] and report[1].grade_is_high is True
    assert codes(report[2].notes) == ["heading_skips_level"]
