"""The privacy notice is true to the code: its figures are the retention settings."""

import re

import pytest

from comments.cookies import DETAILS_MAX_AGE
from core.models import SiteSettings

pytestmark = pytest.mark.django_db


def notice(client):
    response = client.get("/privacy/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_notice_shows_the_default_retention_periods(client):
    text = notice(client)

    assert "erased 30 days after you post" in text
    assert "It lasts 30 days." in text
    assert f"for {DETAILS_MAX_AGE // 86400} days" in text
    assert "deleted 30 days later" in text
    assert "confirm within 3 days" in text


def test_changing_a_retention_setting_changes_the_notice(client, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 14
    settings.COMMENTS_TRASH_RETENTION_DAYS = 60
    settings.COMMENTS_WITHDRAW_DAYS = 7
    settings.COMMENTS_REPLY_CONFIRM_DAYS = 5

    text = notice(client)

    assert "erased 14 days after you post" in text
    assert "IP address and browser: 14 days after the comment is posted." in text
    assert "deleted 60 days later" in text
    assert "It works for 7 days." in text
    assert "It lasts 7 days." in text
    assert "confirm within 5 days" in text
    assert "30 days" not in text and "3 days" not in text


def test_the_notice_names_every_cookie_the_comments_set(client, settings):
    from comments.cookies import DETAILS_COOKIE, OWN_COMMENTS_COOKIE

    text = notice(client)

    for name in (OWN_COMMENTS_COOKIE, DETAILS_COOKIE, "messages", "csrftoken", "sessionid"):
        assert f"<strong>{name}</strong>" in text


def test_the_notice_gives_the_contact_address_from_the_site_settings(client):
    SiteSettings.objects.create(contact_email="privacy@harbor.example")

    assert "Write to us at privacy@harbor.example" in notice(client)


def test_the_notice_describes_the_feedback_form_as_built(client):
    from articles.models import ArticleFeedback

    stored = {field.name for field in ArticleFeedback._meta.get_fields()}
    text = notice(client)

    assert "Was this article helpful?" in text
    # The notice says no address is kept: the model must have no field for one.
    assert "no IP address" in text
    assert not stored & {"ip_address", "user_agent", "user", "email"}
