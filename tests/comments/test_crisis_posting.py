"""Posting a comment that signals a crisis, or one sent too fast, through the front door."""

import re
import time

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.forms import sign_timestamp, timestamp_problem
from comments.models import Comment
from core.models import SiteSettings
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
VEILED = "Some days I feel nobody would miss me."
MODERATORS = ["queue@recovery.test"]


@pytest.fixture
def article(settings):
    settings.COMMENTS_MODERATOR_EMAILS = MODERATORS
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST the form; what the post queues on commit (the moderators' email) runs too."""

    def send(client, article, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("comments:post", args=[article.slug]), data)

    return send


def help_box(html):
    match = re.search(r'<section id="comment-\d+-help".*?</section>', html, re.DOTALL)
    return match.group() if match else ""


def trusted_author(article):
    """Sam Rivera has an approved comment: the policy would publish the next at once."""
    make_comment(article, author_name="Sam Rivera", author_email="sam@example.org")


# --- Crisis language ----------------------------------------------------------------------


def test_a_trusted_authors_veiled_message_is_held_urgent_and_the_author_sees_help_at_once(
    client, article, comment_post_data, post
):
    trusted_author(article)

    response = post(client, article, comment_post_data(body=VEILED))

    comment = Comment.objects.latest("id")
    assert (comment.status, comment.decided_by, comment.is_urgent) == (
        Status.PENDING,
        Comment.Rule.CRISIS,
        True,
    )
    # The author lands on the help itself, which takes focus (tabindex="-1").
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}-help"
    page = client.get(article.get_absolute_url()).content.decode()
    box = help_box(page)
    site = SiteSettings.load()
    assert f'id="comment-{comment.pk}-help"' in box and 'tabindex="-1"' in box
    assert 'href="tel:988"' in box and 'href="sms:988"' in box and 'href="tel:911"' in box
    assert f'href="tel:{site.helpline_tel}"' in box and site.helpline_name in box
    # The message at the top says it too.
    messages = page[page.index('class="messages"') :][:1500]
    assert 'href="tel:988"' in messages and 'href="sms:988"' in messages
    assert 'href="tel:911"' in messages
    # Nobody else sees the comment or the help under it.
    stranger = Client().get(article.get_absolute_url()).content.decode()
    assert VEILED not in stranger and help_box(stranger) == ""


def test_moderators_get_the_urgent_email_at_once(client, article, comment_post_data, post):
    trusted_author(article)

    post(client, article, comment_post_data(body="kms"))

    assert [email.to for email in mail.outbox] == [MODERATORS]
    assert mail.outbox[0].subject.startswith("URGENT")
    assert "URGENT" in mail.outbox[0].body
    assert "kms" not in mail.outbox[0].body  # no comment text in email


def test_an_ordinary_comment_from_a_trusted_author_is_still_published(
    client, article, comment_post_data, post
):
    trusted_author(article)

    response = post(client, article, comment_post_data(body="Killer article, thank you."))

    comment = Comment.objects.latest("id")
    assert (comment.status, comment.is_urgent) == (Status.APPROVED, False)
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert mail.outbox == []


def test_a_staff_members_crisis_language_is_held_and_emailed(
    client, article, comment_post_data, post
):
    client.force_login(User.objects.create_user("nurse", "n@example.org", "pw", is_staff=True))

    post(client, article, {"body": "I want to end it all.", **_timestamp(comment_post_data)})

    comment = Comment.objects.get()
    assert (comment.status, comment.decided_by, comment.is_urgent) == ("pending", "crisis", True)
    assert help_box(client.get(article.get_absolute_url()).content.decode())
    assert mail.outbox[0].subject.startswith("URGENT")


def test_approve_by_default_does_not_publish_crisis_language(
    client, article, comment_post_data, post, settings
):
    settings.COMMENTS_APPROVE_BY_DEFAULT = True

    post(client, article, comment_post_data(body="thinking about suicde"))

    assert Comment.objects.get().status == Status.PENDING


def test_the_author_sees_help_even_where_the_page_was_shared_from_the_cache(
    client, article, comment_post_data, post
):
    shared = client.get(article.get_absolute_url())
    assert shared["X-Page-Cache"] == "miss"  # now cached for every anonymous reader

    post(client, article, comment_post_data(body="He's turning blue and won't wake up"))

    own = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in own
    assert 'href="tel:988"' in help_box(own.content.decode())
    assert Client().get(article.get_absolute_url())["X-Page-Cache"] == "hit"


def _timestamp(comment_post_data):
    return {"timestamp": comment_post_data()["timestamp"]}


# --- Sent too fast --------------------------------------------------------------------------


def rendered_timestamp(html):
    return re.search(r'name="timestamp" value="([^"]+)"', html).group(1)


def test_a_form_sent_too_fast_comes_back_filled_in_and_a_second_press_sends_it(
    client, article, comment_post_data, post, settings, time_machine
):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    body = "My son starts methadone next week. What should we expect?"

    first = post(client, article, comment_post_data(body=body, timestamp=sign_timestamp()))

    assert first.status_code == 422
    html = first.content.decode()
    assert "Please check your comment and press Post Comment again." in html
    assert body in html and 'value="Sam Rivera"' in html
    assert Comment.objects.count() == 0
    fresh = rendered_timestamp(html)
    assert timestamp_problem(fresh) == "too_fast"  # it starts now, not at the first show

    time_machine.move_to(start + timezone.timedelta(seconds=4), tick=False)
    second = post(client, article, comment_post_data(body=body, timestamp=fresh))

    assert second.status_code == 302
    comment = Comment.objects.get()
    assert (comment.body, comment.status) == (body, Status.PENDING)


def test_pressing_again_at_once_comes_back_again(client, article, comment_post_data, post):
    first = post(client, article, comment_post_data(timestamp=sign_timestamp()))
    again = post(
        client, article, comment_post_data(timestamp=rendered_timestamp(first.content.decode()))
    )

    assert (first.status_code, again.status_code) == (422, 422)
    assert Comment.objects.count() == 0


def test_a_filled_honeypot_sent_too_fast_is_still_silent_spam(
    client, article, comment_post_data, post
):
    response = post(
        client, article, comment_post_data(timestamp=sign_timestamp(), fax_number="555-0100")
    )

    assert response.status_code == 302
    assert (Comment.objects.get().status, Comment.objects.get().decided_by) == (
        "spam",
        "honeypot",
    )


@pytest.mark.parametrize("problem", ["expired", "forged"])
def test_an_expired_or_forged_form_is_still_silent_spam(
    client, article, comment_post_data, post, problem
):
    timestamp = {
        "expired": sign_timestamp(time.time() - 3 * 24 * 3600),
        "forged": "forged-token",
    }[problem]

    response = post(client, article, comment_post_data(timestamp=timestamp))

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.status, comment.decided_by) == ("spam", "bad_timestamp")


def test_staff_are_never_held_up_by_the_minimum_time(client, article, comment_post_data, post):
    client.force_login(User.objects.create_user("editor", "e@example.org", "pw", is_staff=True))

    response = post(
        client, article, {"body": "A note from our team.", "timestamp": sign_timestamp()}
    )

    assert response.status_code == 302
    assert Comment.objects.get().status == Status.APPROVED
