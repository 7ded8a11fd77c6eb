"""`make bench`: load-test the production configuration on this machine, over loopback.

A run works in its own database (``database``), seeded with the demo content and the
``seed_comments`` command, starts its own servers (``servers``: Redis, gunicorn with
the page cache on and off, nginx with deploy/nginx.conf in front, nginx serving the
article as a static file), drives them with wrk (``load``), reads what they cost and
what the page weighs (``measure``), and writes one table into docs/benchmarks.md
(``report``). ``__main__`` holds the options and the order of a run.
"""

import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# The page measured: the demo article with the comments seed_comments adds.
ARTICLE_SLUG = "heroin-withdrawal-physiology"
ARTICLE = f"/articles/{ARTICLE_SLUG}/"
COMMENTS = 50
# Connections posting comments at once.
COMMENT_CLIENTS = 8


def say(text):
    """Print a line at once (a run takes minutes; its progress should show)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
