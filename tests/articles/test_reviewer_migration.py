"""Migration 0011: free-text reviewer names become Reviewer records, and back."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0011_preview")]
AFTER = [("articles", "0012_reviewers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


# Transactional: the schema changes; the data the migrations made (the groups) is put
# back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_free_text_reviewers_become_one_record_per_name_and_go_back():
    try:
        old_apps = migrate(BEFORE)
        OldArticle = old_apps.get_model("articles", "Article")
        for slug, reviewer, reviewed_on in [
            ("a", "Dr. Ana Ruiz, MD", datetime.date(2026, 1, 31)),
            ("b", "Dr. Ana  Ruiz, MD", None),
            ("c", "Dr Ana Ruiz MD", datetime.date(2024, 2, 29)),
            ("d", "", None),
        ]:
            OldArticle.objects.create(
                title=slug,
                slug=slug,
                summary="A summary.",
                author="Editorial team",
                reviewer=reviewer,
                reviewed_on=reviewed_on,
            )

        new_apps = migrate(AFTER)
        Article = new_apps.get_model("articles", "Article")
        Reviewer = new_apps.get_model("articles", "Reviewer")
        assert sorted(Reviewer.objects.values_list("name", "slug")) == [
            ("Dr Ana Ruiz MD", "dr-ana-ruiz-md-2"),
            ("Dr. Ana Ruiz, MD", "dr-ana-ruiz-md"),
        ]
        rows = {
            article.slug: (
                article.reviewer.name if article.reviewer else None,
                article.next_review_due,
            )
            for article in Article.objects.select_related("reviewer")
        }
        assert rows == {
            "a": ("Dr. Ana Ruiz, MD", datetime.date(2027, 1, 31)),
            "b": ("Dr. Ana Ruiz, MD", None),
            "c": ("Dr Ana Ruiz MD", datetime.date(2025, 2, 28)),
            "d": (None, None),
        }

        old_apps = migrate(BEFORE)
        OldArticle = old_apps.get_model("articles", "Article")
        assert dict(OldArticle.objects.values_list("slug", "reviewer")) == {
            "a": "Dr. Ana Ruiz, MD",
            "b": "Dr. Ana Ruiz, MD",
            "c": "Dr Ana Ruiz MD",
            "d": "",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
