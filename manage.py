#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def is_configured(name):
    return bool(os.environ.get(name) or os.environ.get(f"DJANGO_{name}"))


def default_to_development():
    """A command typed in a fresh clone (`manage.py makemigrations`) runs in development
    mode. A deployment always sets SECRET_KEY, and an explicit DEBUG, even 0, is kept,
    so servers and production commands still refuse to start half-configured."""
    if not is_configured("DEBUG") and not is_configured("SECRET_KEY"):
        os.environ["DEBUG"] = "1"


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_site.settings")
    default_to_development()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
