"""The readable text of section bodies and FAQ answers (their rendered HTML without
markup), for search snippets and suggestions; filled from the stored HTML."""

from django.db import migrations, models

from core.markdown import readable_text


def fill(apps, schema_editor):
    for model_name, html_field, text_field, trigger in (
        ("Section", "body_html", "body_text", "articles_section_search"),
        ("FAQ", "answer_html", "answer_text", "articles_faq_search"),
    ):
        model = apps.get_model("articles", model_name)
        table = model._meta.db_table
        # The new column is in no search document: without this, each row written
        # would rebuild its article's document and blank its stored outline
        # (migrations 0003 and 0007) for nothing.
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        for row in model.objects.only("pk", html_field).iterator(chunk_size=500):
            text = readable_text(getattr(row, html_field))
            model.objects.filter(pk=row.pk).update(**{text_field: text})
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0014_content_checks'),
    ]

    operations = [
        migrations.AddField(
            model_name='faq',
            name='answer_text',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='section',
            name='body_text',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
