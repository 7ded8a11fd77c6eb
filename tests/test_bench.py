"""The parts of scripts/bench/ that a wrong edit would silently break (make bench
itself is a report, run by hand, not a test)."""

import re

import pytest
from django.db import connection

from scripts.bench import BASE_DIR, database, load, measure, report
from tests.factories import make_article, make_comment

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:41941/articles/heroin-withdrawal-physiology/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.22ms   12.04ms 210.50ms   80.12%
    Req/Sec   257.31     40.22   350.00     70.00%
  Latency Distribution
     50%   29.90ms
     75%   36.10ms
     90%   47.30ms
     99%    1.20s
  5590 requests in 10.01s, 105.12MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    558.62
Transfer/sec:     10.50MB
"""


def test_wrk_output_is_read_with_units_and_errors():
    result = load.parse_wrk(WRK_OUTPUT)

    assert result == {
        "rps": 558.62,
        "requests": 5590,
        "p50": 29.9,
        "p90": 47.3,
        "p99": 1200.0,
        "errors": 7,
    }


def test_results_replace_only_their_own_section(tmp_path, monkeypatch):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\nIntro.\n\n<!-- bench:results:start -->\nold\n"
        "<!-- bench:results:end -->\n\nNotes written by hand.\n"
    )
    monkeypatch.setattr(report, "DOC", doc)

    report.write_section("results", ["| new |"])
    report.write_section("grid", ["| grid |"])

    assert doc.read_text() == (
        "# Benchmarks\n\nIntro.\n\n<!-- bench:results:start -->\n| new |\n"
        "<!-- bench:results:end -->\n\nNotes written by hand.\n\n"
        "<!-- bench:grid:start -->\n| grid |\n<!-- bench:grid:end -->\n"
    )


def test_the_bench_database_sits_beside_the_configured_one():
    assert (
        database.with_database("postgresql://postgres:@/recovery_site?host=/srv/.pgdata", "x")
        == "postgresql://postgres:@/x?host=/srv/.pgdata"
    )
    assert (
        database.with_database("postgres://postgres@127.0.0.1:5432/test", "recovery_bench")
        == "postgres://postgres@127.0.0.1:5432/recovery_bench"
    )


def test_socket_errors_are_summed_from_wrk_output():
    assert load.socket_errors(WRK_OUTPUT) == 3
    assert load.socket_errors("Requests/sec: 10\n") == 0


@pytest.mark.parametrize(
    ("accepted", "stored", "duplicated", "verdict"),
    [
        (100, 100, 0, True),
        (100, 108, 0, True),  # one post per connection still in flight when wrk stopped
        (100, 99, 0, False),  # an accepted comment is missing
        (100, 109, 0, False),  # more stored than could have been in flight
        (100, 100, 1, False),  # a comment stored twice
    ],
)
def test_each_accepted_comment_must_be_stored_once(accepted, stored, duplicated, verdict):
    posts = {"accepted": accepted, "stored": stored, "duplicated": duplicated}
    assert load.stored_exactly_once(posts) is verdict


@pytest.mark.django_db
def test_stored_comments_are_counted_by_the_runs_marker_with_extra_copies():
    article = make_article()
    for number in (1, 2, 3):
        make_comment(article, body=f"Reader 1 says thank you, note {number} of run ab12cd34.")
    make_comment(article, body="Reader 1 says thank you, note 3 of run ab12cd34.")
    make_comment(article, body="Reader 1 says thank you, note 1 of run ffff0000.")

    with connection.cursor() as cursor:
        assert database.stored_comments(cursor, "ab12cd34") == (4, 1)
        assert database.stored_comments(cursor, "ffff0000") == (1, 0)
        # A marker is matched as text, never as a LIKE pattern.
        assert database.stored_comments(cursor, "%") == (0, 0)


FRONT_LOG = """\
127.0.0.1 [29/Nov/2026:16:45:21 +0000] "GET /articles/a/ HTTP/1.1" 200 5120 0.004 MISS 200 "wrk"
127.0.0.1 [29/Nov/2026:16:45:22 +0000] "GET /articles/a/ HTTP/1.1" 200 5120 0.000 HIT - "wrk"
127.0.0.1 [29/Nov/2026:16:45:23 +0000] "GET /articles/a/ HTTP/1.1" 200 5120 0.000 STALE - "wrk"
127.0.0.1 [29/Nov/2026:16:45:23 +0000] "GET /articles/a/ HTTP/1.1" 200 5120 0.000 HIT - "wrk"
127.0.0.1 [29/Nov/2026:16:45:24 +0000] "POST /comments/post/a/ HTTP/1.1" 302 0 0.006 - 302 "wrk"
"""


def test_front_cache_statuses_are_counted_from_its_access_log():
    assert measure.cache_statuses(FRONT_LOG) == {"MISS": 1, "HIT": 2, "STALE": 1, "-": 1}


def test_the_front_logs_what_the_bench_reads():
    # The bench counts cache statuses in the lines of deploy/nginx.conf's log_format.
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    log_format = "".join(re.findall(r"'([^']*)'", site.split("log_format recovery_site", 1)[1]))

    assert log_format.startswith(
        '[$time_local] "$request" $status $body_bytes_sent $request_time $upstream_cache_status '
    )
    # Nothing that identifies a reader.
    assert "$remote_addr" not in log_format and "$http_user_agent" not in log_format
    line = '[29/Nov/2026:17:00:00 +0000] "GET /articles/x/ HTTP/1.1" 200 18840 0.000 HIT -\n'
    assert measure.cache_statuses(line) == {"HIT": 1}


def figures(rps, p99=10.0):
    return {"rps": rps, "p99": p99}


@pytest.mark.parametrize(
    ("returning", "verdict"),
    [
        (figures(260, p99=90), "met"),
        (figures(240, p99=90), "**not met**"),
        (figures(400, p99=120), "**not met**"),
    ],
)
def test_the_returning_commenter_is_judged_on_requests_and_p99(returning, verdict):
    rows = [
        (report.UNCACHED, 16, figures(160)),
        (report.ANONYMOUS_FRONT, 16, figures(45_000)),
        (report.STATIC_NGINX, 16, figures(50_000)),
        (report.RETURNING_FRONT, 16, returning),
    ]
    posts = {"rps": 230, "accepted": 100, "stored": 100, "duplicated": 0}
    weights = {"HTML": (1, 90_000, 18_000)}

    lines = report.targets(rows, posts, weights, transfer=30_000, has_nginx=True)

    cells = {line.split(" | ")[0].lstrip("| "): line.rsplit(" | ", 1)[1] for line in lines[2:]}
    assert cells == {
        "Anonymous article via the nginx front / nginx static file, 16 clients: ≥ 0.80": "met |",
        "Returning commenter's article (personal), 16 clients: ≥ 250 requests/s, "
        "p99 < 100 ms": f"{verdict} |",
        "Article fully uncached (`PAGE_CACHE_SECONDS=0`), 16 clients: ≥ 153 requests/s": "met |",
        "Comment POSTs, 8 clients: ≥ 221 accepted/s, each stored once": "met |",
        "HTML < 20 KB compressed with 50 comments": "met |",
        "Total transfer < 75.6 KB (WordPress)": "met |",
    }
