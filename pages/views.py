from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from core import caching

from .models import Page


# The pattern matches any one-segment address: a POST to an address that is not a page
# must get the 404 page, as before pages existed, not a CSRF refusal. The view changes
# nothing, whatever the method.
@csrf_exempt
@caching.cache_shared_page()
def page_detail(request, slug):
    """A published site page (404 for any other address at the root)."""
    page = get_object_or_404(Page.objects.published(), slug=slug)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(request, "pages/page_detail.html", {"page": page})
