"""Site pages: About, Privacy notice, Contact and the like, written by editors in
Markdown and served at the site root (``/<slug>/``)."""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core import caching
from core.markdown import render_markdown

from . import placeholders
from .routes import is_taken


def render_page_body(text):
    """Sanitised HTML for a page's Markdown, placeholders kept as markers: a page's
    title is its only <h1>, so its own headings start at <h2>."""
    return render_markdown(placeholders.mark(text), top_heading=2)


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(is_published=True)

    def in_footer(self):
        """Published pages linked in every page's footer, in footer order."""
        return self.published().filter(show_in_footer=True).order_by("footer_position", "title")


class Page(models.Model):
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(
        _("address"),
        max_length=80,
        unique=True,
        help_text=_(
            "The page's address on the site: /address/. It may not be one the site "
            "already uses, such as articles, topics or search."
        ),
    )
    summary = models.CharField(
        _("summary"),
        max_length=200,
        help_text=_(
            "One or two sentences saying what the page is for: shown under the title in "
            "search results and by search engines and link previews."
        ),
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Markdown. Headings start at ## (the title is the page's only top heading). "
            "Placeholders such as {{ ip_retention_days }} show a value the site knows "
            "when the page is read; the list is in the README and in any error below."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Readers see the page only when this is ticked."),
    )
    show_in_footer = models.BooleanField(
        _("link in the footer"),
        default=False,
        help_text=_("A published page with this ticked is linked at the foot of every page."),
    )
    footer_position = models.PositiveSmallIntegerField(
        _("footer position"),
        default=0,
        help_text=_("Footer links are in this order, lowest first (then by title)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["footer_position", "title"]
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")
        indexes = [
            models.Index(
                fields=["footer_position", "title"],
                condition=models.Q(is_published=True, show_in_footer=True),
                name="page_footer",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_page_body(self.body)
        super().save(*args, **kwargs)
        # The footer of every page lists the pages.
        caching.bump(caching.CONTENT)
        forget_footer_links()

    def get_absolute_url(self):
        return reverse("pages:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.slug and is_taken(self.slug):
            errors["slug"] = ValidationError(
                _("The site already uses /%(slug)s/ for something else: choose another address."),
                code="reserved",
                params={"slug": self.slug},
            )
        problems = placeholders.problems(self.body)
        if problems:
            errors["body"] = [ValidationError(message, code="placeholder") for message in problems]
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        caching.bump(caching.CONTENT)
        forget_footer_links()
        return result

    def html(self):
        """The page's HTML with its placeholders' current values."""
        # body_html was sanitised by nh3 on save; fill() escapes every value it adds.
        return mark_safe(placeholders.fill(self.body_html, placeholders.current_values()))  # nosec B703 B308


# The footer's links, read on every page that is not served whole from the page cache.
FOOTER_KEY = f"{caching.PREFIX}:pages:footer"
FOOTER_SECONDS = 300


def footer_links():
    """The footer's pages as (title, url) pairs, from the cache unless that is the
    database (then one query, as for the site settings)."""
    use_cache = caching.cache_saves_queries()
    links = cache.get(FOOTER_KEY) if use_cache else None
    if links is None:
        try:
            links = [
                (page.title, page.get_absolute_url())
                for page in Page.objects.in_footer().only("title", "slug")
            ]
        except DatabaseError:
            # The error pages must render even when the database is down.
            return []
        if use_cache:
            cache.set(FOOTER_KEY, links, timeout=FOOTER_SECONDS)
    return links


def forget_footer_links():
    cache.delete(FOOTER_KEY)
    # Again after the commit: a process that read the old rows meanwhile may have
    # cached them.
    transaction.on_commit(lambda: cache.delete(FOOTER_KEY))
