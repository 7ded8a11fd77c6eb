"""Preview links, and the Editors group's permissions to share and withdraw them."""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


EDITOR_CODENAMES = ["add_previewlink", "change_previewlink", "view_previewlink"]


def give_editors_preview_links(apps, schema_editor):
    # Permissions are normally created after all migrations run (post_migrate).
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles", codename__in=EDITOR_CODENAMES
        )
    )


def take_back_preview_links(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="articles", codename__in=EDITOR_CODENAMES
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_unpublish_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='PreviewLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='shared')),
                ('expires_at', models.DateTimeField(help_text='The link stops working at this time.', verbose_name='expires')),
                ('revoked_at', models.DateTimeField(blank=True, help_text='When an editor withdrew the link, if they did.', null=True, verbose_name='withdrawn')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='preview_links', to='articles.article', verbose_name='article')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='shared by')),
            ],
            options={
                'verbose_name': 'preview link',
                'verbose_name_plural': 'preview links',
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='preview_link_expires_after_creation')],
            },
        ),
        migrations.RunPython(give_editors_preview_links, take_back_preview_links),
    ]
