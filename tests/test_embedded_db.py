"""The embedded PostgreSQL that `make run` uses when DATABASE_URL is unset."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from recovery_site import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture
def pgdata():
    # Not under tmp_path: PostgreSQL runs as another user, who must traverse every
    # parent folder, and any pytest process starting meanwhile makes
    # /tmp/pytest-of-<user> private again. A short path too: PostgreSQL's socket lives
    # in the data folder (~100 byte limit).
    with tempfile.TemporaryDirectory(prefix="pg-", ignore_cleanup_errors=True) as root:
        path = Path(root) / "pg"
        yield path
        embedded_db.stop(path)


def postmaster_pid(path):
    return int((path / "postmaster.pid").read_text().splitlines()[0])


def query(url, sql):
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_starts_creates_the_database_and_is_reused(pgdata):
    url = embedded_db.ensure_running(pgdata, database="smoke")

    assert embedded_db.is_running(pgdata)
    assert query(url, "SELECT current_database()") == "smoke"
    assert query(url, "SHOW server_version_num").startswith("18")
    query(url, "CREATE EXTENSION IF NOT EXISTS pg_trgm; SELECT similarity('heroin', 'heroine')")
    first_pid = postmaster_pid(pgdata)

    assert embedded_db.ensure_running(pgdata, database="smoke") == url
    assert postmaster_pid(pgdata) == first_pid

    assert embedded_db.stop(pgdata) is True
    assert not embedded_db.is_running(pgdata)
    assert embedded_db.stop(pgdata) is False


def test_recovers_after_the_server_is_killed(pgdata):
    url = embedded_db.ensure_running(pgdata, database="smoke")
    os.kill(postmaster_pid(pgdata), signal.SIGKILL)
    for _ in range(100):
        if not embedded_db.is_running(pgdata):
            break
        subprocess.run(["sleep", "0.05"], check=True)

    url = embedded_db.ensure_running(pgdata, database="smoke")

    assert query(url, "SELECT 1") == 1


def test_manage_py_migrates_and_loads_demo_content_on_it(pgdata, tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name.removeprefix("DJANGO_") not in {"DATABASE_URL", "SECRET_KEY"}
    }
    # The demo's hero picture goes to a throwaway folder, not the checkout's media/.
    env.update(DEBUG="1", EMBEDDED_PG_DIR=str(pgdata), MEDIA_ROOT=str(tmp_path / "media"))

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--noinput")
    manage("load_demo_content")
    manage("load_demo_content")  # idempotent
    counts = manage(
        "shell",
        "-c",
        "from articles.models import Article, Section, FAQ;"
        "print(Article.objects.count(), Section.objects.count(), FAQ.objects.count())",
    )

    assert counts.split()[-3:] == ["4", "25", "22"]
    assert embedded_db.is_running(pgdata)
