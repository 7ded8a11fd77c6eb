"""The site's deploy checks (core/checks.py), run as `manage.py check --deploy` runs them."""

import pytest
from django.core import checks


def deploy_warnings():
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id.startswith("core.")
    ]


@pytest.mark.parametrize(
    "site_url",
    ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://0.0.0.0", ""],
)
def test_a_site_url_on_this_machine_is_a_deploy_warning(settings, site_url):
    settings.DEBUG = False
    settings.SITE_URL = site_url

    assert deploy_warnings() == ["core.W001"]


def test_the_public_address_passes(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://recovery.example.org"

    assert deploy_warnings() == []


def test_development_is_not_warned(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert deploy_warnings() == []


def test_only_a_deploy_check():
    # `manage.py check` (runserver, migrate) stays quiet about SITE_URL.
    assert "core.W001" not in [message.id for message in checks.run_checks()]
