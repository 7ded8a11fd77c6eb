"""The bench's own PostgreSQL database, so that development data is never touched."""

import os
from urllib.parse import urlsplit, urlunsplit

DATABASE = "recovery_bench"
# The WordPress import's own, empty but for the migrations (see wordpress.py).
WORDPRESS_DATABASE = f"{DATABASE}_wordpress"


def with_database(url, name):
    """``url`` naming database ``name`` instead (query string, such as a socket
    directory, kept)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def name_of(url):
    return urlsplit(url).path.lstrip("/")


def bench_database_url(name=DATABASE):
    """BENCH_DATABASE_URL, else database ``name`` on the server of DATABASE_URL or on
    the embedded PostgreSQL; and whether the embedded server had to be started."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url, False
    source = os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_DATABASE_URL")
    started = False
    if not source:
        from recovery_site import embedded_db

        started = not embedded_db.is_running()
        source = embedded_db.ensure_running()
    return with_database(source, name), started


def stop_embedded_db():
    from recovery_site import embedded_db

    embedded_db.stop()


def connect(url):
    import psycopg2

    # libpq takes the URL as it is (the embedded server's has ?host=<socket dir>).
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def maintenance_query(url, *statements):
    """Run ``statements`` on the server of ``url`` (in its ``postgres`` database);
    return the first column of the last one's first row (None without one)."""
    connection = connect(with_database(url, "postgres"))
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None
    finally:
        connection.close()


def recreate(url):
    """Drop the database of ``url`` (closing its connections) and create it empty."""
    name = name_of(url)
    maintenance_query(
        url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )


def stored_comments(cursor, marker):
    """How many stored comments have ``marker`` in their body, and how many of those
    are extra copies of another's body (each bench post has a body of its own)."""
    cursor.execute(
        "SELECT count(*), count(*) - count(DISTINCT body) FROM comments_comment "
        "WHERE strpos(body, %s) > 0",
        [marker],
    )
    return cursor.fetchone()


def count_stored_comments(url, marker):
    """stored_comments() in the database of ``url``."""
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            return stored_comments(cursor, marker)
    finally:
        connection.close()


def stored_comment_bodies(url, marker):
    """The bodies of the stored comments with ``marker`` in them, in the database of
    ``url`` (matched as text, never as a LIKE pattern)."""
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT body FROM comments_comment WHERE strpos(body, %s) > 0", [marker])
            return [body for (body,) in cursor.fetchall()]
    finally:
        connection.close()


def backend_cpu_seconds(name):
    """CPU seconds used so far by each PostgreSQL backend serving database ``name``."""
    import psutil

    used = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "postgres" and name in " ".join(
                process.info["cmdline"] or []
            ):
                times = process.cpu_times()
                used[process.pid] = times.user + times.system
        except psutil.Error:
            continue
    return used
