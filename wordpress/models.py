"""What the WordPress importer brought in, so that importing again updates instead of
duplicating."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The old addresses' model lives with their rules; imported here so Django finds it.
from .legacy import LegacyAddress  # noqa: F401


class ImportedItem(models.Model):
    """One record of a WordPress export and the local row it became.

    Matched on (site, kind, WordPress id): two WordPress sites never clash, and a newer
    export of the same site finds what an earlier one made. One explicit foreign key
    per kind, rather than a generic relation, so that the database keeps them honest
    and joins stay plain; SET_NULL, so that deleting an imported article here leaves
    the record saying "this WordPress post was imported once" and a later import does
    not bring it back silently (it reports it as deleted here).
    """

    class Kind(models.TextChoices):
        POST = "post", _("Post")
        PAGE = "page", _("Page")
        COMMENT = "comment", _("Comment")
        TERM = "term", _("Category or tag")

    base_url = models.CharField(
        _("WordPress site"), max_length=200, help_text=_("The old site's home address.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    wp_id = models.BigIntegerField(_("WordPress id"))
    article = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    page = models.ForeignKey(
        "pages.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "comments.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        "articles.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the export said, hashed: the same hash on the next import means unchanged.
    content_hash = models.CharField(max_length=64)
    # The local row's own change time just after the import wrote it: a later one
    # means an editor changed it here, and a re-import leaves it alone.
    synced_at = models.DateTimeField(null=True, blank=True)
    # The old address, kept for the redirects from the old site.
    link = models.URLField(_("old address"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("imported WordPress item")
        verbose_name_plural = _("imported WordPress items")
        constraints = [
            models.UniqueConstraint(
                fields=["base_url", "kind", "wp_id"], name="imported_item_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wp_id} of {self.base_url}"

    @property
    def local_object(self):
        """The article, page, comment or topic this record became (None if deleted)."""
        return {
            self.Kind.POST: self.article,
            self.Kind.PAGE: self.page,
            self.Kind.COMMENT: self.comment,
            self.Kind.TERM: self.topic,
        }[self.kind]
