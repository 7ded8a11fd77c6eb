"""Time site search with and without the synonym groups, in one process.

Each query is run as the search page runs it (the matching articles, then their best
sections and FAQs), once with the synonym groups from the database and once with
none, interleaved so that a busy machine slows both alike; it prints the median wall
time of each part in milliseconds and how many articles were found. Use the database
of ``DATABASE_URL`` (or the embedded one) with the demo content loaded
(``manage.py load_demo_content``); nothing is written.

    DJANGO_DEBUG=1 .venv/bin/python scripts/bench_search.py --rounds 40
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.bench import say  # noqa: E402

QUERIES = ["naloxone", "narcan", "buprenorphine", "suboxone", "opioid use disorder"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("queries", nargs="*", default=QUERIES)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_site.settings")
    import django

    django.setup()
    from articles import search
    from articles.models import SearchSynonym

    groups = SearchSynonym.objects.term_lists()
    timings = {}
    for _round in range(options.rounds):
        for query in options.queries:
            for label, used in (("with synonyms", groups), ("without", [])):
                started = time.perf_counter()
                terms = search.read_query(query, used)
                read = time.perf_counter()
                page = list(search.matching_articles(terms)[:10])
                matched = time.perf_counter()
                search.best_passages(page, terms)
                done = time.perf_counter()
                row = timings.setdefault((query, label), {"found": len(page)})
                for part, seconds in (
                    ("read", read - started),
                    ("match", matched - read),
                    ("passages", done - matched),
                ):
                    row.setdefault(part, []).append(seconds * 1000)
    say(f"{'query':24} {'groups':14} {'found':>5} {'read':>6} {'match':>6} {'passages':>8}")
    for (query, label), row in timings.items():
        medians = [statistics.median(row[part]) for part in ("read", "match", "passages")]
        say(
            f"{query:24} {label:14} {row['found']:5} "
            f"{medians[0]:6.2f} {medians[1]:6.2f} {medians[2]:8.2f}"
        )


if __name__ == "__main__":
    main()
