import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.static import serve

from . import database

# A load balancer asks often and wants a quick answer: a frozen database is reported
# well within the usual 2 s of a health check.
HEALTHZ_DATABASE_SECONDS = 1.5


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with database.wait_limit(HEALTHZ_DATABASE_SECONDS), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def service_unavailable(request, template_name="503.html", context=None):
    """The database is out: a page in the site's design that needs no database, telling
    the reader (and crawlers, with Retry-After) to come back in a minute."""
    response = render(request, template_name, context, status=503)
    response["Retry-After"] = str(database.RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request):
    """The 500 page in the site's design; it still renders when the database is down.
    A database outage met outside a view (in a middleware) gets the 503 page."""
    if isinstance(sys.exc_info()[1], database.OUTAGE_ERRORS):
        return service_unavailable(request)
    return render(request, "500.html", status=500)


def bad_request(request, exception):
    """The 400 page in the site's design. Unlike Django's own, it never reads the
    request's body: the body is often what could not be read (a form sent in another
    charset), and reading it again would turn the 400 into a 500."""
    return render(request, "400.html", status=400)


def page_not_found(request, exception):
    """The 404 page, for the same reason as bad_request not reading the body (Django's
    asks for a CSRF check, which reads a POST's body)."""
    return render(request, "404.html", status=404)


def media_file(request, path):
    """An upload from MEDIA_ROOT (Django's serve: nothing outside the folder). A name
    the file system refuses to look up, such as one too long, is simply not there."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        raise Http404("No such file.") from error
