"""What the WordPress importer brought in, so that importing again updates instead of
duplicating."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The old addresses' model lives with their rules; imported here so Django finds it.
from .legacy import LegacyAddress  # noqa: F401


class ImportedItemQuerySet(models.QuerySet):
    def waiting_for_hero(self):
        """Imported posts whose featured picture waits for a description, on articles
        that still have no hero image, by title."""
        return (
            self.filter(
                kind=ImportedItem.Kind.POST,
                waiting_hero__isnull=False,
                article__isnull=False,
                article__hero_image="",
            )
            .select_related("article", "waiting_hero")
            .order_by("article__title", "pk")
        )


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
        ATTACHMENT = "attachment", _("Picture")

    base_url = models.CharField(
        _("WordPress site"), max_length=200, help_text=_("The old site's home address.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # A picture found in a body without an attachment id is known by its path alone.
    wp_id = models.BigIntegerField(_("WordPress id"), null=True, blank=True)
    media_path = models.CharField(
        _("file"),
        max_length=500,
        blank=True,
        help_text=_("A picture's path in the old site's wp-content/uploads folder."),
    )
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
    library_image = models.ForeignKey(
        "articles.LibraryImage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A post's featured picture, imported into the library but not made the hero
    # image because it has no description; cleared once an editor uses it.
    waiting_hero = models.ForeignKey(
        "articles.LibraryImage",
        verbose_name=_("featured image waiting for a description"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when pictures were left out for want of a media folder: an import with one
    # then brings the record in again, even if the export did not change.
    pictures_left_out = models.BooleanField(default=False)
    # What the export said, hashed: the same hash on the next import means unchanged.
    content_hash = models.CharField(max_length=64)
    # The local row's own change time just after the import wrote it: a later one
    # means an editor changed it here, and a re-import leaves it alone.
    synced_at = models.DateTimeField(null=True, blank=True)
    # The old address, kept for the redirects from the old site.
    link = models.URLField(_("old address"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    objects = ImportedItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported WordPress item")
        verbose_name_plural = _("imported WordPress items")
        constraints = [
            models.UniqueConstraint(
                fields=["base_url", "kind", "wp_id"], name="imported_item_unique"
            ),
            models.UniqueConstraint(
                fields=["base_url", "media_path"],
                condition=models.Q(kind="attachment", wp_id__isnull=True),
                name="imported_file_unique",
            ),
        ]

    def __str__(self):
        which = self.wp_id if self.wp_id is not None else self.media_path
        return f"{self.get_kind_display()} {which} of {self.base_url}"

    @property
    def local_object(self):
        """The article, page, comment or topic this record became (None if deleted)."""
        return {
            self.Kind.POST: self.article,
            self.Kind.PAGE: self.page,
            self.Kind.COMMENT: self.comment,
            self.Kind.TERM: self.topic,
            self.Kind.ATTACHMENT: self.library_image,
        }[self.kind]


class WaitingFeaturedImage(ImportedItem):
    """Imported posts whose featured picture waits for a description before it can
    become the article's hero image (an admin list and the dashboard show them)."""

    class Meta:
        proxy = True
        verbose_name = _("featured image waiting for a description")
        verbose_name_plural = _("featured images waiting for a description")
