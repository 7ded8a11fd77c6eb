from django.core.management.base import BaseCommand

from articles.library import refresh_texts_using
from articles.models import Article, LibraryImage
from articles.renditions import LIBRARY_FIELDS, refresh_hero_renditions, refresh_renditions


class Command(BaseCommand):
    help = (
        "Make the resized WebP and JPEG/PNG copies of every article's hero image and "
        "every image library picture again (after changing the rendition sizes, or "
        "restoring media from a backup). Articles are saved one by one, and the texts "
        "showing a library picture are rendered again, so the page caches see the change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="Only pictures whose renditions do not match their current file.",
        )

    def handle(self, *args, **options):
        made = 0
        for article in Article.objects.exclude(hero_image="").order_by("pk").iterator():
            if options["missing_only"] and article.hero_renditions.get("source") == (
                article.hero_image.name
            ):
                continue
            refresh_hero_renditions(article, is_new_upload=False, force=True)
            # updated_at too: cached pages keyed on it are rebuilt with the new files.
            article.save(update_fields=["hero_renditions", "updated_at"])
            files = len(article.hero_renditions.get("files", []))
            self.stdout.write(f"{article.slug}: {files} files")
            made += 1
        self.stdout.write(self.style.SUCCESS(f"Renditions made for {made} article(s)."))
        made = 0
        for image in LibraryImage.objects.order_by("pk").iterator():
            if options["missing_only"] and image.renditions.get("source") == image.file.name:
                continue
            refresh_renditions(image, LIBRARY_FIELDS, is_new_upload=False, force=True)
            image.save(update_fields=["renditions", "updated_at"])
            refresh_texts_using(image)
            self.stdout.write(f"{image.file.name}: {len(image.renditions.get('files', []))} files")
            made += 1
        self.stdout.write(self.style.SUCCESS(f"Renditions made for {made} library picture(s)."))
