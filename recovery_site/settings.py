"""Settings for recovery_site: one module, every machine-specific value from the environment.

Each variable below is listed, with its default, in the README's configuration table.
A variable may also be spelled with a ``DJANGO_`` prefix (``DJANGO_SECRET_KEY``),
which wins when both are set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    """Return the variable ``DJANGO_<name>`` or ``<name>``, or ``default``."""
    value = os.environ.get(f"DJANGO_{name}", os.environ.get(name))
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name, default=False):
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = env(name)
    return default if value is None else int(value)


def env_list(name, default=()):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def refuse_to_start(reason):
    # One line on stderr and exit status 1, instead of a traceback from deep inside
    # Django, so a misconfigured production process says plainly what is missing.
    raise SystemExit(f"recovery_site configuration error: {reason}")


# --- Core -------------------------------------------------------------------------

DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # nosec B105 # development-only key; production refuses it

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    refuse_to_start("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A comment posted without its token comes back filled in, to be sent again.
CSRF_FAILURE_VIEW = "comments.views.csrf_failure"

ROOT_URLCONF = "recovery_site.urls"
WSGI_APPLICATION = "recovery_site.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/New_York")
# The site and its admin are in English only; translation lookups would cost every
# page CPU for nothing. Turn it on with a second language.
USE_I18N = False
USE_TZ = True

# --- Applications and middleware --------------------------------------------------

INSTALLED_APPS = [
    # django.contrib.admin with the site's own AdminSite (named from site settings).
    "core.apps.SiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "reversion",
    "core",
    "articles",
    "comments",
    "pages",
    # Reads WordPress exports into articles, comments and pages; nothing imports it.
    "wordpress",
    # Reads articles and comments; nothing imports it.
    "dashboard",
]

MIDDLEWARE = [
    # Outermost, so that it empties a HEAD answer's body after everything below has
    # set its headers (Content-Length included).
    "core.middleware.HeadWithoutBodyMiddleware",
    # The header middleware come first, outside everything that may refuse a request:
    # Django turns an exception raised in a middleware (DisallowedHost for a bad Host,
    # a SuspiciousOperation) into a 400 response right there, and only the middleware
    # above it ever see that response.
    "core.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Redirects to https (its headers are on every response already, from the first).
    "django.middleware.security.SecurityMiddleware",
    # Straight after SecurityMiddleware, as WhiteNoise asks: static files skip the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Bounds each request's wait on the database and answers a database error with
    # the 503 page (core/database.py) instead of a 500.
    "core.middleware.DatabaseOutageMiddleware",
    # Compress pages (static files are pre-compressed by WhiteNoise). Django masks
    # the CSRF token per response and pads compressed output against BREACH-style
    # attacks. Level 5, not Django's 6: a third less CPU for 2% more bytes.
    "core.middleware.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Old WordPress addresses: a 301 where the site would answer 404 (below
    # CommonMiddleware so that a missing slash costs no extra hop).
    "wordpress.middleware.LegacyAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Near the end, so its 400 page passes through every middleware above.
    "core.middleware.RejectNulMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Database ---------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL")
USES_EMBEDDED_DATABASE = DATABASE_URL is None
if USES_EMBEDDED_DATABASE:
    from recovery_site import embedded_db

    DATABASE_URL = embedded_db.ensure_running()

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    refuse_to_start("DATABASE_URL must point to PostgreSQL (postgres://...).")
# A database that is down or frozen must cost a reader seconds, not a stalled page:
# connecting gives up after DATABASE_CONNECT_TIMEOUT, a statement after
# DATABASE_STATEMENT_TIMEOUT (0 turns either off). The same limits bound the wait on
# our side too (core/database.py), since a frozen server cancels nothing itself.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 2)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 5)
_database_options = DATABASES["default"].setdefault("OPTIONS", {})
if DATABASE_CONNECT_TIMEOUT:
    _database_options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
if DATABASE_STATEMENT_TIMEOUT:
    _database_options["options"] = " ".join(
        [
            _database_options.get("options", ""),
            f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}s",
        ]
    ).strip()

# --- Cache ------------------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
# The database cache's table (core.models.CacheEntry), used when REDIS_URL is unset.
CACHE_TABLE = "core_cache"
# Several sites (or a staging copy) can share one Redis: each keeps to its prefix.
# Raise CACHE_VERSION to drop every cached value at once, e.g. after a deploy that
# changes what cached objects look like.
_cache_options = {
    "KEY_PREFIX": env("CACHE_KEY_PREFIX", "recovery_site"),
    "VERSION": env_int("CACHE_VERSION", 1),
    "TIMEOUT": 300,
}
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps one client per server; Django's own backend builds a
            # new one for every call, which costs more than the call.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            **_cache_options,
        }
    }
else:
    CACHES = {
        "default": {
            # Without Redis the cache lives in PostgreSQL (the table of core.CacheEntry,
            # made by `migrate`), so that every gunicorn worker, db_worker and command
            # sees what another wrote or deleted; never per-process memory.
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 5000},
            **_cache_options,
        }
    }
# Shared pages and rendered fragments (core/caching.py), kept at most this long; they
# go stale at once when what they show changes. On by default with Redis only: in the
# database cache a hit would cost a query and every miss a write on GET (0 turns all
# of it off; any other value works with either cache, both being shared).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 24 * 3600 if REDIS_URL else 0)
# How long a front cache (nginx, deploy/nginx.conf) may answer for Django with a shared
# page before it asks again (a conditional GET). Sent as X-Accel-Expires on shared
# pages only; 0 sends nothing. Anonymous readers may see a change this much later.
FRONT_CACHE_SECONDS = env_int("FRONT_CACHE_SECONDS", 0)

# --- Templates --------------------------------------------------------------------

# Public pages are Jinja2 templates (templates/jinja2/); the admin, the crispy-forms
# pack, emails and the stored article outline stay Django templates (templates/).
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.jinja2.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# Our own crispy-forms template pack (templates/site_forms/), styled by static/css/site.css.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("site_forms",)
CRISPY_TEMPLATE_PACK = "site_forms"

# --- Static files and media -------------------------------------------------------


STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", BASE_DIR / "media"))
# The largest hero picture accepted, in decoded pixels (width × height): decoding
# takes about 4 bytes a pixel of a worker's memory, several times over while resizing.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 24_000_000)

# Where `manage.py backup` (make backup) writes its archives; keep it off the web root.
BACKUP_DIR = Path(env("BACKUP_DIR", BASE_DIR / "backups"))

# WordPress exports uploaded in the admin wait here for their import. They hold
# commenters' emails and IP addresses: a private folder, never under MEDIA_ROOT.
WORDPRESS_IMPORT_DIR = Path(env("WORDPRESS_IMPORT_DIR", BASE_DIR / "private" / "wordpress"))
# The largest export accepted by the admin's upload, in bytes (the command has no limit).
WORDPRESS_IMPORT_MAX_BYTES = env_int("WORDPRESS_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
# A copy of the old site's wp-content/uploads on this server, offered to imports
# started in the admin (a folder does not suit a browser upload); unset: no pictures.
WORDPRESS_MEDIA_DIR = env("WORDPRESS_MEDIA_DIR", "")

# Let Django answer /media/ itself (development, `make serve`, small sites).
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise sends content-hashed names (everything the templates link, through
# {% static %}) with "max-age=315360000, public, immutable" by itself. This is for
# the same files under their plain names, which change on deploy: an hour.
WHITENOISE_MAX_AGE = 3600 if not DEBUG else 0

# --- Security ---------------------------------------------------------------------

# HTTPS_ONLY: redirect to https, secure cookies and HSTS. On by default in
# production; `make serve` turns it off to try production mode over plain http.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
# With the __Host- prefix a browser keeps these cookies only if they are Secure, for
# this host alone and the whole site: no subdomain or plain-http page can set or
# shadow them. It needs https, so development over http keeps the plain names.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS_ONLY else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS_ONLY else "csrftoken"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS_ONLY)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by core.middleware.SecurityHeadersMiddleware. Other sites may not embed our
# pages, scripts, styles or images in theirs.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# Browser features the site never uses, off for it and anything it could embed. Only
# features Chromium knows: it logs a console warning for any other name.
PERMISSIONS_POLICY = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# A strict Content-Security-Policy: every script, style, image and font comes from
# this site, with no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Admin sign-in protection (django-axes) ------------------------------------------

# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that
# pair is refused for AXES_COOLOFF_MINUTES (each further try starts the wait again).
# The pair, not the username alone: a stranger guessing an editor's password cannot lock
# the editor out from their own address; nor the address alone: editors behind one
# office address do not lock each other out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
if timedelta(minutes=1) > AXES_COOLOFF_TIME:
    # axes takes no cool-off for a lockout that lasts until an admin lifts it.
    refuse_to_start("AXES_COOLOFF_MINUTES must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address as comments read it, behind TRUSTED_PROXY_COUNT proxies (nginx).
AXES_CLIENT_IP_CALLABLE = "core.signin.client_address"
# Log lines without the username or address (they are in the admin, for superusers).
AXES_CLIENT_STR_CALLABLE = "core.signin.client_description"
AXES_LOCKOUT_CALLABLE = "core.signin.locked_out"
# Each failure is listed in the admin; successful sign-ins are not recorded.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = True

# --- Email ------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# An SMTP server that accepts the connection and never answers would hold the task
# worker for good: give up after this many seconds (the comment stays flagged and a
# later sweep sends its email).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Recovery Center <no-reply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Site admin", address) for address in env_list("ADMIN_EMAILS")]
# Error reports (the emails to ADMINS) keep the path, the traceback and the names of
# what a reader sent, never the values: a commenter's text, name, email, address or
# browser, a search, a cookie (core/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.PrivateExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "core.error_reports.PrivateExceptionReporter"

# --- Logging ----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "skip_service_unavailable": {"()": "core.error_reports.SkipServiceUnavailable"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # Django's own, minus the 503s of a database outage (one email per request).
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false", "skip_service_unavailable"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # The embedded PostgreSQL logs every command it runs at INFO.
        "pgserver": {"level": "WARNING"},
        # django-axes: a start-up banner and every sign-in at INFO; lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}

# --- Background tasks (django-tasks, the backport of Django 6's tasks API) -------

# "immediate" runs a task inside the request (development, tests); "database"
# queues it in PostgreSQL for `manage.py db_worker` (production default).
TASKS_BACKEND = env("TASKS_BACKEND", "immediate" if DEBUG else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# --- Site -------------------------------------------------------------------------

# Proxies in front of the site that append to X-Forwarded-For (1 behind nginx); 0 trusts
# REMOTE_ADDR only. Comments and admin sign-in read the address alike (core/network.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# The public address, used where an absolute URL is needed outside a request.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ARTICLES_PER_PAGE = env_int("ARTICLES_PER_PAGE", 10)
# "Was this article helpful?": one answer per client address per this many seconds,
# whichever article (0 turns the limit off).
ARTICLE_FEEDBACK_FLOOD_SECONDS = env_int("ARTICLE_FEEDBACK_FLOOD_SECONDS", 30)

# --- Comments ---------------------------------------------------------------------

# The comments app's settings (defaults and meanings in comments/conf.py), set here
# only when the environment names them.
for _name, _read in {
    "COMMENTS_MAX_DEPTH": env_int,
    "COMMENTS_PER_PAGE": env_int,
    "COMMENTS_APPROVE_BY_DEFAULT": env_bool,
    "COMMENTS_TRUST_PREVIOUSLY_APPROVED": env_bool,
    "COMMENTS_MAX_LINKS": env_int,
    "COMMENTS_MIN_SUBMIT_SECONDS": env_int,
    "COMMENTS_FORM_MAX_AGE_SECONDS": env_int,
    "COMMENTS_FLOOD_SECONDS": env_int,
    "COMMENTS_CLOSE_AFTER_DAYS": env_int,
    "COMMENTS_IP_RETENTION_DAYS": env_int,
    "COMMENTS_TRASH_RETENTION_DAYS": env_int,
    "COMMENTS_WITHDRAW_DAYS": env_int,
    "COMMENTS_MODERATOR_EMAILS": env_list,
    "COMMENTS_EMAIL_RETRY_SECONDS": env_int,
    "COMMENTS_REPLY_CONFIRM_DAYS": env_int,
}.items():
    if env(_name) is not None:
        globals()[_name] = _read(_name, None)
