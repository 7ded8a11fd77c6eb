"""The article admin's previews and preview links, as a mixin of ``ArticleAdmin``.

- ``<id>/preview/``: GET shows the saved version; POST (the change form's "Preview"
  button) shows the form's unsaved changes; ``add/preview/`` does so for a new
  article. Nothing is written: the form and its inlines are validated, never saved.
- ``<id>/preview-links/`` and ``<id>/preview-links/withdraw/`` (POST): share a link for
  a reviewer without an account, or withdraw one. The change form lists the links.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import PreviewLink
from .previews import (
    article_with_changes,
    banner_for,
    content_report,
    local_time,
    prepare_for_preview,
)
from .views import render_preview

LINKS_TEMPLATE = "admin/articles/article/preview_links.html"
INVALID_TEMPLATE = "admin/articles/article/preview_invalid.html"


class PreviewLinkForm(forms.Form):
    """How long a new preview link works."""

    preview_link_days = forms.TypedChoiceField(
        label=gettext_lazy("Link works for"),
        choices=PreviewLink.Lifetime.choices,
        coerce=int,
        initial=PreviewLink.Lifetime.SEVEN_DAYS,
    )


class WithdrawPreviewLinkForm(forms.Form):
    """Which of the article's links to withdraw."""

    preview_link = forms.ModelChoiceField(queryset=PreviewLink.objects.none())

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preview_link"].queryset = article.preview_links.all()


def form_problems(form, formsets):
    """The errors of an admin form and its inline formsets, as (where, messages) pairs."""
    problems = []
    for name, errors in form.errors.items():
        where = form.fields[name].label if name in form.fields else _("Article")
        problems.append((where, errors))
    for formset in formsets:
        kind = formset.model._meta.verbose_name
        if formset.non_form_errors():
            problems.append(
                (capfirst(formset.model._meta.verbose_name_plural), formset.non_form_errors())
            )
        for number, errors in enumerate(formset.errors, start=1):
            for name, messages_ in errors.items():
                field = formset.forms[number - 1].fields.get(name)
                label = field.label if field and name != "__all__" else ""
                where = f"{capfirst(kind)} {number}" + (f": {label}" if label else "")
                problems.append((where, messages_))
    return problems


class ArticlePreviewAdminMixin:
    """Preview buttons and views, "View on site" for articles readers cannot see yet,
    and the list of preview links on the change form."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "add/preview/",
                wrap(self.preview_changes_view),
                name="{}_{}_preview_new".format(*info),
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "<path:object_id>/preview-links/",
                wrap(self.share_preview_view),
                name="{}_{}_share_preview".format(*info),
            ),
            path(
                "<path:object_id>/preview-links/withdraw/",
                wrap(self.withdraw_preview_view),
                name="{}_{}_withdraw_preview".format(*info),
            ),
        ]
        # Before the admin's own: its "<path:object_id>/" would take these addresses.
        return urls + super().get_urls()

    def view_on_site(self, article):
        """The public page of a published article, else the admin's preview of it."""
        if article.is_published:
            return article.get_absolute_url()
        return reverse("admin:articles_article_preview", args=[article.pk])

    # --- Previews -----------------------------------------------------------------

    def article_or_404(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404(_("No such article."))
        return article

    def preview_view(self, request, object_id):
        """GET: the saved version of the article; POST: the change form's changes."""
        if request.method == "POST":
            return self.preview_changes_view(request, object_id)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        article = self.article_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        prepare_for_preview(article)
        banner = banner_for(article)
        banner.checks = content_report(
            article, list(article.sections.all()), list(article.faqs.all())
        )
        return render_preview(request, article, banner=banner)

    def preview_changes_view(self, request, object_id=None):
        """The article as the posted change (or add) form would make it, not saved."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.article_or_404(request, object_id) if object_id else None
        allowed = (
            self.has_change_permission(request, article)
            if article
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        stored_hero = (
            (article.hero_image.name, article.hero_width, article.hero_height)
            if article
            else ("", None, None)
        )
        ModelForm = self.get_form(request, article, change=article is not None)
        form = ModelForm(request.POST, request.FILES, instance=article)
        form_is_valid = form.is_valid()
        formsets = [
            FormSet(
                data=request.POST,
                files=request.FILES,
                instance=form.instance,
                prefix=FormSet.get_default_prefix(),
                queryset=inline.get_queryset(request),
            )
            for FormSet, inline in self.get_formsets_with_inlines(request, article)
        ]
        # Every formset validated (all() would stop at the first): all errors shown.
        validity = [formset.is_valid() for formset in formsets]
        formsets_are_valid = all(validity)
        if not (form_is_valid and formsets_are_valid):
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("The preview could not be made"),
                "problems": form_problems(form, formsets),
            }
            return TemplateResponse(request, INVALID_TEMPLATE, context, status=400)
        preview, banner = article_with_changes(form, formsets, stored_hero=stored_hero)
        return render_preview(request, preview, banner=banner)

    # --- Preview links ------------------------------------------------------------

    def can_share_previews(self, request, article):
        return self.has_change_permission(request, article) and request.user.has_perm(
            "articles.add_previewlink"
        )

    def can_withdraw_previews(self, request, article):
        return self.has_change_permission(request, article) and request.user.has_perm(
            "articles.change_previewlink"
        )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *PREVIEW_LINK_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        managing = self.can_share_previews(request, obj) or self.can_withdraw_previews(request, obj)
        field = "preview_links" if managing else "preview_links_list"
        return [*fieldsets, (_("Preview links"), {"fields": [field]})]

    def render_preview_links(self, article, *, can_manage):
        links = list(article.preview_links.select_related("created_by"))
        for link in links:
            link.address = settings.SITE_URL + link.get_absolute_url()
            link.current_state = link.state()
        return render_to_string(
            LINKS_TEMPLATE,
            {
                "article": article,
                "links": links,
                "can_manage": can_manage,
                "share_form": PreviewLinkForm(),
                "share_url": reverse("admin:articles_article_share_preview", args=[article.pk]),
                "withdraw_url": reverse(
                    "admin:articles_article_withdraw_preview", args=[article.pk]
                ),
                "active": PreviewLink.State.ACTIVE,
            },
        )

    @admin.display(description=gettext_lazy("Shared links"))
    def preview_links(self, article):
        return self.render_preview_links(article, can_manage=True)

    @admin.display(description=gettext_lazy("Shared links"))
    def preview_links_list(self, article):
        return self.render_preview_links(article, can_manage=False)

    def links_url(self, article):
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        return f"{change_url}#preview-links"

    def share_preview_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.article_or_404(request, object_id)
        if not self.can_share_previews(request, article):
            raise PermissionDenied
        form = PreviewLinkForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose how long the link works: 1, 3, 7 or 14 days."))
            return redirect(self.links_url(article))
        with transaction.atomic():
            link = PreviewLink.share(
                article=article, user=request.user, days=form.cleaned_data["preview_link_days"]
            )
            self.log_change(
                request,
                article,
                _("Shared a preview link until %(time)s.") % {"time": local_time(link.expires_at)},
            )
        messages.success(
            request,
            _(
                "Preview link shared: it shows the latest saved version until %(time)s. "
                "Copy it from Preview links below."
            )
            % {"time": local_time(link.expires_at)},
        )
        return redirect(self.links_url(article))

    def withdraw_preview_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.article_or_404(request, object_id)
        if not self.can_withdraw_previews(request, article):
            raise PermissionDenied
        form = WithdrawPreviewLinkForm(request.POST, article=article)
        if not form.is_valid():
            messages.error(request, _("That preview link does not belong to this article."))
            return redirect(self.links_url(article))
        link = form.cleaned_data["preview_link"]
        with transaction.atomic():
            link.revoke()
            self.log_change(request, article, _("Withdrew a preview link."))
        messages.success(request, _("Preview link withdrawn: it no longer opens the article."))
        return redirect(self.links_url(article))


PREVIEW_LINK_FIELDS = ["preview_links", "preview_links_list"]
