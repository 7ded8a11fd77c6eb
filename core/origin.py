"""Whether a POST comes from one of this site's own pages, by what the browser says.

For forms that must work on a page every reader shares (served from the page cache,
so it holds no per-reader CSRF token) and that set no cookie: the browser's Fetch
Metadata (``Sec-Fetch-Site``) and ``Origin`` headers say which site the form was on,
and a page elsewhere cannot change them. Django's CSRF check needs a token and its
cookie; this needs neither.
"""

from django.conf import settings

# "none": the reader started the request themselves (typed it, a bookmark).
OWN_FETCH_SITES = {"same-origin", "none"}


def is_from_this_site(request):
    """True when the browser says ``request`` was sent by a page of this site.

    ``Sec-Fetch-Site`` decides when present (every current browser sends it);
    otherwise ``Origin`` must be this site's own address or one of
    CSRF_TRUSTED_ORIGINS. A request with neither is refused: only a very old browser
    sends neither, and that is the browser a forged form could still misuse.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in OWN_FETCH_SITES
    origin = request.headers.get("Origin")
    if not origin:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS
