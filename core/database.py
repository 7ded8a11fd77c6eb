"""How long the site waits on PostgreSQL, and what counts as the database being out.

PostgreSQL's own ``statement_timeout`` (settings.DATABASE_STATEMENT_TIMEOUT) cancels
a slow statement, but a frozen server (stopped, swapped out, a hung disk) cancels
nothing, and libpq has no client-side limit on a query. So psycopg2 waits through
``wait()`` below, its documented wait callback: connecting gives up after
DATABASE_CONNECT_TIMEOUT, a statement a second after the server should have
cancelled it, and within ``wait_limit()`` (every web request, see
core.middleware.DatabaseOutageMiddleware) the waits of a whole request share one
budget. Giving up closes the connection (psycopg2 does so when the callback raises),
so Django opens a fresh one for the next request: the site recovers by itself when
the database does.
"""

import select
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import psycopg2
from django.conf import settings
from django.db import InterfaceError, OperationalError
from psycopg2 import extensions

# What a database that is down, frozen or too slow raises (Django's wrappers).
OUTAGE_ERRORS = (OperationalError, InterfaceError)
# How long the 503 pages ask clients to wait before trying again.
RETRY_AFTER_SECONDS = 60
# Beyond the server's statement_timeout: the server's own cancel should come first.
STATEMENT_GRACE_SECONDS = 1


@dataclass
class _Budget:
    seconds: float


_budget = ContextVar("database_wait_budget", default=None)


@contextmanager
def wait_limit(seconds):
    """Wait at most ``seconds`` on the database in all inside this block (and no
    longer than an enclosing block allows); 0 or None sets no limit of its own."""
    outer = _budget.get()
    if not seconds:
        yield
        return
    budget = _Budget(seconds if outer is None else min(seconds, outer.seconds))
    allowed = budget.seconds
    token = _budget.set(budget)
    try:
        yield
    finally:
        _budget.reset(token)
        if outer is not None:
            outer.seconds -= allowed - budget.seconds


def _limit_for(connection):
    if connection.status == extensions.STATUS_SETUP:
        limit = settings.DATABASE_CONNECT_TIMEOUT or None
    elif settings.DATABASE_STATEMENT_TIMEOUT:
        limit = settings.DATABASE_STATEMENT_TIMEOUT + STATEMENT_GRACE_SECONDS
    else:
        limit = None
    budget = _budget.get()
    if budget is not None:
        limit = budget.seconds if limit is None else min(limit, budget.seconds)
    return limit


def wait(connection):
    """psycopg2's wait callback: psycopg2.extras.wait_select with a deadline."""
    limit = _limit_for(connection)
    started = time.monotonic()
    budget = _budget.get()
    try:
        while True:
            state = connection.poll()
            if state == extensions.POLL_OK:
                return
            remaining = None if limit is None else limit - (time.monotonic() - started)
            if remaining is not None and remaining <= 0:
                raise psycopg2.OperationalError(f"the database did not answer within {limit:.1f} s")
            if state == extensions.POLL_READ:
                select.select([connection.fileno()], [], [], remaining)
            elif state == extensions.POLL_WRITE:
                select.select([], [connection.fileno()], [], remaining)
            else:
                raise psycopg2.OperationalError(f"unexpected state from poll(): {state}")
    finally:
        if budget is not None:
            budget.seconds = max(0.0, budget.seconds - (time.monotonic() - started))


def install():
    """Make every psycopg2 connection of this process wait through ``wait()``."""
    extensions.set_wait_callback(wait)
