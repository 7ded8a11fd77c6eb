"""Load from wrk: GET rows, comment POSTs (scripts/bench_posts.lua), and the cookie of
a returning commenter. wrk rather than Python clients because the load generator
shares the machine's cores with the servers, and wrk needs the least of them."""

import json
import re
import secrets
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from . import ARTICLE_SLUG, BASE_DIR, COMMENT_CLIENTS
from .measure import cpu_seconds
from .processes import request

# The name the returning commenter saves; their page shows it in the comment form.
RETURNING_NAME = "Returning reader"
POSTS_SCRIPT = BASE_DIR / "scripts" / "bench_posts.lua"
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(server, path, connections, duration, *, headers=()):
    """Run wrk against ``server``, as a browser asks (gzip accepted) plus ``headers``;
    return parse_wrk()'s figures and the server's CPU ms per request."""
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        *("--timeout", "10s", "--latency"),
        *("-H", "Accept-Encoding: gzip"),
        *(argument for header in headers for argument in ("-H", header)),
        f"http://127.0.0.1:{server.port}{path}",
    ]
    cpu_before = cpu_seconds(server)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec B603 # wrk with our own arguments, no shell
    cpu_used = cpu_seconds(server) - cpu_before
    result = parse_wrk(output)
    # Load-independent: what one request costs the server's processes.
    result["cpu_ms"] = cpu_used * 1000 / result["requests"] if result["requests"] else None
    return result


def parse_wrk(output):
    """Requests/s, requests served, p50/p90/p99 in ms and errors (non-2xx/3xx answers
    and socket errors) from ``wrk --latency``."""
    latency = {
        percent: to_ms(value, unit)
        for percent, value, unit in re.findall(
            r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": latency.get("50"),
        "p90": latency.get("90"),
        "p99": latency.get("99"),
        "errors": errors + socket_errors(output),
    }


def socket_errors(output):
    found = SOCKET_ERRORS.search(output)
    return sum(int(n) for n in found.groups()) if found else 0


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def form_token(server):
    """What the comment form's script fetches: the CSRF token, the signed form
    timestamp and the CSRF cookie that comes with them."""
    _status, headers, body = request(server.port, "/comments/form-token/")
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    form = json.loads(body)
    return form["csrfmiddlewaretoken"], form["timestamp"], cookie


def post_comments(server, duration, count_stored):
    """``COMMENT_CLIENTS`` wrk connections posting distinct comments with one form
    token for ``duration`` s; ``count_stored(marker)`` then says how many comments
    with the run's marker the database holds, and how many are extra copies."""
    marker = secrets.token_hex(4)
    token, timestamp, cookie = form_token(server)
    command = [
        "wrk",
        "-t2",
        f"-c{COMMENT_CLIENTS}",
        f"-d{duration}s",
        *("--timeout", "10s"),
        *("-s", str(POSTS_SCRIPT)),
        f"http://127.0.0.1:{server.port}/",
        "--",
        *(token, timestamp, cookie, marker, f"/comments/post/{ARTICLE_SLUG}/"),
    ]
    cpu_before = cpu_seconds(server)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec B603 # wrk with our own arguments, no shell
    # wrk stops at the deadline without reading the answers in flight; their comments
    # are stored all the same (at most one per connection): wait for them.
    time.sleep(1)
    cpu_used = cpu_seconds(server) - cpu_before
    result = parse_wrk(output)
    accepted, refused = (
        int(n) for n in re.search(r"bench-posts accepted=(\d+) refused=(\d+)", output).groups()
    )
    stored, duplicated = count_stored(marker)
    return {
        "accepted": accepted,
        # wrk's requests/s counts every answer; the accepted ones' share of it.
        "rps": result["rps"] * accepted / max(1, accepted + refused),
        "stored": stored,
        "duplicated": duplicated,
        "in_flight": stored - accepted,
        "statuses": {302: accepted, "other": refused, "socket errors": socket_errors(output)},
        "cpu_ms": cpu_used * 1000 / max(1, stored + refused),
    }


def stored_exactly_once(posts):
    """Every accepted comment stored once: none lost, none twice, and no more stored
    than accepted except those still in flight when wrk stopped (one per connection)."""
    return (
        not posts["duplicated"]
        and posts["accepted"] <= posts["stored"] <= posts["accepted"] + COMMENT_CLIENTS
    )


def returning_commenter_cookie(server, *, wait_seconds):
    """The ``Cookie`` header of a reader who posted a comment with "save my details"
    checked, got as a browser gets it: the form token, ``wait_seconds`` (the site's
    COMMENTS_MIN_SUBMIT_SECONDS) of writing, then the POST's ``comment_author`` cookie.
    Only that cookie is kept: the reader comes back after the others expired."""
    token, timestamp, csrf_cookie = form_token(server)
    time.sleep(wait_seconds)
    form = {
        "csrfmiddlewaretoken": token,
        "timestamp": timestamp,
        "body": f"Coming back to this page every week; thank you ({secrets.token_hex(4)}).",
        "author_name": RETURNING_NAME,
        "author_email": "returning.reader@example.org",
        "author_url": "",
        "fax_number": "",
        "parent": "",
        "save_details": "on",
    }
    status, headers, _body = request(
        server.port,
        f"/comments/post/{ARTICLE_SLUG}/",
        method="POST",
        body=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
    )
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    if status != 302 or "comment_author" not in cookies:
        raise SystemExit(f"Posting with save_details answered {status} without the cookie.")
    return f"Cookie: comment_author={cookies['comment_author'].coded_value}"
