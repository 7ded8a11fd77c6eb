"""The parts of make loadtest that count (scripts/bench/loadtest.py): what wrk's Lua
scripts report and the comment accounting (the load test itself is run by hand)."""

from collections import Counter

import pytest

from scripts.bench import BASE_DIR, loadtest

READERS_OUTPUT = """Running 1m test @ http://127.0.0.1:40000/
  2 threads and 32 connections
Requests/sec:    812.40
loadtest-readers 2xx=48700 3xx=12 4xx=3 5xx=1
"""

POSTS_OUTPUT = """Running 1m test @ http://127.0.0.1:40000/
  8 threads and 8 connections
bench-posts accepted=9 refused=2
loadtest-posts reader=1 sent=5 refused=2:429, lost= in_flight=
loadtest-posts reader=2 sent=4 refused=3:503, lost=1, in_flight=4
"""


def test_reader_answers_are_read_by_status_class():
    assert loadtest.reader_statuses(READERS_OUTPUT) == {
        "2xx": 48700,
        "3xx": 12,
        "4xx": 3,
        "5xx": 1,
    }
    with pytest.raises(ValueError):
        loadtest.reader_statuses("Requests/sec: 10\n")


def test_each_commenters_refused_lost_and_in_flight_notes_are_read():
    assert loadtest.post_outcomes(POSTS_OUTPUT) == {
        1: {"sent": 5, "refused": {2: 429}, "unanswered": set()},
        2: {"sent": 4, "refused": {3: 503}, "unanswered": {1, 4}},
    }


def body(reader, note, marker="ab12cd34"):
    return f"Reader {reader} says thank you, note {note} of run {marker}."


def test_the_note_format_is_the_one_bench_posts_writes():
    script = (BASE_DIR / "scripts" / "bench_posts.lua").read_text()

    assert '"Reader " .. reader .. " says thank you, note " .. sent' in script
    assert '" of run " .. marker .. "."' in script


def test_stored_bodies_are_counted_by_reader_and_note():
    bodies = [body(1, 1), body(1, 1), body(2, 7), body(1, 3, marker="ffff0000"), "Other"]

    assert loadtest.stored_notes(bodies, "ab12cd34") == Counter(
        {(1, 1): 2, (2, 7): 1, (None, body(1, 3, marker="ffff0000")): 1, (None, "Other"): 1}
    )


# Reader 1 sent notes 1-5 (2 refused); reader 2 sent 1-4 (3 refused, 1 lost, 4 in flight).
EVERY_ACCEPTED_ONCE = [(1, 1), (1, 3), (1, 4), (1, 5), (2, 2)]


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        (EVERY_ACCEPTED_ONCE, None),
        (EVERY_ACCEPTED_ONCE + [(2, 1), (2, 4)], None),  # unanswered, stored all the same
        (EVERY_ACCEPTED_ONCE[1:], "missing"),
        (EVERY_ACCEPTED_ONCE + [(1, 3)], "duplicated"),
        (EVERY_ACCEPTED_ONCE + [(2, 4), (2, 4)], "duplicated"),
        (EVERY_ACCEPTED_ONCE + [(1, 2)], "refused_stored"),
        (EVERY_ACCEPTED_ONCE + [(3, 1)], "stray"),
    ],
)
def test_every_accepted_comment_is_stored_once_and_no_refused_one(stored, problem):
    tally = loadtest.account(loadtest.post_outcomes(POSTS_OUTPUT), Counter(stored))

    assert tally["accepted"] == 5 and tally["refused"] == 2 and tally["unanswered"] == 2
    assert tally["refused_5xx"] == 1
    assert tally["ok"] is (problem is None)
    problems = {key for key in ("missing", "duplicated", "refused_stored", "stray") if tally[key]}
    assert problems == ({problem} if problem else set())


def test_server_errors_or_a_bad_count_fail_the_run():
    clean = {"2xx": 100, "3xx": 0, "4xx": 0, "5xx": 0}
    tally = {"refused_5xx": 0, "ok": True}

    assert loadtest.verdict(clean, tally) == "passed"
    assert loadtest.verdict(dict(clean, **{"5xx": 1}), tally) == "**failed**: server errors (5xx)"
    assert loadtest.verdict(clean, {"refused_5xx": 1, "ok": False}) == (
        "**failed**: server errors (5xx), comments not stored exactly as answered"
    )
