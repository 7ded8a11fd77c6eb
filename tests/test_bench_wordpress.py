"""The WordPress import step of make bench (scripts/bench/wordpress.py): what it reads
from the import and the database, what it judges, and how it measures a child. The
timed run itself is a report, run by hand."""

import copy
import sys

import pytest
from django.db import connection

from scripts.bench import wordpress
from scripts.generate_wxr import generate_export
from wordpress.importer import import_file


def imported(path, **options):
    """import_file() as the bench sees a run: the report's tallies and the rows the
    database gained."""
    with connection.cursor() as cursor:
        before = wordpress.row_counts(cursor)
    report = import_file(path, **options)
    with connection.cursor() as cursor:
        after = wordpress.row_counts(cursor)
    return {
        "tallies": wordpress.tallies(report.as_text()),
        "gained": wordpress.gained(before, after),
    }


@pytest.fixture
def runs(db, tmp_path):
    """A small generated export: dry run, first import, same file again."""
    path = tmp_path / "export.xml"
    path.write_bytes(generate_export(posts=5, comments=30, seed=2))
    return [imported(path, dry_run=True), imported(path), imported(path)]


def test_a_dry_run_a_first_import_and_the_same_file_again_pass_the_checks(runs):
    dry_run, first, again = runs

    assert wordpress.check(dry_run, first, again) == []
    assert first["tallies"]["posts"]["created"] == 5
    assert first["gained"]["articles_article"] == 5
    assert first["gained"]["comments_comment"] == first["tallies"]["comments"]["created"] > 0
    assert first["gained"][wordpress.OLD_ADDRESSES] > 5
    assert again["tallies"]["comments"]["unchanged"] == first["tallies"]["comments"]["created"]
    assert wordpress.result(first).startswith("5 posts (")
    assert wordpress.result(again) == "everything unchanged, no row added"
    assert wordpress.result(dry_run).endswith("; no row left behind")


@pytest.mark.parametrize(
    ("run", "change", "problem"),
    [
        (0, lambda run: run["gained"].update(articles_article=1), "the dry run left rows"),
        (0, lambda run: run["tallies"]["pages"].update(created=9), "dry run's report differs"),
        (1, lambda run: run["gained"].update(comments_comment=0), "comments: the report says"),
        (2, lambda run: run["tallies"]["posts"].update(updated=1), "posts again"),
        (2, lambda run: run["tallies"]["topics"].update(unchanged=0), "topics again"),
        (2, lambda run: run["gained"].update(pages_page=1), "importing again added rows"),
    ],
)
def test_a_run_unlike_its_report_fails_the_checks(runs, run, change, problem):
    runs = copy.deepcopy(runs)
    change(runs[run])

    problems = wordpress.check(*runs)

    assert len(problems) == 1
    assert problem in problems[0]


def test_a_report_without_its_table_stops_the_run():
    with pytest.raises(SystemExit, match="no full report"):
        wordpress.tallies("CommandError: export.xml: not a WordPress export\n")


@pytest.mark.parametrize(("seconds", "verdict"), [(59.9, "| met |"), (60.0, "| **not met** |")])
def test_the_target_is_a_first_import_under_a_minute(runs, seconds, verdict):
    figures = [dict(run, wall=1.0, cpu=1.0, database=0.5, rss_mb=100) for run in runs]
    figures[1]["wall"] = seconds
    named = list(zip([name for name, _options in wordpress.RUNS], figures, strict=True))

    lines = wordpress.section(named, 25.4, "15", "1.00, 1.00, 1.00", [], "")

    target = next(line for line in lines if line.startswith("| First import < 60 s"))
    assert target.endswith(verdict)
    assert "Checks: the dry run left no row behind" in lines[-1]


def test_failed_checks_are_written_into_the_section(runs):
    figures = [dict(run, wall=1.0, cpu=1.0, database=0.5, rss_mb=100) for run in runs]
    named = list(zip([name for name, _options in wordpress.RUNS], figures, strict=True))

    lines = wordpress.section(named, 25.4, "15", "1.00", ["posts again: updated"], "")

    assert lines[-1] == "Checks: **failed**: posts again: updated."


def test_each_child_is_measured_alone(tmp_path):
    big = "data = b'x' * (120 * 2**20); total = sum(range(10**6))"
    first = wordpress.run_child([sys.executable, "-c", big], None, tmp_path / "big.txt")
    second = wordpress.run_child(
        [sys.executable, "-c", "raise SystemExit(3)"], None, tmp_path / "small.txt"
    )

    assert first["status"] == 0
    assert first["rss_mb"] >= 120
    assert first["cpu"] > 0
    # Not the largest of all children so far, as RUSAGE_CHILDREN would say.
    assert second["rss_mb"] < 100
    assert second["status"] == 3
