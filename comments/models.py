"""Readers' comments under articles, held for moderation as WordPress does."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from core.models import SingletonModel

from .text import render_comment_text


def hash_body(body):
    """Return a fingerprint of a comment's text, blind to case and spacing."""
    normalised = " ".join(body.split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """Comments anyone may read."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def by_email(self, email):
        """Every comment written with ``email`` (case-insensitive)."""
        # LOWER on both sides, as the comment_author_email index is written, so that
        # PostgreSQL can use it (``__iexact`` compares UPPER()s and scans the table).
        return self.alias(author_email_lower=Lower("author_email")).filter(
            author_email_lower=Lower(Value(email.strip()))
        )

    def for_thread(self):
        """Only the columns a public thread shows, oldest first."""
        return self.only(
            "id",
            "article_id",
            "parent_id",
            "author_name",
            "author_url",
            "body_html",
            "status",
            "is_urgent",
            "is_center_reply",
            "created_at",
        ).order_by("created_at", "id")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        TRASH = "trash", _("Trash")

    # Which rule of the moderation policy decided the status (comments/spam.py).
    class Rule(models.TextChoices):
        STAFF = "staff", _("Staff member")
        HONEYPOT = "honeypot", _("Hidden field filled in")
        # No longer given (a form sent too fast is shown again to be sent once more);
        # kept so that comments stored under it still say why.
        TOO_FAST = "too_fast", _("Sent too fast")
        BAD_TIMESTAMP = "bad_timestamp", _("Expired or forged form")
        DISALLOWED = "disallowed", _("Disallowed word, email or IP")
        MODERATION_WORDS = "moderation_words", _("Moderation word")
        TOO_MANY_LINKS = "too_many_links", _("Too many links")
        CONTACT_DETAILS = "contact_details", _("Contact details (phone, handle, wallet)")
        CRISIS = "crisis", _("Crisis language")
        TRUSTED_AUTHOR = "trusted_author", _("Previously approved commenter")
        DEFAULT = "default", _("Default setting")

    # No index of its own: comment_thread and comment_no_duplicates both start with
    # the article, and every index is one more write on each post.
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        # Deleting goes through Comment.delete()/delete_comments(), which first moves
        # the replies up one level; SET_NULL is the database's last resort.
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(_("name"), max_length=100)
    author_email = models.EmailField(_("email"), max_length=254)
    author_url = models.URLField(_("website"), max_length=200, blank=True)
    body = models.TextField(_("comment"), max_length=10_000)
    body_html = models.TextField(editable=False, default="")
    # Looked up only through comment_no_duplicates (article, email, hash).
    body_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The status before it went to spam or trash, so "restore" can put it back.
    previous_status = models.CharField(
        _("previous status"), max_length=10, choices=Status.choices, blank=True
    )
    decided_by = models.CharField(
        _("decided by"), max_length=20, choices=Rule.choices, default=Rule.DEFAULT
    )
    is_urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("Crisis language: read this one first; the author saw the helpline."),
    )
    is_withdrawn = models.BooleanField(_("withdrawn by its author"), default=False, editable=False)
    is_center_reply = models.BooleanField(
        _("reply from the center"),
        default=False,
        editable=False,
        help_text=_("Written by a moderator in the admin, in the site's name; shown with a badge."),
    )
    # Set only by the posting path on a new pending comment, cleared by the sweep that
    # emails moderators about it (comments/notifications.py) or by any status change.
    # Comments made pending another way (restored, imported, admin) never get one.
    awaits_moderator_email = models.BooleanField(default=False, editable=False)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_thread"),
            models.Index(fields=["status", "-created_at"], name="comment_queue"),
            models.Index(Lower("author_email"), name="comment_author_email"),
            # The sweep's queue: a few rows at any time, so the index stays tiny.
            models.Index(
                fields=["id"],
                condition=Q(awaits_moderator_email=True),
                name="comment_awaiting_email",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "spam", "trash"]),
                name="comment_status_valid",
            ),
            # The same text from the same email on the same article, once: enforced
            # here so two simultaneous submits cannot both be stored.
            models.UniqueConstraint(
                "article",
                Lower("author_email"),
                "body_hash",
                condition=~Q(status="trash"),
                name="comment_no_duplicates",
                violation_error_code="duplicate",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="comment_not_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.article}"

    def save(self, *args, **kwargs):
        self.body_html = render_comment_text(self.body)
        self.body_hash = hash_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # A permalink that redirects to the comments page showing this comment.
        return reverse("comments:permalink", args=[self.pk])

    def delete(self, *args, **kwargs):
        # Replies stay, one level up, attached to this comment's parent.
        self.replies.update(parent=self.parent_id)
        return super().delete(*args, **kwargs)

    @property
    def anchor(self):
        return f"comment-{self.pk}"

    @property
    def audit_text(self):
        """How the audit log names this comment: never its author's name, email or
        address, nor its text."""
        return _("Comment #%(id)s on %(article)s") % {"id": self.pk, "article": self.article}

    @property
    def website(self):
        """The author's website if it is an http(s) address, else "" (never a link).

        The form accepts only http and https, but a row written another way (a data
        import, the shell) could hold javascript: or data:, which must not become a link.
        """
        url = self.author_url.strip()
        return url if url.lower().startswith(("http://", "https://")) else ""

    def ancestors(self):
        """This comment's parent, grandparent and so on (one query per level)."""
        comment = self.parent
        while comment is not None:
            yield comment
            comment = comment.parent

    def thread_root(self):
        """The top-level comment of this comment's thread (itself if top-level); no
        query when the parents were fetched with it (``select_related``)."""
        comment, seen = self, set()
        while comment.parent_id is not None and comment.pk not in seen:
            seen.add(comment.pk)
            comment = comment.parent
        return comment

    def earlier_threads(self):
        """How many approved threads of the article start before this comment's thread.

        A thread starts with its top-level comment; the comments pages list threads
        oldest first.
        """
        return (
            Comment.objects.approved()
            .filter(
                article_id=self.article_id,
                parent=None,
                created_at__lt=self.thread_root().created_at,
            )
            .count()
        )

    @property
    def depth(self):
        """0 for a top-level comment, 1 for a reply, and so on."""
        return sum(1 for _ancestor in self.ancestors())

    def can_move_to(self, status):
        """Whether a moderator may move this comment to ``status``."""
        if status == self.status:
            return False
        # A withdrawn comment is gone for good: nobody may publish it again.
        return not (self.is_withdrawn and status != self.Status.TRASH)

    def move_to(self, status):
        """Change the status (remembering the old one for spam and trash); no save.

        ``decided_by`` keeps the policy rule that first decided, for moderators.
        """
        set_aside = {self.Status.SPAM, self.Status.TRASH}
        if status in set_aside and self.status not in set_aside:
            self.previous_status = self.status
        elif status not in set_aside:
            self.previous_status = ""
        self.status = status
        self.status_changed_at = timezone.now()
        # A moderator has dealt with it: an email about it would be news to nobody.
        self.awaits_moderator_email = False

    @property
    def restore_status(self):
        """Where "restore" sends a spam or trashed comment."""
        return self.previous_status or self.Status.PENDING


class ModerationLists(SingletonModel):
    """The word lists moderators edit."""

    disallowed_keys = models.TextField(
        _("disallowed"),
        blank=True,
        help_text=_(
            "One per line: a word or phrase, an email address or an IP address. A "
            "comment containing any of them (in its text, name, email, website or IP) "
            "goes straight to spam."
        ),
    )
    moderation_keys = models.TextField(
        _("hold for moderation"),
        blank=True,
        default="\n".join(
            [
                "for sale",
                "discreet shipping",
                "no prescription",
                "without prescription",
                "pills online",
                "vendor",
                "plug",
                "casino",
                "loan",
            ]
        ),
        help_text=_("One per line: a comment containing any of them waits for a moderator."),
    )
    crisis_keys = models.TextField(
        _("extra crisis phrases"),
        blank=True,
        help_text=_(
            "The site already recognises crisis language by itself: explicit and veiled "
            "talk of suicide, plans and means, self-harm, an overdose happening now, "
            "slang (kms, unalive) and common misspellings, while leaving alone idioms, "
            "past experiences, grief and general questions (see the README). Add here, "
            "one per line, any other word or phrase that must always count: a comment "
            "containing one is held, marked urgent and shown first to moderators, and "
            "its author sees the helplines at once. Case, apostrophes and repeated "
            "letters do not matter."
        ),
    )

    class Meta:
        verbose_name = _("moderation lists")
        verbose_name_plural = _("moderation lists")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="moderation_lists_single_row"),
        ]

    def __str__(self):
        return str(_("Moderation lists"))

    @staticmethod
    def _entries(text):
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def disallowed(self):
        return self._entries(self.disallowed_keys)

    @property
    def moderation(self):
        return self._entries(self.moderation_keys)

    @property
    def crisis(self):
        return self._entries(self.crisis_keys)


class FloodSlot(models.Model):
    """A client's claim to post, until ``until``: flood control, kept in PostgreSQL so
    that every process and server agrees (services.is_flooding). The client is a keyed
    digest of its IP address, not the address."""

    client = models.CharField(max_length=64, primary_key=True)
    until = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "comments_flood_slot"

    def __str__(self):
        return self.client


class ReplySubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: these get an email about each reply."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)

    def by_email(self, email):
        """Every subscription made with ``email`` (case-insensitive)."""
        return self.filter(email__iexact=email.strip())


class ReplySubscription(models.Model):
    """A commenter's wish to hear about replies to their comment, by email.

    It starts unconfirmed; only a click on the link sent to the address confirms it
    (double opt-in), so nobody can sign a stranger up for more than that one email.
    The links carry signed tokens naming the row (comments/subscriptions.py), so no
    token is stored.
    """

    comment = models.OneToOneField(
        Comment,
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        related_name="reply_subscription",
    )
    email = models.EmailField(
        _("email"),
        max_length=254,
        help_text=_("Where reply emails go: the comment's address when it was posted."),
    )
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = ReplySubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply subscription")
        verbose_name_plural = _("reply subscriptions")
        indexes = [
            # The daily clean-up looks for old unconfirmed rows: few at any time.
            models.Index(
                fields=["created_at"],
                condition=Q(confirmed_at__isnull=True),
                name="reply_subscription_unconfirmed",
            ),
        ]

    def __str__(self):
        return str(_("Replies to comment #%(id)s") % {"id": self.comment_id})

    def get_absolute_url(self):
        return self.comment.get_absolute_url()

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ReplyNotice(models.Model):
    """One reply a subscriber was emailed about: the unique pair is what keeps a
    re-approved reply, a retried task or two workers at once from sending it twice."""

    subscription = models.ForeignKey(
        ReplySubscription, on_delete=models.CASCADE, related_name="notices"
    )
    reply = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "reply"], name="reply_notice_once_per_reply"
            ),
        ]

    def __str__(self):
        return f"{self.subscription} / {self.reply_id}"
