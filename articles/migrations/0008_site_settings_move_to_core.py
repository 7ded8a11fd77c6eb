"""Site settings belong to the core app now (core/migrations/0001 takes the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_denormalised_page_data")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SiteSettings")],
            database_operations=[],
        )
    ]
