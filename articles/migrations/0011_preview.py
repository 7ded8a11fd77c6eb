"""Preview links, and the Editors group's permissions to share and withdraw them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.groups import grant, revoke


EDITOR_CODENAMES = ["add_previewlink", "change_previewlink", "view_previewlink"]


def give_editors_preview_links(apps, schema_editor):
    grant(apps, "Editors", "articles", EDITOR_CODENAMES)


def take_back_preview_links(apps, schema_editor):
    revoke(apps, "Editors", "articles", EDITOR_CODENAMES)

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
