"""The whole WordPress import, measured: a generated export of a large old site
(scripts/generate_wxr.py, seeded) imported with ``manage.py import_wordpress`` into
an empty database of its own, in a child process with production settings.

Three runs, in this order: a ``--dry-run`` (everything done, then rolled back), the
first import, and the same file again (every record must be "unchanged"). Each run's
wall time, CPU time and peak resident memory are the command's own (``child``), with
the time PostgreSQL spent running its statements; the rows the database gained are
counted and must be what the import's report says it created.
"""

import json
import subprocess
import time

from scripts.generate_wxr import generate_export

from . import database, report, say
from .servers import BIN, manage

POSTS, COMMENTS, SEED = 1000, 20000, 1
TARGET_SECONDS = 60
# The tables each kind of the import's report lands in.
TABLES = {
    "posts": "articles_article",
    "pages": "pages_page",
    "topics": "articles_topic",
    "comments": "comments_comment",
}
OLD_ADDRESSES = "wordpress_legacyaddress"
COLUMNS = ("created", "updated", "unchanged", "skipped", "drafted")


RUNS = (
    ("Dry run (`--dry-run`), empty database", ["--dry-run"]),
    ("First import", []),
    ("Same file again", []),
)


def run(env, work_dir, database_url, note=""):
    """Generate the export, import it three times into its own fresh database and
    write the table between the ``bench:wordpress`` markers; returns whether every
    check held."""
    folder = work_dir / "wordpress"
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "export.xml"
    say(f"WordPress import: generating {POSTS:,} posts and {COMMENTS:,} comments...")
    export.write_bytes(generate_export(posts=POSTS, comments=COMMENTS, seed=SEED))
    size_mb = export.stat().st_size / 1e6

    url = database.with_database(database_url, database.WORDPRESS_DATABASE)
    database.recreate(url)
    # Its own cache keys: bumping the page cache must not touch the site being measured.
    import_env = dict(env, DATABASE_URL=url, CACHE_KEY_PREFIX=database.WORDPRESS_DATABASE)
    manage(import_env, "migrate", "--noinput")
    pg_version = database.maintenance_query(url, "SHOW server_version")
    load_before = report.machine()["load"]

    runs = []
    for number, (name, options) in enumerate(RUNS, 1):
        say(f"  {name}...")
        before, active_before = count_rows(url), active_seconds(url)
        figures = timed_import(import_env, export, folder / f"import-{number}.txt", options)
        figures["gained"] = gained(before, count_rows(url))
        figures["database"] = active_seconds(url) - active_before
        runs.append((name, figures))
    problems = check(*(figures for _name, figures in runs))

    lines = section(runs, size_mb, pg_version, load_before, problems, note)
    say("\n".join(lines))
    report.write_section("wordpress", lines)
    return not problems


def check(dry_run, first, again):
    """What is wrong with the three runs' figures (tallies, and rows gained by
    table): nothing, when the dry run wrote nothing and foretold the first import,
    the first import's rows are its report's, and the second changed nothing."""
    problems = []
    if any(dry_run["gained"].values()):
        problems.append(f"the dry run left rows behind: {dry_run['gained']}")
    if dry_run["tallies"] != first["tallies"]:
        problems.append("the dry run's report differs from the first import's")
    for kind, name in TABLES.items():
        created = first["tallies"][kind]["created"]
        if first["gained"][name] != created:
            problems.append(
                f"{kind}: the report says {created:,} created, the database gained "
                f"{first['gained'][name]:,}"
            )
    for kind, tally in again["tallies"].items():
        expected = first["tallies"][kind]["created"] + first["tallies"][kind]["unchanged"]
        if tally["created"] or tally["updated"] or tally["unchanged"] != expected:
            problems.append(f"{kind} again: {tally}, not all {expected:,} unchanged")
    if any(again["gained"].values()):
        problems.append(f"importing again added rows: {again['gained']}")
    return problems


def timed_import(env, export, output, options):
    """``manage.py import_wordpress`` in a child process, its output in the file
    ``output``: run_child()'s figures and the report's tallies."""
    command = [BIN / "python", "manage.py", "import_wordpress", str(export), *options]
    figures = run_child(command, env, output)
    text = output.read_text()
    if figures.pop("status"):
        raise SystemExit(f"import_wordpress {' '.join(options)} failed:\n{text}")
    figures["tallies"] = tallies(text)
    return figures


def run_child(command, env, output):
    """Run ``command`` to its end through scripts/bench/child.py, its output in the
    file ``output``: its exit status, wall seconds, CPU seconds (user + system) and
    peak resident memory in MB."""
    usage_file = output.with_name(f"{output.stem}-usage.json")
    usage_file.unlink(missing_ok=True)
    with output.open("wb") as out:
        subprocess.run(  # nosec B603 # the bench's own commands, no shell
            [BIN / "python", "-m", "scripts.bench.child", str(usage_file), *map(str, command)],
            cwd=report.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return json.loads(usage_file.read_text())


def tallies(text):
    """{kind: {column: count}} from the table import_wordpress prints."""
    found = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == len(COLUMNS) + 1 and words[0] in TABLES:
            found[words[0]] = dict(zip(COLUMNS, map(int, words[1:]), strict=True))
    if set(found) != set(TABLES):
        raise SystemExit(f"import_wordpress printed no full report:\n{text}")
    return found


def row_counts(cursor):
    """Rows in each table an import writes to (and in the old addresses)."""
    counts = {}
    for name in [*TABLES.values(), OLD_ADDRESSES]:
        cursor.execute(f"SELECT count(*) FROM {name}")  # nosec B608 # fixed table names
        counts[name] = cursor.fetchone()[0]
    return counts


def count_rows(url):
    """row_counts() in the database of ``url``."""
    connection = database.connect(url)
    try:
        with connection.cursor() as cursor:
            return row_counts(cursor)
    finally:
        connection.close()


def active_seconds(url):
    """Seconds PostgreSQL has spent running statements in the database of ``url``
    (``pg_stat_database.active_time``, counted when a session ends)."""
    connection = database.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT active_time FROM pg_stat_database WHERE datname = %s",
                [database.name_of(url)],
            )
            return cursor.fetchone()[0] / 1000
    finally:
        connection.close()


def gained(before, after):
    """Rows gained by table, from two row_counts()."""
    return {name: count - before[name] for name, count in after.items()}


def section(runs, size_mb, pg_version, load_before, problems, note):
    """The section of docs/benchmarks.md: what was run, one row per run, the target."""
    facts = report.machine()
    first = dict(runs)["First import"]
    lines = [
        f"Run of {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {facts['cores']} "
        f"cores ({facts['cpu']}), PostgreSQL {pg_version}, Redis, production settings; "
        f"load average before {load_before}, after {facts['load']}.",
        "",
        f"Export: `scripts/generate_wxr.py` with seed {SEED}, {POSTS:,} posts and "
        f"{COMMENTS:,} comments ({size_mb:.1f} MB), imported with "
        "`manage.py import_wordpress` into an empty database of its own.",
    ]
    if note:
        lines += ["", f"Note: {note}"]
    lines += [
        "",
        "| Run | Wall | CPU (user + system) | PostgreSQL running statements "
        "| Peak memory (RSS) | Result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, figures in runs:
        lines.append(
            f"| {name} | {figures['wall']:.1f} s | {figures['cpu']:.1f} s "
            f"| {figures['database']:.1f} s | {figures['rss_mb']:.0f} MB | {result(figures)} |"
        )
    met = first["wall"] < TARGET_SECONDS
    lines += [
        "",
        "| Target | Measured | |",
        "| --- | --- | --- |",
        f"| First import < {TARGET_SECONDS} s | {first['wall']:.1f} s "
        f"| {'met' if met else '**not met**'} |",
        "",
        "Checks: "
        + (
            "the dry run left no row behind and reported what the first import did; "
            "the rows the first import added match its report; importing again found "
            "every record unchanged and added nothing."
            if not problems
            else "**failed**: " + "; ".join(problems) + "."
        ),
    ]
    return lines


def result(figures):
    """A run's outcome in words: what it created (or found unchanged), and the rows
    the database gained."""
    tally, added = figures["tallies"], figures["gained"]
    if not any(kind["created"] or kind["updated"] for kind in tally.values()):
        return "everything unchanged" + ("" if any(added.values()) else ", no row added")
    posts = tally["posts"]
    text = (
        f"{posts['created']:,} posts ({posts['drafted']:,} drafted for review), "
        f"{tally['pages']['created']:,} pages, {tally['topics']['created']:,} topics, "
        f"{tally['comments']['created']:,} comments ({tally['comments']['skipped']:,} "
        "skipped)"
    )
    if any(added.values()):
        return text + f"; {added[OLD_ADDRESSES]:,} old addresses"
    return text + "; no row left behind"
