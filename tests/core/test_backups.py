"""manage.py backup and restore, with the real pg_dump and pg_restore against the test
database, and a fresh database on the same server for the restore."""

import hashlib
import io
import json
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article
from comments.models import Comment
from core import backups
from tests.factories import make_comment


def file_checksums(root):
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def table_rows(database, table):
    rows = backups.query(database, f'SELECT * FROM "{table}"')
    return sorted(rows, key=repr)


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield dict(connection.settings_dict, NAME=name)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def only_archive(folder):
    (archive,) = folder.glob("recovery-site-*.tar.gz")
    return archive


# pg_dump reads what is committed: these tests commit (and pytest-django empties the
# tables afterwards).
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_row_for_row_and_file_for_file(
    media_root, tmp_path, fresh_database
):
    call_command("load_demo_content", stdout=io.StringIO())
    article = Article.objects.exclude(hero_image="").get()
    first = make_comment(article, body="Thank you; my brother is on day three.")
    make_comment(article, parent=first, body="Day three is the hardest; hold on.")
    make_comment(article, status=Comment.Status.PENDING, author_email="pending@example.org")

    call_command("backup", output_dir=str(tmp_path / "backups"), stdout=io.StringIO())
    archive = only_archive(tmp_path / "backups")
    restored_media = tmp_path / "restored-media"
    backups.restore_backup(
        archive, fresh_database, restored_media, embedded=settings.USES_EMBEDDED_DATABASE
    )

    tables = {
        name
        for (name,) in backups.query(
            connection.settings_dict,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        )
    }
    assert set(connection.introspection.django_table_names(only_existing=True)) <= tables
    for table in sorted(tables):
        original = table_rows(connection.settings_dict, table)
        assert table_rows(fresh_database, table) == original, table
    assert len(table_rows(fresh_database, "comments_comment")) == 3
    sequences = "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
    assert backups.query(fresh_database, sequences) == backups.query(
        connection.settings_dict, sequences
    )
    originals = file_checksums(media_root)
    assert article.hero_image.name in originals
    assert file_checksums(restored_media) == originals


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(media_root, tmp_path):
    call_command("backup", output_dir=str(tmp_path), stdout=io.StringIO())

    with pytest.raises(CommandError, match=r"not empty.*FORCE=1"):
        call_command("restore", str(only_archive(tmp_path)), stdout=io.StringIO())


def rewrite_member(archive, name, data):
    """A copy of ``archive`` with member ``name`` holding ``data`` instead."""
    damaged = archive.with_name("damaged.tar.gz")
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == name:
                content = data
                member.size = len(data)
            target.addfile(member, io.BytesIO(content))
    return damaged


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_is_replaced(media_root, tmp_path):
    call_command("load_demo_content", stdout=io.StringIO())
    call_command("backup", output_dir=str(tmp_path / "backups"), stdout=io.StringIO())
    archive = only_archive(tmp_path / "backups")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(backups.MANIFEST))
    picture = next(name for name in manifest["files"] if name.startswith("media/heroes/"))
    damaged = rewrite_member(archive, picture, b"not the picture")
    media_before = file_checksums(media_root)

    with pytest.raises(CommandError, match=f"damaged: wrong checksum for {picture}"):
        call_command("restore", str(damaged), force=True, stdout=io.StringIO())

    assert Article.objects.count() == 4
    assert file_checksums(media_root) == media_before


@pytest.mark.django_db
def test_archives_are_named_by_their_utc_time_and_never_overwritten(
    media_root, tmp_path, time_machine
):
    time_machine.move_to("2027-01-02 03:04:05.6Z", tick=False)

    for _ in range(2):
        call_command("backup", output_dir=str(tmp_path), stdout=io.StringIO())

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "recovery-site-20270102-030405Z-2.tar.gz",
        "recovery-site-20270102-030405Z.tar.gz",
    ]
    # Backups hold commenters' personal data.
    assert all(path.stat().st_mode & 0o077 == 0 for path in tmp_path.iterdir())
    with tarfile.open(tmp_path / "recovery-site-20270102-030405Z.tar.gz") as tar:
        manifest = json.load(tar.extractfile(backups.MANIFEST))
    assert manifest["created_at"] == "2027-01-02T03:04:05.600000+00:00"
    assert "0001_initial" in manifest["migrations"]["comments"]


def test_the_oldest_client_at_least_as_new_as_the_server_is_chosen():
    tools = [backups.Tool("/a/pg_dump", 18), backups.Tool("/b/pg_dump", 15)]

    assert backups.choose_tool("pg_dump", tools, 15).path == "/b/pg_dump"
    assert backups.choose_tool("pg_dump", tools, 16).path == "/a/pg_dump"
    with pytest.raises(backups.BackupError, match=r"pg_dump 19 or newer is needed \(found: /a/"):
        backups.choose_tool("pg_dump", tools, 19)
    with pytest.raises(backups.BackupError, match=r"found: none\).*postgresql-client-16"):
        backups.choose_tool("pg_dump", [], 16)


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", 15),
        ("pg_restore (PostgreSQL) 18.1\n", 18),
        ("something else\n", None),
    ],
)
def test_client_versions_are_read_from_their_version_line(output, major):
    assert backups.tool_major(output) == major


def test_the_password_goes_in_the_environment_not_the_command_line():
    database = {
        "NAME": "site",
        "USER": "web",
        "PASSWORD": "s3cret pass",
        "HOST": "db.internal",
        "PORT": 5432,
        "OPTIONS": {"sslmode": "require", "isolation_level": 1},
    }

    dsn, env = backups.client_command(database)

    assert "s3cret" not in dsn
    assert env["PGPASSWORD"] == "s3cret pass"
    assert dict(part.split("=", 1) for part in dsn.split()) == {
        "dbname": "site",
        "user": "web",
        "host": "db.internal",
        "port": "5432",
        "sslmode": "require",
    }


def test_restore_tells_which_migrations_differ_from_the_code():
    manifest = {
        "migrations": {"articles": ["0001_initial", "0009_future"], "core": ["0001_initial"]}
    }
    known = {("articles", "0001_initial"), ("core", "0001_initial"), ("core", "0002_new")}

    unknown, missing = backups.migration_drift(manifest, known)

    assert unknown == [("articles", "0009_future")]
    assert missing == [("core", "0002_new")]
