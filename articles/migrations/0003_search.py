"""Full-text search: a weighted document per article, kept current by triggers.

PostgreSQL computes ``articles_article.search_vector`` itself, so it is right
whatever changed the article or its sections and FAQs (the admin, the importer,
code, bulk updates or plain SQL): weight A for the title, B for the summary,
section headings and FAQ questions, C for section bodies and FAQ answers, with
English stemming. pg_trgm is enabled for the "Did you mean ...?" fallback.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

DOCUMENT_SQL = """
    setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(a.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(s.heading, ' ') FROM articles_section s WHERE s.article_id = a.id),
        '')), 'B')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(f.question, ' ') FROM articles_faq f WHERE f.article_id = a.id),
        '')), 'B')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(s.body, ' ') FROM articles_section s WHERE s.article_id = a.id),
        '')), 'C')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(f.answer, ' ') FROM articles_faq f WHERE f.article_id = a.id),
        '')), 'C')
"""

CREATE_SQL = f"""
CREATE OR REPLACE FUNCTION articles_refresh_search_vector(target bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article AS a SET search_vector = {DOCUMENT_SQL} WHERE a.id = target;
$$;

-- Sections and FAQs: refresh their article (both articles if a row moved).
CREATE OR REPLACE FUNCTION articles_child_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM articles_refresh_search_vector(OLD.article_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.article_id <> OLD.article_id) THEN
        PERFORM articles_refresh_search_vector(NEW.article_id);
    END IF;
    RETURN NULL;
END;
$$;

-- The article itself: recompute when its title or summary is written. Updates of
-- search_vector alone (from the function above) do not fire this trigger.
CREATE OR REPLACE FUNCTION articles_article_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := (SELECT {DOCUMENT_SQL} FROM (SELECT NEW.id AS id,
        NEW.title AS title, NEW.summary AS summary) AS a);
    RETURN NEW;
END;
$$;

CREATE TRIGGER articles_section_search AFTER INSERT OR UPDATE OR DELETE
    ON articles_section FOR EACH ROW EXECUTE FUNCTION articles_child_changed();
CREATE TRIGGER articles_faq_search AFTER INSERT OR UPDATE OR DELETE
    ON articles_faq FOR EACH ROW EXECUTE FUNCTION articles_child_changed();
CREATE TRIGGER articles_article_search BEFORE INSERT OR UPDATE OF title, summary
    ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_article_changed();

UPDATE articles_article SET title = title;
"""  # nosec B608 # SQL fixed when the migration was written, no input

DROP_SQL = """
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
DROP TRIGGER IF EXISTS articles_faq_search ON articles_faq;
DROP TRIGGER IF EXISTS articles_section_search ON articles_section;
DROP FUNCTION IF EXISTS articles_article_changed();
DROP FUNCTION IF EXISTS articles_child_changed();
DROP FUNCTION IF EXISTS articles_refresh_search_vector(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_editors_group"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search"
            ),
        ),
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
