"""`make bench`: load-test the production configuration on this machine, on loopback.

What it does, in about four minutes:

1. Recreates a dedicated database (``recovery_bench`` on the embedded PostgreSQL, or
   on the server of ``DATABASE_URL``; ``BENCH_DATABASE_URL`` names one outright),
   migrates, loads the demo content and adds 50 approved comments (some of them
   replies) to the heroin-withdrawal article: the page shape of issue #6.
2. Collects the static files into build/bench/ and starts, on free ports of
   127.0.0.1, its own Redis and two gunicorn servers with recovery_site/gunicorn.conf.py
   and production settings (DEBUG off, access log off): one with the page cache on
   (and ``FRONT_CACHE_SECONDS=1``), one with it off (``PAGE_CACHE_SECONDS=0``: every
   request renders from PostgreSQL). When nginx is installed, also the production
   front, nginx with deploy/nginx.conf before the cached server, and nginx serving
   the article's HTML as a static file.
3. Warms up, then measures with wrk (requests/s, p50/p90/p99; browsers'
   ``Accept-Encoding: gzip``): the article uncached and cached via gunicorn at 1, 16
   and 64 connections, and cached through the nginx front at the same counts; the
   list and home pages at 16, both ways; a static file through WhiteNoise and the
   same HTML through nginx (the ceilings); with the front cache's hit ratio (its
   access log); comment POSTs from 8 wrk connections (scripts/bench_posts.lua, with
   the token of ``GET /comments/form-token/``) with flood control relaxed, then
   checks that every accepted comment is stored exactly once; and the article's
   page weight.
4. Prints one table and writes it, with the machine's description, into
   docs/benchmarks.md (between the ``bench:results`` markers).

``--grid 2x4,3x2,4x1`` instead compares gunicorn workers x threads on the article
page (the table goes between the ``bench:grid`` markers). ``--only posts`` runs the
comment POSTs alone, in its own database and folder, and only prints its line. All
servers it starts are stopped when it exits, however it exits.
"""

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from recovery_site.nginx_front import find_nginx, write_config, write_nginx_conf  # noqa: E402

BIN = BASE_DIR / ".venv" / "bin"
WORK_DIR = BASE_DIR / "build" / "bench"
DOC = BASE_DIR / "docs" / "benchmarks.md"
BENCH_DATABASE = "recovery_bench"
ARTICLE_SLUG = "heroin-withdrawal-physiology"
ARTICLE = f"/articles/{ARTICLE_SLUG}/"
COMMENTS = 50
COMMENT_CLIENTS = 8
BROWSER_HEADERS = {"Accept-Encoding": "gzip", "Accept": "text/html,*/*"}

SEED_COMMENTS = """
import random
from articles.models import Article
from comments.models import Comment

random.seed(6)
article = Article.objects.get(slug=%(slug)r)
openings = [
    "Thank you for writing this so plainly.",
    "My brother went through withdrawal last winter and this matches what we saw.",
    "I wish I had read this before my first detox.",
    "The part about sleep coming back slowly helped me more than anything else.",
    "As a nurse on a detox unit, I would add that fluids matter a great deal.",
    "Day nine here. The section on cravings is taped to my fridge now.",
]
middles = [
    "Nobody told us that the anxiety can outlast the physical symptoms by weeks.",
    "Knowing the timeline made the third day feel survivable instead of endless.",
    "We asked the clinic about buprenorphine after reading the treatment section.",
    "Having a plan for the first night home made a real difference for our family.",
    "The explanation of tolerance finally made sense of the overdose warnings.",
]
endings = [
    "Please keep writing pieces like this.",
    "Sharing this with my support group tonight.",
    "Grateful for the reminder that withdrawal is not a moral failure.",
    "Would love a follow-up on the months after detox.",
]
comments = []
for number in range(%(count)d):
    parent = None
    if comments and number %% 10 in (3, 6, 9):
        parent = random.choice(comments[-6:])
    body = " ".join(
        [random.choice(openings), random.choice(middles), random.choice(endings)]
        + ([random.choice(middles)] if number %% 3 == 0 else [])
    )
    comments.append(
        Comment.objects.create(
            article=article,
            parent=parent,
            author_name=f"Reader {number + 1}",
            author_email=f"reader{number + 1}@example.org",
            body=body,
            status=Comment.Status.APPROVED,
            ip_address="127.0.0.1",
        )
    )
print(len(comments))
"""

COUNT_COMMENTS = """
from django.db.models import Count
from comments.models import Comment
rows = Comment.objects.filter(body__contains=%(marker)r)
print(rows.count(), rows.values("body").annotate(n=Count("id")).filter(n__gt=1).count())
"""


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- Processes ------------------------------------------------------------------------

RUNNING = []
# Server processes by port, to measure the CPU time they spend per request.
SERVERS = {}


def start(command, *, env=None, cwd=BASE_DIR, log=None):
    """Start a long-running process in its own group (output to build/bench/LOG);
    stop_all() ends it."""
    output = open(WORK_DIR / (log or f"{Path(command[0]).name}.log"), "ab")  # noqa: SIM115
    with output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    RUNNING.append(process)
    return process


def stop_all():
    for process in reversed(RUNNING):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in reversed(RUNNING):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    RUNNING.clear()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, path="/healthz", process=None, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"A server on port {port} exited with status {process.returncode}.")
        try:
            status, _headers, _body = request(port, path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"Nothing answered on 127.0.0.1:{port}{path} within {seconds} s.")


def request(port, path, *, method="GET", headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# --- Set-up ---------------------------------------------------------------------------


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


# Set when this run had to start the embedded PostgreSQL: it stops it again at the end.
STARTED_EMBEDDED_DB = []


def bench_database_url():
    """BENCH_DATABASE_URL, else ``recovery_bench`` beside DATABASE_URL or on the
    embedded PostgreSQL (started if needed)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    source = os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_DATABASE_URL")
    if not source:
        from recovery_site import embedded_db

        if not embedded_db.is_running():
            STARTED_EMBEDDED_DB.append(True)
        source = embedded_db.ensure_running()
    return with_database(source, BENCH_DATABASE)


def stop_embedded_db_if_started():
    if STARTED_EMBEDDED_DB:
        from recovery_site import embedded_db

        embedded_db.stop()


def maintenance_query(url, *statements):
    """Run statements on the server of ``url`` (in its ``postgres`` database); return
    the first column of the last one's first row."""
    import psycopg2

    # libpq takes the URL as it is (the embedded server's has ?host=<socket dir>).
    connection = psycopg2.connect(with_database(url, "postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchone()[0] if cursor.description else None
    finally:
        connection.close()


def recreate_bench_database(url):
    name = urlsplit(url).path.lstrip("/")
    maintenance_query(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )


def production_env(database_url, redis_port=None, work_dir=None):
    """The production settings the bench's servers run with (also used by
    scripts/profile_article.py, without Redis)."""
    work_dir = work_dir or WORK_DIR
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "COMMENTS_", "PAGE_CACHE", "FRONT_CACHE"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="0",
        HTTPS_ONLY="0",
        STATIC_ROOT=str(work_dir / "static"),
        MEDIA_ROOT=str(work_dir / "media"),
        SERVE_MEDIA="1",
        TASKS_BACKEND="database",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESSLOG="",
        # Flood control relaxed, as the issue asks: 8 clients post as fast as they can.
        COMMENTS_MIN_SUBMIT_SECONDS="0",
        COMMENTS_FLOOD_SECONDS="0",
    )
    if redis_port:
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env, *args, capture=False):
    result = subprocess.run(
        [BIN / "python", "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout


def prepare(env):
    say("Preparing the bench database and static files...")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_demo_content", capture=True)
    seed = SEED_COMMENTS % {"slug": ARTICLE_SLUG, "count": COMMENTS}
    manage(env, "shell", "--verbosity", "0", "-c", seed, capture=True)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")


def start_redis():
    port = free_port()
    start(
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start.")


def start_gunicorn(env, *, page_cache, workers=None, threads=None):
    port = free_port()
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    if page_cache:
        # As in production behind deploy/nginx.conf; without nginx in front it only adds
        # a header.
        server_env["FRONT_CACHE_SECONDS"] = "1"
    else:
        server_env["PAGE_CACHE_SECONDS"] = "0"
    if workers:
        server_env["GUNICORN_WORKERS"] = str(workers)
    if threads:
        server_env["GUNICORN_THREADS"] = str(threads)
    process = start(
        [
            BIN / "gunicorn",
            "recovery_site.wsgi",
            "--config",
            "recovery_site/gunicorn.conf.py",
            # Several servers run at once: each without the shared control socket.
            "--no-control-socket",
        ],
        env=server_env,
        log=f"gunicorn-{port}.log",
    )
    wait_for(port, process=process)
    SERVERS[port] = process
    return port


def start_nginx(html):
    """nginx serving ``html`` as a static file (and its gzip twin): the issue's ceiling."""
    nginx = find_nginx()
    if not nginx:
        return None
    root = WORK_DIR / "nginx"
    (root / "html").mkdir(parents=True, exist_ok=True)
    page = root / "html" / "article.html"
    page.write_bytes(html)
    page.with_suffix(".html.gz").write_bytes(gzip.compress(html, 6))
    port = free_port()
    config = write_nginx_conf(
        root,
        f"""access_log off;
types {{ text/html html; }}
server {{
    listen 127.0.0.1:{port};
    root {root}/html;
    gzip_static on;
}}
""",
    )
    process = start([nginx, "-p", str(root), "-c", str(config), "-g", "daemon off;"])
    wait_for(port, "/article.html", process=process, seconds=10)
    SERVERS[port] = process
    return port


FRONT_DIR = "front"


def start_front(upstream):
    """The production front: nginx with deploy/nginx.conf before gunicorn on port
    ``upstream``, logging each answer's cache status; None without nginx."""
    nginx = find_nginx()
    if not nginx:
        return None
    root = WORK_DIR / FRONT_DIR
    port = free_port()
    config = write_config(root, port=port, upstream=f"127.0.0.1:{upstream}")
    process = start(
        [nginx, "-p", str(root), "-c", str(config), "-e", "logs/error.log", "-g", "daemon off;"],
        log="nginx-front.log",
    )
    wait_for(port, "/healthz", process=process, seconds=10)
    # Its CPU per request counts gunicorn's too: nginx asks it again every second.
    SERVERS[port] = (process, SERVERS[upstream])
    return port


# --- Measuring ------------------------------------------------------------------------


def wrk(port, path, connections, duration):
    """Run wrk; return requests/s, p50/p90/p99 in ms and the count of errors."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        "Accept-Encoding: gzip",
        f"http://127.0.0.1:{port}{path}",
    ]
    cpu_before = server_cpu_seconds(port)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu_used = server_cpu_seconds(port) - cpu_before
    result = parse_wrk(output)
    # Load-independent: what one request costs the server's processes, in CPU.
    result["cpu_ms"] = cpu_used * 1000 / result["requests"] if result["requests"] else None
    return result


def parse_wrk(output):
    """Requests/s, requests served, p50/p90/p99 in ms and errors from ``wrk --latency``."""
    latency = {
        percent: to_ms(value, unit)
        for percent, value, unit in re.findall(
            r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": latency.get("50"),
        "p90": latency.get("90"),
        "p99": latency.get("99"),
        "errors": errors,
    }


def server_cpu_seconds(port):
    """User + system CPU seconds used so far by the server on ``port`` and its workers."""
    import psutil

    processes = SERVERS.get(port)
    if processes is None:
        return 0.0
    total = 0.0
    for process in processes if isinstance(processes, tuple) else (processes,):
        try:
            root = psutil.Process(process.pid)
            for member in [root, *root.children(recursive=True)]:
                try:
                    times = member.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


POSTS_SCRIPT = BASE_DIR / "scripts" / "bench_posts.lua"


def post_comments(env, port, duration):
    """``COMMENT_CLIENTS`` wrk connections posting distinct comments (scripts/bench_posts.lua)
    with the CSRF cookie, token and form timestamp of one ``GET /comments/form-token/``
    (what the form's script asks for); then what the database holds.

    wrk, not Python clients: eight Python processes took about a fifth of the two
    cores for themselves, which the server then lacked.
    """
    marker = secrets.token_hex(4)
    _status, headers, body = request(port, "/comments/form-token/")
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    form = json.loads(body)
    token, timestamp = form["csrfmiddlewaretoken"], form["timestamp"]
    command = [
        "wrk",
        "-t2",
        f"-c{COMMENT_CLIENTS}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(POSTS_SCRIPT),
        f"http://127.0.0.1:{port}/",
        "--",
        token,
        timestamp,
        cookie,
        marker,
        f"/comments/post/{ARTICLE_SLUG}/",
    ]
    cpu_before = server_cpu_seconds(port)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    # wrk stops at the deadline without waiting for the answers in flight; their posts
    # are still stored (at most one per connection): wait for them before counting.
    time.sleep(1)
    cpu_used = server_cpu_seconds(port) - cpu_before
    result = parse_wrk(output)
    accepted, refused = (
        int(n) for n in re.search(r"bench-posts accepted=(\d+) refused=(\d+)", output).groups()
    )
    stored, duplicated = (
        int(n)
        for n in manage(
            env,
            "shell",
            "--verbosity",
            "0",
            "-c",
            COUNT_COMMENTS % {"marker": marker},
            capture=True,
        ).split()
    )
    answered = accepted + refused
    return {
        "accepted": accepted,
        # wrk's requests/s counts every answer; the accepted ones' share of it.
        "rps": result["rps"] * accepted / max(1, answered),
        "stored": stored,
        "duplicated": duplicated,
        "unanswered": stored - accepted,
        "statuses": {302: accepted, "other": refused, "socket errors": socket_errors(output)},
        "cpu_ms": cpu_used * 1000 / max(1, stored + refused),
    }


def socket_errors(output):
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return sum(int(n) for n in found.groups()) if found else 0


def stored_exactly_once(posts):
    """Every accepted comment stored once: none lost, none twice, and no more stored
    than accepted except those still in flight when wrk stopped (one per connection)."""
    return (
        not posts["duplicated"]
        and posts["accepted"] <= posts["stored"] <= posts["accepted"] + COMMENT_CLIENTS
    )


def page_weight(port):
    """Bytes of the article page and what it loads, as served, gzip and not."""
    _status, _headers, html = request(port, ARTICLE)
    page = html.decode()
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    js = re.findall(r'<script src="([^"]+)"', page)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    # The hero candidate a phone (Lighthouse's: 412 px wide at 1.75x) takes from srcset.
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', page)
    images = []
    if webp:
        candidates = [item.strip().rsplit(" ", 1) for item in webp.group(1).split(",")]
        images = [
            next((url for url, width in candidates if int(width[:-1]) >= 721), candidates[-1][0])
        ]
    rows = {}
    for kind, urls in (("HTML", [ARTICLE]), ("CSS", css), ("JS", js), ("Images", images + icons)):
        plain = compressed = 0
        for url in urls:
            plain += len(request(port, url)[2])
            status, headers, body = request(port, url, headers={"Accept-Encoding": "gzip"})
            assert status == 200, (url, status)
            compressed += len(body)
        rows[kind] = (len(urls), plain, compressed)
    return rows, html


# --- Report ---------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = int(line.split()[1]) / 1024 / 1024
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": f"{memory:.1f} GiB",
        "load": f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}",
        "os": platform.platform(),
    }


def versions(pg_version):
    def run(*command):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return (result.stdout + result.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "not installed"

    import django
    import gunicorn

    return {
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "PostgreSQL": pg_version,
        "Redis": version_in(run("redis-server", "--version"), r"v=(\S+)"),
        "nginx": version_in(run("nginx", "-v"), r"nginx/(\S+)"),
        "wrk": version_in(run("wrk", "--version"), r"wrk (?:debian/)?(\S+)"),
    }


def version_in(text, pattern):
    found = re.search(pattern, text)
    return found.group(1) if found else text


def gunicorn_setting(env):
    code = (
        "import runpy; c = runpy.run_path('recovery_site/gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c['worker_class'])"
    )
    result = subprocess.run(
        [BIN / "python", "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    workers, threads, worker_class = result.stdout.split()
    return f"{workers} {worker_class} workers x {threads} thread(s)"


def fmt_latency(row):
    if row.get("p50") is None:
        return " | | "
    return f"{row['p50']:.1f} | {row['p90']:.1f} | {row['p99']:.1f}"


def results_table(rows):
    lines = [
        "| What | Connections | Requests/s | p50 ms | p90 ms | p99 ms | Errors "
        "| Server CPU ms/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, connections, row in rows:
        cpu = "" if row.get("cpu_ms") is None else f"{row['cpu_ms']:.2f}"
        lines.append(
            f"| {name} | {connections} | {row['rps']:,.0f} | {fmt_latency(row)} "
            f"| {row['errors']} | {cpu} |"
        )
    return lines


def weight_table(weights):
    lines = [
        "| Article page | Files | As stored (KB) | Transferred, gzip (KB) |",
        "| --- | ---: | ---: | ---: |",
    ]
    total_files = total_plain = total_compressed = 0
    for kind, (files, plain, compressed) in weights.items():
        lines.append(f"| {kind} | {files} | {plain / 1024:.1f} | {compressed / 1024:.1f} |")
        total_files += files
        total_plain += plain
        total_compressed += compressed
    lines.append(
        f"| **Total** | {total_files} | {total_plain / 1024:.1f} | {total_compressed / 1024:.1f} |"
    )
    return lines, total_compressed


def write_section(name, lines):
    """Replace the text between ``<!-- bench:NAME:start/end -->`` in docs/benchmarks.md."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)


def describe(env, pg_version, note):
    facts = machine()
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {facts['cores']} cores "
        f"({facts['cpu']}), {facts['memory']} RAM, {facts['os']}; load average "
        f"before the run {facts['load']}.",
        "",
        "Software: "
        + ", ".join(f"{name} {value}" for name, value in versions(pg_version).items())
        + f". Server: {gunicorn_setting(env)}.",
    ]
    if note:
        lines += ["", f"Note: {note}"]
    return lines


# --- Main -----------------------------------------------------------------------------


def full_run(env, pg_version, duration, note):
    uncached = start_gunicorn(env, page_cache=False)
    cached = start_gunicorn(env, page_cache=True)
    rows = []

    weights, html = page_weight(cached)
    static_url = re.search(r'<link rel="stylesheet" href="([^"]+)"', html.decode()).group(1)
    nginx = start_nginx(html)
    front = start_front(cached)

    say("Warming up...")
    warm_up = [(uncached, ARTICLE), (cached, ARTICLE), (cached, "/"), (cached, "/articles/")]
    if front:
        warm_up += [(front, ARTICLE), (front, "/"), (front, "/articles/")]
    for port, path in warm_up:
        wrk(port, path, 4, 2)
    cache_check = page_cache_check(cached, uncached, front)
    say(cache_check)

    plan = [
        ("Article, uncached, via gunicorn", uncached, ARTICLE, (1, 16, 64)),
        ("Article, cached, via gunicorn", cached, ARTICLE, (1, 16, 64)),
        ("Article list, cached, via gunicorn", cached, "/articles/", (16,)),
        ("Home, cached, via gunicorn", cached, "/", (16,)),
        ("Article list, uncached, via gunicorn", uncached, "/articles/", (16,)),
        ("Home, uncached, via gunicorn", uncached, "/", (16,)),
        ("Static CSS via WhiteNoise", cached, static_url, (16,)),
    ]
    if nginx:
        plan.append(("Article HTML as a static file via nginx", nginx, "/article.html", (16,)))
    front_plan = []
    if front:
        front_plan = [
            ("Article, cached, nginx front", front, ARTICLE, (1, 16, 64)),
            ("Article list, cached, nginx front", front, "/articles/", (16,)),
            ("Home, cached, nginx front", front, "/", (16,)),
        ]
    front_log = front_log_end(front) if front else None
    for name, port, path, connection_counts in [*plan, *front_plan]:
        for connections in connection_counts:
            say(f"  {name}, {connections} connection(s)...")
            rows.append((name, connections, wrk(port, path, connections, duration)))
    hit_ratio = front_hit_ratio(front, front_log) if front else "No nginx: no front cache."
    say(hit_ratio)

    say(f"  Comment POSTs, {COMMENT_CLIENTS} clients...")
    posts = post_comments(env, cached, duration)
    rows.append(
        (
            f"Comment POSTs (accepted; {posts['stored']} stored, {posts['unanswered']} of them "
            f"in flight at the end; {posts['duplicated']} duplicated)",
            COMMENT_CLIENTS,
            {
                "rps": posts["rps"],
                "cpu_ms": posts["cpu_ms"],
                "errors": sum(v for k, v in posts["statuses"].items() if k != 302),
            },
        )
    )

    weight_lines, transfer = weight_table(weights)
    lines = describe(env, pg_version, note) + ["", cache_check, ""]
    lines += [*results_table(rows), "", hit_ratio, "", *weight_lines]
    lines += ["", *targets(rows, posts, weights, transfer, nginx is not None and front is not None)]
    say("\n".join(lines))
    write_section("results", lines)
    say(f"\nWritten to {DOC.relative_to(BASE_DIR)}.")


def database_cpu_seconds():
    """CPU seconds used so far by each PostgreSQL backend serving the bench database."""
    import psutil

    used = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "postgres" and BENCH_DATABASE in " ".join(
                process.info["cmdline"] or []
            ):
                times = process.cpu_times()
                used[process.pid] = times.user + times.system
        except psutil.Error:
            continue
    return used


def posts_run(env, duration):
    """Only the comment POSTs, against one server with the page cache: printed, not written."""
    cached = start_gunicorn(env, page_cache=True)
    request(cached, ARTICLE)
    say(f"  Comment POSTs, {COMMENT_CLIENTS} clients, {duration} s...")
    database_before = database_cpu_seconds()
    posts = post_comments(env, cached, duration)
    database_used = sum(
        seconds - database_before.get(pid, 0.0) for pid, seconds in database_cpu_seconds().items()
    )
    database_ms = database_used * 1000 / max(1, posts["accepted"])
    say(
        f"{posts['rps']:,.0f} accepted/s; {posts['accepted']} accepted, {posts['stored']} "
        f"stored, {posts['duplicated']} duplicated; CPU per request: server "
        f"{posts['cpu_ms']:.2f} ms, PostgreSQL {database_ms:.2f} "
        f"ms; answers {posts['statuses']}; load average {machine()['load']}."
    )


def page_cache_check(cached, uncached, front=None):
    """Say whether the servers really answer from and around the page caches."""
    answers = {}
    for name, port in (("cached", cached), ("uncached", uncached)):
        _status, headers, _body = request(port, ARTICLE, headers=BROWSER_HEADERS)
        answers[name] = headers.get("X-Page-Cache", "no header")
    intended = answers["cached"] == "hit" and answers["uncached"] != "hit"
    front_says = ""
    if front:
        # Twice: the first may come just as the copy expires (STALE).
        for _ in range(2):
            _status, headers, _body = request(front, ARTICLE, headers=BROWSER_HEADERS)
        answers["front"] = headers.get("X-Front-Cache", "no header")
        intended = intended and answers["front"] == "HIT"
        front_says = f", the nginx front with X-Front-Cache {answers['front']}"
    verdict = "as intended" if intended else "**not as intended: check the cache settings**"
    return (
        f"Page cache after warm-up ({verdict}): the cached server answers the article "
        f"with X-Page-Cache {answers['cached']}, the uncached one with "
        f"{answers['uncached']}{front_says}."
    )


# The front's access log (deploy/nginx.conf's log_format): request, status, bytes,
# time, then the cache status ("-" when the cache was not asked).
FRONT_LOG_LINE = re.compile(r'"[A-Z]+ \S+ [^"]*" \d{3} \d+ [\d.]+ (\S+) ')
# Answered from nginx's copy, without waiting for Django.
FROM_FRONT_CACHE = {"HIT", "STALE", "UPDATING"}


def front_access_log(front):
    """The front's access log, its buffer written out first (SIGUSR1 reopens the log)."""
    nginx = SERVERS[front][0]
    os.kill(nginx.pid, signal.SIGUSR1)
    time.sleep(0.5)
    return WORK_DIR / FRONT_DIR / "logs" / "access.log"


def front_log_end(front):
    return front_access_log(front).stat().st_size


def cache_statuses(text):
    """How many answers of the log ``text`` had each cache status."""
    counts = {}
    for status in FRONT_LOG_LINE.findall(text):
        counts[status] = counts.get(status, 0) + 1
    return counts


def front_hit_ratio(front, since):
    """One sentence: the share of the front's answers (since byte ``since`` of its log)
    that came from its cache, and the count of each status."""
    with front_access_log(front).open() as log:
        log.seek(since)
        counts = cache_statuses(log.read())
    total = sum(counts.values())
    cached = sum(count for status, count in counts.items() if status in FROM_FRONT_CACHE)
    detail = ", ".join(f"{status} {count:,}" for status, count in sorted(counts.items()))
    share = cached / max(1, total)
    return (
        f"Front cache over its rows: {cached:,} of {total:,} answers ({share:.2%}) "
        f"came from nginx's copy ({detail}); Django revalidates each page about once "
        "a second in the background."
    )


def find(rows, name, connections):
    return next(row for row_name, count, row in rows if row_name == name and count == connections)


def targets(rows, posts, weights, transfer, has_nginx):
    uncached = find(rows, "Article, uncached, via gunicorn", 16)
    # With nginx, production serves cached pages from the front: judged against nginx
    # serving the same HTML as a file. Without, gunicorn against WhiteNoise.
    if has_nginx:
        cached = find(rows, "Article, cached, nginx front", 16)
        ceiling = find(rows, "Article HTML as a static file via nginx", 16)
    else:
        cached = find(rows, "Article, cached, via gunicorn", 16)
        ceiling = find(rows, "Static CSS via WhiteNoise", 16)
    html_gzip = weights["HTML"][2] / 1024

    def mark(ok):
        return "met" if ok else "**not met**"

    share = cached["rps"] / ceiling["rps"] * 100
    posts_ok = posts["rps"] >= 300 and stored_exactly_once(posts)
    return [
        "| Target (issue #6) | Measured | |",
        "| --- | --- | --- |",
        f"| Uncached article, 16 clients: ≥ 300 requests/s, p99 < 100 ms "
        f"| {uncached['rps']:,.0f}/s, p99 {uncached['p99']:.0f} ms "
        f"| {mark(uncached['rps'] >= 300 and uncached['p99'] < 100)} |",
        f"| Cached article{' (nginx front)' if has_nginx else ''}: ≥ 20% of "
        f"{'nginx' if has_nginx else 'WhiteNoise'} static, 16 clients "
        f"| {share:.0f}% ({cached['rps']:,.0f} of {ceiling['rps']:,.0f}/s) | {mark(share >= 20)} |",
        f"| Comment POSTs, 8 clients: ≥ 300 accepted/s, each stored once "
        f"| {posts['rps']:,.0f}/s; {posts['accepted']} accepted, {posts['stored']} stored "
        f"| {mark(posts_ok)} |",
        f"| HTML < 20 KB compressed with 50 comments | {html_gzip:.1f} KB "
        f"| {mark(html_gzip < 20)} |",
        f"| Total transfer < 75.6 KB (WordPress), aiming for half | {transfer / 1024:.1f} KB "
        f"| {mark(transfer / 1024 < 75.6)} |",
    ]


def grid_run(env, pg_version, duration, combos, note, rounds):
    """Compare gunicorn set-ups on the article page, round-robin, best of ``rounds``.

    All set-ups run side by side (idle while not measured) and are measured in turn,
    round after round, so that a burst of load from elsewhere on the machine hurts
    one round of every set-up rather than all rounds of one.
    """
    servers = []
    for workers, threads in combos:
        say(f"Starting gunicorn {workers} x {threads}...")
        uncached = start_gunicorn(env, page_cache=False, workers=workers, threads=threads)
        cached = start_gunicorn(env, page_cache=True, workers=workers, threads=threads)
        wrk(uncached, ARTICLE, 4, 2)
        wrk(cached, ARTICLE, 4, 2)
        servers.append((workers, threads, uncached, cached))
    cells = [(False, 16), (False, 64), (True, 16), (True, 64)]
    best = {}
    for round_number in range(1, rounds + 1):
        for workers, threads, uncached, cached in servers:
            say(f"  round {round_number}: {workers} x {threads}")
            for is_cached, connections in cells:
                port = cached if is_cached else uncached
                result = wrk(port, ARTICLE, connections, duration)
                key = (workers, threads, is_cached, connections)
                if key not in best or result["rps"] > best[key]["rps"]:
                    best[key] = result
    rows = [
        (workers, threads, [best[(workers, threads, *cell)] for cell in cells])
        for workers, threads, _uncached, _cached in servers
    ]
    lines = [
        f"Grid run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {duration} s per cell, "
        f"best of {rounds} round(s), "
        f"load average before {machine()['load']}." + (f" {note}" if note else ""),
        "",
        "Each cell: requests/s (p99 ms; server CPU ms per request).",
        "",
        "| Workers x threads | Uncached, 16 | Uncached, 64 | Cached, 16 | Cached, 64 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for workers, threads, results in rows:
        kind = "sync" if threads == 1 else "gthread"
        cells = " | ".join(f"{r['rps']:,.0f} ({r['p99']:.0f}; {r['cpu_ms']:.1f})" for r in results)
        lines.append(f"| {workers} x {threads} ({kind}) | {cells} |")
    say("\n".join(lines))
    write_section("grid", lines)


def parse_grid(text):
    combos = []
    for item in text.split(","):
        workers, threads = item.lower().split("x")
        combos.append((int(workers), int(threads)))
    return combos


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
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
        choices=["posts"],
        help="posts: only the comment POSTs (own database and folder; docs untouched)",
    )
    options = parser.parse_args()
    if options.only:
        # Its own database and folder, so that it can run beside a full run.
        global BENCH_DATABASE, WORK_DIR
        BENCH_DATABASE = f"{BENCH_DATABASE}_{options.only}"
        WORK_DIR = WORK_DIR.with_name(f"{WORK_DIR.name}-{options.only}")
    elif not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: apt-get install -y redis-server")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if WORK_DIR.exists() and not options.skip_setup:
            shutil.rmtree(WORK_DIR)
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        database_url = bench_database_url()
        if not options.skip_setup:
            recreate_bench_database(database_url)
        pg_version = maintenance_query(database_url, "SHOW server_version")
        env = production_env(database_url, start_redis())
        if not options.skip_setup:
            prepare(env)
        if options.only == "posts":
            posts_run(env, options.duration)
        elif options.grid:
            grid_run(env, pg_version, options.duration, options.grid, options.note, options.rounds)
        else:
            full_run(env, pg_version, options.duration, options.note)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    finally:
        stop_all()
        stop_embedded_db_if_started()


if __name__ == "__main__":
    main()
