import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

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
