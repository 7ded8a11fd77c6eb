"""Old WordPress addresses answered with a 301 to where their content is now."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.utils.cache import patch_cache_control

from .legacy import LegacyAddress, address_for_request

# Browsers keep a 301 with no caching headers for good; a day lets a target that
# moves or goes away be followed again, while a returning reader skips the hop. The
# front cache keeps none: it would answer for Django after a target went away.
REDIRECT_MAX_AGE = 24 * 60 * 60


class LegacyAddressMiddleware:
    """Like django.contrib.redirects' fallback, without contrib.sites: a GET or HEAD
    that found nothing (404) at an old address gets a 301 to the target's current
    address, when readers may see it. The home address with ``?p=``, ``?page_id=``,
    ``?cat=`` or ``?tag=`` is looked up before the view, which would otherwise
    answer with the home page.

    Normal pages cost no query; a 404, or the home address with such a parameter, one.
    Below CommonMiddleware, so that ``/old-post`` gets one 301 straight to the article
    rather than first one to ``/old-post/``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path_info == "/":
            response = self.redirect(request)
            if response is not None:
                return response
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.method in ("GET", "HEAD")
            and request.path_info != "/"
        ):
            return self.redirect(request) or response
        return response

    def redirect(self, request):
        address = address_for_request(request)
        if address is None:
            return None
        legacy = LegacyAddress.objects.answering(address).first()
        if legacy is None:
            return None
        response = HttpResponsePermanentRedirect(legacy.get_absolute_url())
        if settings.FRONT_CACHE_SECONDS:
            response["X-Accel-Expires"] = "0"
        patch_cache_control(response, public=True, max_age=REDIRECT_MAX_AGE)
        return response
