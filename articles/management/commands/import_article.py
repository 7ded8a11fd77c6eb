from django.core.management.base import BaseCommand, CommandError

from articles.importer import ArticleFormatError, import_article_file


class Command(BaseCommand):
    help = (
        "Create or update (by slug) articles from Markdown files. Each file is imported "
        "in one transaction: a malformed file is reported as FILE:LINE: reason and "
        "nothing of it is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.md")

    def handle(self, *args, files, **options):
        failures = []
        for path in files:
            try:
                article, created = import_article_file(path)
            except ArticleFormatError as error:
                failures.append(str(error))
                self.stderr.write(self.style.ERROR(str(error)))
                continue
            verb = "Created" if created else "Updated"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {article.slug!r} ({article.get_status_display().lower()}): "
                    f"{article.sections.count()} sections, {article.faqs.count()} FAQs."
                )
            )
        if failures:
            raise CommandError(f"{len(failures)} of {len(files)} file(s) could not be imported.")
