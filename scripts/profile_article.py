"""Measure (and profile) the CPU cost of rendering the article page uncached.

The bench's page (the heroin-withdrawal demo article with 50 approved comments,
15 of them replies) is rendered N times in this process through the project's WSGI
application, with production settings (DEBUG off, manifest static files, the page
cache off: ``PAGE_CACHE_SECONDS=0``), as a browser asks for it (gzip accepted, no
cookies). It prints the mean CPU time per request (``time.process_time``: what this
process spent, whatever else the shared machine is doing) beside the wall time and,
with ``--profile``, cProfile's top functions.

    .venv/bin/python scripts/profile_article.py                 # 200 requests
    .venv/bin/python scripts/profile_article.py --profile --top 40
    .venv/bin/python scripts/profile_article.py --parts         # each part alone
    .venv/bin/python scripts/profile_article.py --reuse         # keep the database

It works in its own database, ``recovery_profile`` (on the embedded PostgreSQL, or on
the server of ``DATABASE_URL``), recreated on each run unless ``--reuse`` is given and
the database is already there; static files are collected into build/profile/.
PostgreSQL runs in another process, so its share of a request is not in the main
figure (the application server's CPU per request); when the server runs on this
machine, its backend's CPU per request is printed on a second line (from /proc).
"""

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# The bench's page shape and helpers.
from scripts.bench import ARTICLE, ARTICLE_SLUG, COMMENTS, database, say, servers  # noqa: E402

DATABASE = "recovery_profile"
WORK_DIR = BASE_DIR / "build" / "profile"


def database_url():
    source = os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_DATABASE_URL")
    if not source:
        from recovery_site import embedded_db

        source = embedded_db.ensure_running()
    return database.with_database(source, DATABASE)


def database_exists(url):
    found = database.maintenance_query(
        url,
        f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",  # nosec B608 # DATABASE is our own constant name
    )
    return found is not None


def production_env(url, work_dir):
    # The bench's production settings, rendering every request (no page cache, no Redis)
    # and running tasks in the request.
    env = servers.production_env(url, work_dir)
    env.update(PAGE_CACHE_SECONDS="0", TASKS_BACKEND="immediate")
    return env


def manage(env, *args):
    subprocess.run(  # nosec B603 # manage.py with our own arguments, no shell
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def prepare(env):
    say("Preparing the profile database and static files...")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_demo_content")
    manage(env, "seed_comments", ARTICLE_SLUG, "--count", str(COMMENTS))
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def wsgi_environ(path, *, gzip=True):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "text/html,*/*",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if not gzip:
        del environ["HTTP_ACCEPT_ENCODING"]
    return environ


def get(application, path, *, gzip=True):
    """One request through the WSGI application; returns (status line, body bytes)."""
    status = []
    body = b"".join(
        application(
            wsgi_environ(path, gzip=gzip), lambda line, headers, exc=None: status.append(line)
        )
    )
    return status[0], body


def postgres_cpu_reader():
    """A function returning the CPU seconds spent so far by this process's PostgreSQL
    backend, read from /proc (None when the server runs on another machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read():
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return read


def measure(application, path, count, postgres_cpu=None):
    """Mean (CPU ms, wall ms, PostgreSQL backend CPU ms or None) per request."""
    postgres = postgres_cpu() if postgres_cpu else None
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        get(application, path)
    return (
        (time.process_time() - cpu) * 1000 / count,
        (time.perf_counter() - wall) * 1000 / count,
        (postgres_cpu() - postgres) * 1000 / count if postgres_cpu else None,
    )


def cpu_ms(function, count):
    """Mean CPU ms of ``function()`` over ``count`` calls (after one warm-up call)."""
    function()
    start = time.process_time()
    for _ in range(count):
        function()
    return (time.process_time() - start) * 1000 / count


def measure_parts(application, count):
    """CPU ms of the article page's parts, each timed alone (the bench article)."""
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines
    from django.test import RequestFactory

    from articles.models import Article
    from articles.templatetags.seo_tags import article_structured_data
    from core.middleware import PageGZipMiddleware
    from core.models import SiteSettings

    request = RequestFactory(HTTP_HOST="127.0.0.1").get(ARTICLE)
    request.user = AnonymousUser()
    site = SiteSettings.load()

    def article_query():
        return Article.objects.published().for_page().get(slug=ARTICLE_SLUG)

    def related_query():
        return article.related_articles()

    article = article_query()
    comment_section = engines["jinja2"].from_string("{{ comment_section() }}")
    page = get(application, ARTICLE, gzip=False)[1]
    gzip_middleware = PageGZipMiddleware(lambda request: None)

    parts = {
        "article with its stored outline, topics and comment count (1 query)": article_query,
        "outline, rendered after sections change (2 queries)": article.render_outline,
        "related articles (1 query)": related_query,
        "comment section (approved comments, thread and blank form)": lambda: (
            comment_section.render({"article": article}, request)
        ),
        "JSON-LD": lambda: article_structured_data({"site": site, "request": request}, article),
        f"gzip of the page ({len(page) / 1024:.0f} KB, level "
        f"{gzip_middleware.compress_level})": lambda: gzip_middleware.compress(page),
    }
    for label, function in parts.items():
        say(f"  {cpu_ms(function, count):6.2f} ms  {label}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests")
    parser.add_argument("--rounds", type=int, default=3, help="report the best round")
    parser.add_argument("--profile", action="store_true", help="add a cProfile top list")
    parser.add_argument(
        "--parts", action="store_true", help="time the page's parts alone (CPU ms each)"
    )
    parser.add_argument("--top", type=int, default=30, help="functions in the top list")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--path", default=ARTICLE, help="the page to render")
    parser.add_argument(
        "--save-html", metavar="FILE", help="write the page's HTML (uncompressed) to FILE"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=WORK_DIR, help="static files and media (build/profile)"
    )
    args = parser.parse_args()

    args.work_dir.mkdir(parents=True, exist_ok=True)
    url = database_url()
    env = production_env(url, args.work_dir)
    if not (args.reuse and database_exists(url)):
        database.recreate(url)
        prepare(env)
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "recovery_site.settings"

    from recovery_site.wsgi import application

    status, body = get(application, args.path)
    if not status.startswith("200"):
        raise SystemExit(f"{args.path} answered {status}")
    if args.save_html:
        Path(args.save_html).write_bytes(get(application, args.path, gzip=False)[1])
    for _ in range(10):  # warm up: templates compiled, connection open
        get(application, args.path)

    from django.db import connection

    connection.force_debug_cursor = True
    connection.queries_log.clear()
    get(application, args.path)
    queries = len(connection.queries)
    connection.force_debug_cursor = False

    postgres_cpu = postgres_cpu_reader()
    rounds = [
        measure(application, args.path, args.requests, postgres_cpu) for _ in range(args.rounds)
    ]
    cpu_ms, wall_ms, _postgres_ms = min(rounds, key=lambda result: result[:2])
    say(
        f"{args.path}: {len(body) / 1024:.1f} KB compressed, {queries} queries; best of "
        f"{args.rounds} x {args.requests} requests: {cpu_ms:.2f} ms CPU, "
        f"{wall_ms:.2f} ms wall per request "
        f"(all rounds CPU: {', '.join(f'{cpu:.2f}' for cpu, _wall, _pg in rounds)})"
    )
    if postgres_cpu:
        # /proc counts in clock ticks (10 ms): meaningful over a few hundred requests.
        say(
            "PostgreSQL backend CPU per request, same rounds: "
            + ", ".join(f"{postgres:.2f}" for _cpu, _wall, postgres in rounds)
            + " ms"
        )

    if args.parts:
        measure_parts(application, args.requests)

    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU time, as measured above
        profiler.enable()
        for _ in range(args.requests):
            get(application, args.path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(args.top)
        say(out.getvalue())


if __name__ == "__main__":
    main()
