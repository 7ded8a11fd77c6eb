"""`make loadtest` (python -m scripts.bench --loadtest): readers and commenters at once
against the production configuration, through the nginx front.

32 wrk connections read (scripts/loadtest_readers.lua: the home page, the article
list, topics, every demo article and searches, in turn) while 8 post distinct
comments (scripts/loadtest_posts.lua, bench_posts.lua's comments with one connection
per thread), for 60 s. It reports requests/s and p50/p99 of each group, the server
errors (there must be none), and the comment accounting: every comment answered with
a 302 must be stored exactly once, every refused one never.
"""

import re
import secrets
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime

from . import ARTICLE_SLUG, BASE_DIR, COMMENT_CLIENTS, database, report, say
from .load import form_token, parse_wrk, socket_errors
from .processes import request
from .servers import start_front, start_gunicorn

READERS = 32
SECONDS = 60
ARTICLES = tuple(
    f"/articles/{slug}/"
    for slug in (
        "heroin-withdrawal-physiology",
        "how-families-can-help",
        "overdose-risk-after-detox",
        "what-to-expect-from-medically-supervised-detox",
    )
)
# Each reader connection asks for these in turn. Most readers land on an article (from
# a search engine or a shared link), fewer browse the home page, the list and topics,
# and about one request in ten is a search, which no cache answers.
READER_PATHS = (
    *ARTICLES,
    "/",
    "/search/?q=withdrawal",
    *ARTICLES,
    "/articles/",
    "/topics/",
    *ARTICLES,
    "/",
    "/topics/withdrawal/",
    "/search/?q=naloxone+tolerance",
)
READERS_SCRIPT = BASE_DIR / "scripts" / "loadtest_readers.lua"
POSTS_SCRIPT = BASE_DIR / "scripts" / "loadtest_posts.lua"
READER_LINE = re.compile(r"loadtest-readers 2xx=(\d+) 3xx=(\d+) 4xx=(\d+) 5xx=(\d+)")
POST_LINE = re.compile(
    r"^loadtest-posts reader=(\d+) sent=(\d+) refused=(\S*) lost=(\S*) in_flight=(\d*)$", re.M
)
# The body bench_posts.lua gives each comment.
NOTE = re.compile(r"^Reader (\d+) says thank you, note (\d+) of run (\w+)\.$")


def wrk_command(server, connections, threads, duration, script, arguments):
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        *("--timeout", "10s", "--latency"),
        *("-H", "Accept-Encoding: gzip"),
        *("-s", str(script)),
        f"http://127.0.0.1:{server.port}/",
        "--",
        *arguments,
    ]


def reader_statuses(output):
    """{"2xx": n, "3xx": n, "4xx": n, "5xx": n} from the readers' wrk output."""
    found = READER_LINE.search(output)
    if not found:
        raise ValueError("No loadtest-readers line in wrk's output.")
    return dict(zip(("2xx", "3xx", "4xx", "5xx"), map(int, found.groups()), strict=True))


def post_outcomes(output):
    """Each commenter's notes from loadtest_posts.lua's lines: {reader: {"sent": n,
    "refused": {note: status}, "unanswered": {notes lost or in flight}}}."""
    outcomes = {}
    for reader, sent, refused, lost, in_flight in POST_LINE.findall(output):
        unanswered = {int(note) for note in lost.split(",") if note}
        if in_flight:
            unanswered.add(int(in_flight))
        outcomes[int(reader)] = {
            "sent": int(sent),
            "refused": {
                int(note): int(status)
                for note, status in (item.split(":") for item in refused.split(",") if item)
            },
            "unanswered": unanswered,
        }
    if not outcomes:
        raise ValueError("No loadtest-posts lines in wrk's output.")
    return outcomes


def stored_notes(bodies, marker):
    """Counter of (reader, note) of the stored comment ``bodies`` of run ``marker``;
    a body of the run that is not a note counts as (None, body)."""
    notes = Counter()
    for body in bodies:
        found = NOTE.match(body)
        if found and found.group(3) == marker:
            notes[(int(found.group(1)), int(found.group(2)))] += 1
        else:
            notes[(None, body)] += 1
    return notes


def account(outcomes, stored):
    """The comment accounting of post_outcomes() against stored_notes(): every
    accepted note stored exactly once, no refused one stored, each unanswered one
    (its answer never read: it may or may not have been stored) at most once, and
    nothing stored that was never sent."""
    accepted, refused, unanswered = set(), set(), set()
    for reader, outcome in outcomes.items():
        refused |= {(reader, note) for note in outcome["refused"]}
        unanswered |= {(reader, note) for note in outcome["unanswered"]}
        accepted |= {(reader, note) for note in range(1, outcome["sent"] + 1)}
    accepted -= refused | unanswered
    result = {
        "accepted": len(accepted),
        "refused": len(refused),
        "refused_5xx": sum(
            status >= 500 for outcome in outcomes.values() for status in outcome["refused"].values()
        ),
        "unanswered": len(unanswered),
        "unanswered_stored": sum(1 for note in unanswered if stored[note]),
        "missing": sum(1 for note in accepted if not stored[note]),
        "duplicated": sum(1 for count in stored.values() if count > 1),
        "refused_stored": sum(1 for note in refused if stored[note]),
        "stray": sum(1 for note in stored if note not in accepted | refused | unanswered),
    }
    result["ok"] = not any(
        result[key] for key in ("missing", "duplicated", "refused_stored", "stray")
    )
    return result


def accounting_line(tally):
    return (
        f"Comment accounting: {tally['accepted']} accepted (302), {tally['missing']} of "
        f"them missing and {tally['duplicated']} stored more than once; "
        f"{tally['refused']} refused ({tally['refused_5xx']} with a 5xx), "
        f"{tally['refused_stored']} of them stored; {tally['unanswered']} unanswered when "
        f"wrk stopped, {tally['unanswered_stored']} of them stored; {tally['stray']} stored "
        "comments that were never sent."
    )


def results_table(readers, statuses, posts, tally):
    """The readers' and commenters' rows as a Markdown table."""
    reader_other = statuses["4xx"] + readers["socket_errors"]
    post_5xx = tally["refused_5xx"]
    post_other = tally["refused"] - post_5xx + posts["socket_errors"]
    accepted_share = tally["accepted"] / max(1, posts["requests"])
    return [
        "| Who | Connections | Requests/s | p50 ms | p99 ms | 5xx | Other errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| Readers: articles, home, list, topics, search | {READERS} "
        f"| {readers['rps']:,.0f} | {readers['p50']:.1f} | {readers['p99']:.1f} "
        f"| {statuses['5xx']} | {reader_other} |",
        f"| Commenters: comment POSTs (accepted/s) | {COMMENT_CLIENTS} "
        f"| {posts['rps'] * accepted_share:,.0f} | {posts['p50']:.1f} | {posts['p99']:.1f} "
        f"| {post_5xx} | {post_other} |",
    ]


def verdict(statuses, tally):
    """ "passed", or "**failed**: " and why."""
    problems = []
    if statuses["5xx"] or tally["refused_5xx"]:
        problems.append("server errors (5xx)")
    if not tally["ok"]:
        problems.append("comments not stored exactly as answered")
    return "passed" if not problems else "**failed**: " + ", ".join(problems)


def run_wrk_pair(front, duration, marker):
    """The readers and the commenters at once; their wrk outputs."""
    token, timestamp, cookie = form_token(front)
    readers = subprocess.Popen(  # nosec B603 # wrk with our own arguments, no shell
        wrk_command(front, READERS, 2, duration, READERS_SCRIPT, READER_PATHS),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    posts = subprocess.Popen(  # nosec B603 # wrk with our own arguments, no shell
        wrk_command(
            front,
            COMMENT_CLIENTS,
            COMMENT_CLIENTS,
            duration,
            POSTS_SCRIPT,
            (token, timestamp, cookie, marker, f"/comments/post/{ARTICLE_SLUG}/"),
        ),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    outputs = readers.communicate()[0], posts.communicate()[0]
    if readers.returncode or posts.returncode:
        raise SystemExit(f"wrk failed:\n{outputs[0]}\n{outputs[1]}")
    return outputs


def wrk_figures(output):
    figures = parse_wrk(output)
    figures["socket_errors"] = socket_errors(output)
    return figures


def run(env, work_dir, database_url, pg_version, duration, note):
    """Start gunicorn and the front, warm them up, load them, count, report."""
    lines = report.describe(env, pg_version, note)
    cached = start_gunicorn(env, work_dir, page_cache=True)
    front = start_front(work_dir, cached)
    say("Warming up...")
    for path in set(READER_PATHS):
        request(front.port, path)
    marker = secrets.token_hex(4)
    started = datetime.now(UTC)
    say(f"  {READERS} readers and {COMMENT_CLIENTS} commenters, {duration} s...")
    reader_output, post_output = run_wrk_pair(front, duration, marker)
    statuses = reader_statuses(reader_output)
    outcomes = post_outcomes(post_output)
    # wrk stops without reading the answers in flight; let their requests finish.
    time.sleep(1)
    bodies = database.stored_comment_bodies(database_url, marker)
    tally = account(outcomes, stored_notes(bodies, marker))
    readers, posts = wrk_figures(reader_output), wrk_figures(post_output)
    lines += [
        "",
        f"{READERS} readers and {COMMENT_CLIENTS} commenters at once for {duration} s from "
        f"{started:%H:%M:%S} UTC, through the nginx front (deploy/nginx.conf) before "
        f"gunicorn with production settings and Redis; readers ask for {len(READER_PATHS)} "
        f"paths in turn ({READER_PATHS.count(ARTICLES[0]) * len(ARTICLES)} articles, "
        f"{sum(path.startswith('/search/') for path in READER_PATHS)} searches).",
        "",
        *results_table(readers, statuses, posts, tally),
        "",
        accounting_line(tally),
        "",
        f"Result: {verdict(statuses, tally)}.",
    ]
    say("\n".join(lines))
    report.write_section("loadtest", lines)
    say(f"\nWritten to {report.DOC.relative_to(BASE_DIR)}.")
    return verdict(statuses, tally) == "passed"
