"""Flood control: one comment per client address per window, held in PostgreSQL so
that every process and server agrees (tests/test_processes.py runs it across servers)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import services
from comments.models import Comment, FloodSlot
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def start(article):
    """An instant after the article was published, to move the clock from."""
    return article.published_at + timezone.timedelta(hours=1)


def post(article, data, address="198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(reverse("comments:post", args=[article.slug]), data)


def test_a_second_post_in_the_window_is_refused_and_one_after_it_accepted(
    article, start, comment_post_data, time_machine
):
    time_machine.move_to(start, tick=False)
    assert post(article, comment_post_data(body="First.")).status_code == 302
    time_machine.move_to(start + timezone.timedelta(seconds=14), tick=False)
    assert post(article, comment_post_data(body="Too soon.")).status_code == 429

    # The window runs from the accepted post; the refused one does not extend it.
    time_machine.move_to(start + timezone.timedelta(seconds=15), tick=False)
    assert post(article, comment_post_data(body="Later.")).status_code == 302
    time_machine.move_to(start + timezone.timedelta(seconds=16), tick=False)
    assert post(article, comment_post_data(body="Too soon again.")).status_code == 429

    assert list(Comment.objects.order_by("id").values_list("body", flat=True)) == [
        "First.",
        "Later.",
    ]


def test_the_slot_holds_no_address(article, comment_post_data):
    post(article, comment_post_data(), address="198.51.100.7")

    (slot,) = FloodSlot.objects.all()
    assert "198.51.100.7" not in slot.client
    assert slot.client == services.flood_client("198.51.100.7")
    assert slot.client != services.flood_client("198.51.100.8")


def test_a_duplicate_gives_the_slot_back(article, comment_post_data):
    assert post(article, comment_post_data(body="Same text.")).status_code == 302
    FloodSlot.objects.all().delete()

    assert post(article, comment_post_data(body="Same text.")).status_code == 409

    assert not FloodSlot.objects.exists()
    assert post(article, comment_post_data(body="Another text.")).status_code == 302


def test_maintenance_forgets_expired_slots_only(start, time_machine):
    time_machine.move_to(start, tick=False)
    services.is_flooding("192.0.2.1")
    time_machine.move_to(start + timezone.timedelta(seconds=10), tick=False)
    services.is_flooding("192.0.2.2")
    time_machine.move_to(start + timezone.timedelta(seconds=20), tick=False)

    call_command("comments_maintenance", stdout=io.StringIO())

    assert list(FloodSlot.objects.values_list("client", flat=True)) == [
        services.flood_client("192.0.2.2")
    ]
