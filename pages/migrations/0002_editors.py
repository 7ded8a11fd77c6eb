"""The Editors group manages the site pages."""

from django.db import migrations

from core.groups import grant, revoke

EDITOR_CODENAMES = ["add_page", "change_page", "delete_page", "view_page"]


def give_editors_pages(apps, schema_editor):
    grant(apps, "Editors", "pages", EDITOR_CODENAMES)


def take_back_pages(apps, schema_editor):
    revoke(apps, "Editors", "pages", EDITOR_CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_pages"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give_editors_pages, take_back_pages)]
