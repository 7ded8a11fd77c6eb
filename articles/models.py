"""Articles: long medical-education pages made of ordered sections and an FAQ list."""

import calendar
import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _
from reversion import register as register_revisions

from core.markdown import count_words, image_references, readable_text, render_markdown

from .content_checks import article_problems
from .renditions import (
    HERO_FIELDS,
    LIBRARY_FIELDS,
    Picture,
    hero_upload_name,
    library_upload_name,
    refresh_renditions,
)
from .structured_data import faq_entries

WORDS_READ_PER_MINUTE = 220
# About one and a half phone screens of text: after a section this long, a reader on
# a phone is offered a link back to the top instead of a long scroll up.
BACK_TO_TOP_MIN_WORDS = 300
OUTLINE_TEMPLATE = "articles/includes/article_outline.html"
FIGURE_TEMPLATE = "articles/includes/figure.html"

# Element ids the article page uses itself; a section anchor must not take one.
RESERVED_ANCHORS = frozenset(
    {
        "main-content",
        "site-nav",
        "contents",
        "article-body",
        "faq",
        "references",
        "related",
        "comments",
        "respond",
        "help",
    }
)


class TopicQuerySet(models.QuerySet):
    def with_article_counts(self):
        """Annotate ``article_count``: how many published articles carry each topic, in
        name order (explicit: Meta.ordering does not apply to a grouped query)."""
        published = Article.objects.published()
        return self.annotate(
            article_count=Count("articles", filter=Q(articles__in=published))
        ).order_by("name", "pk")


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(
        _("slug"), max_length=80, unique=True, help_text=_("Used in the topic's address.")
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("One or two sentences shown at the top of the topic page."),
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})


DEFAULT_REVIEW_PERIOD_MONTHS = 12
REVIEW_SOON_DAYS = 30


def add_months(day, months):
    """``day`` moved on by ``months`` calendar months, kept within the month
    (January 31 plus one month is the last day of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class ReviewerQuerySet(models.QuerySet):
    def with_public_page(self):
        """Reviewers whose page readers may open."""
        return self.filter(has_public_page=True)

    def for_name(self, name, *, credentials=None):
        """The reviewer called ``name``, created if new (with a free slug); its
        credentials are set to ``credentials`` when given."""
        name = " ".join(name.split())
        reviewer = self.filter(name=name).first()
        if reviewer is None:
            taken = set(self.values_list("slug", flat=True))
            reviewer = Reviewer(name=name, slug=unique_slug(name, taken, fallback="reviewer"))
        if credentials is not None:
            reviewer.credentials = " ".join(credentials.split())
        if reviewer.pk is None or credentials is not None:
            reviewer.save()
        return reviewer


class Reviewer(models.Model):
    """A clinician who checks articles' medical content."""

    name = models.CharField(
        _("name"), max_length=150, unique=True, help_text=_("As shown to readers: Dr. Ana Ruiz.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=150,
        unique=True,
        help_text=_("The address of the reviewer's page: lowercase words joined by hyphens."),
    )
    credentials = models.CharField(
        _("credentials"),
        max_length=150,
        blank=True,
        help_text=_("Degrees and speciality, shown after the name: MD, addiction medicine."),
    )
    bio = models.TextField(
        _("short bio"),
        blank=True,
        help_text=_("Markdown, a few sentences: training, practice, experience."),
    )
    bio_html = models.TextField(editable=False, default="")
    has_public_page = models.BooleanField(
        _("public page"),
        default=False,
        help_text=_(
            "Readers can open a page with the name, credentials, bio and the articles "
            "this person reviewed; the articles link to it."
        ),
    )

    objects = ReviewerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("medical reviewer")
        verbose_name_plural = _("medical reviewers")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.bio_html = render_markdown(self.bio)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:reviewer", kwargs={"slug": self.slug})

    @property
    def name_and_credentials(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class PublicationState(models.TextChoices):
    """What readers see of an article now (its status and times together)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")


class PictureModel(models.Model):
    """Base of a model with one uploaded picture, named by ``picture_fields``: a new
    upload gets its renditions on save (articles/renditions.py)."""

    picture_fields = None  # a PictureFields

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        fields = self.picture_fields
        refresh_renditions(self, fields, is_new_upload=self.has_new_picture_upload)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and fields.file in update_fields:
            kwargs["update_fields"] = {*update_fields, fields.record, fields.width, fields.height}
        super().save(*args, **kwargs)
        setattr(self, fields.loaded, getattr(self, fields.file).name)

    @classmethod
    def from_db(cls, db, field_names, values):
        # Remember the stored picture's name, as Django's docs show for tracking a
        # field's loaded value: a different one on save is a new upload.
        instance = super().from_db(db, field_names, values)
        fields = cls.picture_fields
        if fields.file in field_names:
            setattr(instance, fields.loaded, values[field_names.index(fields.file)])
        return instance

    @property
    def has_new_picture_upload(self):
        """Whether the picture field holds a file not stored yet (assigned since
        loading)."""
        name = getattr(self, self.picture_fields.file).name
        return bool(name) and name != getattr(self, self.picture_fields.loaded, None)


class LibraryImage(PictureModel):
    """A picture uploaded once and shown in section bodies and FAQ answers.

    Editors write ``![description](image:NUMBER)`` in a paragraph of its own; saving
    the section renders it as a ``<figure>`` (``render_body``). An empty description
    there means this image's ``alt``.
    """

    file = models.ImageField(
        _("picture"),
        upload_to=library_upload_name,
        width_field="width",
        height_field="height",
        help_text=_("JPEG, PNG or WebP. Resized copies are made for phones and screens."),
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Resized copies, written by articles/renditions.py when the picture changes.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    alt = models.CharField(
        _("description (alt text)"),
        max_length=250,
        blank=True,
        help_text=_(
            "What the picture shows, for people who cannot see it. An article can say "
            "it differently: ![its own description](image:NUMBER). Publishing needs "
            "one or the other."
        ),
    )
    caption = models.CharField(
        _("caption"),
        max_length=300,
        blank=True,
        help_text=_("Optional text shown under the picture, for everyone."),
    )
    credit = models.CharField(
        _("credit"),
        max_length=200,
        blank=True,
        help_text=_("Who made the picture and its licence, e.g. “Photo: Jane Doe, CC BY 4.0”."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    picture_fields = LIBRARY_FIELDS

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("library image")
        verbose_name_plural = _("image library")

    def __str__(self):
        text = self.alt or self.caption
        return Truncator(text).chars(60) if text else _("Image %(number)s") % {"number": self.pk}

    @property
    def snippet(self):
        """What an editor writes in a body to show this picture."""
        return f"![](image:{self.pk})"

    @property
    def picture(self):
        """The ``<picture>`` sources (a ``Picture``), or None without renditions."""
        return Picture.from_record(self.renditions)

    def figure_html(self, alt=""):
        """The ``<figure>`` markup of this picture, described by ``alt`` or its own alt."""
        return render_to_string(
            FIGURE_TEMPLATE, {"image": self, "picture": self.picture, "alt": alt or self.alt}
        )


def render_body(text):
    """Sanitised HTML of a section body or FAQ answer, with library pictures as
    ``<figure>``s (one query when the text has any, none otherwise).

    The one rendering of body Markdown: saving, re-rendering after a library image
    changes, and any preview use it.
    """
    ids = {reference.image_id for reference in image_references(text) if reference.image_id}
    if not ids:
        return render_markdown(text)
    images = LibraryImage.objects.in_bulk(ids)

    def figure(reference):
        image = images.get(reference.image_id)
        return image.figure_html(alt=reference.alt) if image else None

    return render_markdown(text, figure=figure)


def image_error(reference, message, code):
    target = Truncator(reference.target).chars(60)
    return ValidationError(
        message,
        code=code,
        params={"line": reference.line, "target": target, "id": reference.image_id},
    )


def validate_library_images(text):
    """Refuse Markdown images that are not library pictures in a paragraph of their own.

    Each error has ``params["line"]``, the line in ``text`` (the importer reports the
    file's line from it).
    """
    references = image_references(text)
    ids = {reference.image_id for reference in references if reference.image_id}
    known = (
        set(LibraryImage.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    errors = []
    for reference in references:
        if reference.image_id is None:
            message = _(
                "Line %(line)s: the picture “%(target)s” is not in the image library. "
                "Upload it under Articles › Image library, then write "
                "![description](image:NUMBER) with its number."
            )
            errors.append(image_error(reference, message, "foreign_image"))
        elif reference.image_id not in known:
            message = _("Line %(line)s: there is no picture number %(id)s in the image library.")
            errors.append(image_error(reference, message, "unknown_image"))
        elif not reference.is_alone:
            message = _(
                "Line %(line)s: put the picture %(target)s in a paragraph of its own, "
                "with an empty line before and after it."
            )
            errors.append(image_error(reference, message, "image_not_alone"))
    if errors:
        raise ValidationError(errors)


def validate_no_images(text):
    """Refuse any Markdown image (the references list shows none)."""
    errors = [
        image_error(
            reference,
            _("Line %(line)s: references cannot show pictures; put “%(target)s” in a section."),
            "image_in_references",
        )
        for reference in image_references(text)
    ]
    if errors:
        raise ValidationError(errors)


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see: published, with a publication time not in the
        future and no unpublication time in the past (at ``now``, the current time
        unless given)."""
        now = now or timezone.now()
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now).exclude(
            unpublish_at__lte=now
        )

    def newest_first(self):
        """Order by publication time. Explicit, because Meta.ordering does not apply
        to queries with aggregates (the comment count)."""
        return self.order_by("-published_at", "-pk")

    def featured(self):
        """Articles editors chose for the home page."""
        return self.filter(is_featured=True)

    def scheduled(self, now=None):
        """Articles set to go public after ``now``, soonest first."""
        return self.filter(
            status=Article.Status.PUBLISHED, published_at__gt=now or timezone.now()
        ).order_by("published_at")

    def expired(self, now=None):
        """Published articles whose unpublication time has passed at ``now``."""
        return self.filter(status=Article.Status.PUBLISHED, unpublish_at__lte=now or timezone.now())

    def next_visibility_change(self, now=None):
        """When the next article goes public or stops being public, or None (one
        query)."""
        now = now or timezone.now()
        times = self.filter(status=Article.Status.PUBLISHED).aggregate(
            publish=Min("published_at", filter=Q(published_at__gt=now)),
            unpublish=Min("unpublish_at", filter=Q(unpublish_at__gt=now)),
        )
        return min((time for time in times.values() if time), default=None)

    def for_cards(self):
        """Only what an article card shows: none of the long text."""
        return self.defer(
            "search_vector", "references", "references_html", "outline_html", "faq_entries"
        )

    def for_page(self):
        """What the article page shows: everything but the full-text document (about
        20 KB for a long article), which is for search queries in PostgreSQL, with
        the medical reviewer in the same query."""
        return self.select_related("reviewer").defer(
            "search_vector", "reviewer__bio", "reviewer__bio_html"
        )

    def review_overdue(self, today=None):
        """Articles whose next medical review was due before ``today`` (the site's
        date unless given); they stay public."""
        return self.filter(next_review_due__lt=today or timezone.localdate())

    def review_due_soon(self, today=None, days=REVIEW_SOON_DAYS):
        """Articles whose next medical review falls due from ``today`` to ``days``
        later."""
        today = today or timezone.localdate()
        return self.filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days=days)
        )

    def never_reviewed(self):
        """Articles without a medical review date."""
        return self.filter(reviewed_on=None)

    def drafts(self):
        return self.filter(status=Article.Status.DRAFT)

    def with_seo_title(self, title):
        """Articles whose title for search engines (the SEO title, or else the title)
        is ``title``, in any case."""
        title = title.strip()
        return self.filter(Q(seo_title__iexact=title) | Q(seo_title="", title__iexact=title))

    def renamed_from(self, old_slug):
        """Articles that were reachable at ``old_slug`` before a slug change."""
        return self.filter(slug_redirects__old_slug=old_slug)


# Published articles (the rule of ArticleQuerySet.published) sharing topics with one
# article, with the columns an article card shows; any other is loaded if asked for.
RELATED_ARTICLES_SQL = """
    SELECT article.id, article.title, article.slug, article.summary, article.published_at,
           article.comment_count, article.topic_rows, COUNT(*) AS shared_topics
    FROM articles_article AS article
    JOIN articles_article_topics AS link ON link.article_id = article.id
    WHERE link.topic_id = ANY(%s) AND article.id <> %s
      AND article.status = %s AND article.published_at <= %s
      AND (article.unpublish_at IS NULL OR article.unpublish_at > %s)
    GROUP BY article.id
    ORDER BY shared_topics DESC, article.published_at DESC, article.id DESC
    LIMIT %s
"""


# One revision holds the article with its sections and FAQs (topics are among its
# fields). Left out: the full-text document and the rendered outline, large and
# derived, which the database and Article.refresh_outline() rebuild after a restore.
@register_revisions(follow=["sections", "faqs"], exclude=["search_vector", "outline_html"])
class Article(PictureModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The article's address: lowercase words joined by hyphens."),
    )
    summary = models.TextField(
        _("summary"),
        max_length=500,
        help_text=_("One or two plain sentences shown under the title and in lists."),
    )
    hero_image = models.ImageField(
        _("hero image"),
        upload_to=hero_upload_name,
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
        help_text=_("Optional picture shown under the title (JPEG, PNG or WebP)."),
    )
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_alt = models.CharField(
        _("hero image description"),
        max_length=250,
        blank=True,
        help_text=_(
            "What the picture shows, for people who cannot see it. "
            "Required when there is a picture."
        ),
    )
    # Resized copies of the hero image, written by articles/renditions.py when the
    # picture changes, so that pages render <picture> without touching the files.
    hero_renditions = models.JSONField(default=dict, blank=True, editable=False)
    author = models.CharField(
        _("author"), max_length=150, help_text=_("Name (and credentials) as shown.")
    )
    reviewer = models.ForeignKey(
        Reviewer,
        verbose_name=_("medical reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text=_("The clinician who checked the article's medical content."),
    )
    # Moved only by "Mark as reviewed" (articles/reviews.py), never by an ordinary
    # edit: a review date says a clinician checked the whole article then.
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    review_period_months = models.PositiveSmallIntegerField(
        _("review every (months)"),
        default=DEFAULT_REVIEW_PERIOD_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "When the article is marked as reviewed, its next review falls due this many "
            "months later."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers see the article from this time on. "
            "Left empty, it is set when the article is first published."
        ),
    )
    unpublish_at = models.DateTimeField(
        _("unpublication time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers no longer see the article from this time on (for a time-limited "
            "notice or an article due to be replaced). Leave empty to keep it public."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Show on the home page.")
    )
    allows_comments = models.BooleanField(
        _("comments open"),
        default=True,
        help_text=_("Readers may leave a reply under the article."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), related_name="articles", blank=True
    )
    references = models.TextField(
        _("references"),
        blank=True,
        help_text=_("Markdown list of sources: title, publisher and year."),
        validators=[validate_no_images],
    )
    references_html = models.TextField(editable=False, default="")
    seo_title = models.CharField(
        _("title for search engines"),
        max_length=70,
        blank=True,
        help_text=_("Shown in search results and browser tabs. Defaults to the title."),
    )
    # Weighted full-text document (title > headings and questions > text), kept
    # current by PostgreSQL triggers on articles, sections and FAQs (migration 0003),
    # whatever writes them: the admin, the importer, code or SQL.
    search_vector = SearchVectorField(null=True, editable=False)
    # Stored copies of what other rows hold, so that pages and cards need no joins or
    # subqueries: refresh_outline() writes the first three after sections or FAQs
    # change (a trigger blanks outline_html when they do, migration 0007),
    # refresh_topic_rows() the topics, and the comments app the comment count.
    # `manage.py refresh_articles` and `manage.py recount_comments` recompute them.
    outline_html = models.TextField(editable=False, default="")
    faq_entries = models.JSONField(editable=False, default=list)
    reading_minutes = models.PositiveIntegerField(editable=False, default=1)
    topic_rows = models.JSONField(editable=False, default=list)
    comment_count = models.PositiveIntegerField(
        _("comments"), editable=False, default=0, help_text=_("Comments readers can see.")
    )
    meta_description = models.CharField(
        _("description for search engines"),
        max_length=160,
        blank=True,
        help_text=_("Shown under the link in search results. Defaults to the summary."),
    )

    objects = ArticleQuerySet.as_manager()
    picture_fields = HERO_FIELDS

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("mark_reviewed", _("Can mark articles as medically reviewed"))]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_listing"),
            models.Index(fields=["next_review_due"], name="article_review_due"),
            GinIndex(fields=["search_vector"], name="article_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]),
                name="article_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(hero_image="") | ~Q(hero_alt=""),
                name="article_hero_image_has_alt",
                violation_error_message=_("Describe the hero image for people who cannot see it."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(unpublish_at__isnull=True)
                | Q(published_at__isnull=True)
                | Q(unpublish_at__gt=F("published_at")),
                name="article_unpublished_after_published",
                violation_error_message=_(
                    "The unpublication time must come after the publication time."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.fill_publication_time()
        if self.reviewed_on and not self.next_review_due:
            self.next_review_due = self.review_due_after(self.reviewed_on)
        self.references_html = render_markdown(self.references)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def review_due_after(self, reviewed_on):
        """When the review after one made on ``reviewed_on`` falls due."""
        return add_months(reviewed_on, self.review_period_months)

    @property
    def ordered_topics(self):
        """The article's topics in name order, from ``topic_rows`` (no query)."""
        # The article page asks five times (tags, breadcrumbs, JSON-LD, related
        # articles): make the instances once per fetched rows.
        rows = self.topic_rows
        return self._made_from(
            rows,
            lambda: [Topic(id=row["id"], name=row["name"], slug=row["slug"]) for row in rows],
            name="ordered_topics",
        )

    def related_articles(self, count=3):
        """Up to ``count`` published articles sharing this one's topics, those sharing
        most first, with the columns an article card shows."""
        topic_ids = [topic.pk for topic in self.ordered_topics]
        if not topic_ids:
            return []
        now = timezone.now()
        # Raw SQL: building and compiling this grouped query through the ORM cost more
        # CPU than the rest of the related cards together (docs/benchmarks.md).
        return list(
            Article.objects.raw(
                RELATED_ARTICLES_SQL,
                [topic_ids, self.pk, Article.Status.PUBLISHED, now, now, count],
            )
        )

    @staticmethod
    def rows_of_topics(topics):
        """``topic_rows`` for a queryset of topics."""
        return [
            {"id": topic.pk, "name": topic.name, "slug": topic.slug}
            for topic in topics.order_by("name", "pk")
        ]

    def refresh_topic_rows(self):
        """Store the article's topics in ``topic_rows`` after they changed."""
        self.topic_rows = self.rows_of_topics(self.topics.all())
        Article.objects.filter(pk=self.pk).update(topic_rows=self.topic_rows)

    def render_outline(self, sections=None, faqs=None):
        """Render the table of contents, sections and FAQs into ``outline_html`` (with
        ``faq_entries`` and ``reading_minutes``), without saving.

        From the stored sections and FAQs, or from ``sections`` and ``faqs`` when given
        (in-memory rows with their HTML rendered, such as a preview of unsaved changes).
        """
        if sections is None:
            sections = list(self.sections.all())
        if faqs is None:
            faqs = list(self.faqs.all())
        self.outline_html = render_to_string(
            OUTLINE_TEMPLATE, {"article": self, "sections": sections, "faqs": faqs}
        )
        self.faq_entries = faq_entries(faqs)
        self.reading_minutes = self.count_reading_minutes(sections, faqs)

    def refresh_outline(self):
        """Render the outline and store it in the row.

        Called after sections or FAQs change (the admin, the importer); the page then
        shows the stored markup without fetching them.
        """
        self.render_outline()
        Article.objects.filter(pk=self.pk).update(
            outline_html=self.outline_html,
            faq_entries=self.faq_entries,
            reading_minutes=self.reading_minutes,
        )

    def refresh_readable_text(self):
        """Store the readable text of the article's sections and FAQs again where it
        does not match their stored HTML: a restored revision may be older than the
        text (django-reversion writes rows without calling ``save()``)."""
        for model, html_field, text_field in (
            (Section, "body_html", "body_text"),
            (FAQ, "answer_html", "answer_text"),
        ):
            for row in model.objects.filter(article=self).only("pk", html_field, text_field):
                text = readable_text(getattr(row, html_field))
                if text != getattr(row, text_field):
                    model.objects.filter(pk=row.pk).update(**{text_field: text})

    @property
    def hero_picture(self):
        """The hero's ``<picture>`` sources (a ``Picture``), or None without renditions."""
        # The article page asks three times (the <picture>, the link preview and the
        # JSON-LD), and each build makes a dozen media URLs: keep it while the record
        # is the same object (saving a new picture assigns a new record).
        record = self.hero_renditions
        return self._made_from(record, lambda: Picture.from_record(record), name="hero_picture")

    def _made_from(self, source, make, *, name):
        """``make()``, kept on the instance under ``name`` for as long as ``source`` is
        the same object (reassigning the field or fetching again makes it anew)."""
        kept = self.__dict__.get(f"_made_{name}")
        if kept is None or kept[0] is not source:
            kept = self.__dict__[f"_made_{name}"] = (source, make())
        return kept[1]

    @property
    def hero_share_image(self):
        """URL, width and height of the hero for link previews and structured data.

        The largest JPEG/PNG rendition (what every crawler reads, upright and without
        the original's metadata, such as where a photo was taken), else the original.
        """
        picture = self.hero_picture
        if picture:
            return {"url": picture.largest_src, "width": picture.width, "height": picture.height}
        return {"url": self.hero_image.url, "width": self.hero_width, "height": self.hero_height}

    def clean(self):
        # Before constraints are validated: "published" with no time means now.
        self.fill_publication_time()
        errors = {}
        if self.hero_image and not self.hero_alt.strip():
            message = _("Describe the hero image for people who cannot see it.")
            errors["hero_alt"] = [ValidationError(message, code="hero_alt_required")]
        # Public or scheduled: what a medical publisher requires of the article itself
        # (its sections and FAQs are checked where they are edited: admin inlines,
        # importer). A draft can always be saved.
        if self.status == self.Status.PUBLISHED:
            for problem in article_problems(self, seo_title_taken=self.seo_title_is_taken()):
                errors.setdefault(problem.field or NON_FIELD_ERRORS, []).append(
                    ValidationError(problem.message, code=problem.code)
                )
        if errors:
            raise ValidationError(errors)

    def seo_title_is_taken(self):
        """Whether another published or scheduled article has the same title for
        search engines (drafts may share one until they are published)."""
        title = self.seo_title.strip() or self.title.strip()
        return (
            Article.objects.filter(status=self.Status.PUBLISHED)
            .with_seo_title(title)
            .exclude(pk=self.pk)
            .exists()
        )

    def fill_publication_time(self):
        """Set ``published_at`` to now when publishing without a time."""
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def publication_state(self):
        """Where the article stands for readers now: one of PublicationState."""
        now = timezone.now()
        if self.status != self.Status.PUBLISHED or self.published_at is None:
            return PublicationState.DRAFT
        if self.published_at > now:
            return PublicationState.SCHEDULED
        if self.unpublish_at is not None and self.unpublish_at <= now:
            return PublicationState.EXPIRED
        return PublicationState.PUBLISHED

    @property
    def is_published(self):
        return self.publication_state == PublicationState.PUBLISHED

    @property
    def title_for_search_engines(self):
        return self.seo_title or self.title

    @property
    def description_for_search_engines(self):
        return self.meta_description or self.summary

    @property
    def was_updated_after_publication(self):
        """True when the article changed more than a day after it went public here.

        An article imported with an earlier publication date counts from its import.
        """
        if not self.published_at:
            return False
        went_public = max(self.published_at, self.created_at)
        return self.updated_at - went_public > timezone.timedelta(days=1)

    def count_reading_minutes(self, sections, faqs):
        """Estimated reading time in whole minutes."""
        words = count_words(self.summary)
        words += sum(section.word_count for section in sections)
        words += sum(count_words(faq.question + " " + faq.answer) for faq in faqs)
        return max(1, math.ceil(words / WORDS_READ_PER_MINUTE))


class ArticleSlugRedirect(models.Model):
    """A slug an article used to have; its old address answers 301 to the current one.

    Rows are written by PostgreSQL (a trigger from migration 0004) whenever an
    article's slug changes, whatever changed it: the admin, the importer, code or
    SQL. The trigger also drops the row whose slug becomes live again, so an article
    can go back to an old slug and a new article can take a retired one.
    """

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="slug_redirects",
    )
    old_slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("old article address")
        verbose_name_plural = _("old article addresses")

    def __str__(self):
        return f"{self.old_slug} → {self.article.slug}"

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.old_slug})


class ArticleFeedbackQuerySet(models.QuerySet):
    def received_since(self, when):
        """Feedback received at or after ``when`` (all of it when None)."""
        return self if when is None else self.filter(created_at__gte=when)


class ArticleFeedback(models.Model):
    """A reader's answer to "Was this article helpful?", with an optional private
    note for the editors.

    Nothing says who sent it: no address, browser, cookie or account is stored, so
    there is nothing personal to keep, export or erase beyond what a reader typed
    into the note despite the form asking them not to.
    """

    NOTE_MAX_LENGTH = 1000

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback"
    )
    is_helpful = models.BooleanField(
        _("helpful"), help_text=_("The reader's answer: Yes (helpful) or No.")
    )
    note = models.TextField(
        _("private note"),
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("What the reader wrote for the editors. Never published."),
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    objects = ArticleFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reader feedback")
        verbose_name_plural = _("reader feedback")
        indexes = [models.Index(fields=["article", "created_at"], name="feedback_article_time")]

    def __str__(self):
        answer = _("helpful") if self.is_helpful else _("not helpful")
        return f"{answer}: {self.article}"


class ArticleFeedbackSummary(Article):
    """Articles as the feedback admin counts them (yes, no, share helpful): a proxy,
    so the counts get an admin list of their own beside the articles'."""

    class Meta:
        proxy = True
        verbose_name = _("feedback by article")
        verbose_name_plural = _("feedback by article")


class OrderedChild(models.Model):
    """Base for rows shown in order under an article (sections and FAQs)."""

    class Meta:
        abstract = True

    def get_constraints(self):
        # Deferred constraints are checked by PostgreSQL at commit. Checking them
        # row by row beforehand would reject valid reorders (two rows swapping
        # positions in one save); formsets and the importer check the whole set.
        return [
            (model, [c for c in constraints if getattr(c, "deferrable", None) is None])
            for model, constraints in super().get_constraints()
        ]


def unique_slug(text, taken, *, fallback, length=140):
    """A slug made from ``text`` that is not in ``taken`` (numbered if it is)."""
    base = slugify(text)[:length].strip("-") or fallback
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


def unique_anchor(heading, taken):
    """Return a slug for ``heading`` that is not in ``taken`` nor a reserved page id."""
    base = slugify(heading)[:70].strip("-") or "section"
    if base in RESERVED_ANCHORS:
        base = f"{base}-section"
    anchor, number = base, 2
    while anchor in taken:
        anchor = f"{base}-{number}"
        number += 1
    return anchor


@register_revisions
class Section(OrderedChild):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Sections are shown in this order, lowest first.")
    )
    heading = models.CharField(_("heading"), max_length=200)
    anchor = models.SlugField(
        _("anchor"),
        max_length=80,
        blank=True,
        help_text=_(
            "The #link to this section. Left empty, it is made from the heading; "
            "once set it stays, so links keep working when the heading changes."
        ),
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown. Use ### for sub-headings. A picture from the image library: "
            "![description](image:NUMBER) in a paragraph of its own."
        ),
        validators=[validate_library_images],
    )
    body_html = models.TextField(editable=False, default="")
    # What readers read of the body, without markup or pictures: search snippets and
    # "Did you mean" words come from it, never from the Markdown source.
    body_text = models.TextField(editable=False, default="")
    word_count = models.PositiveIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            # Deferred to the end of the transaction so that two sections can swap
            # positions in one admin save without tripping the constraint.
            models.UniqueConstraint(
                fields=["article", "position"],
                name="section_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=["article", "anchor"],
                name="section_unique_anchor",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(condition=~Q(anchor=""), name="section_anchor_not_empty"),
        ]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        if not self.anchor:
            siblings = Section.objects.filter(article_id=self.article_id).exclude(pk=self.pk)
            self.anchor = unique_anchor(
                self.heading, set(siblings.values_list("anchor", flat=True))
            )
        self.render_body()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=exclude)
        if self.anchor in RESERVED_ANCHORS:
            message = _("This anchor is used by the page itself; choose another.")
            raise ValidationError({"anchor": ValidationError(message, code="reserved_anchor")})

    def render_body(self):
        """Fill ``body_html``, ``body_text`` and ``word_count`` from the Markdown,
        without saving."""
        self.body_html = render_body(self.body)
        self.body_text = readable_text(self.body_html)
        self.word_count = count_words(self.heading + " " + self.body)

    @property
    def is_long(self):
        """Whether the section ends with a "Back to top" link (heading included)."""
        return self.word_count >= BACK_TO_TOP_MIN_WORDS


@register_revisions
class FAQ(OrderedChild):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="faqs"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Questions are shown in this order, lowest first.")
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(
        _("answer"),
        help_text=_(
            "Markdown, two to four sentences. A picture from the image library: "
            "![description](image:NUMBER) in a paragraph of its own."
        ),
        validators=[validate_library_images],
    )
    answer_html = models.TextField(editable=False, default="")
    # The answer as readers read it, for search (see Section.body_text).
    answer_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["position"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQs")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"],
                name="faq_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        self.render_answer()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        # A question not saved yet (in a preview) has no id: its position is unique
        # among the rows of one form.
        return f"faq-{self.pk}" if self.pk else f"faq-new-{self.position}"

    def render_answer(self):
        """Fill ``answer_html`` and ``answer_text`` from the Markdown, without saving."""
        self.answer_html = render_body(self.answer)
        self.answer_text = readable_text(self.answer_html)


class PreviewLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Links that open the preview at ``now``: not withdrawn, not expired."""
        return self.filter(revoked_at=None, expires_at__gt=now or timezone.now())


class PreviewLink(models.Model):
    """A signed address showing the latest saved version of an article to someone
    without an account, until it expires or an editor withdraws it.

    The token in the address holds the link's id and expiry time, signed with the
    secret key: it cannot be guessed or stretched, and the row can still end it early.
    """

    # The token's own salt: no other signed value of the site can pass for a link.
    SIGNING_SALT = "articles.preview-link"

    class Lifetime(models.IntegerChoices):
        ONE_DAY = 1, _("1 day")
        THREE_DAYS = 3, _("3 days")
        SEVEN_DAYS = 7, _("7 days")
        FOURTEEN_DAYS = 14, _("14 days")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Invalid(Exception):
        """The token was not made by this site (mistyped, cut short or tampered with)."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("shared"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("expires"), help_text=_("The link stops working at this time.")
    )
    revoked_at = models.DateTimeField(
        _("withdrawn"),
        null=True,
        blank=True,
        help_text=_("When an editor withdrew the link, if they did."),
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="preview_link_expires_after_creation",
            ),
        ]

    def __str__(self):
        return _("Preview link to “%(article)s”") % {"article": self.article}

    def get_absolute_url(self):
        return reverse("articles:shared_preview", kwargs={"token": self.token})

    @classmethod
    def share(cls, *, article, user, days=Lifetime.SEVEN_DAYS):
        """Create and return a link to ``article`` working for ``days`` days from now."""
        now = timezone.now()
        return cls.objects.create(
            article=article, created_by=user, created_at=now, expires_at=now + timedelta(days=days)
        )

    @property
    def token(self):
        """The signed part of the link's address."""
        signer = signing.Signer(salt=self.SIGNING_SALT)
        return signer.sign_object({"link": self.pk, "until": int(self.expires_at.timestamp())})

    @classmethod
    def from_token(cls, token, *, now=None):
        """The link ``token`` names, whatever its state, or raise ``PreviewLink.Invalid``
        (not signed by this site, or no such link any more). A token whose signed
        expiry has passed comes back expired even if the row were changed."""
        try:
            data = signing.Signer(salt=cls.SIGNING_SALT).unsign_object(token)
            link_id, until = int(data["link"]), int(data["until"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
            raise cls.Invalid from error
        link = cls.objects.filter(pk=link_id).first()
        if link is None:
            raise cls.Invalid
        signed_expiry = datetime.fromtimestamp(until, tz=UTC)
        link.expires_at = min(link.expires_at, signed_expiry)
        return link

    def state(self, now=None):
        """Active, Expired or Withdrawn at ``now``."""
        if self.revoked_at is not None:
            return self.State.WITHDRAWN
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def is_usable(self):
        return self.state() == self.State.ACTIVE

    def revoke(self):
        """Withdraw the link now (a link already withdrawn keeps its time)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class LanguageGuidanceQuerySet(models.QuerySet):
    def active(self):
        """The entries the content checks use."""
        return self.filter(is_active=True)


class LanguageGuidance(models.Model):
    """A word or phrase that stigmatises people who use drugs, and what to write
    instead: the editable list the advisory content checks read."""

    term = models.CharField(
        _("word or phrase"),
        max_length=80,
        unique=True,
        help_text=_(
            'Found as whole words, in any case, and in the plural ("addict" also finds "Addicts").'
        ),
    )
    suggestion = models.CharField(
        _("suggested wording"),
        max_length=200,
        help_text=_('What to write instead, e.g. "person with a substance use disorder".'),
    )
    explanation = models.CharField(
        _("why"),
        max_length=300,
        blank=True,
        help_text=_("One short sentence shown with the suggestion."),
    )
    context_words = models.CharField(
        _("only near these words"),
        max_length=300,
        blank=True,
        help_text=_(
            "Optional, separated by commas: the term is flagged only when one of these "
            "words is within four words of it in the same sentence; a word also matches "
            'longer ones it starts ("test" matches "tested"). For example "clean" '
            'near "test, urine, screen", so that "clean needles" is not flagged.'
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to stop checking this term.")
    )

    objects = LanguageGuidanceQuerySet.as_manager()

    class Meta:
        ordering = ["term"]
        verbose_name = _("language guidance")
        verbose_name_plural = _("language guidance")

    def __str__(self):
        return self.term


class AllowedPhrase(models.Model):
    """A name or phrase the language check leaves alone, though it contains a listed
    word (\"National Institute on Drug Abuse\", \"Narcotics Anonymous\")."""

    phrase = models.CharField(
        _("name or phrase"),
        max_length=150,
        unique=True,
        help_text=_("Matched as whole words, in any case."),
    )

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("allowed name or phrase")
        verbose_name_plural = _("allowed names and phrases")

    def __str__(self):
        return self.phrase


# Words of a synonym term or a query, compared: case, accents of the same letter and
# a final plural "s" aside ("Opioid Use Disorders" is "opioid use disorder").
SYNONYM_WORD = re.compile(r"\w+")


def synonym_key(text):
    """The words of ``text`` as synonym terms are compared: a tuple, empty when
    ``text`` has none."""
    words = SYNONYM_WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return tuple(
        word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        for word in words
    )


def split_terms(text):
    """The terms written in ``text`` (one a line or separated by commas), spaces
    tidied, each once, in order."""
    terms = {}
    for part in re.split(r"[,\n]", text or ""):
        term = " ".join(part.split())
        if synonym_key(term):
            terms.setdefault(synonym_key(term), term)
    return list(terms.values())


class SearchSynonymQuerySet(models.QuerySet):
    def term_lists(self):
        """Every group's terms, as lists of strings (what site search caches)."""
        return [split_terms(terms) for terms in self.order_by("pk").values_list("terms", flat=True)]


class SearchSynonym(models.Model):
    """Words and phrases readers use for the same thing: a search for one of them
    finds articles using any of them ("Suboxone" finds buprenorphine)."""

    MAX_TERM_WORDS = 6

    terms = models.TextField(
        _("terms"),
        help_text=_(
            "Two or more words or phrases that mean the same thing, one per line or "
            "separated by commas, e.g. “buprenorphine, Suboxone, Subutex”. A search for "
            "any of them finds all of them. Only add true equivalents: a search for a "
            "broader or a different thing should not widen to this group."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SearchSynonymQuerySet.as_manager()

    class Meta:
        ordering = ["terms"]
        verbose_name = _("search synonym group")
        verbose_name_plural = _("search synonyms")

    def __str__(self):
        return " / ".join(self.term_list)

    def get_absolute_url(self):
        # The site's search for the group's first term: what it finds is what readers
        # get for any of them.
        return f"{reverse('articles:search')}?{urlencode({'q': self.term_list[0]})}"

    @property
    def term_list(self):
        return split_terms(self.terms)

    def clean(self):
        terms = self.term_list
        errors = []
        if len(terms) < 2:
            message = _("Write at least two different terms, one per line or separated by commas.")
            errors.append(ValidationError(message, code="too_few_terms"))
        for term in terms:
            if len(synonym_key(term)) > self.MAX_TERM_WORDS:
                message = _("“%(term)s” is too long: a term has at most %(count)s words.")
                errors.append(
                    ValidationError(
                        message,
                        code="term_too_long",
                        params={"term": term, "count": self.MAX_TERM_WORDS},
                    )
                )
        keys = {synonym_key(term): term for term in terms}
        for other in SearchSynonym.objects.exclude(pk=self.pk):
            for term in other.term_list:
                if synonym_key(term) in keys:
                    message = _(
                        "“%(term)s” is already in the group “%(group)s”: a term can be in "
                        "one group only. Add the other terms to that group instead."
                    )
                    errors.append(
                        ValidationError(
                            message,
                            code="term_in_other_group",
                            params={"term": keys[synonym_key(term)], "group": other},
                        )
                    )
        if errors:
            raise ValidationError({"terms": errors})
        self.terms = "\n".join(terms)
