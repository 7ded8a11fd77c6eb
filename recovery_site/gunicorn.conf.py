"""gunicorn settings for `make serve` and production; each value can be overridden
from the environment (GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Chosen with `make bench --grid` (docs/benchmarks.md): a page spends most of its
# time rendering templates in Python, not waiting on PostgreSQL, so one process per
# core plus one (to use the core another leaves idle while it waits on the database
# or Redis), each serving one request at a time. Threads only add GIL contention, and
# keep-alive connections pinned to a busy worker make readers wait while another
# idles; slow clients are nginx's to buffer (deploy/nginx.conf), as gunicorn's docs
# advise for sync workers.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# One thread: plain sync workers (no thread hand-off); several: gthread.
worker_class = "gthread" if threads > 1 else "sync"
# Load the app before forking so workers share memory and a configuration error
# stops the master at once with its one-line message.
preload_app = True
# "-" logs each request to stdout; an empty value turns the access log off.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# Time, request, status, size, duration: no reader's address, browser or referring
# page (gunicorn's default logs all three), as in deploy/nginx.conf.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
timeout = 30
graceful_timeout = 20
