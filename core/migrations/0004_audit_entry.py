"""The audit log, and the permission to read it for the Editors and the Moderators
(each then sees the entries about what they may see: core/admin.py)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.groups import grant, revoke

READER_GROUPS = ["Editors", "Moderators"]


def let_groups_read_the_log(apps, schema_editor):
    for name in READER_GROUPS:
        grant(apps, name, "core", ["view_auditentry"])


def stop_groups_reading_the_log(apps, schema_editor):
    for name in READER_GROUPS:
        revoke(apps, name, "core", ["view_auditentry"])


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0003_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # After the groups are made: they set their permissions outright.
        ('articles', '0002_editors_group'),
        ('comments', '0002_moderators_group'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('username', models.CharField(blank=True, help_text="The username at the time; empty for the site's own scheduled jobs.", max_length=150, verbose_name='who')),
                ('action', models.CharField(choices=[('published', 'published'), ('unpublished', 'unpublished'), ('scheduled', 'scheduled'), ('restored', 'restored'), ('deleted', 'deleted'), ('recovered', 'recovered'), ('marked_reviewed', 'marked reviewed'), ('comment_approved', 'comment approved'), ('comment_unapproved', 'comment unapproved'), ('comment_spam', 'comment marked spam'), ('comment_trashed', 'comment trashed'), ('comment_restored', 'comment restored'), ('comment_deleted', 'comment deleted')], max_length=20, verbose_name='action')),
                ('object_id', models.CharField(max_length=64, verbose_name='object id')),
                ('object_text', models.CharField(max_length=250, verbose_name='object')),
                ('detail', models.CharField(blank=True, max_length=250, verbose_name='detail')),
                ('content_type', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='kind of object')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'audit log entry',
                'verbose_name_plural': 'audit log entries',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['action', '-created_at'], name='audit_by_action'), models.Index(fields=['username', '-created_at'], name='audit_by_person'), models.Index(fields=['content_type', 'object_id'], name='audit_by_object')],
                'constraints': [models.CheckConstraint(condition=models.Q(('action__in', ['published', 'unpublished', 'scheduled', 'restored', 'deleted', 'recovered', 'marked_reviewed', 'comment_approved', 'comment_unapproved', 'comment_spam', 'comment_trashed', 'comment_restored', 'comment_deleted'])), name='audit_action_valid')],
            },
        ),
        migrations.RunPython(let_groups_read_the_log, stop_groups_reading_the_log),
    ]
