"""The servers a bench run starts, each on a free port of 127.0.0.1: Redis, gunicorn
with production settings, the nginx front (deploy/nginx.conf) and nginx serving the
article as a static file (the ceiling the front is judged against)."""

import gzip
import os
import secrets
import shutil
import socket
import subprocess
import time

from scripts.nginx_front import find_nginx, write_config, write_nginx_conf

from . import ARTICLE_SLUG, BASE_DIR, COMMENTS, say
from .processes import Server, free_port, start, wait_for

BIN = BASE_DIR / ".venv" / "bin"


def production_env(database_url, work_dir, redis_port=None):
    """The environment of production settings the bench's servers run with, on plain
    http, with flood control relaxed so that clients may post as fast as they can."""
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
        COMMENTS_MIN_SUBMIT_SECONDS="0",
        COMMENTS_FLOOD_SECONDS="0",
    )
    if redis_port:
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env, *args):
    """Run a manage.py command with ``env``, quietly; stop the run with its output if
    it fails."""
    result = subprocess.run(  # nosec B603 # manage.py with our own arguments, no shell
        [BIN / "python", "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def prepare(env):
    """Migrate, load the demo content, seed the measured article's comments and
    collect the static files."""
    say("Preparing the bench database and static files...")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo_content")
    manage(env, "seed_comments", ARTICLE_SLUG, "--count", str(COMMENTS))
    manage(env, "collectstatic", "--noinput")


def start_redis(work_dir):
    """A Redis of the run's own, keeping nothing on disk; returns its port."""
    port = free_port()
    start(
        [
            shutil.which("redis-server") or "redis-server",
            *("--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--loglevel", "warning"),
        ],
        log=work_dir / "redis-server.log",
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start.")


def start_gunicorn(env, work_dir, *, page_cache, workers=None, threads=None):
    """gunicorn with recovery_site/gunicorn.conf.py, the page cache on (with the front
    cache's header, as behind deploy/nginx.conf) or off (``PAGE_CACHE_SECONDS=0``)."""
    port = free_port()
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    if page_cache:
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
            *("--config", "recovery_site/gunicorn.conf.py"),
            # Several servers run at once: each without the shared control socket.
            "--no-control-socket",
        ],
        env=server_env,
        log=work_dir / f"gunicorn-{port}.log",
    )
    wait_for(port, process=process)
    return Server(port, (process,))


def start_static_nginx(work_dir, html):
    """nginx serving ``html`` (and its gzip twin) as /article.html; None without nginx."""
    nginx = find_nginx()
    if not nginx:
        return None
    root = work_dir / "nginx"
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
    process = start(
        [nginx, "-p", str(root), "-c", str(config), "-g", "daemon off;"],
        log=work_dir / "nginx.log",
    )
    wait_for(port, "/article.html", process=process, seconds=10)
    return Server(port, (process,), root)


def start_front(work_dir, upstream):
    """The production front, nginx with deploy/nginx.conf before the gunicorn
    ``upstream`` (a Server), logging each answer's cache status; None without nginx.
    Its requests cost gunicorn's CPU too: nginx asks it again every second."""
    nginx = find_nginx()
    if not nginx:
        return None
    root = work_dir / "front"
    port = free_port()
    config = write_config(root, port=port, upstream=f"127.0.0.1:{upstream.port}")
    process = start(
        [nginx, "-p", str(root), "-c", str(config), "-e", "logs/error.log", "-g", "daemon off;"],
        log=work_dir / "nginx-front.log",
    )
    wait_for(port, process=process, seconds=10)
    return Server(port, (process, *upstream.processes), root)
