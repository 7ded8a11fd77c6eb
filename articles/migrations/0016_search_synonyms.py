"""Synonym groups for site search, seeded, and the Editors group's permissions to
edit them."""

from django.db import migrations, models

from core.groups import grant

# Names readers search with for the same thing: generic and brand names of the same
# medicine, abbreviations, street names. Only true equivalents: "withdrawal" and
# "detox" are not (detox is care during withdrawal), nor "meth" (readers say it for
# methamphetamine and for methadone), so a search for one does not widen to the other.
GROUPS = [
    ["naloxone", "Narcan", "Kloxxado"],
    ["buprenorphine", "Suboxone", "Subutex", "Sublocade", "Zubsolv", "Brixadi"],
    ["methadone", "Dolophine", "Methadose"],
    ["naltrexone", "Vivitrol", "ReVia"],
    ["fentanyl", "fent"],
    ["xylazine", "tranq"],
    [
        "medications for opioid use disorder",
        "medication for opioid use disorder",
        "MOUD",
        "MAT",
        "medication-assisted treatment",
    ],
    ["opioid use disorder", "OUD"],
    ["alcohol use disorder", "AUD"],
    ["substance use disorder", "SUD"],
    ["lofexidine", "Lucemyra"],
    ["acamprosate", "Campral"],
    ["disulfiram", "Antabuse"],
    ["benzodiazepines", "benzos"],
    ["Narcotics Anonymous", "NA"],
    ["Alcoholics Anonymous", "AA"],
    ["cognitive behavioral therapy", "cognitive behavioural therapy", "CBT"],
    ["post-acute withdrawal syndrome", "PAWS"],
    ["syringe services program", "syringe exchange", "needle exchange"],
]
EDITOR_CODENAMES = [
    f"{action}_searchsynonym" for action in ("add", "change", "delete", "view")
]


def seed(apps, schema_editor):
    SearchSynonym = apps.get_model("articles", "SearchSynonym")
    if not SearchSynonym.objects.exists():
        SearchSynonym.objects.bulk_create(
            SearchSynonym(terms="\n".join(terms)) for terms in GROUPS
        )
    grant(apps, "Editors", "articles", EDITOR_CODENAMES)


def unseed(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="articles", codename__in=EDITOR_CODENAMES
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0015_readable_text'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchSynonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('terms', models.TextField(help_text='Two or more words or phrases that mean the same thing, one per line or separated by commas, e.g. “buprenorphine, Suboxone, Subutex”. A search for any of them finds all of them. Only add true equivalents: a search for a broader or a different thing should not widen to this group.', verbose_name='terms')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'search synonym group',
                'verbose_name_plural': 'search synonyms',
                'ordering': ['terms'],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
