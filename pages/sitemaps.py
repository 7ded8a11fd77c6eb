"""The published site pages in sitemap.xml (the articles app's sitemap lists them)."""

from django.contrib.sitemaps import Sitemap

from .models import Page


class SitePageSitemap(Sitemap):
    def items(self):
        return Page.objects.published().only("slug", "updated_at").order_by("title")

    def lastmod(self, page):
        return page.updated_at
