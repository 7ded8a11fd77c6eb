"""What the bench reads besides wrk's figures: the CPU time servers spend, the article's
page weight, whether the caches answer as intended, and the front cache's answers."""

import os
import re
import signal
import time

from . import ARTICLE
from .processes import request

BROWSER_HEADERS = {"Accept-Encoding": "gzip", "Accept": "text/html,*/*"}
# A line of deploy/nginx.conf's log_format: request, status, bytes, time, then the
# cache status ("-" when the cache was not asked).
FRONT_LOG_LINE = re.compile(r'"[A-Z]+ \S+ [^"]*" \d{3} \d+ [\d.]+ (\S+) ')
# Answered from nginx's copy, without waiting for Django.
FROM_FRONT_CACHE = {"HIT", "STALE", "UPDATING"}


def cpu_seconds(server):
    """User + system CPU seconds used so far by ``server``'s processes and their
    children (gunicorn's workers, nginx's)."""
    import psutil

    total = 0.0
    for process in server.processes:
        try:
            root = psutil.Process(process.pid)
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in members:
            try:
                times = member.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def page_weight(server):
    """Files and bytes of the article page and what it loads (stylesheets, scripts,
    icons, the hero a phone picks), as stored and gzip-transferred, by kind; and the
    page's HTML."""
    _status, _headers, html = request(server.port, ARTICLE)
    page = html.decode()
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    js = re.findall(r'<script src="([^"]+)"', page)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    # The srcset candidate Lighthouse's phone (412 px wide at 1.75x) loads.
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
            plain += len(request(server.port, url)[2])
            status, _headers, body = request(server.port, url, headers={"Accept-Encoding": "gzip"})
            if status != 200:
                raise SystemExit(f"{url} answered {status}.")
            compressed += len(body)
        rows[kind] = (len(urls), plain, compressed)
    return rows, html


def page_cache_check(cached, uncached, front=None):
    """One sentence: whether the servers answer the article from their caches (and
    around them) as intended, with the headers that say so."""
    answers = {}
    for name, server in (("cached", cached), ("uncached", uncached)):
        _status, headers, _body = request(server.port, ARTICLE, headers=BROWSER_HEADERS)
        answers[name] = headers.get("X-Page-Cache", "no header")
    intended = answers["cached"] == "hit" and answers["uncached"] != "hit"
    front_says = ""
    if front:
        # Twice: the first may come just as the copy expires (STALE).
        for _ in range(2):
            _status, headers, _body = request(front.port, ARTICLE, headers=BROWSER_HEADERS)
        answers["front"] = headers.get("X-Front-Cache", "no header")
        intended = intended and answers["front"] == "HIT"
        front_says = f", the nginx front with X-Front-Cache {answers['front']}"
    verdict = "as intended" if intended else "**not as intended: check the cache settings**"
    return (
        f"Page cache after warm-up ({verdict}): the cached server answers the article "
        f"with X-Page-Cache {answers['cached']}, the uncached one with "
        f"{answers['uncached']}{front_says}."
    )


def front_access_log(front):
    """The front's access log, its buffer written out first (SIGUSR1 reopens the log)."""
    os.kill(front.processes[0].pid, signal.SIGUSR1)
    time.sleep(0.5)
    return front.folder / "logs" / "access.log"


def front_log_end(front):
    """Where the front's access log ends now: front_hit_ratio() counts from there."""
    return front_access_log(front).stat().st_size


def cache_statuses(text):
    """How many answers of the access log ``text`` had each cache status."""
    counts = {}
    for status in FRONT_LOG_LINE.findall(text):
        counts[status] = counts.get(status, 0) + 1
    return counts


def front_hit_ratio(front, since):
    """One sentence: the share of the front's answers (since byte ``since`` of its log)
    that came from its copy, and the count of each cache status."""
    with front_access_log(front).open() as log:
        log.seek(since)
        counts = cache_statuses(log.read())
    total = sum(counts.values())
    cached = sum(count for status, count in counts.items() if status in FROM_FRONT_CACHE)
    detail = ", ".join(f"{status} {count:,}" for status, count in sorted(counts.items()))
    return (
        f"Front cache over its anonymous rows: {cached:,} of {total:,} answers "
        f"({cached / max(1, total):.2%}) came from nginx's copy ({detail}); Django "
        "revalidates each page about once a second in the background."
    )


def personal_page_check(server, cookie, name):
    """One sentence: whether the article asked for with ``cookie`` (a ``Cookie:``
    header) is the reader's own page, the comment form filled in with ``name``, and
    not the front's shared copy."""
    header, value = cookie.split(": ", 1)
    _status, headers, body = request(server.port, ARTICLE, headers={header: value})
    front = headers.get("X-Front-Cache")
    personal = name in body.decode() and front in (None, "BYPASS")
    verdict = "as intended" if personal else "**not as intended: check the personal cookies**"
    return (
        f"Returning commenter ({verdict}): the page "
        f"{'shows' if name in body.decode() else 'does not show'} the saved name"
        + (f", the nginx front says X-Front-Cache {front}." if front else ".")
    )
