"""Start-up configuration: production mode refuses to run half-configured."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG_VARIABLES = ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "HTTPS_ONLY")


def run_django(code_or_args, **env_overrides):
    env = {
        name: value
        for name, value in os.environ.items()
        if name.removeprefix("DJANGO_") not in CONFIG_VARIABLES
        # The browser tests set it for their own process; a deployment never does.
        and name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(env_overrides)
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


LOAD_SETTINGS = (
    "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
    "from django.conf import settings; print(settings.DEBUG)"
)


def test_production_refuses_to_start_without_secret_key():
    result = run_django(LOAD_SETTINGS, DEBUG="0", ALLOWED_HOSTS="example.org")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "recovery_site configuration error: SECRET_KEY must be set when DEBUG is off."
    ]


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django(LOAD_SETTINGS, SECRET_KEY="x" * 50)

    assert result.returncode == 1
    assert "ALLOWED_HOSTS must be set" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_mode_starts_with_development_defaults():
    result = run_django(LOAD_SETTINGS, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


def test_a_command_in_a_fresh_clone_runs_in_development_mode():
    # Neither DEBUG nor SECRET_KEY set: a developer at a terminal, not a deployment.
    result = run_django(["manage.py", "diffsettings", "--all"])

    assert result.returncode == 0, result.stderr
    assert "DEBUG = True" in result.stdout


def test_a_command_with_debug_off_still_needs_a_secret_key():
    result = run_django(["manage.py", "diffsettings"], DEBUG="0", ALLOWED_HOSTS="example.org")

    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_command_with_a_secret_key_keeps_debug_off():
    result = run_django(
        ["manage.py", "diffsettings", "--all"], SECRET_KEY="z" * 50, ALLOWED_HOSTS="example.org"
    )

    assert result.returncode == 0, result.stderr
    assert "DEBUG = False" in result.stdout


def test_django_prefixed_names_are_accepted():
    code = LOAD_SETTINGS.replace("settings.DEBUG", "settings.ALLOWED_HOSTS")
    result = run_django(
        code, DJANGO_SECRET_KEY="y" * 50, DJANGO_ALLOWED_HOSTS="a.example,b.example"
    )

    assert result.returncode == 0, result.stderr
    assert "['a.example', 'b.example']" in result.stdout


def check_deploy(**env_overrides):
    return run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="recovery.example.org",
        **env_overrides,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_in_production_settings():
    result = check_deploy(SITE_URL="https://recovery.example.org")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_warns_about_a_site_url_left_at_its_default():
    result = check_deploy(SITE_URL="")

    assert result.returncode == 1
    assert "(core.W001) SITE_URL is 'http://127.0.0.1:8000'" in result.stderr


COOKIE_SETTINGS = LOAD_SETTINGS.replace(
    "settings.DEBUG",
    "settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME,"
    " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE",
)


def test_under_https_the_session_and_csrf_cookies_are_host_cookies():
    result = run_django(COOKIE_SETTINGS, SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "__Host-sessionid __Host-csrftoken True True"


def test_over_plain_http_the_cookies_keep_their_plain_names():
    # __Host- cookies must be Secure, which a browser refuses over http.
    for environment in ({"DEBUG": "1"}, {"SECRET_KEY": "x" * 50, "HTTPS_ONLY": "0"}):
        result = run_django(COOKIE_SETTINGS, ALLOWED_HOSTS="example.org", **environment)

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "sessionid csrftoken False False"


def test_gunicorns_access_log_keeps_no_readers_address_or_browser():
    import runpy

    conf = Path(__file__).resolve().parent.parent / "recovery_site" / "gunicorn.conf.py"
    log_format = runpy.run_path(str(conf))["access_log_format"]

    # Address, browser, referring page, forwarded address.
    for atom in ("%(h)s", "%(a)s", "%(f)s", "x-forwarded-for"):
        assert atom not in log_format.lower()
    assert '"%(r)s" %(s)s' in log_format


def test_the_comments_app_owns_its_defaults_and_the_environment_overrides_them():
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
        "import django; django.setup();"
        "from django.conf import settings; from comments.conf import comment_settings;"
        "print(hasattr(settings, 'COMMENTS_FLOOD_SECONDS'),"
        " comment_settings.COMMENTS_FLOOD_SECONDS, comment_settings.COMMENTS_MODERATOR_EMAILS)"
    )

    default = run_django(code, DEBUG="1")
    chosen = run_django(
        code, DEBUG="1", COMMENTS_FLOOD_SECONDS="7", COMMENTS_MODERATOR_EMAILS="a@x.org,b@x.org"
    )

    assert default.stdout.split("\n")[-2] == "False 15 []", default.stderr
    assert chosen.stdout.split("\n")[-2] == "True 7 ['a@x.org', 'b@x.org']", chosen.stderr


def test_without_redis_the_cache_is_the_database_and_with_it_redis():
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'],"
        " settings.PAGE_CACHE_SECONDS)"
    )

    without = run_django(code, DEBUG="1", REDIS_URL="")
    with_redis = run_django(code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0")

    assert without.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "0"]
    assert with_redis.stdout.split() == ["django_redis.cache.RedisCache", "86400"]


def test_admin_sign_in_settings_come_from_the_environment():
    code = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'recovery_site.settings');"
        "from django.conf import settings; print(settings.AXES_FAILURE_LIMIT,"
        " int(settings.AXES_COOLOFF_TIME.total_seconds()))"
    )

    assert run_django(code, DEBUG="1").stdout.split() == ["5", "900"]
    configured = run_django(code, DEBUG="1", AXES_FAILURE_LIMIT="8", AXES_COOLOFF_MINUTES="30")
    assert configured.stdout.split() == ["8", "1800"]
    refused = run_django(code, DEBUG="1", AXES_COOLOFF_MINUTES="0")
    assert refused.returncode == 1
    assert "AXES_COOLOFF_MINUTES must be at least 1." in refused.stderr
