"""Medical reviewers become records; articles get a review cycle.

The free-text ``Article.reviewer`` becomes a foreign key to ``Reviewer``: one record
per distinct name (reversible: going back writes each article's reviewer name into
the text column again). ``next_review_due`` is filled for articles already reviewed.
Adds the "Can mark articles as medically reviewed" permission, the "Medical
reviewers" group that holds it, and the reviewer permissions of the Editors group.
"""

import calendar

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify

from core.groups import grant, revoke

MEDICAL_REVIEWERS = "Medical reviewers"
MEDICAL_REVIEWER_CODENAMES = [
    "mark_reviewed",
    "view_article",
    "change_article",
    "view_section",
    "change_section",
    "view_faq",
    "change_faq",
    "view_topic",
    "view_reviewer",
]
EDITORS = "Editors"
EDITOR_REVIEWER_CODENAMES = ["add_reviewer", "change_reviewer", "delete_reviewer", "view_reviewer"]


def a_year_after(day):
    # The default review period; the model's add_months() cannot be imported here.
    last_day = calendar.monthrange(day.year + 1, day.month)[1]
    return day.replace(year=day.year + 1, day=min(day.day, last_day))


def unique_slug(name, taken):
    base = slugify(name)[:140].strip("-") or "reviewer"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    taken.add(slug)
    return slug


def reviewers_from_names(apps, schema_editor):
    # Checked statement by statement: deferred foreign-key checks still pending at
    # the ALTER TABLE further down would make PostgreSQL refuse it.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Article = apps.get_model("articles", "Article")
    Reviewer = apps.get_model("articles", "Reviewer")
    taken = set()
    records = {}
    for article in Article.objects.exclude(reviewer="").order_by("pk"):
        name = " ".join(article.reviewer.split())
        if name not in records:
            records[name] = Reviewer.objects.create(name=name, slug=unique_slug(name, taken))
        article.reviewer_record = records[name]
        article.save(update_fields=["reviewer_record"])
    for article in Article.objects.filter(reviewed_on__isnull=False, next_review_due=None):
        article.next_review_due = a_year_after(article.reviewed_on)
        article.save(update_fields=["next_review_due"])
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def names_from_reviewers(apps, schema_editor):
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Article = apps.get_model("articles", "Article")
    for article in Article.objects.exclude(reviewer_record=None).select_related("reviewer_record"):
        article.reviewer = article.reviewer_record.name
        article.save(update_fields=["reviewer"])
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def create_groups(apps, schema_editor):
    grant(apps, MEDICAL_REVIEWERS, "articles", MEDICAL_REVIEWER_CODENAMES)
    grant(apps, EDITORS, "articles", EDITOR_REVIEWER_CODENAMES)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MEDICAL_REVIEWERS).delete()
    revoke(apps, EDITORS, "articles", EDITOR_REVIEWER_CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_preview"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Reviewer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="As shown to readers: Dr. Ana Ruiz.", max_length=150, unique=True, verbose_name="name")),
                ("slug", models.SlugField(help_text="The address of the reviewer's page: lowercase words joined by hyphens.", max_length=150, unique=True, verbose_name="slug")),
                ("credentials", models.CharField(blank=True, help_text="Degrees and speciality, shown after the name: MD, addiction medicine.", max_length=150, verbose_name="credentials")),
                ("bio", models.TextField(blank=True, help_text="Markdown, a few sentences: training, practice, experience.", verbose_name="short bio")),
                ("bio_html", models.TextField(default="", editable=False)),
                ("has_public_page", models.BooleanField(default=False, help_text="Readers can open a page with the name, credentials, bio and the articles this person reviewed; the articles link to it.", verbose_name="public page")),
            ],
            options={
                "verbose_name": "medical reviewer",
                "verbose_name_plural": "medical reviewers",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="article",
            name="reviewer_record",
            field=models.ForeignKey(blank=True, help_text="The clinician who checked the article's medical content.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="reviewed_articles", to="articles.reviewer", verbose_name="medical reviewer"),
        ),
        migrations.AddField(
            model_name="article",
            name="next_review_due",
            field=models.DateField(blank=True, null=True, verbose_name="next review due"),
        ),
        migrations.AddField(
            model_name="article",
            name="review_period_months",
            field=models.PositiveSmallIntegerField(default=12, help_text="When the article is marked as reviewed, its next review falls due this many months later.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name="review every (months)"),
        ),
        migrations.AlterField(
            model_name="article",
            name="reviewed_on",
            field=models.DateField(blank=True, null=True, verbose_name="last reviewed on"),
        ),
        migrations.RunPython(reviewers_from_names, names_from_reviewers),
        migrations.RemoveField(model_name="article", name="reviewer"),
        migrations.RenameField(model_name="article", old_name="reviewer_record", new_name="reviewer"),
        migrations.AlterModelOptions(
            name="article",
            options={
                "ordering": ["-published_at", "-pk"],
                "permissions": [("mark_reviewed", "Can mark articles as medically reviewed")],
                "verbose_name": "article",
                "verbose_name_plural": "articles",
            },
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["next_review_due"], name="article_review_due"),
        ),
        migrations.RunPython(create_groups, delete_groups),
    ]
