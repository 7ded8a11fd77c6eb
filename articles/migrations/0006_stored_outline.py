"""Stored article outlines (articles/outline.py), and the version that dates them.

``articles_article.content_version`` goes up on every UPDATE of the article row,
whatever makes it (the admin, the importer, ``queryset.update()``, plain SQL). A
section or FAQ written or deleted updates its article's row too, through the search
trigger of migration 0003, so that also raises the version of the article it belongs
to (both articles, when a row moves).
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE_SQL = """
CREATE OR REPLACE FUNCTION articles_raise_content_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.content_version := OLD.content_version + 1;
    RETURN NEW;
END;
$$;

CREATE TRIGGER articles_article_content_version BEFORE UPDATE
    ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_raise_content_version();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS articles_article_content_version ON articles_article;
DROP FUNCTION IF EXISTS articles_raise_content_version();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_hero_renditions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleOutline',
            fields=[
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stored_outline', serialize=False, to='articles.article')),
                ('content_version', models.BigIntegerField()),
                ('template_key', models.CharField(max_length=64)),
                ('html', models.TextField()),
                ('faq_entries', models.JSONField(default=list)),
                ('reading_minutes', models.PositiveIntegerField()),
            ],
            options={
                'verbose_name': 'rendered article outline',
            },
        ),
        migrations.AddField(
            model_name='article',
            name='content_version',
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
