""" "Was this article helpful?": the form on the article page, what is stored (and what
is not), the flood limit, bad input, cross-site posts, the admin's counts and notes."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from articles import feedback
from articles.forms import ArticleFeedbackForm
from articles.models import Article, ArticleFeedback, PreviewLink
from core.models import SiteSettings
from tests.articles.test_admin import make_staff
from tests.factories import make_article

pytestmark = pytest.mark.django_db

# What a browser sends with a form posted from one of the site's pages.
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}
AS_SCRIPT = {**SAME_ORIGIN, "HTTP_ACCEPT": "application/json"}
START = datetime.datetime(2027, 3, 10, 15, tzinfo=datetime.UTC)


@pytest.fixture
def article():
    SiteSettings.load()
    return make_article(title="Understanding withdrawal")


@pytest.fixture
def csrf_client():
    """A client that enforces CSRF as a browser meets it (the default test client
    skips the check)."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def feedback_url(article):
    return reverse("articles:feedback", kwargs={"slug": article.slug})


def send(client, article, data, **headers):
    return client.post(feedback_url(article), data, **{**SAME_ORIGIN, **headers})


# --- The form on the page ---------------------------------------------------------


def test_the_article_page_ends_with_the_feedback_form(client, article):
    html = client.get(article.get_absolute_url()).content.decode()

    form = html[html.index('id="article-feedback"') : html.index('id="comments"')]
    assert f'action="{feedback_url(article)}#article-feedback"' in form
    assert "<legend><h2" in form and "Was this article helpful?" in form
    assert 'type="radio" name="helpful" value="yes"' in form
    assert 'type="radio" name="helpful" value="no"' in form
    assert '<label for="feedback_note">' in form
    assert "never published" in form and 'maxlength="1000"' in form
    # Nothing for one reader: the page is shared by every anonymous reader.
    assert "csrfmiddlewaretoken" not in form
    assert "js/article-feedback.js" in html


def test_a_cached_article_page_still_serves_the_form_and_it_works(client, article):
    first = client.get(article.get_absolute_url())
    cached = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss" and cached["X-Page-Cache"] == "hit"
    assert 'id="article-feedback"' in cached.content.decode()
    assert not cached.cookies

    response = send(Client(enforce_csrf_checks=True), article, {"helpful": "yes"})

    assert response.status_code == 303
    assert ArticleFeedback.objects.count() == 1


# --- Storing an answer -------------------------------------------------------------


def test_a_yes_is_stored_and_the_reader_comes_back_to_a_thank_you(client, article, frozen):
    response = send(client, article, {"helpful": "yes", "note": ""})

    assert response.status_code == 303
    assert response["Location"] == f"{article.get_absolute_url()}?feedback=sent#article-feedback"
    (row,) = ArticleFeedback.objects.all()
    assert (row.article, row.is_helpful, row.note, row.created_at) == (article, True, "", START)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Thank you for your feedback" in html
    assert 'name="helpful"' not in html
    # The thank-you is this reader's alone: never from or into the page cache.
    assert "X-Page-Cache" not in page


def test_a_no_with_a_note_is_stored(client, article):
    note = "The part about tapering lost me: a worked example would help."

    send(client, article, {"helpful": "no", "note": f"  {note}\n"})

    (row,) = ArticleFeedback.objects.all()
    assert row.is_helpful is False
    assert row.note == note


def test_the_script_gets_json_and_no_redirect(client, article):
    response = client.post(feedback_url(article), {"helpful": "no"}, **AS_SCRIPT)

    assert response.status_code == 200
    assert response.json()["message"].startswith("Thank you for your feedback.")
    assert ArticleFeedback.objects.get().is_helpful is False


def test_no_cookie_is_set_and_nothing_about_the_reader_is_stored(client, article):
    response = send(
        client,
        article,
        {"helpful": "no", "note": "Too long."},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT="Mozilla/5.0 (Reader's phone)",
    )
    thanks = client.get(response["Location"])

    assert not response.cookies and not thanks.cookies
    assert not client.cookies
    fields = {field.name for field in ArticleFeedback._meta.get_fields()}
    assert fields == {"id", "article", "is_helpful", "note", "created_at"}
    row = ArticleFeedback.objects.values().get()
    assert "198.51.100.23" not in str(row) and "Mozilla" not in str(row)


# --- Bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({}, "helpful", "required"),
        ({"note": "Just a note."}, "helpful", "required"),
        ({"helpful": "maybe"}, "helpful", "invalid_choice"),
        ({"helpful": "yes", "note": "x" * 1001}, "note", "max_length"),
        ({"helpful": "yes", "note": "a\x00b"}, "note", "null_characters_not_allowed"),
    ],
)
def test_bad_input_stores_nothing_and_says_what_to_fix(client, article, data, field, code):
    response = send(client, article, data)

    assert response.status_code == 400
    assert not ArticleFeedback.objects.exists()
    assert not response.cookies
    # The page shows the form's own message for the error (Jinja2 pages leave no
    # response.context to read the form from).
    form = ArticleFeedbackForm(data)
    assert [error.code for error in form.errors.as_data()[field]] == [code]
    html = response.content.decode()
    assert "Your feedback was not sent" in html
    assert escape(form.errors[field][0]) in html
    assert 'id="feedback_note_error"' in html or 'id="feedback_helpful_error"' in html


def test_bad_input_from_the_script_gets_the_messages_as_json(client, article):
    response = client.post(feedback_url(article), {"helpful": ""}, **AS_SCRIPT)

    assert response.status_code == 400
    answer = response.json()
    assert answer["errors"] == {"helpful": ["Please choose Yes or No."]}
    assert "not sent" in answer["message"]
    assert not ArticleFeedback.objects.exists()


def test_a_re_shown_form_keeps_what_the_reader_chose_and_wrote(client, article):
    response = send(client, article, {"helpful": "no", "note": "x" * 1001})

    html = response.content.decode()
    assert re.search(r'<input type="radio" name="helpful" value="no"[^>]* checked>', html)
    assert not re.search(r'<input type="radio" name="helpful" value="yes"[^>]* checked>', html)
    assert "x" * 1001 in html


@pytest.mark.parametrize(
    "change",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"published_at": START + datetime.timedelta(days=3650)},
    ],
    ids=["draft", "scheduled"],
)
def test_an_article_readers_cannot_see_takes_no_feedback(client, article, change):
    Article.objects.filter(pk=article.pk).update(**change)

    response = send(client, article, {"helpful": "yes"})

    assert response.status_code == 404
    assert not ArticleFeedback.objects.exists()


def test_an_unknown_article_is_404(client):
    response = client.post("/articles/no-such-article/feedback/", {"helpful": "yes"}, **SAME_ORIGIN)

    assert response.status_code == 404


def test_get_is_405(client, article):
    assert client.get(feedback_url(article)).status_code == 405
    assert not ArticleFeedback.objects.exists()


# --- Cross-site posts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://elsewhere.example"},
        # A subdomain could be another party's.
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://blog.testserver"},
        {"HTTP_ORIGIN": "https://elsewhere.example"},
        {"HTTP_ORIGIN": "null"},
        # Neither header: only a very old browser, the one a forged form could use.
        {},
    ],
    ids=["cross-site", "same-site", "other-origin", "opaque-origin", "no-headers"],
)
def test_a_post_from_another_site_is_refused(csrf_client, article, headers):
    response = csrf_client.post(feedback_url(article), {"helpful": "no"}, **headers)

    assert response.status_code == 403
    assert not ArticleFeedback.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "https://www.example.org"},
    ],
    ids=["fetch-metadata", "origin", "trusted-origin"],
)
def test_a_post_from_our_own_page_needs_no_token(csrf_client, article, settings, headers):
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]

    response = csrf_client.post(feedback_url(article), {"helpful": "yes"}, **headers)

    assert response.status_code == 303
    assert ArticleFeedback.objects.count() == 1


# --- Flood limit ---------------------------------------------------------------------


def test_one_answer_per_address_per_window_then_429(client, article, frozen, settings):
    settings.ARTICLE_FEEDBACK_FLOOD_SECONDS = 30
    other = make_article(title="Naloxone at home")
    address = {"REMOTE_ADDR": "198.51.100.7"}

    assert send(client, article, {"helpful": "yes"}, **address).status_code == 303
    frozen.shift(29)
    refused = send(client, other, {"helpful": "no", "note": "Kept?"}, **address)
    from_the_script = client.post(
        feedback_url(other), {"helpful": "no"}, **AS_SCRIPT, REMOTE_ADDR="198.51.100.7"
    )
    another_reader = send(client, other, {"helpful": "no"}, REMOTE_ADDR="198.51.100.8")
    frozen.shift(2)
    later = send(client, other, {"helpful": "no"}, **address)

    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    assert "please wait 30 seconds" in refused.content.decode().lower()
    assert "Kept?" in refused.content.decode()
    assert (
        from_the_script.status_code == 429
        and "wait 30 seconds" in from_the_script.json()["message"]
    )
    assert another_reader.status_code == 303 and later.status_code == 303
    assert ArticleFeedback.objects.count() == 3
    assert not ArticleFeedback.objects.filter(note="Kept?").exists()


def test_bad_input_does_not_use_up_the_window(client, article):
    send(client, article, {"helpful": "perhaps"})

    assert send(client, article, {"helpful": "yes"}).status_code == 303


def test_the_flood_slot_holds_no_address(article, frozen):
    assert not feedback.is_flooding("192.0.2.1")
    assert feedback.is_flooding("192.0.2.1")
    assert "192.0.2.1" not in feedback.flood_key("192.0.2.1")
    assert feedback.flood_key("192.0.2.1") != feedback.flood_key("192.0.2.2")


def test_a_slot_past_its_end_on_our_clock_is_free_even_if_the_cache_still_holds_it(
    article, frozen, settings
):
    settings.ARTICLE_FEEDBACK_FLOOD_SECONDS = 30
    now = START.timestamp()

    assert not feedback.is_flooding("192.0.2.1", now=now)
    # The cache's own expiry has not run (its clock may lag ours): ours decides.
    assert feedback.is_flooding("192.0.2.1", now=now + 29)
    assert not feedback.is_flooding("192.0.2.1", now=now + 31)
    assert feedback.is_flooding("192.0.2.1", now=now + 32)


def test_zero_turns_the_limit_off(client, article, settings):
    settings.ARTICLE_FEEDBACK_FLOOD_SECONDS = 0

    answers = [send(client, article, {"helpful": "yes"}).status_code for _ in range(3)]

    assert answers == [303] * 3


# --- Admin ---------------------------------------------------------------------------


@pytest.fixture
def answers(frozen, article):
    other = make_article(title="Naloxone at home")
    for is_helpful, note, days_ago, on in [
        (True, "", 1, article),
        (False, "A worked example would help.", 2, article),
        (False, "", 3, article),
        (True, "", 40, article),
        (False, "", 45, article),
        (True, "Clear, thank you.", 5, other),
    ]:
        ArticleFeedback.objects.create(
            article=on,
            is_helpful=is_helpful,
            note=note,
            created_at=START - datetime.timedelta(days=days_ago),
        )
    return {"article": article, "other": other}


def summary_rows(response):
    return {row.title: row for row in response.context["cl"].result_list}


def test_editors_see_the_counts_per_article(client, answers):
    client.force_login(make_staff("editor", groups=["Editors"]))
    url = reverse("admin:articles_articlefeedbacksummary_changelist")

    everything = client.get(url)
    last_30_days = client.get(url, {"received": "30"})

    assert everything.status_code == 200
    rows = summary_rows(everything)
    withdrawal = rows["Understanding withdrawal"]
    assert (withdrawal.helpful_count, withdrawal.unhelpful_count) == (2, 3)
    assert withdrawal.helpful_share == pytest.approx(0.4)
    html = everything.content.decode()
    assert "40%" in html and "100%" in html
    # Most "No" first.
    assert list(rows) == ["Understanding withdrawal", "Naloxone at home"]
    recent = summary_rows(last_30_days)["Understanding withdrawal"]
    assert (recent.helpful_count, recent.unhelpful_count, recent.note_count) == (1, 2, 1)
    no_link = (
        reverse("admin:articles_articlefeedback_changelist")
        + f"?article__id__exact={answers['article'].pk}&amp;is_helpful__exact=0&amp;received=30"
    )
    assert no_link in last_30_days.content.decode()


def test_editors_read_the_notes_filtered_by_article_and_answer(client, answers):
    client.force_login(make_staff("editor", groups=["Editors"]))
    url = reverse("admin:articles_articlefeedback_changelist")

    response = client.get(
        url,
        {"article__id__exact": answers["article"].pk, "is_helpful__exact": "0", "received": "30"},
    )

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    assert "A worked example would help." in response.content.decode()
    assert "Clear, thank you." not in response.content.decode()


def test_feedback_is_read_only_in_the_admin(client, answers):
    client.force_login(make_staff("editor", groups=["Editors"]))
    row = ArticleFeedback.objects.exclude(note="").first()

    change_page = client.get(reverse("admin:articles_articlefeedback_change", args=[row.pk]))
    posted = client.post(
        reverse("admin:articles_articlefeedback_change", args=[row.pk]),
        {"article": row.article_id, "is_helpful": "on", "note": "Changed"},
    )

    assert change_page.status_code == 200 and row.note in change_page.content.decode()
    assert posted.status_code == 403
    assert client.get(reverse("admin:articles_articlefeedback_add")).status_code == 403
    row.refresh_from_db()
    assert row.note != "Changed"


def test_staff_without_the_permission_see_no_notes_and_no_counts(client, answers):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    for name in ("articlefeedback", "articlefeedbacksummary"):
        response = client.get(reverse(f"admin:articles_{name}_changelist"))
        assert response.status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "reader feedback" not in index.lower() and "feedback by article" not in index.lower()


def test_a_bad_filter_value_is_not_a_500(client, answers):
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    url = reverse("admin:articles_articlefeedback_changelist")

    assert client.get(url, {"article__id__exact": "x"}).status_code in (200, 400)
    assert client.get(url, {"received": "nonsense"}).status_code == 200
    summary = reverse("admin:articles_articlefeedbacksummary_changelist")
    assert client.get(summary, {"received": "nonsense"}).status_code == 200


def test_notes_are_never_on_a_public_page(client, answers):
    article = answers["article"]

    for url in (article.get_absolute_url(), reverse("articles:home"), "/feed/"):
        assert "A worked example would help." not in client.get(url).content.decode()


def test_a_preview_has_no_feedback_form(client, article):
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT, published_at=None)
    link = PreviewLink.share(article=Article.objects.get(pk=article.pk), user=None, days=7)

    response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    assert 'id="article-feedback"' not in response.content.decode()
