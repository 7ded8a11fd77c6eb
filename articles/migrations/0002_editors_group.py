"""Create the "Editors" group: exactly the permissions to manage articles and their parts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Editors"
EDITOR_MODELS = ["article", "section", "faq", "topic"]
ACTIONS = ["add", "change", "delete", "view"]
# Editors word the header and footer too, but cannot add or delete the single row.
EXTRA_CODENAMES = ["change_sitesettings", "view_sitesettings"]


def editor_codenames():
    return [f"{action}_{model}" for model in EDITOR_MODELS for action in ACTIONS] + EXTRA_CODENAMES


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations run (post_migrate);
    # create them now so the group can refer to them on a fresh database.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles", codename__in=editor_codenames()
        )
    )


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
