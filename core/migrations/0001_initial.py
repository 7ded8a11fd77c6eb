"""Site settings, moved from the articles app: the same table, renamed, and the same
permissions (the Editors group keeps its change and view rights)."""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="sitesettings").exists():
        ContentType.objects.filter(app_label="articles", model="sitesettings").update(
            app_label="core"
        )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model="sitesettings").update(
        app_label="articles"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("articles", "0008_site_settings_move_to_core"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SiteSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('site_name', models.CharField(default='Harbor Recovery Center', max_length=80, verbose_name='site name')),
                        ('slogan', models.CharField(blank=True, default='Recovery changes what is possible. Start where you are.', max_length=150, verbose_name='slogan')),
                        ('welcome', models.TextField(blank=True, default='Clear, medically reviewed information about substance use, withdrawal and recovery, for people finding their way and for those who love them.', help_text='A short paragraph at the top of the home page.', verbose_name='home page welcome')),
                        ('helpline_name', models.CharField(default='SAMHSA National Helpline', max_length=120, verbose_name='helpline name')),
                        ('helpline_phone', models.CharField(default='1-800-662-4357', max_length=40, verbose_name='helpline number')),
                        ('helpline_text', models.CharField(blank=True, default='Free, confidential, 24 hours a day, 365 days a year, in English and Spanish.', max_length=200, verbose_name='helpline note')),
                        ('emergency_text', models.CharField(blank=True, default='In an emergency, or if someone may be overdosing, call 911 now.', max_length=200, verbose_name='emergency note')),
                        ('disclaimer', models.TextField(blank=True, default='Articles on this site are for general education and are not a substitute for advice from a doctor or other qualified clinician who knows your situation. Never stop or change a prescribed medicine without talking to your prescriber.', verbose_name='medical disclaimer')),
                    ],
                    options={
                        'verbose_name': 'site settings',
                        'verbose_name_plural': 'site settings',
                        'db_table': 'articles_sitesettings',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='site_settings_single_row')],
                    },
                )
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
