"""WSGI entry point, used by gunicorn (`make serve`) and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_site.settings")

django_application = get_wsgi_application()

# Cached pages for anonymous readers are answered before Django's middleware, with the
# headers Django sent for the same request (articles/page_cache.py, "The fast path").
from articles.page_cache import FastPath  # noqa: E402  (needs Django set up first)

application = FastPath(django_application)
