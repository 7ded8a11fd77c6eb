"""Articles: long medical-education pages made of ordered sections and an FAQ list."""

import math

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .content_checks import article_problems
from .markdown import count_words, render_markdown
from .renditions import HeroPicture, hero_upload_name, refresh_hero_renditions
from .structured_data import faq_entries

WORDS_READ_PER_MINUTE = 220
OUTLINE_TEMPLATE = "articles/includes/article_outline.html"

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
        """Annotate ``article_count``: how many published articles carry each topic."""
        published = Article.objects.published()
        return self.annotate(article_count=Count("articles", filter=Q(articles__in=published)))


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


class PublicationState(models.TextChoices):
    """What readers see of an article now (its status and times together)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")


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
        20 KB for a long article), which is for search queries in PostgreSQL."""
        return self.defer("search_vector")

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


class Article(models.Model):
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
    reviewer = models.CharField(
        _("medical reviewer"),
        max_length=150,
        blank=True,
        help_text=_("The clinician who checked the article's medical content."),
    )
    reviewed_on = models.DateField(_("last medical review"), null=True, blank=True)
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

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_listing"),
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
        self.references_html = render_markdown(self.references)
        refresh_hero_renditions(self, is_new_upload=self.has_new_hero_upload)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "hero_image" in update_fields:
            kwargs["update_fields"] = {*update_fields, "hero_renditions"}
        super().save(*args, **kwargs)
        self.loaded_hero_name = self.hero_image.name

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        # Remember the stored picture's name, as Django's docs show for tracking a
        # field's loaded value: a different one on save is a new upload.
        instance = super().from_db(db, field_names, values)
        if "hero_image" in field_names:
            instance.loaded_hero_name = values[field_names.index("hero_image")]
        return instance

    @property
    def has_new_hero_upload(self):
        """Whether ``hero_image`` holds a picture not stored yet (assigned since loading)."""
        name = self.hero_image.name
        return bool(name) and name != getattr(self, "loaded_hero_name", None)

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

    def refresh_topic_rows(self):
        """Store the article's topics in ``topic_rows`` after they changed."""
        self.topic_rows = [
            {"id": topic.pk, "name": topic.name, "slug": topic.slug}
            for topic in self.topics.order_by("name", "pk")
        ]
        Article.objects.filter(pk=self.pk).update(topic_rows=self.topic_rows)

    def render_outline(self):
        """Render the table of contents, sections and FAQs into ``outline_html`` (with
        ``faq_entries`` and ``reading_minutes``), without saving."""
        sections, faqs = list(self.sections.all()), list(self.faqs.all())
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

    @property
    def hero_picture(self):
        """The hero's ``<picture>`` sources (a ``HeroPicture``), or None without renditions."""
        # The article page asks three times (the <picture>, the link preview and the
        # JSON-LD), and each build makes a dozen media URLs: keep it while the record
        # is the same object (saving a new picture assigns a new record).
        record = self.hero_renditions
        return self._made_from(record, lambda: HeroPicture.from_record(record), name="hero_picture")

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
                errors.setdefault(problem.field, []).append(
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
    body = models.TextField(_("body"), help_text=_("Markdown. Use ### for sub-headings."))
    body_html = models.TextField(editable=False, default="")
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
        self.body_html = render_markdown(self.body)
        self.word_count = count_words(self.heading + " " + self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=exclude)
        if self.anchor in RESERVED_ANCHORS:
            message = _("This anchor is used by the page itself; choose another.")
            raise ValidationError({"anchor": ValidationError(message, code="reserved_anchor")})


class FAQ(OrderedChild):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="faqs"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Questions are shown in this order, lowest first.")
    )
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), help_text=_("Markdown, two to four sentences."))
    answer_html = models.TextField(editable=False, default="")

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
        self.answer_html = render_markdown(self.answer)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"faq-{self.pk}"


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
