"""Crisis language (comments/crisis.py): the project's test set, category by category,
and the guards that keep the same words without a present risk from being urgent."""

from collections import Counter

import pytest

from comments.crisis import (
    INTENT,
    MODERATORS_LIST,
    OVERDOSE,
    PLAN,
    SELF_HARM,
    SLANG,
    VEILED,
    findings,
    is_crisis,
    normalise_words,
)
from tests.comments.crisis_examples import CRISIS, ORDINARY


def categories(text, extra=()):
    return {finding.category for finding in findings(text, extra)}


# --- The test set ----------------------------------------------------------------------


def test_the_test_set_is_big_enough_and_covers_every_kind():
    assert len(CRISIS) >= 60 and len(ORDINARY) >= 40
    assert len({text for _kind, text in CRISIS + ORDINARY}) == len(CRISIS) + len(ORDINARY)
    crisis_kinds = Counter(kind for kind, _text in CRISIS)
    ordinary_kinds = Counter(kind for kind, _text in ORDINARY)
    assert set(crisis_kinds) == {
        "intent",
        "veiled",
        "plan",
        "self_harm",
        "overdose",
        "slang",
        "misspelled",
    }
    assert min(crisis_kinds.values()) >= 5
    assert set(ordinary_kinds) == {"idiom", "past", "grief", "question", "ordinary"}
    assert min(ordinary_kinds.values()) >= 5


def test_at_least_90_percent_of_crisis_comments_and_at_most_10_percent_of_ordinary_are_urgent(
    record_property,
):
    missed = [text for _kind, text in CRISIS if not is_crisis(text)]
    flagged = [text for _kind, text in ORDINARY if is_crisis(text)]

    caught_rate = 1 - len(missed) / len(CRISIS)
    flagged_rate = len(flagged) / len(ORDINARY)
    # The figures, for the README (pytest --junitxml shows them).
    record_property("crisis_caught", f"{caught_rate:.1%}")
    record_property("ordinary_flagged", f"{flagged_rate:.1%}")
    assert caught_rate >= 0.9, missed
    assert flagged_rate <= 0.1, flagged


# --- The four messages the old phrase list missed --------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Some days I feel nobody would miss me", VEILED),
        ("Honestly I just want to end it all", VEILED),
        ("kms", SLANG),
        ("I keep thinking about suicde", INTENT),
    ],
)
def test_the_messages_the_phrase_list_missed_are_caught(text, category):
    assert category in categories(text)


# --- Categories --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to end my life tonight.", INTENT),
        ("I don't want to live anymore.", INTENT),
        ("I feel suicidal.", INTENT),
        ("I'm such a burden to my family.", VEILED),
        ("They'd all be better off without me.", VEILED),
        ("I want to go to sleep and never wake up.", VEILED),
        ("I just want to disappear.", VEILED),
        ("My pills are all lined up.", PLAN),
        ("I bought a gun this morning.", PLAN),
        ("I'm standing on the bridge.", PLAN),
        ("I wrote a suicide note.", PLAN),
        ("Goodbye everyone.", PLAN),
        ("I keep cutting myself.", SELF_HARM),
        ("I want to hurt myself.", SELF_HARM),
        ("He is not breathing!", OVERDOSE),
        ("Her lips are blue.", OVERDOSE),
        ("My friend won't wake up.", OVERDOSE),
        ("I think I took too much.", OVERDOSE),
        ("thinking about ctb", SLANG),
        ("I want to unalive myself", SLANG),
        ("sewer slide", SLANG),
    ],
)
def test_each_category_is_recognised(text, category):
    assert category in categories(text)


# --- Normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO KILL MYSELF",
        "i want to kil myself",
        "i want to kiiiill myselfff",
        "i want to k1ll mys3lf",
        "i want to k!ll my$elf",
        "i want to kill my self",
        "i want to kill myslef",
        "I want to kíll myself",
    ],
)
def test_case_repeated_letters_leetspeak_spacing_and_accents_are_read_through(text):
    assert INTENT in categories(text)


def test_normalising_words():
    assert normalise_words("Don\u2019t   k1ll\nME!!") == "dont kil me"


@pytest.mark.parametrize("text", ["suicde", "sucide", "suiside", "suicidal", "suicidel"])
def test_misspellings_of_suicide(text):
    assert is_crisis(f"I keep thinking about {text}.")


def test_a_single_line_break_does_not_split_a_sentence():
    assert is_crisis("I think she took too\nmany of them")


# --- Guards: the same words without a present risk ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Killer article!",
        "I'm dying to know what the study found.",
        "This killed me, thank you.",
        "I almost killed myself laughing.",
        "I ran 10 kms this morning.",
        "Cutting myself some slack today.",
        "I want to take my life back.",
    ],
)
def test_idioms_are_not_urgent(text):
    assert not is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "I overdosed two years ago.",
        "When I was using I wanted to die.",
        "I used to cut myself.",
        "Back then I thought about suicide every day.",
        "In 2018 I took too much and woke up in the ER.",
    ],
)
def test_the_past_told_in_recovery_is_not_urgent(text):
    assert not is_crisis(text)


def test_the_present_brings_a_past_sentence_back():
    assert is_crisis("Years ago I got clean, but right now I took too much.")
    assert is_crisis("I used before, and he stopped breathing 10 minutes ago.")


@pytest.mark.parametrize(
    "text",
    [
        "My brother died of an overdose.",
        "We lost our daughter to suicide in the spring.",
        "At his funeral they said he stopped breathing in his sleep.",
    ],
)
def test_grief_is_not_urgent(text):
    assert not is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "How much naloxone is in one spray?",
        "Can you overdose on methadone?",
        "What happens if someone took too much buprenorphine?",
        "If someone is not breathing, should you give naloxone first?",
    ],
)
def test_general_questions_about_medicines_are_not_urgent(text):
    assert not is_crisis(text)


def test_a_question_about_someone_beside_the_writer_stays_urgent():
    assert is_crisis("My friend is not breathing, how much naloxone do I give?")
    assert is_crisis("He took too much, what should I do?")


def test_a_guard_holds_only_for_its_own_sentence():
    assert is_crisis("I overdosed two years ago. Tonight I took too much again.")
    assert is_crisis("My brother died last year. I don't want to live anymore.")


# --- The moderators' own phrases ------------------------------------------------------------


def test_moderators_phrases_are_read_like_the_comment_and_need_no_guard():
    extra = ["Blue Heron", "night night forever"]

    assert categories("Going to the blue heron", extra) == {MODERATORS_LIST}
    assert categories("going to the BLUE HERRON", extra) == {MODERATORS_LIST}
    assert categories("Years ago: night-night forever", extra) == {MODERATORS_LIST}
    assert categories("A heron flew by", extra) == set()
    assert categories("A blue heronry", extra) == set()


def test_no_phrases_and_blank_phrases_are_fine():
    assert not is_crisis("Thank you.", ["", "  "])
    assert not is_crisis("")
