"""Real servers for the tests that need more than one process: gunicorn with production
settings (recovery_site/gunicorn.conf.py) on the test database, and HTTP helpers."""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
# The same key on every server: a CSRF token or form timestamp signed by one verifies
# on the other, as in production.
SECRET_KEY = secrets.token_urlsafe(50)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url():
    """The URL of the database this test runs against (the test database), for servers
    started in other processes."""
    db = connection.settings_dict
    # The embedded PostgreSQL is reached through its socket folder, given in OPTIONS.
    host = db["HOST"] or db["OPTIONS"].get("host") or "localhost"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{quote(host, safe='')}{port}/{db['NAME']}"


def production_env(static_root, **overrides):
    """Production settings over plain http on the test database, none of this
    process's cache, page-cache or comment settings, and ``overrides`` (None removes
    a variable)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "GUNICORN_", "COMMENTS_", "PAGE_CACHE", "FRONT_CACHE", "REDIS_", "AXES_")
        )
    }
    env.update(
        DATABASE_URL=current_database_url(),
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        HTTPS_ONLY="0",
        STATIC_ROOT=str(static_root),
        TASKS_BACKEND="database",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESSLOG="",
        GUNICORN_WORKERS="1",
        COMMENTS_MIN_SUBMIT_SECONDS="0",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def collect_static(static_root):
    """collectstatic into ``static_root`` (production pages link the hashed names)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=production_env(static_root),
        check=True,
    )


class Gunicorn:
    """gunicorn serving recovery_site.wsgi on 127.0.0.1:``port``, in a process group of
    its own (master and workers), stopped by ``stop()``."""

    def __init__(self, env, log):
        self.port = free_port()
        self.log = log
        with open(log, "ab") as output:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "recovery_site.wsgi",
                    *("--config", "recovery_site/gunicorn.conf.py"),
                    *("--bind", f"127.0.0.1:{self.port}"),
                    # Several servers at once: none with the shared control socket.
                    "--no-control-socket",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_until_ready()

    def wait_until_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited: {Path(self.log).read_text()[-2000:]}")
            try:
                if request(self.port, "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"gunicorn did not answer within {seconds} s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def request(port, path, *, method="GET", headers=None, body=None):
    """One HTTP request to 127.0.0.1:``port``; the response with its ``body`` read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.body = response.read()
        return response
    finally:
        connection.close()


def form_token(port, headers=None):
    """What a shared page's comment form fetches: its fields' values (CSRF token, form
    timestamp) and the CSRF cookie."""
    token = request(port, "/comments/form-token/", headers=headers)
    return json.loads(token.body), SimpleCookie(token.getheader("Set-Cookie"))["csrftoken"].value


def post_comment(port, article, body, *, token=None, headers=None):
    """Send a comment as a browser does, with ``token`` (from ``form_token``; fetched
    first, from the same address, if None); return the response."""
    values, csrf_cookie = token or form_token(port, headers=headers)
    form = {
        **values,
        "body": body,
        "author_name": "Sam Rivera",
        "author_email": "sam@example.org",
        "author_url": "",
        "fax_number": "",
        "parent": "",
    }
    return request(
        port,
        f"/comments/post/{article.slug}/",
        method="POST",
        body=urlencode(form),
        headers={
            **(headers or {}),
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
    )
