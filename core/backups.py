"""Backups of the site: the database (pg_dump's custom format) and MEDIA_ROOT in one
archive with a manifest, and their restore into an empty database.

An archive ``recovery-site-<UTC time>.tar.gz`` holds ``manifest.json`` (when, the
database's applied migrations, the pg_dump used, and a SHA-256 for every other
member), ``database.dump`` and ``media/``. Restoring checks every checksum before it
touches anything, so a damaged archive is refused whole rather than half restored.

PostgreSQL's own client programs do the database part: pg_dump must be of the
server's major version or newer, and pg_restore of the dump's. The embedded server
(recovery_site/embedded_db.py) is used with the binaries that come with it.
"""

import glob
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
FORMAT = 1
# Keys of a Django DATABASES entry's OPTIONS that Django reads itself; every other
# one is a libpq connection keyword (host, sslmode, ...), which pg_dump takes too.
DJANGO_ONLY_OPTIONS = {"isolation_level", "assume_role", "server_side_binding", "pool"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Tool:
    path: str
    major: int


# --- PostgreSQL's client programs ----------------------------------------------------


def connection_params(database):
    """libpq keywords for a Django DATABASES entry (its OPTIONS may add host, sslmode...)."""
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    params.update(
        (key, value)
        for key, value in (database.get("OPTIONS") or {}).items()
        if key not in DJANGO_ONLY_OPTIONS
    )
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def client_command(database):
    """The ``--dbname`` connection string and the environment for pg_dump/pg_restore.
    The password goes in the environment, never on a command line that ``ps`` shows."""
    from psycopg2.extensions import make_dsn

    params = connection_params(database)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_dsn(**params), env


def connect(database):
    import psycopg2

    connection = psycopg2.connect(**connection_params(database))
    connection.autocommit = True
    return connection


def query(database, sql):
    """Every row of ``sql`` run on ``database`` (a DATABASES entry)."""
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def server_major(database):
    (number,) = query(database, "SHOW server_version_num")[0]
    return int(number) // 10000


def tool_major(version_output):
    """17 from ``pg_dump (PostgreSQL) 17.2 (Debian 17.2-1)``; None if unrecognised."""
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version_output)
    return int(found.group(1)) if found else None


def candidate_dirs(embedded):
    """Where to look for pg_dump/pg_restore: the embedded server's own binaries, or
    PATH and Debian's /usr/lib/postgresql/<major>/bin."""
    if embedded:
        import pgserver

        return [str(Path(pgserver.__file__).parent / "pginstall" / "bin")]
    found = os.environ.get("PATH", "").split(os.pathsep)
    return found + sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def installed_tools(name, directories):
    """Each distinct ``name`` program in ``directories``, with its major version."""
    tools, seen = [], set()
    for directory in directories:
        path = Path(directory or ".") / name
        if not (path.is_file() and os.access(path, os.X_OK)) or path.resolve() in seen:
            continue
        seen.add(path.resolve())
        result = subprocess.run(  # nosec B603 # a PostgreSQL client program, no shell
            [str(path), "--version"], capture_output=True, text=True, check=False
        )
        major = tool_major(result.stdout)
        if major is not None:
            tools.append(Tool(str(path), major))
    return tools


def choose_tool(name, tools, at_least):
    """The oldest of ``tools`` whose major version is ``at_least`` or newer (its output
    suits the server best), or a BackupError that says what to install."""
    fitting = sorted((tool for tool in tools if tool.major >= at_least), key=lambda t: t.major)
    if fitting:
        return fitting[0]
    found = ", ".join(f"{tool.path} ({tool.major})" for tool in tools) or "none"
    raise BackupError(
        f"{name} {at_least} or newer is needed (found: {found}). Install PostgreSQL's "
        f"client programs of that version, e.g. apt-get install postgresql-client-{at_least}."
    )


def find_tool(name, at_least, embedded):
    return choose_tool(name, installed_tools(name, candidate_dirs(embedded)), at_least)


def run_tool(tool, arguments, env):
    result = subprocess.run(  # nosec B603 # pg_dump/pg_restore, no shell
        [tool.path, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        name = Path(tool.path).name
        raise BackupError(f"{name} failed ({result.returncode}): {result.stderr.strip()}")


# --- Files -----------------------------------------------------------------------------


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(media_root):
    """Every regular file under ``media_root``, as paths relative to it, sorted.
    Symbolic links are left out: they may point anywhere on the machine."""
    root = Path(media_root)
    if not root.is_dir():
        return []
    return sorted(
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def applied_migrations(database):
    """{app: [migration names]} as the database's django_migrations table records."""
    applied = {}
    for app, name in query(database, "SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(app, []).append(name)
    return applied


def archive_name(moment, folder):
    """A name in ``folder`` for a backup taken at ``moment``, not yet taken."""
    stem = f"recovery-site-{moment:%Y%m%d-%H%M%S}Z"
    name, number = f"{stem}.tar.gz", 1
    while (folder / name).exists():
        number += 1
        name = f"{stem}-{number}.tar.gz"
    return folder / name


# --- Backup ----------------------------------------------------------------------------


def create_backup(database, media_root, folder, *, embedded=False):
    """Dump ``database`` and copy ``media_root`` into a new archive in ``folder``;
    return its path. Backups hold commenters' personal data: only the owner may read
    them, and a failed backup leaves no archive behind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    moment = timezone.now()
    pg_dump = find_tool("pg_dump", server_major(database), embedded)
    dsn, env = client_command(database)
    target = archive_name(moment, folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        dump = Path(work) / DUMP
        run_tool(pg_dump, ["--format=custom", f"--file={dump}", f"--dbname={dsn}"], env)
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "database": {"name": database["NAME"], "pg_dump_major": pg_dump.major},
            "migrations": applied_migrations(database),
        }
        partial = Path(work) / target.name
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            files = {DUMP: add_file(tar, dump, DUMP)}
            for relative in media_files(media_root):
                name = f"{MEDIA}/{relative.as_posix()}"
                files[name] = add_file(tar, Path(media_root) / relative, name)
            # Last, with the checksums of the bytes archived (an upload may change a
            # file while the backup runs).
            manifest["files"] = files
            info = tarfile.TarInfo(MANIFEST)
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info.size, info.mode, info.mtime = len(data), 0o600, int(moment.timestamp())
            tar.addfile(info, io.BytesIO(data))
        partial.replace(target)
    return target


class ChecksumReader:
    """A file's ``read`` that also feeds what it reads to a SHA-256."""

    def __init__(self, file):
        self.file, self.digest = file, hashlib.sha256()

    def read(self, size=-1):
        block = self.file.read(size)
        self.digest.update(block)
        return block


def add_file(tar, path, name):
    """Add the file ``path`` to ``tar`` as ``name``; its size and SHA-256 as archived."""
    info = tar.gettarinfo(path, arcname=name)
    with open(path, "rb") as file:
        reader = ChecksumReader(file)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "bytes": info.size}


# --- Restore ---------------------------------------------------------------------------


def read_archive(archive, work):
    """Unpack ``archive`` into the folder ``work`` and check it against its manifest;
    return the manifest. Only regular files and folders are unpacked, inside ``work``."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(work, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} cannot be read as a backup archive: {error}") from error
    try:
        manifest = json.loads((Path(work) / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive} has no readable {MANIFEST}.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is of an unknown format ({manifest.get('format')!r}).")
    listed = manifest["files"]
    present = {
        path.relative_to(work).as_posix() for path in Path(work).rglob("*") if path.is_file()
    } - {MANIFEST}
    if present != set(listed):
        raise BackupError(
            f"{archive} does not hold the files its manifest lists "
            f"(missing: {sorted(set(listed) - present)[:5]}, "
            f"unlisted: {sorted(present - set(listed))[:5]})."
        )
    damaged = [
        name for name, facts in listed.items() if sha256(Path(work) / name) != facts["sha256"]
    ]
    if damaged:
        raise BackupError(f"{archive} is damaged: wrong checksum for {', '.join(damaged[:5])}.")
    return manifest


# What a restored dump creates and a forced restore must first remove: relations and
# functions (the search triggers') outside PostgreSQL's schemas, except those that
# belong to an extension (the dump only says CREATE EXTENSION IF NOT EXISTS).
USER_OBJECTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
    WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
    quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
        AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'FUNCTION', p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
        AND d.objid = p.oid AND d.deptype = 'e')
"""
# Tables first: their identity sequences, triggers and dependent views go with them.
DROP_ORDER = ["TABLE", "FOREIGN TABLE", "MATERIALIZED VIEW", "VIEW", "SEQUENCE", "FUNCTION"]


def user_objects(database):
    """(kind, quoted name) of every table, view, sequence and function of
    ``database`` that a restore would create."""
    objects = query(database, USER_OBJECTS)
    return sorted(objects, key=lambda item: (DROP_ORDER.index(item[0]), item[1]))


def empty_database(database, objects):
    """Drop ``objects`` (user_objects()) in one transaction."""
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            for kind, name in objects:
                # Kinds and names come from the catalogue, names quoted by PostgreSQL.
                cursor.execute(f"DROP {kind} IF EXISTS {name} CASCADE")
            cursor.execute("COMMIT")
    finally:
        connection.close()


def restore_backup(archive, database, media_root, *, force=False, embedded=False):
    """Restore ``archive`` into ``database`` and ``media_root``; return its manifest.

    Both must be empty unless ``force``: then the database's tables and the media
    folder's files are deleted first. The archive is checked before anything is
    deleted, and pg_restore runs in one transaction, so a failed restore leaves an
    empty database rather than a half-restored one."""
    archive, media_root = Path(archive), Path(media_root)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    objects = user_objects(database)
    existing_media = media_files(media_root)
    if (objects or existing_media) and not force:
        tables = sum(kind == "TABLE" for kind, _name in objects)
        raise BackupError(
            f"The database {database['NAME']} ({tables} tables) or the media folder "
            f"{media_root} ({len(existing_media)} files) is not empty. Restore into an empty "
            "database, or replace what is there with --force (make restore FORCE=1)."
        )
    with tempfile.TemporaryDirectory(prefix="recovery-site-restore-") as work:
        manifest = read_archive(archive, work)
        pg_restore = find_tool(
            "pg_restore",
            max(server_major(database), manifest["database"]["pg_dump_major"]),
            embedded,
        )
        if objects:
            empty_database(database, objects)
        dsn, env = client_command(database)
        run_tool(
            pg_restore,
            [
                "--single-transaction",
                "--exit-on-error",
                # The restoring role owns everything, whoever owned it on the old server.
                "--no-owner",
                "--no-privileges",
                f"--dbname={dsn}",
                str(Path(work) / DUMP),
            ],
            env,
        )
        if media_root.exists():
            for relative in existing_media:
                (media_root / relative).unlink()
        source = Path(work) / MEDIA
        if source.is_dir():
            shutil.copytree(source, media_root, dirs_exist_ok=True)
    return manifest


def migration_drift(manifest, known):
    """Migrations the backup has that this code does not know (the backup is of newer
    code), and how many of this code's it lacks (``migrate`` will apply them).
    ``known`` is {(app, name)} of this code's migrations."""
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    return sorted(applied - known), sorted(known - applied)
