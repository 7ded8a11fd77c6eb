"""What the WordPress importer brought in, so that importing again updates instead of
duplicating."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
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


class ImportRunQuerySet(models.QuerySet):
    def open(self):
        """Runs not yet over: being checked, waiting for "Import now", or importing."""
        return self.filter(state__in=ImportRun.OPEN_STATES)

    def abandoned(self, *, now):
        """Open runs left untouched for ``ABANDONED_AFTER``: nobody pressed "Import now"
        or "Cancel", or the worker running them stopped."""
        return self.open().filter(updated_at__lt=now - ABANDONED_AFTER)


# An upload older than this, still open, is given up (``wordpress_maintenance``).
ABANDONED_AFTER = timedelta(days=1)


class ImportRun(models.Model):
    """One WordPress export uploaded in the admin: checked by a dry run, then imported.

    The file waits in ``WORDPRESS_IMPORT_DIR`` (private: it holds commenters' emails
    and IP addresses) and is deleted once the run is over. The database lets one run
    at a time be open (``import_run_one_open``), whatever the number of processes.
    """

    class State(models.TextChoices):
        CHECKING = "checking", _("checking (dry run)")
        CHECKED = "checked", _("checked: waiting for “Import now”")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    OPEN_STATES = (State.CHECKING, State.CHECKED, State.IMPORTING)
    # The allowed moves: from a state to those it may become.
    MOVES = {
        State.CHECKING: {State.CHECKED, State.FAILED, State.CANCELLED},
        State.CHECKED: {State.IMPORTING, State.CANCELLED, State.FAILED},
        State.IMPORTING: {State.DONE, State.FAILED},
    }

    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.CHECKING
    )
    file_name = models.CharField(
        _("stored file"),
        max_length=100,
        blank=True,
        help_text=_("The upload's name in WORDPRESS_IMPORT_DIR; empty once it is deleted."),
    )
    original_name = models.CharField(
        _("uploaded file"),
        max_length=255,
        help_text=_("The file's name on the uploader's computer."),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    skip_bad_items = models.BooleanField(
        _("leave out bad records"),
        default=False,
        help_text=_("Records that cannot be read are listed and left out, instead of stopping."),
    )
    with_media = models.BooleanField(
        _("pictures from the media folder"),
        default=False,
        help_text=_("Pictures and featured images read from WORDPRESS_MEDIA_DIR."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run_report = models.JSONField(
        _("dry run's report"), null=True, blank=True, help_text=_("What the import would do.")
    )
    report = models.JSONField(
        _("import's report"), null=True, blank=True, help_text=_("What the import did.")
    )
    error = models.TextField(
        _("error"), blank=True, help_text=_("Why the file could not be checked or imported.")
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("WordPress import")
        verbose_name_plural = _("WordPress imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open run at a time: two imports at once would race for the same
            # WordPress ids. A unique index on a constant, over the open rows only.
            models.UniqueConstraint(
                models.Value(True),
                condition=models.Q(state__in=["checking", "checked", "importing"]),
                name="import_run_one_open",
                violation_error_message=_("Another WordPress import is already open."),
            ),
        ]

    def __str__(self):
        return _("WordPress import #%(id)s (%(file)s)") % {
            "id": self.pk,
            "file": self.original_name,
        }

    def get_absolute_url(self):
        return reverse("admin:wordpress_importrun_status", args=[self.pk])

    @property
    def media_dir(self):
        """The folder the import reads pictures from, or None."""
        return settings.WORDPRESS_MEDIA_DIR if self.with_media else None

    @property
    def path(self):
        """Where the upload is stored, or None once it is deleted."""
        if not self.file_name:
            return None
        return Path(settings.WORDPRESS_IMPORT_DIR) / self.file_name

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @property
    def is_running(self):
        """Whether a task is at work on the run (or queued for one)."""
        return self.state in {self.State.CHECKING, self.State.IMPORTING}

    def can_move_to(self, state):
        return state in self.MOVES.get(self.state, set())

    @property
    def can_cancel(self):
        """A run may be cancelled until its import starts (a dry run writes nothing)."""
        return self.can_move_to(self.State.CANCELLED)

    def move_to(self, state, **fields):
        """Move the run to ``state``, changing ``fields`` too, if it is still in the
        state read; return whether it moved.

        One conditional UPDATE: when two requests or workers try to move the same run
        (a double click on "Import now", a cancel during the dry run), one wins.
        """
        if not self.can_move_to(state):
            return False
        fields["updated_at"] = timezone.now()
        moved = ImportRun.objects.filter(pk=self.pk, state=self.state).update(state=state, **fields)
        if moved:
            self.state = state
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(moved)

    def delete_upload(self):
        """Delete the stored export: a run that is over needs it no more."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        ImportRun.objects.filter(pk=self.pk).update(file_name="")
        self.file_name = ""


class WaitingFeaturedImage(ImportedItem):
    """Imported posts whose featured picture waits for a description before it can
    become the article's hero image (an admin list and the dashboard show them)."""

    class Meta:
        proxy = True
        verbose_name = _("featured image waiting for a description")
        verbose_name_plural = _("featured images waiting for a description")
