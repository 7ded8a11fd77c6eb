"""Old article slugs, recorded by PostgreSQL so that renamed articles keep their links.

A trigger on ``articles_article`` writes a row for the previous slug whenever a
slug changes (admin, importer, code, bulk update or plain SQL alike), and deletes
the row for a slug that becomes live again: an article going back to an old slug,
or a new article taking a retired one. The article page answers 301 for any slug
listed here (``Article.objects.renamed_from``).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

CREATE_SQL = """
CREATE OR REPLACE FUNCTION articles_record_old_slug() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A live slug must never redirect elsewhere.
    DELETE FROM articles_articleslugredirect WHERE old_slug = NEW.slug;
    IF TG_OP = 'UPDATE' AND NEW.slug IS DISTINCT FROM OLD.slug THEN
        INSERT INTO articles_articleslugredirect (article_id, old_slug, created_at)
        VALUES (NEW.id, OLD.slug, now())
        ON CONFLICT (old_slug) DO UPDATE
            SET article_id = EXCLUDED.article_id, created_at = EXCLUDED.created_at;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER articles_article_old_slug AFTER INSERT OR UPDATE OF slug
    ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_record_old_slug();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS articles_article_old_slug ON articles_article;
DROP FUNCTION IF EXISTS articles_record_old_slug();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0003_search'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArticleSlugRedirect',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('old_slug', models.SlugField(max_length=200, unique=True, verbose_name='old slug')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='changed')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slug_redirects', to='articles.article', verbose_name='article')),
            ],
            options={
                'verbose_name': 'old article address',
                'verbose_name_plural': 'old article addresses',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
