"""Fault tests: the production set-up against a PostgreSQL server of the tests' own
(the embedded one, in a folder of its own), which the tests stop and freeze. gunicorn
runs with production settings (as `make bench` starts it), behind the nginx front
when nginx is installed. Never the shared server of the rest of the suite.

The timing assertions are the site's own limits (DATABASE_CONNECT_TIMEOUT 2 s,
DATABASE_STATEMENT_TIMEOUT 5 s, /healthz 1.5 s), with a margin.
"""

import gzip
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psutil
import psycopg2
import pytest

from recovery_site import embedded_db
from scripts.bench import processes, servers
from scripts.nginx_front import find_nginx

pytestmark = [pytest.mark.faults, pytest.mark.slow]

BASE_DIR = Path(__file__).resolve().parent.parent
SLUG = "sleep-in-early-recovery"
ARTICLE = f"/articles/{SLUG}/"
GZIP = {"Accept-Encoding": "gzip"}

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from tests.factories import make_article
make_article(slug="{SLUG}", title="Sleep in early recovery")
"""


class Database:
    """The tests' own PostgreSQL: stop, start, freeze (SIGSTOP to every one of its
    processes, as a hung machine would), thaw."""

    def __init__(self, pgdata):
        self.pgdata = pgdata
        self.url = embedded_db.ensure_running(pgdata, database="faults")
        self.frozen = []
        # A throwaway server: nothing needs to reach the disk (a faster migrate).
        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("ALTER SYSTEM SET fsync = off")
            cursor.execute("ALTER SYSTEM SET synchronous_commit = off")
            cursor.execute("SELECT pg_reload_conf()")
        connection.close()

    def stop(self):
        assert embedded_db.stop(self.pgdata)

    def start(self):
        embedded_db.ensure_running(self.pgdata, database="faults")

    def freeze(self):
        postmaster = psutil.Process(int((self.pgdata / "postmaster.pid").read_text().split()[0]))
        self.frozen = [postmaster, *postmaster.children(recursive=True)]
        for process in self.frozen:
            process.send_signal(signal.SIGSTOP)

    def thaw(self):
        for process in self.frozen:
            process.send_signal(signal.SIGCONT)
        self.frozen = []

    def comment_bodies(self):
        with psycopg2.connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT body FROM comments_comment ORDER BY id")
            return [body for (body,) in cursor.fetchall()]


class Site:
    def __init__(self, database, gunicorn, front, redis_url, cache_prefix):
        self.database = database
        self.gunicorn = gunicorn
        self.front = front
        self.redis_url = redis_url
        self.cache_prefix = cache_prefix

    def get(self, path, *, port=None, headers=None):
        return processes.request(port or self.gunicorn.port, path, headers=headers)

    def timed(self, call, *args, **kwargs):
        started = time.monotonic()
        result = call(*args, **kwargs)
        return result, time.monotonic() - started

    def post_comment(self, body):
        """Send the comment form as a browser does: token first, then the post."""
        status, headers, token = self.get("/comments/form-token/")
        assert status == 200
        values = json.loads(token)
        csrf = SimpleCookie(headers["Set-Cookie"])["csrftoken"].value
        form = {
            **values,
            "body": body,
            "author_name": "Robin Lee",
            "author_email": "robin@example.org",
            "author_url": "",
            "fax_number": "",
            "parent": "",
        }
        return processes.request(
            self.gunicorn.port,
            f"/comments/post/{SLUG}/",
            method="POST",
            body=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
            },
        )

    def forget_django_pages(self):
        """Drop the pages Django's cache keeps (as an eviction would): only the front's
        copies are left."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(client.scan_iter(match=f"{self.cache_prefix}:*:page:*"))
            assert keys
            client.delete(*keys)
        finally:
            client.close()

    def wait_until_healthy(self, seconds=15):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.get("/healthz")[0] == 200:
                return True
            time.sleep(0.2)
        return False


def stop_process(process):
    # The whole process group (gunicorn's workers, nginx's) at once: these servers keep
    # nothing worth a graceful shutdown, which costs gunicorn seconds.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if process in processes.RUNNING:
        processes.RUNNING.remove(process)


@pytest.fixture(scope="module")
def site(redis_url):
    # Not under tmp_path: PostgreSQL runs as another user, who must traverse every
    # parent folder; and short, for the socket's path (see tests/test_embedded_db.py).
    with (
        tempfile.TemporaryDirectory(prefix="pg-", ignore_cleanup_errors=True) as root,
        tempfile.TemporaryDirectory(prefix="faults-", ignore_cleanup_errors=True) as work,
    ):
        pgdata, work_dir = Path(root) / "pg", Path(work)
        database = Database(pgdata)
        started = []
        try:
            cache_prefix = f"faults_{secrets.token_hex(6)}"
            env = servers.production_env(database.url, work_dir)
            env.update(REDIS_URL=redis_url, CACHE_KEY_PREFIX=cache_prefix)
            # Migrating takes longest: the servers start meanwhile (gunicorn's health
            # check needs no tables; the first page, migrated tables and static files).
            setup = subprocess.Popen(
                [BASE_DIR / ".venv" / "bin" / "python", "-c", SETUP],
                cwd=BASE_DIR,
                env=dict(env, DJANGO_SETTINGS_MODULE="recovery_site.settings"),
                stderr=subprocess.PIPE,
                text=True,
            )
            started.append(setup)
            gunicorn = servers.start_gunicorn(env, work_dir, page_cache=True, workers=2)
            started.extend(gunicorn.processes)
            front = servers.start_front(work_dir, gunicorn) if find_nginx() else None
            if front:
                started.append(front.processes[0])
            _, errors = setup.communicate(timeout=120)
            assert setup.returncode == 0, errors
            yield Site(database, gunicorn, front, redis_url, cache_prefix)
        finally:
            database.thaw()
            for process in reversed(started):
                stop_process(process)
            embedded_db.stop(pgdata)


def prime(site):
    """Anonymous readers have read the article: Django's cache (and the front's) hold it."""
    first = site.get(ARTICLE, headers=GZIP)
    assert first[0] == 200
    second = site.get(ARTICLE, headers=GZIP)
    assert second[0] == 200 and second[1]["X-Page-Cache"] == "hit"
    if site.front:
        assert site.get(ARTICLE, port=site.front.port, headers=GZIP)[0] == 200
    return gzip.decompress(second[2])


def assert_kept_and_calm(answer, body):
    status, headers, content = answer
    assert status == 503
    assert headers["Retry-After"] == "60"
    page = content.decode()
    assert "Your comment is not saved yet" in page
    assert f"{body}</textarea>" in page
    assert 'value="Robin Lee"' in page


def test_a_stopped_database_keeps_comments_and_cached_pages_and_recovers(site):
    cached = prime(site)
    site.database.stop()
    try:
        assert site.get("/healthz")[0] == 503
        assert_kept_and_calm(
            site.post_comment("Written while it was down."), "Written while it was down."
        )
        status, headers, _ = site.get("/search/?q=sleep")
        assert status == 503 and headers["Retry-After"] == "60"

        status, headers, page = site.get(ARTICLE, headers=GZIP)
        assert (status, headers["X-Page-Cache"], gzip.decompress(page)) == (200, "hit", cached)
    finally:
        site.database.start()

    # The same gunicorn, its persistent connections to the old server discarded.
    assert site.wait_until_healthy()
    assert site.gunicorn.processes[0].poll() is None
    assert site.post_comment("Written once it was back.")[0] == 302
    assert site.database.comment_bodies() == ["Written once it was back."]
    for _ in range(4):  # every worker
        assert site.get("/search/?q=sleep")[0] == 200


def test_a_frozen_database_is_noticed_within_the_timeouts_and_recovers(site):
    cached = prime(site)
    primed_at = time.monotonic()
    site.database.freeze()
    try:
        (status, headers, page), seconds = site.timed(site.get, ARTICLE, headers=GZIP)
        assert (status, headers["X-Page-Cache"], gzip.decompress(page)) == (200, "hit", cached)
        assert seconds < 1
        if site.front:
            # Only the front's copy is left, for the check at the end.
            site.forget_django_pages()

        (status, _, _), seconds = site.timed(site.get, "/healthz")
        assert status == 503 and seconds < 2

        answer, seconds = site.timed(site.post_comment, "Written while it was frozen.")
        assert_kept_and_calm(answer, "Written while it was frozen.")
        assert seconds < 5.5

        for path in ("/search/?q=sleep", ARTICLE):
            # The article, for a reader with a cookie that makes it personal.
            (status, headers, _), seconds = site.timed(
                site.get, path, headers={"Cookie": "comments_mine=x"}
            )
            assert status == 503 and headers["Retry-After"] == "60" and seconds < 5.5

        if site.front:
            # Past the front's copy's lifetime (X-Accel-Expires: 1, whole seconds), nginx
            # asks Django, which cannot answer: readers get the copy nginx kept.
            time.sleep(max(0, primed_at + 2.05 - time.monotonic()))
            (status, headers, page), seconds = site.timed(
                site.get, ARTICLE, port=site.front.port, headers=GZIP
            )
            assert status == 200 and headers["X-Front-Cache"] in {"STALE", "UPDATING"}
            assert b"Sleep in early recovery</h1>" in gzip.decompress(page)
            assert seconds < 1
    finally:
        site.database.thaw()

    assert site.wait_until_healthy()
    assert site.post_comment("Written once it was thawed.")[0] == 302
    assert "Written once it was thawed." in site.database.comment_bodies()
    for _ in range(4):
        assert site.get("/search/?q=sleep")[0] == 200
