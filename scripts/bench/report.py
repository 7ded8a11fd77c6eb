"""The bench's report: the machine and software, the results table, the targets and
the page weight, written between markers of docs/benchmarks.md."""

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from . import BASE_DIR, COMMENT_CLIENTS, COMMENTS
from .load import stored_exactly_once

DOC = BASE_DIR / "docs" / "benchmarks.md"

# The rows the targets are judged on (__main__ names its rows with these).
ANONYMOUS_FRONT = "Article, cached, nginx front"
ANONYMOUS_GUNICORN = "Article, cached, via gunicorn"
STATIC_NGINX = "Article HTML as a static file via nginx"
STATIC_WHITENOISE = "Static CSS via WhiteNoise"
RETURNING_FRONT = "Article, returning commenter (comment_author cookie), nginx front"
RETURNING_GUNICORN = "Article, returning commenter (comment_author cookie), via gunicorn"
UNCACHED = "Article, fully uncached (PAGE_CACHE_SECONDS=0), via gunicorn"

# Targets: the anonymous article's share of nginx serving it as a file; the returning
# commenter's page; the uncached article and the POSTs no slower than before; the
# weight under what WordPress's theme transfers for the same article.
ANONYMOUS_SHARE = 0.80
RETURNING_RPS, RETURNING_P99_MS = 250, 100
UNCACHED_RPS = 153
POSTS_RPS = 221
HTML_GZIP_KB, TRANSFER_KB = 20, 75.6


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
    def first_line(*command):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)  # nosec B603 # version queries of fixed programs, no shell
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
        "Redis": version_in(first_line("redis-server", "--version"), r"v=(\S+)"),
        "nginx": version_in(first_line("nginx", "-v"), r"nginx/(\S+)"),
        "wrk": version_in(first_line("wrk", "--version"), r"wrk (?:debian/)?(\S+)"),
    }


def version_in(text, pattern):
    found = re.search(pattern, text)
    return found.group(1) if found else text


def gunicorn_setting(env):
    """Workers and threads as recovery_site/gunicorn.conf.py reads them from ``env``."""
    code = (
        "import runpy; c = runpy.run_path('recovery_site/gunicorn.conf.py'); "
        "print(c['workers'], c['threads'], c['worker_class'])"
    )
    result = subprocess.run(  # nosec B603 # the venv's Python on fixed code, no shell
        [BASE_DIR / ".venv" / "bin" / "python", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    workers, threads, worker_class = result.stdout.split()
    return f"{workers} {worker_class} workers x {threads} thread(s)"


def describe(env, pg_version, note):
    """The lines that head a report: when, on what machine, with which software."""
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


def results_table(rows):
    """``rows`` of (name, connections, wrk figures) as a Markdown table."""
    lines = [
        "| What | Connections | Requests/s | p50 ms | p90 ms | p99 ms | Errors "
        "| Server CPU ms/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, connections, row in rows:
        latency = (
            " | | "
            if row.get("p50") is None
            else f"{row['p50']:.1f} | {row['p90']:.1f} | {row['p99']:.1f}"
        )
        cpu = "" if row.get("cpu_ms") is None else f"{row['cpu_ms']:.2f}"
        lines.append(
            f"| {name} | {connections} | {row['rps']:,.0f} | {latency} | {row['errors']} | {cpu} |"
        )
    return lines


def weight_table(weights):
    """page_weight()'s rows as a Markdown table, and the total transferred bytes."""
    lines = [
        "| Article page | Files | As stored (KB) | Transferred, gzip (KB) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, (files, plain, compressed) in weights.items():
        lines.append(f"| {kind} | {files} | {plain / 1024:.1f} | {compressed / 1024:.1f} |")
    files, plain, compressed = (sum(column) for column in zip(*weights.values(), strict=True))
    lines.append(f"| **Total** | {files} | {plain / 1024:.1f} | {compressed / 1024:.1f} |")
    return lines, compressed


def find(rows, name, connections=16):
    return next(row for row_name, count, row in rows if row_name == name and count == connections)


def targets(rows, posts, weights, transfer, has_nginx):
    """The targets table: each target, what was measured, met or not."""
    uncached = find(rows, UNCACHED)
    # With nginx, anonymous readers are served by the front, judged against nginx
    # serving the same HTML as a file; without it, gunicorn against WhiteNoise.
    if has_nginx:
        anonymous, ceiling = find(rows, ANONYMOUS_FRONT), find(rows, STATIC_NGINX)
        returning = find(rows, RETURNING_FRONT)
    else:
        anonymous, ceiling = find(rows, ANONYMOUS_GUNICORN), find(rows, STATIC_WHITENOISE)
        returning = find(rows, RETURNING_GUNICORN)
    html_gzip = weights["HTML"][2] / 1024
    share = anonymous["rps"] / ceiling["rps"]

    def mark(ok):
        return "met" if ok else "**not met**"

    return [
        "| Target | Measured | |",
        "| --- | --- | --- |",
        f"| Anonymous article{' via the nginx front' if has_nginx else ''} / "
        f"{'nginx' if has_nginx else 'WhiteNoise'} static file, 16 clients: "
        f"≥ {ANONYMOUS_SHARE:.2f} | {share:.2f} ({anonymous['rps']:,.0f} of "
        f"{ceiling['rps']:,.0f}/s) | {mark(share >= ANONYMOUS_SHARE)} |",
        f"| Returning commenter's article (personal), 16 clients: ≥ {RETURNING_RPS} "
        f"requests/s, p99 < {RETURNING_P99_MS} ms | {returning['rps']:,.0f}/s, p99 "
        f"{returning['p99']:.0f} ms | "
        f"{mark(returning['rps'] >= RETURNING_RPS and returning['p99'] < RETURNING_P99_MS)} |",
        f"| Article fully uncached (`PAGE_CACHE_SECONDS=0`), 16 clients: ≥ {UNCACHED_RPS} "
        f"requests/s | {uncached['rps']:,.0f}/s, p99 {uncached['p99']:.0f} ms "
        f"| {mark(uncached['rps'] >= UNCACHED_RPS)} |",
        f"| Comment POSTs, {COMMENT_CLIENTS} clients: ≥ {POSTS_RPS} accepted/s, each stored "
        f"once | {posts['rps']:,.0f}/s; {posts['accepted']} accepted, {posts['stored']} "
        f"stored | {mark(posts['rps'] >= POSTS_RPS and stored_exactly_once(posts))} |",
        f"| HTML < {HTML_GZIP_KB} KB compressed with {COMMENTS} comments "
        f"| {html_gzip:.1f} KB | {mark(html_gzip < HTML_GZIP_KB)} |",
        f"| Total transfer < {TRANSFER_KB} KB (WordPress) | {transfer / 1024:.1f} KB "
        f"| {mark(transfer / 1024 < TRANSFER_KB)} |",
    ]


def grid_table(results, duration, rounds, note):
    """``results`` of (workers, threads, [figures per cell]) as the grid report."""
    lines = [
        f"Grid run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {duration} s per cell, "
        f"best of {rounds} round(s), "
        f"load average before {machine()['load']}." + (f" {note}" if note else ""),
        "",
        "Each cell: requests/s (p99 ms; server CPU ms per request).",
        "",
        "| Workers x threads | Uncached, 16 | Uncached, 64 | Cached, 16 | Cached, 64 "
        "| Returning commenter, 16 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for workers, threads, cells in results:
        kind = "sync" if threads == 1 else "gthread"
        text = " | ".join(f"{r['rps']:,.0f} ({r['p99']:.0f}; {r['cpu_ms']:.1f})" for r in cells)
        lines.append(f"| {workers} x {threads} ({kind}) | {text} |")
    return lines


def write_section(name, lines):
    """Replace the text between ``<!-- bench:NAME:start/end -->`` in docs/benchmarks.md
    (appending the section when it is not there yet)."""
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
