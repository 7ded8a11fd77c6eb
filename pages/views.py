from django.shortcuts import get_object_or_404, render

from core import caching

from .models import Page


@caching.cache_shared_page()
def page_detail(request, slug):
    """A published site page (404 for any other address at the root)."""
    page = get_object_or_404(Page.objects.published(), slug=slug)
    return render(request, "pages/page_detail.html", {"page": page})
