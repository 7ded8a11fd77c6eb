"""Previews: an article as readers will see it, before they can.

Editors preview the saved version of an article and the unsaved changes of its change
form; a reviewer without an account opens a shared link (``PreviewLink``). All three
render the public article template, in memory: nothing here writes a row, and the
pages never go through the page cache or its fragments (see ``views.render_preview``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.markdown import render_markdown

from .content_checks import advisory_report, publishing_problems
from .library import described_image_ids
from .models import FAQ, AllowedPhrase, Article, LanguageGuidance, PublicationState, Section

CHECKS_TEMPLATE = "articles/includes/content_checks.html"


@dataclass
class PreviewBanner:
    """What the banner above a preview says: a headline, where the article stands,
    and notes (things the preview cannot show, advisory checks)."""

    headline: str
    state: str
    notes: list[str] = field(default_factory=list)
    expires_at: datetime | None = None
    # The content checks (``content_report``), shown to editors, not to a reviewer
    # holding a preview link.
    checks: dict | None = None

    @property
    def checks_html(self):
        """The content checks panel, the same template as the change form's."""
        return render_to_string(CHECKS_TEMPLATE, self.checks)


def local_time(when):
    return date_format(timezone.localtime(when), "DATETIME_FORMAT")


def banner_for(article, *, unsaved=False):
    """The banner of a preview of ``article`` (its unsaved changes if ``unsaved``)."""
    if unsaved:
        return PreviewBanner(
            headline=_("Preview: not published."),
            state=_("Unsaved changes: nothing shown here is saved or published yet."),
        )
    state = article.publication_state
    if state == PublicationState.SCHEDULED:
        text = _("Scheduled for %(time)s: readers cannot see it before then.") % {
            "time": local_time(article.published_at)
        }
    elif state == PublicationState.EXPIRED:
        text = _("Expired at %(time)s: readers no longer see it.") % {
            "time": local_time(article.unpublish_at)
        }
    elif state == PublicationState.PUBLISHED:
        return PreviewBanner(
            headline=_("Preview."), state=_("Published: readers see this version now.")
        )
    else:
        text = _("Draft: readers cannot see this article.")
    return PreviewBanner(headline=_("Preview: not published."), state=text)


def content_report(article, sections, faqs):
    """The content checks of ``article`` with these sections and FAQs (saved or
    not), for the change form and the editors' previews: ``required``, what stops it
    from being published, and ``parts``, the advice on each section and answer."""
    texts = [section.body for section in sections] + [faq.answer for faq in faqs]
    return {
        "required": publishing_problems(
            article,
            sections,
            faqs,
            seo_title_taken=article.seo_title_is_taken(),
            described_ids=described_image_ids(texts),
        ),
        "parts": advisory_report(
            sections,
            faqs,
            LanguageGuidance.objects.active(),
            AllowedPhrase.objects.values_list("phrase", flat=True),
        ),
    }


def prepare_for_preview(article, *, sections=None, faqs=None):
    """Fill in memory what a saved, published article would have, so the public
    template shows ``article`` as readers would see it if it went public now.

    The outline is rendered from ``sections`` and ``faqs`` when given (rows not saved,
    with their HTML rendered), else from the stored ones when it is not stored.
    """
    now = timezone.now()
    if article.published_at is None:
        article.published_at = now
    if article.created_at is None:
        article.created_at = now
    if article.updated_at is None:
        article.updated_at = now
    article.references_html = render_markdown(article.references)
    if sections is not None or faqs is not None:
        article.render_outline(sections or [], faqs or [])
    elif not article.outline_html:
        article.render_outline()
    return article


def rows_of(formset):
    """The rows a valid inline formset would leave, in memory and in position order:
    the changed and untouched ones, without rows marked for deletion or left blank."""
    rows = []
    for form in formset.forms:
        if form.instance.pk is None and not form.has_changed():
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        rows.append(form.instance)
    return sorted(rows, key=lambda row: row.position)


def article_with_changes(form, formsets, *, stored_hero):
    """The article of a valid admin form and its section and FAQ formsets, in memory,
    ready for the article template, and the banner saying these are unsaved changes.

    ``stored_hero`` is the hero image's (name, width, height) as stored: a new upload is
    not a file the site can show until it is saved, so the stored one is kept.
    """
    article = form.instance
    banner = banner_for(article, unsaved=True)
    if article.has_new_picture_upload:
        name, width, height = stored_hero
        article.hero_image = name
        article.hero_width, article.hero_height = width, height
        banner.notes.append(_("The new hero image is shown once the article is saved."))
    if "topics" in form.cleaned_data:
        article.topic_rows = Article.rows_of_topics(form.cleaned_data["topics"])
    # Rows of a kind the editor may not edit (no formset) are shown as stored.
    rows = {
        Section: list(article.sections.all()) if article.pk else [],
        FAQ: list(article.faqs.all()) if article.pk else [],
    }
    for formset in formsets:
        if formset.model in rows:
            rows[formset.model] = rows_of(formset)
            render = Section.render_body if formset.model is Section else FAQ.render_answer
            for row in rows[formset.model]:
                render(row)
    prepare_for_preview(article, sections=rows[Section], faqs=rows[FAQ])
    banner.checks = {**content_report(article, rows[Section], rows[FAQ]), "unsaved": True}
    return article, banner
