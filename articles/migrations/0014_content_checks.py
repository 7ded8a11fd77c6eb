"""The word list and allowed names of the content checks, seeded, and the Editors
group's permissions to edit them."""

from django.db import migrations, models

from core.groups import grant

# Adapted, in our own words, from NIDA's "Words Matter" guidance on terms that
# stigmatise people with substance use disorders. (term, suggestion, why, context)
GUIDANCE = [
    (
        "addict",
        "person with a substance use disorder",
        "Put the person first: the illness is not who they are.",
        "",
    ),
    (
        "former addict",
        "person in recovery, or person in long-term recovery",
        "Recovery is something a person is in, not a label they wore.",
        "",
    ),
    (
        "reformed addict",
        "person in recovery, or person in long-term recovery",
        "Recovery is something a person is in, not a label they wore.",
        "",
    ),
    (
        "recovering addict",
        "person in recovery",
        "Put the person first.",
        "",
    ),
    (
        "abuser",
        "person who uses drugs, or person with a substance use disorder",
        "\"Abuser\" links people who use drugs with blame and punishment.",
        "",
    ),
    (
        "drug abuser",
        "person who uses drugs",
        "\"Abuser\" links people who use drugs with blame and punishment.",
        "",
    ),
    (
        "junkie",
        "person who uses drugs, or person with a substance use disorder",
        "A slur: it reduces a person to their drug use.",
        "",
    ),
    (
        "drug user",
        "person who uses drugs",
        "Put the person first.",
        "",
    ),
    (
        "user",
        "person who uses drugs",
        "Put the person first.",
        "drug, drugs, heroin, opioid, cocaine, meth, injection, intravenous, iv",
    ),
    (
        "clean",
        "testing negative, or not currently using drugs",
        "For test results and recovery, \"clean\" implies the person was dirty.",
        "test, screen, urine, sample, result, toxicology, got, get, getting, stay, "
        "staying, stayed, been",
    ),
    (
        "dirty",
        "testing positive, or currently using drugs",
        "For test results, \"dirty\" shames the person rather than describing the result.",
        "test, screen, urine, sample, result, toxicology, came, come",
    ),
    (
        "substance abuse",
        "substance use (or substance use disorder, when that is meant)",
        "\"Abuse\" implies wilful wrongdoing; the disorder is a medical condition.",
        "",
    ),
    (
        "drug abuse",
        "drug use (or substance use disorder, when that is meant)",
        "\"Abuse\" implies wilful wrongdoing; the disorder is a medical condition.",
        "",
    ),
    (
        "alcohol abuse",
        "alcohol use (or alcohol use disorder, when that is meant)",
        "\"Abuse\" implies wilful wrongdoing; the disorder is a medical condition.",
        "",
    ),
    (
        "habit",
        "substance use disorder",
        "\"Habit\" suggests a choice that is easy to stop, not a medical condition.",
        "drug, drugs, heroin, opioid, cocaine, alcohol, drinking, meth, kick",
    ),
    (
        "opioid replacement",
        "medication for opioid use disorder",
        "The medicine treats the disorder; it does not swap one drug for another.",
        "",
    ),
    (
        "opioid substitution",
        "medication for opioid use disorder",
        "The medicine treats the disorder; it does not swap one drug for another.",
        "",
    ),
    (
        "replacement therapy",
        "medication for opioid use disorder (or medication treatment)",
        "The medicine treats the disorder; it does not swap one drug for another.",
        "",
    ),
    (
        "alcoholic",
        "person with alcohol use disorder",
        "Put the person first.",
        "",
    ),
    (
        "drunk",
        "person who is intoxicated, or person with alcohol use disorder",
        "A label that shames rather than describes.",
        "",
    ),
    (
        "crackhead",
        "person who uses cocaine",
        "A slur: it reduces a person to their drug use.",
        "",
    ),
]

# Names that contain a listed word and are fine as they are.
ALLOWED_PHRASES = [
    "National Institute on Drug Abuse",
    "National Institute on Alcohol Abuse and Alcoholism",
    "Substance Abuse and Mental Health Services Administration",
    "Narcotics Anonymous",
    "Alcoholics Anonymous",
    "Adult Children of Alcoholics",
]

EDITOR_CODENAMES = [
    f"{action}_{model}"
    for model in ("languageguidance", "allowedphrase")
    for action in ("add", "change", "delete", "view")
]


def seed(apps, schema_editor):
    LanguageGuidance = apps.get_model("articles", "LanguageGuidance")
    AllowedPhrase = apps.get_model("articles", "AllowedPhrase")
    for term, suggestion, explanation, context_words in GUIDANCE:
        LanguageGuidance.objects.get_or_create(
            term=term,
            defaults={
                "suggestion": suggestion,
                "explanation": explanation,
                "context_words": context_words,
            },
        )
    for phrase in ALLOWED_PHRASES:
        AllowedPhrase.objects.get_or_create(phrase=phrase)

    grant(apps, "Editors", "articles", EDITOR_CODENAMES)


def unseed(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="articles", codename__in=EDITOR_CODENAMES
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0013_image_library'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='AllowedPhrase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phrase', models.CharField(help_text='Matched as whole words, in any case.', max_length=150, unique=True, verbose_name='name or phrase')),
            ],
            options={
                'verbose_name': 'allowed name or phrase',
                'verbose_name_plural': 'allowed names and phrases',
                'ordering': ['phrase'],
            },
        ),
        migrations.CreateModel(
            name='LanguageGuidance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(help_text='Found as whole words, in any case, and in the plural ("addict" also finds "Addicts").', max_length=80, unique=True, verbose_name='word or phrase')),
                ('suggestion', models.CharField(help_text='What to write instead, e.g. "person with a substance use disorder".', max_length=200, verbose_name='suggested wording')),
                ('explanation', models.CharField(blank=True, help_text='One short sentence shown with the suggestion.', max_length=300, verbose_name='why')),
                ('context_words', models.CharField(blank=True, help_text='Optional, separated by commas: the term is flagged only when one of these words is within four words of it in the same sentence; a word also matches longer ones it starts ("test" matches "tested"). For example "clean" near "test, urine, screen", so that "clean needles" is not flagged.', max_length=300, verbose_name='only near these words')),
                ('is_active', models.BooleanField(default=True, help_text='Untick to stop checking this term.', verbose_name='active')),
            ],
            options={
                'verbose_name': 'language guidance',
                'verbose_name_plural': 'language guidance',
                'ordering': ['term'],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
