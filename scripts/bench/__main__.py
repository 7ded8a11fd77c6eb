"""`make bench` (python -m scripts.bench): the options and the order of a run.

A full run measures, with wrk, the article fully uncached and cached via gunicorn
(1, 16 and 64 connections), the list and home pages, a static file through WhiteNoise
and the article's HTML through nginx (the ceilings), the same pages through the
nginx front, the front's hit ratio, a returning commenter's personal page, comment
POSTs from 8 connections (each accepted one must be stored exactly once) and the
page weight; it prints the report and writes it to docs/benchmarks.md. Then it
imports a generated WordPress export of 1,000 posts into a database of its own
(``wordpress``), also written there.
``--grid`` compares gunicorn workers x threads instead; ``--only posts`` runs the
POSTs alone, printed only; ``--only wordpress`` the import alone (no wrk needed,
written); ``--loadtest`` runs readers and commenters at once through the nginx
front (``loadtest``). Every server a run starts is stopped when it exits.
"""

import argparse
import os
import re
import shutil
import signal
import sys

from scripts.nginx_front import find_nginx

from . import ARTICLE, BASE_DIR, COMMENT_CLIENTS, database, loadtest, report, say, wordpress
from .load import RETURNING_NAME, post_comments, returning_commenter_cookie, wrk
from .measure import (
    front_hit_ratio,
    front_log_end,
    page_cache_check,
    page_weight,
    personal_page_check,
)
from .processes import request, stop_all
from .servers import (
    prepare,
    production_env,
    start_front,
    start_gunicorn,
    start_redis,
    start_static_nginx,
)

WORK_DIR = BASE_DIR / "build" / "bench"


def full_run(env, work_dir, database_url, pg_version, duration, note):
    uncached = start_gunicorn(env, work_dir, page_cache=False)
    cached = start_gunicorn(env, work_dir, page_cache=True)
    weights, html = page_weight(cached)
    static_url = re.search(r'<link rel="stylesheet" href="([^"]+)"', html.decode()).group(1)
    nginx = start_static_nginx(work_dir, html)
    front = start_front(work_dir, cached)

    say("Warming up...")
    warm_up = [(uncached, ARTICLE), (cached, ARTICLE), (cached, "/"), (cached, "/articles/")]
    if front:
        warm_up += [(front, ARTICLE), (front, "/"), (front, "/articles/")]
    for server, path in warm_up:
        wrk(server, path, 4, 2)
    cache_check = page_cache_check(cached, uncached, front)
    say(cache_check)

    plan = [
        (report.UNCACHED, uncached, ARTICLE, (1, 16, 64)),
        (report.ANONYMOUS_GUNICORN, cached, ARTICLE, (1, 16, 64)),
        ("Article list, cached, via gunicorn", cached, "/articles/", (16,)),
        ("Home, cached, via gunicorn", cached, "/", (16,)),
        ("Article list, uncached, via gunicorn", uncached, "/articles/", (16,)),
        ("Home, uncached, via gunicorn", uncached, "/", (16,)),
        (report.STATIC_WHITENOISE, cached, static_url, (16,)),
    ]
    if nginx:
        plan.append((report.STATIC_NGINX, nginx, "/article.html", (16,)))
    rows = measure_rows(plan, duration)
    if front:
        since = front_log_end(front)
        front_plan = [
            (report.ANONYMOUS_FRONT, front, ARTICLE, (1, 16, 64)),
            ("Article list, cached, nginx front", front, "/articles/", (16,)),
            ("Home, cached, nginx front", front, "/", (16,)),
        ]
        rows += measure_rows(front_plan, duration)
        hit_ratio = front_hit_ratio(front, since)
    else:
        hit_ratio = "No nginx: no front cache."
    say(hit_ratio)

    # Through the front when there is one: it must pass the reader's cookie to Django.
    if front:
        personal_check, returning = returning_commenter_row(
            env, front, report.RETURNING_FRONT, duration
        )
    else:
        personal_check, returning = returning_commenter_row(
            env, cached, report.RETURNING_GUNICORN, duration
        )
    say(personal_check)
    rows.append(returning)

    say(f"  Comment POSTs, {COMMENT_CLIENTS} clients...")
    posts = post_comments(
        cached, duration, lambda marker: database.count_stored_comments(database_url, marker)
    )
    rows.append(posts_row(posts))

    weight_lines, transfer = report.weight_table(weights)
    lines = report.describe(env, pg_version, note) + ["", cache_check, ""]
    lines += [*report.results_table(rows), "", hit_ratio, "", personal_check, ""]
    lines += [*weight_lines, ""]
    lines += report.targets(rows, posts, weights, transfer, has_nginx=bool(nginx and front))
    say("\n".join(lines))
    report.write_section("results", lines)
    say(f"\nWritten to {report.DOC.relative_to(BASE_DIR)}.")
    wordpress_run(env, work_dir, database_url, note)


def wordpress_run(env, work_dir, database_url, note):
    """The WordPress import step; a failed check fails the run once it is written."""
    if not wordpress.run(env, work_dir, database_url, note):
        raise SystemExit("The WordPress import's checks failed (see the report).")
    say(f"\nWritten to {report.DOC.relative_to(BASE_DIR)}.")


def returning_commenter_row(env, server, name, duration):
    """A reader whose "save my details" cookie is set asks for the article (16
    connections): whether the page is really theirs, and the row."""
    cookie = returning_commenter_cookie(
        server, wait_seconds=int(env["COMMENTS_MIN_SUBMIT_SECONDS"])
    )
    check = personal_page_check(server, cookie, RETURNING_NAME)
    say(f"  {name}, 16 connection(s)...")
    return check, (name, 16, wrk(server, ARTICLE, 16, duration, headers=[cookie]))


def posts_row(posts):
    """post_comments()'s figures as a row of the results table."""
    return (
        f"Comment POSTs (accepted; {posts['stored']} stored, {posts['in_flight']} of them "
        f"in flight at the end; {posts['duplicated']} duplicated)",
        COMMENT_CLIENTS,
        {
            "rps": posts["rps"],
            "cpu_ms": posts["cpu_ms"],
            "errors": sum(v for k, v in posts["statuses"].items() if k != 302),
        },
    )


def measure_rows(plan, duration):
    """wrk over each (name, server, path, connection counts) of ``plan``; the rows."""
    rows = []
    for name, server, path, connection_counts in plan:
        for connections in connection_counts:
            say(f"  {name}, {connections} connection(s)...")
            rows.append((name, connections, wrk(server, path, connections, duration)))
    return rows


def posts_run(env, work_dir, database_url, duration):
    """Only the comment POSTs, against one server with the page cache; printed with
    PostgreSQL's CPU per post, not written."""
    cached = start_gunicorn(env, work_dir, page_cache=True)
    request(cached.port, ARTICLE)
    say(f"  Comment POSTs, {COMMENT_CLIENTS} clients, {duration} s...")
    name = database.name_of(database_url)
    before = database.backend_cpu_seconds(name)
    posts = post_comments(
        cached, duration, lambda marker: database.count_stored_comments(database_url, marker)
    )
    used = sum(
        seconds - before.get(pid, 0.0)
        for pid, seconds in database.backend_cpu_seconds(name).items()
    )
    say(
        f"{posts['rps']:,.0f} accepted/s; {posts['accepted']} accepted, {posts['stored']} "
        f"stored, {posts['duplicated']} duplicated; CPU per request: server "
        f"{posts['cpu_ms']:.2f} ms, PostgreSQL {used * 1000 / max(1, posts['accepted']):.2f} "
        f"ms; answers {posts['statuses']}; load average {report.machine()['load']}."
    )


def grid_run(env, work_dir, duration, combos, note, rounds):
    """Compare gunicorn set-ups on the article page, best of ``rounds``: anonymous
    (uncached and cached, via gunicorn) and a returning commenter's personal page
    (through its own nginx front when nginx is installed).

    All set-ups run side by side (idle while not measured) and are measured in turn,
    round after round, so that a burst of load from elsewhere on the machine hurts
    one round of every set-up rather than all rounds of one.
    """
    servers = []
    for workers, threads in combos:
        say(f"Starting gunicorn {workers} x {threads}...")
        uncached = start_gunicorn(env, work_dir, page_cache=False, workers=workers, threads=threads)
        cached = start_gunicorn(env, work_dir, page_cache=True, workers=workers, threads=threads)
        front_dir = work_dir / f"front-{workers}x{threads}"
        front_dir.mkdir(exist_ok=True)
        personal = start_front(front_dir, cached) or cached
        wrk(uncached, ARTICLE, 4, 2)
        wrk(cached, ARTICLE, 4, 2)
        servers.append((workers, threads, uncached, cached, personal))
    wait = int(env["COMMENTS_MIN_SUBMIT_SECONDS"])
    cookie = returning_commenter_cookie(servers[0][3], wait_seconds=wait)
    cells = [(False, 16), (False, 64), (True, 16), (True, 64), ("personal", 16)]
    best = {}
    for round_number in range(1, rounds + 1):
        for workers, threads, uncached, cached, personal in servers:
            say(f"  round {round_number}: {workers} x {threads}")
            for kind, connections in cells:
                if kind == "personal":
                    result = wrk(personal, ARTICLE, connections, duration, headers=[cookie])
                else:
                    result = wrk(cached if kind else uncached, ARTICLE, connections, duration)
                key = (workers, threads, kind, connections)
                if key not in best or result["rps"] > best[key]["rps"]:
                    best[key] = result
    results = [
        (workers, threads, [best[(workers, threads, *cell)] for cell in cells])
        for workers, threads, *_servers in servers
    ]
    lines = report.grid_table(results, duration, rounds, note)
    say("\n".join(lines))
    report.write_section("grid", lines)


def parse_grid(text):
    """``2x4,3x2`` -> [(2, 4), (3, 2)]: workers x threads."""
    combos = []
    for item in text.split(","):
        workers, threads = item.lower().split("x")
        combos.append((int(workers), int(threads)))
    return combos


def main():
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--duration",
        type=int,
        help="seconds per measurement (default 10, or BENCH_SECONDS; --loadtest: 60)",
    )
    parser.add_argument(
        "--grid", type=parse_grid, help="e.g. 2x4,3x2,4x1: compare gunicorn set-ups"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="with --grid: best of this many rounds"
    )
    parser.add_argument(
        "--note", default=os.environ.get("BENCH_NOTE", ""), help="added to the report"
    )
    parser.add_argument(
        "--skip-setup", action="store_true", help="reuse the bench database as it is"
    )
    parser.add_argument(
        "--only",
        choices=["posts", "wordpress"],
        help="posts: only the comment POSTs (own database and folder; docs untouched); "
        "wordpress: only the WordPress import (own database and folder; its section of "
        "the docs written)",
    )
    parser.add_argument(
        "--loadtest",
        action="store_true",
        help=f"{loadtest.READERS} readers and {COMMENT_CLIENTS} commenters at once through "
        "the nginx front (own database and folder)",
    )
    options = parser.parse_args()
    if options.duration is None:
        default = loadtest.SECONDS if options.loadtest else 10
        options.duration = int(os.environ.get("BENCH_SECONDS") or default)
    separate = "loadtest" if options.loadtest else options.only
    work_dir, database_name = WORK_DIR, database.DATABASE
    if separate:
        # Its own database and folder, so that it can run beside a full run.
        work_dir = WORK_DIR.with_name(f"{WORK_DIR.name}-{separate}")
        database_name = f"{database_name}_{separate}"
    # The import alone starts no site: its step makes and migrates its own database.
    site = options.only != "wordpress"
    for tool in ["redis-server"] if options.only else ["wrk", "redis-server"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed: apt-get install -y {tool}")
    if options.loadtest and not find_nginx():
        raise SystemExit("make loadtest runs through nginx: apt-get install -y nginx-light")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started_embedded_db = False
    try:
        if work_dir.exists() and not options.skip_setup:
            shutil.rmtree(work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
        database_url, started_embedded_db = database.bench_database_url(database_name)
        if site and not options.skip_setup:
            database.recreate(database_url)
        pg_version = database.maintenance_query(database_url, "SHOW server_version")
        env = production_env(database_url, work_dir, start_redis(work_dir))
        if site and not options.skip_setup:
            prepare(env)
        if options.loadtest:
            passed = loadtest.run(
                env, work_dir, database_url, pg_version, options.duration, options.note
            )
            if not passed:
                raise SystemExit(1)
        elif options.only == "posts":
            posts_run(env, work_dir, database_url, options.duration)
        elif options.only == "wordpress":
            wordpress_run(env, work_dir, database_url, options.note)
        elif options.grid:
            grid_run(env, work_dir, options.duration, options.grid, options.note, options.rounds)
        else:
            full_run(env, work_dir, database_url, pg_version, options.duration, options.note)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    finally:
        stop_all()
        if started_embedded_db:
            database.stop_embedded_db()


if __name__ == "__main__":
    main()
