"""Profile the comment POST path in-process: CPU ms and SQL statements per accepted post.

    .venv/bin/python scripts/profile_comment_posts.py            # 5 rounds of 100 posts, top 25
    .venv/bin/python scripts/profile_comment_posts.py --posts 200 --rounds 3 --top 40

Creates a throwaway database (``test_profile_posts_<pid>`` on the embedded
PostgreSQL, or on the server of ``DATABASE_URL``), loads the demo content and 50
approved comments on the bench article (seed_comments: the bench's page), then posts
distinct anonymous comments through Django's test client with production settings
(DEBUG off, the database task queue) and the bench's relaxed flood control. It
reports ``time.process_time()`` per post, best of several rounds (this process
only: PostgreSQL's share is not in it), the SQL statements of one post, and a
cProfile top list, also in CPU time. Set ``REDIS_URL`` to run against Redis as the
bench servers do (local memory otherwise). The database is dropped at the end.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

os.environ.update(
    DJANGO_SETTINGS_MODULE="recovery_site.settings",
    DEBUG="0",
    SECRET_KEY="profile-comment-posts-not-secret",  # nosec B105 B106 # a throwaway key for a local profile
    ALLOWED_HOSTS="testserver",
    HTTPS_ONLY="0",
    TASKS_BACKEND="database",
    LOG_LEVEL="WARNING",
    COMMENTS_MIN_SUBMIT_SECONDS="0",
    COMMENTS_FLOOD_SECONDS="0",
)
for name in ("DJANGO_DEBUG", "DJANGO_TASKS_BACKEND", "DJANGO_COMMENTS_FLOOD_SECONDS"):
    os.environ.pop(name, None)


def say(text):
    sys.stdout.write(f"{text}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100, help="posts per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        f"test_profile_posts_{os.getpid()}"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(options)
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


def run(options):
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from comments.forms import sign_timestamp
    from scripts.bench import ARTICLE_SLUG, COMMENTS

    call_command("load_demo_content", stdout=io.StringIO())
    call_command("seed_comments", ARTICLE_SLUG, count=COMMENTS, stdout=io.StringIO())

    client = Client()
    url = reverse("comments:post", args=[ARTICLE_SLUG])
    timestamp = sign_timestamp(time.time() - 30)
    sent = 0

    def post():
        nonlocal sent
        sent += 1
        # Like the bench's clients, send no cookies: the messages cookie of earlier
        # posts (a reader's next page view would consume it) must not pile up.
        client.cookies.clear()
        # URL-encoded, as browsers (and the bench's clients) send the form.
        response = client.post(
            url,
            urlencode(
                {
                    "body": f"Reader says thank you, note {sent} of the profile run.",
                    "author_name": "Profile reader",
                    "author_email": f"profile{sent}@example.org",
                    "author_url": "",
                    "timestamp": timestamp,
                    "fax_number": "",
                    "parent": "",
                }
            ),
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code != 302:
            raise SystemExit(f"Post {sent} answered {response.status_code}, not 302.")

    for _ in range(20):
        post()

    with CaptureQueriesContext(connection) as queries:
        post()
    say(f"SQL statements of one accepted post: {len(queries)}")
    for query in queries.captured_queries:
        say(f"  {query['sql'][:150]}")

    # Best of several rounds: the machine is shared, and other work only slows a round.
    rounds = []
    for _ in range(options.rounds):
        started = time.process_time()
        for _ in range(options.posts):
            post()
        rounds.append((time.process_time() - started) * 1000 / options.posts)
    say(
        f"\nCPU per accepted post (this process): {min(rounds):.2f} ms, best of "
        f"{options.rounds} rounds of {options.posts} posts "
        f"(all: {', '.join(f'{cpu:.2f}' for cpu in rounds)})"
    )

    # Timed by this process's CPU clock, as the rounds are: with cProfile's default
    # wall clock, every query's wait for PostgreSQL counted as the calling
    # function's time and pointed at the wrong costs.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(options.posts):
        post()
    profile.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(options.top)
        text = out.getvalue()
        say(f"\n--- Top {options.top} by {order} ---")
        say(text[text.find("   ncalls") :])


if __name__ == "__main__":
    main()
