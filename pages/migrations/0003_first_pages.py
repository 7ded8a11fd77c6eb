"""The four pages every site starts with: About, Privacy notice, Contact and Editorial
policy (pages/first_pages.py), published and linked in the footer."""

from django.db import migrations

from pages.first_pages import PAGES
from pages.models import render_page_body


def create_first_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for fields in PAGES:
        if Page.objects.filter(slug=fields["slug"]).exists():
            continue
        Page.objects.create(
            **fields,
            body_html=render_page_body(fields["body"]),
            is_published=True,
            show_in_footer=True,
        )


def delete_first_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    Page.objects.filter(slug__in=[fields["slug"] for fields in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("pages", "0002_editors")]

    operations = [migrations.RunPython(create_first_pages, delete_first_pages)]
