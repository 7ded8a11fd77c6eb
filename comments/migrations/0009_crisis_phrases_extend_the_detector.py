"""The crisis list becomes the moderators' extra phrases on top of comments/crisis.py.

The phrases the list used to ship with are left out of a stored list: the detector
covers them, and as extra phrases they would count even in a sentence about the past
("I overdosed two years ago"). Phrases moderators added stay.
"""

from django.db import migrations, models

SHIPPED_PHRASES = {
    "suicide",
    "suicidal",
    "kill myself",
    "end my life",
    "want to die",
    "don't want to live",
    "dont want to live",
    "better off dead",
    "self-harm",
    "self harm",
    "hurt myself",
    "cutting myself",
    "overdosing",
    "overdosed",
    "took too much",
    "took too many",
    "can't breathe",
    "cant breathe",
    "not breathing",
    "won't wake up",
    "wont wake up",
    "turning blue",
}


def keep_moderators_phrases(apps, schema_editor):
    ModerationLists = apps.get_model("comments", "ModerationLists")
    for lists in ModerationLists.objects.all():
        lines = [line.strip() for line in lists.crisis_keys.splitlines() if line.strip()]
        kept = [line for line in lines if line.casefold() not in SHIPPED_PHRASES]
        if kept != lines:
            lists.crisis_keys = "\n".join(kept)
            lists.save(update_fields=["crisis_keys"])


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0008_center_reply"),
    ]

    operations = [
        migrations.AlterField(
            model_name="moderationlists",
            name="crisis_keys",
            field=models.TextField(
                blank=True,
                help_text=(
                    "The site already recognises crisis language by itself: explicit and "
                    "veiled talk of suicide, plans and means, self-harm, an overdose "
                    "happening now, slang (kms, unalive) and common misspellings, while "
                    "leaving alone idioms, past experiences, grief and general questions "
                    "(see the README). Add here, one per line, any other word or phrase "
                    "that must always count: a comment containing one is held, marked "
                    "urgent and shown first to moderators, and its author sees the "
                    "helplines at once. Case, apostrophes and repeated letters do not "
                    "matter."
                ),
                verbose_name="extra crisis phrases",
            ),
        ),
        migrations.RunPython(keep_moderators_phrases, migrations.RunPython.noop),
    ]
