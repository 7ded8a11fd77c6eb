from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import demo_artwork
from articles.importer import import_article_file
from articles.models import Article, Topic
from articles.revisions import record_revision
from core.models import SiteSettings

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_content"

TOPIC_DESCRIPTIONS = {
    "opioids": "How heroin, fentanyl and prescription opioids act on the body, and what "
    "dependence means.",
    "withdrawal": "What happens when a dependent body goes without a drug, and how "
    "withdrawal is made safer.",
    "treatment": "Detox, medications for opioid use disorder, counselling and the "
    "support that helps recovery last.",
    "families": "For parents, partners and friends: how to help without losing yourself.",
    "overdose-prevention": "Naloxone, tolerance and the moments when overdose risk is highest.",
}


class Command(BaseCommand):
    help = (
        "Load the demo articles from articles/demo_content/ and the default site "
        "settings. Safe to run again: articles are updated by slug, never duplicated."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            SiteSettings.load()
            for path in sorted(DEMO_DIR.glob("*.md")):
                article, created = import_article_file(path)
                verb = "Created" if created else "Updated"
                self.stdout.write(f"{verb} {article.slug}")
            for slug, description in TOPIC_DESCRIPTIONS.items():
                Topic.objects.filter(slug=slug, description="").update(description=description)
            self.add_hero_picture()
            # Articles stored before revisions were recorded (or by other means) get a
            # first one, so that each has a history to compare with and restore.
            call_command(
                "createinitialrevisions",
                "articles.Article",
                comment="Initial revision",
                verbosity=0,
            )
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))

    def add_hero_picture(self):
        """Give the main demo article its hero picture, unless it has one already."""
        article = Article.objects.filter(slug=demo_artwork.ARTICLE_SLUG, hero_image="").first()
        if article is None:
            return
        article.hero_image = ContentFile(
            demo_artwork.draw_dawn_picture(), name=f"{article.slug}-dawn.jpg"
        )
        article.hero_alt = demo_artwork.ALT_TEXT
        article.save()
        record_revision(article, comment="Demo hero picture")
        self.stdout.write(f"Drew a hero picture for {article.slug}")
