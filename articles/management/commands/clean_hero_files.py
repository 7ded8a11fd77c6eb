from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.models import Article, LibraryImage
from articles.renditions import ORIGINALS_FOLDER, rendition_names

RANDOM_NAME = rf"^{ORIGINALS_FOLDER}/[0-9a-f]{{32}}\.[a-z]+$"
# A younger file may be an upload whose article row is not committed yet.
MINIMUM_AGE = timezone.timedelta(hours=1)


class Command(BaseCommand):
    help = (
        "Store every hero original whose name is not a random one again, as a new upload "
        "(without metadata, under heroes/<random>.<ext>, with new renditions; the old file "
        "is deleted), then delete the files under MEDIA_ROOT that no article (hero image) "
        "or image library picture uses and that are more than an hour old."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        for article in (
            Article.objects.exclude(hero_image="")
            .exclude(hero_image__regex=RANDOM_NAME)
            .order_by("pk")
            .iterator()
        ):
            if dry_run:
                self.stdout.write(f"{article.slug}: would be stored under a random name")
                continue
            store_again(article)
            self.stdout.write(f"{article.slug}: stored as {article.hero_image.name}")

        deleted = 0
        for name in unused_files(timezone.now() - MINIMUM_AGE):
            if dry_run:
                self.stdout.write(f"Would delete {name}")
                continue
            default_storage.delete(name)
            deleted += 1
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} unused files."))


def store_again(article):
    """Save the article's hero original as if an editor uploaded it again: the save
    strips it, names it at random and deletes the old file after the commit."""
    with article.hero_image.open("rb") as stored:
        data = stored.read()
    suffix = PurePath(article.hero_image.name).suffix
    with transaction.atomic():
        article.hero_image = ContentFile(data, name=f"upload{suffix}")
        article.save()


def unused_files(modified_before):
    """Names of the files in storage that no article or library image records, older
    than the time."""
    used = set(Article.objects.exclude(hero_image="").values_list("hero_image", flat=True))
    used |= set(LibraryImage.objects.values_list("file", flat=True))
    for record in Article.objects.values_list("hero_renditions", flat=True):
        used |= rendition_names(record or {})
    for record in LibraryImage.objects.values_list("renditions", flat=True):
        used |= rendition_names(record or {})
    for name in stored_names(""):
        if name not in used and default_storage.get_modified_time(name) < modified_before:
            yield name


def stored_names(folder):
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        if not name.startswith("."):
            yield f"{folder}{name}"
    for name in folders:
        yield from stored_names(f"{folder}{name}/")
