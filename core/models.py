"""Site-wide records that belong to no content app."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import caching


class CacheEntry(models.Model):
    """The table of Django's database cache (the cache when REDIS_URL is unset), with
    the columns `manage.py createcachetable` would give it: a model, so that `migrate`
    makes it wherever the database is set up (a fresh clone, CI, production)."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = settings.CACHE_TABLE

    def __str__(self):
        return self.cache_key


class SingletonModel(models.Model):
    """A table with a single row (primary key 1), read through the cache unless that is
    the database; until an editor first saves it, the defaults stand in for it (reading never
    writes)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        key = self.cache_key()
        cache.delete(key)
        # Again after the commit: a process that read the old row meanwhile may have
        # cached it.
        transaction.on_commit(lambda: cache.delete(key))

    @classmethod
    def cache_key(cls):
        return f"singleton:{cls._meta.label_lower}"

    @classmethod
    def load(cls):
        """Return the row, cached (the defaults if there is none or the database is down)."""
        use_cache = caching.cache_saves_queries()
        instance = cache.get(cls.cache_key()) if use_cache else None
        if instance is None:
            try:
                instance = cls.objects.filter(pk=1).first() or cls(pk=1)
            except DatabaseError:
                # The error pages must render even when the database is down.
                return cls(pk=1)
            if use_cache:
                cache.set(cls.cache_key(), instance, timeout=300)
        return instance


class SiteSettings(SingletonModel):
    """Site-wide wording editors can change."""

    site_name = models.CharField(_("site name"), max_length=80, default="Harbor Recovery Center")
    slogan = models.CharField(
        _("slogan"),
        max_length=150,
        blank=True,
        default="Recovery changes what is possible. Start where you are.",
    )
    welcome = models.TextField(
        _("home page welcome"),
        blank=True,
        default=(
            "Clear, medically reviewed information about substance use, withdrawal "
            "and recovery, for people finding their way and for those who love them."
        ),
        help_text=_("A short paragraph at the top of the home page."),
    )
    helpline_name = models.CharField(
        _("helpline name"), max_length=120, default="SAMHSA National Helpline"
    )
    helpline_phone = models.CharField(_("helpline number"), max_length=40, default="1-800-662-4357")
    helpline_text = models.CharField(
        _("helpline note"),
        max_length=200,
        blank=True,
        default="Free, confidential, 24 hours a day, 365 days a year, in English and Spanish.",
    )
    emergency_text = models.CharField(
        _("emergency note"),
        max_length=200,
        blank=True,
        default="In an emergency, or if someone may be overdosing, call 911 now.",
    )
    disclaimer = models.TextField(
        _("medical disclaimer"),
        blank=True,
        default=(
            "Articles on this site are for general education and are not a substitute "
            "for advice from a doctor or other qualified clinician who knows your "
            "situation. Never stop or change a prescribed medicine without talking to "
            "your prescriber."
        ),
    )
    # How readers reach the center; the Contact page shows them through placeholders.
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Where readers write to the center, data requests included."),
    )
    contact_phone = models.CharField(
        _("contact phone"),
        max_length=40,
        blank=True,
        help_text=_("The center's own number, as readers should see it."),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")
        constraints = [
            # The table holds a single row, always with primary key 1.
            models.CheckConstraint(condition=Q(pk=1), name="site_settings_single_row"),
        ]

    def __str__(self):
        return str(_("Site settings"))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Every page shows the header and footer.
        caching.bump(caching.CONTENT)

    @property
    def helpline_tel(self):
        """The helpline number as a tel: URL target (digits and a leading +)."""
        return "".join(ch for ch in self.helpline_phone if ch.isdigit() or ch == "+")

    @property
    def contact_tel(self):
        """The center's number as a tel: URL target (digits and a leading +)."""
        return "".join(ch for ch in self.contact_phone if ch.isdigit() or ch == "+")


class AuditAction(models.TextChoices):
    """What an audit entry records."""

    PUBLISHED = "published", _("published")
    UNPUBLISHED = "unpublished", _("unpublished")
    SCHEDULED = "scheduled", _("scheduled")
    RESTORED = "restored", _("restored")
    DELETED = "deleted", _("deleted")
    RECOVERED = "recovered", _("recovered")
    MARKED_REVIEWED = "marked_reviewed", _("marked reviewed")
    COMMENT_APPROVED = "comment_approved", _("comment approved")
    COMMENT_UNAPPROVED = "comment_unapproved", _("comment unapproved")
    COMMENT_SPAM = "comment_spam", _("comment marked spam")
    COMMENT_TRASHED = "comment_trashed", _("comment trashed")
    COMMENT_RESTORED = "comment_restored", _("comment restored")
    COMMENT_DELETED = "comment_deleted", _("comment deleted")
    COMMENT_CENTER_REPLY = "comment_center_reply", _("reply posted as the center")
    WORDPRESS_IMPORTED = "wordpress_imported", _("WordPress export imported")


class AuditEntry(models.Model):
    """One line of the audit log: who did what to which object, and when.

    Written only through ``core.audit.record()``. The object is named by content type,
    id and the text it had then, so the line outlives the object; the person by
    account and by username, so it outlives the account. No commenter's name, email,
    text or address is ever kept here.
    """

    Action = AuditAction

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(
        _("who"),
        max_length=150,
        blank=True,
        help_text=_("The username at the time; empty for the site's own scheduled jobs."),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of object"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_text = models.CharField(_("object"), max_length=250)
    detail = models.CharField(_("detail"), max_length=250, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_by_action"),
            models.Index(fields=["username", "-created_at"], name="audit_by_person"),
            models.Index(fields=["content_type", "object_id"], name="audit_by_object"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values),
                name="audit_action_valid",
            ),
        ]

    def __str__(self):
        return f"{self.username or '—'} {self.get_action_display()} {self.object_text}"
