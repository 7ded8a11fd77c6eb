"""Fill in each article's count of approved comments (kept current from now on)."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_approved(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Comment = apps.get_model("comments", "Comment")
    approved = (
        Comment.objects.filter(article=OuterRef("pk"), status="approved")
        .order_by()
        .values("article")
        .annotate(total=Count("pk"))
        .values("total")
    )
    Article.objects.update(comment_count=Coalesce(Subquery(approved), Value(0)))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_denormalised_page_data"),
        ("comments", "0004_drop_redundant_indexes"),
    ]

    operations = [migrations.RunPython(count_approved, migrations.RunPython.noop)]
