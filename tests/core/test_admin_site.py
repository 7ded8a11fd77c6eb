"""The admin carries the site's name from the site settings."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.admin_site import SiteAdminSite
from core.models import SiteSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def rename_site(name):
    settings_row = SiteSettings.load()
    settings_row.site_name = name
    settings_row.save()


def test_the_default_admin_site_is_the_sites_own():
    assert isinstance(admin.site, SiteAdminSite)


def test_header_title_and_index_title_carry_the_site_name(root_client):
    rename_site("Harbor House")

    page = root_client.get(reverse("admin:index"))

    assert page.context["site_header"] == "Harbor House administration"
    assert page.context["site_title"] == "Harbor House admin"
    assert page.context["title"] == "Harbor House: site content"
    content = page.content.decode()
    assert "<title>Harbor House: site content | Harbor House admin</title>" in content
    assert '<a href="/admin/">Harbor House administration</a>' in content


def test_every_admin_page_and_the_login_page_are_branded(client, root_client):
    rename_site("Harbor House")

    change_list = root_client.get(reverse("admin:articles_article_changelist"))
    client.logout()
    login = client.get(reverse("admin:login"))

    assert "Harbor House administration" in change_list.content.decode()
    assert "Harbor House administration" in login.content.decode()


def test_a_new_name_shows_at_once(root_client):
    root_client.get(reverse("admin:index"))

    rename_site("Safe Harbor")

    assert "Safe Harbor administration" in root_client.get(reverse("admin:index")).content.decode()


def test_the_name_is_read_from_the_cache_not_the_database(root_client):
    rename_site("Harbor House")
    root_client.get(reverse("admin:index"))

    with CaptureQueriesContext(connection) as queries:
        page = root_client.get(reverse("admin:articles_article_changelist"))

    assert page.status_code == 200
    assert not [q for q in queries.captured_queries if "core_sitesettings" in q["sql"]]
