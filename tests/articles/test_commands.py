import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(command, **options):
    out = io.StringIO()
    call_command(command, stdout=out, **options)
    return out.getvalue()


def test_dev_superuser_is_created_once_with_a_printed_password(settings):
    settings.DEBUG = True

    first = run("create_dev_superuser")
    second = run("create_dev_superuser")

    password = re.search(r"password: (\S+)", first).group(1)
    assert User.objects.get(username="admin").check_password(password)
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "password:" not in second and "already exists" in second


def test_dev_superuser_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        run("create_dev_superuser")
    assert not User.objects.exists()
