from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.static import serve


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """The 500 page in the site's design; it still renders when the database is down."""
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
