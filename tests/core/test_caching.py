"""Shared pages for anonymous readers (core/caching.py): hits, exact invalidation, what is
never shared, conditional GET. Runs on whichever cache settings choose (local memory,
or Redis with REDIS_URL)."""

import io
import re
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments import sections
from comments.forms import timestamp_problem
from comments.models import Comment
from comments.threads import build_threads
from core.models import SiteSettings
from tests.factories import make_article, make_comment, make_faq, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_settings():
    # Created on first use; the request that creates the row changes content while
    # it renders and so is not stored. Tests here start with it in place.
    return SiteSettings.load()


@pytest.fixture
def topic():
    return make_topic(name="Opioids", slug="opioids")


@pytest.fixture
def article(topic):
    article = make_article(title="Understanding withdrawal", sections=2, faqs=1, topics=[topic])
    make_comment(article, body="The first approved comment.")
    return article


@pytest.fixture
def travel(monkeypatch):
    """Move the clock forward (Python's and Django's; the local-memory cache's too)."""
    real_time, real_now = time.time, timezone.now

    def forward(**delta):
        seconds = timezone.timedelta(**delta).total_seconds()
        monkeypatch.setattr(time, "time", lambda: real_time() + seconds)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timezone.timedelta(**delta))

    return forward


def hidden_value(response, name):
    return re.search(rf'name="{name}" value="([^"]*)"', response.content.decode()).group(1)


def status(response):
    return response.headers.get("X-Page-Cache")


def post_comment(client, article, data):
    return client.post(reverse("comments:post", args=[article.slug]), data)


def cacheable_urls(article, topic):
    return [
        article.get_absolute_url(),
        reverse("articles:home"),
        reverse("articles:list"),
        reverse("articles:list") + f"?topic={topic.slug}",
        topic.get_absolute_url(),
        reverse("articles:topics"),
    ]


def test_the_second_anonymous_request_is_a_hit_without_queries(
    client, article, topic, django_assert_num_queries
):
    for url in cacheable_urls(article, topic):
        first = client.get(url)
        with django_assert_num_queries(0):
            second = Client().get(url)

        assert (status(first), status(second)) == ("miss", "hit"), url
        # Every anonymous reader gets the same bytes, with no cookie of theirs.
        assert second.content == first.content, url
        assert not first.cookies and not second.cookies, url


def test_head_requests_are_served_from_the_cache_too(client, article, django_assert_num_queries):
    client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        response = Client().head(article.get_absolute_url())

    assert response.status_code == 200 and status(response) == "hit"


def test_a_shared_article_page_leaves_the_form_token_to_the_readers_browser(
    article, comment_post_data, travel
):
    reader = Client(enforce_csrf_checks=True)
    url = article.get_absolute_url()
    Client().get(url)
    page = reader.get(url)
    content = page.content.decode()

    assert status(page) == "hit"
    assert hidden_value(page, "csrfmiddlewaretoken") == ""
    assert re.search(r'<input type="hidden" name="timestamp" id="id_timestamp">', content)
    token_url = reverse("comments:form_token")
    assert f'data-form-token-url="{token_url}"' in content
    assert "csrftoken" not in reader.cookies

    # What static/js/comment-form.js does once the form is in view.
    fetched = reader.get(token_url)
    assert "no-store" in fetched["Cache-Control"] and "private" in fetched["Cache-Control"]
    assert "csrftoken" in reader.cookies
    values = fetched.json()
    assert timestamp_problem(values["timestamp"], now=time.time() + 10) is None

    travel(seconds=10)
    response = post_comment(reader, article, comment_post_data(**values))
    assert response.status_code == 302
    assert Comment.objects.filter(author_email="sam@example.org").get().decided_by == "default"


def test_a_page_that_asks_for_a_csrf_token_is_never_shared(client, article, monkeypatch):
    from core import caching

    monkeypatch.setattr(caching, "is_shared", lambda request: False)
    url = article.get_absolute_url()

    responses = [Client().get(url), Client().get(url)]

    assert [status(r) for r in responses] == ["miss", "miss"]
    tokens = {hidden_value(r, "csrfmiddlewaretoken") for r in responses}
    assert len(tokens) == 2 and "" not in tokens
    assert all("csrftoken" in r.cookies for r in responses)


def test_a_new_approved_comment_shows_at_once_on_the_article_and_in_lists(client, article):
    for url in (article.get_absolute_url(), reverse("articles:home")):
        client.get(url)
        assert status(client.get(url)) == "hit"

    make_comment(article, body="A brand new approved comment.")

    article_page = client.get(article.get_absolute_url())
    home = client.get(reverse("articles:home")).content.decode()
    assert status(article_page) == "miss"
    assert "A brand new approved comment." in article_page.content.decode()
    assert "2 comments" in home


def test_moderating_in_the_admin_shows_or_hides_a_comment_at_once(client, admin_client, article):
    waiting = make_comment(article, status=Comment.Status.PENDING, body="Words held for review.")
    url = article.get_absolute_url()
    client.get(url)
    assert "Words held for review." not in client.get(url).content.decode()

    changelist = reverse("admin:comments_comment_changelist")
    admin_client.post(changelist, {"action": "approve", "_selected_action": [waiting.pk]})
    assert "Words held for review." in client.get(url).content.decode()
    assert status(client.get(url)) == "hit"

    admin_client.post(changelist, {"action": "move_to_trash", "_selected_action": [waiting.pk]})
    assert "Words held for review." not in client.get(url).content.decode()


def test_deleting_a_trashed_comment_refreshes_its_replies(client, article):
    parent = make_comment(article, status=Comment.Status.TRASH, body="Trashed parent.")
    make_comment(article, parent=parent, body="An approved reply.")
    url = article.get_absolute_url()
    client.get(url)
    assert status(client.get(url)) == "hit"

    parent.delete()

    assert status(client.get(url)) == "miss"


def test_a_pending_comment_never_reaches_the_shared_cache(client, article, comment_post_data):
    url = article.get_absolute_url()
    Client().get(url)

    post_comment(client, article, comment_post_data(body="Only I may see this for now."))
    assert Comment.objects.get(body="Only I may see this for now.").status == "pending"
    own_view = client.get(url)
    own_view_again = client.get(url)

    for response in (own_view, own_view_again):
        assert "Only I may see this for now." in response.content.decode()
        assert status(response) is None
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    stranger = Client().get(url)
    assert status(stranger) == "hit"
    assert "Only I may see this for now." not in stranger.content.decode()


def test_a_flashed_message_is_never_cached_nor_shared(client, article, comment_post_data):
    post_comment(client, article, comment_post_data())

    with_message = client.get(article.get_absolute_url())
    stranger = Client().get(article.get_absolute_url())

    assert "Thank you." in with_message.content.decode()
    assert status(with_message) is None
    assert "Thank you." not in stranger.content.decode()


def test_a_saved_details_cookie_gets_its_own_prefilled_uncached_form(
    client, article, comment_post_data
):
    post_comment(client, article, comment_post_data(save_details="on", author_name="Kim Lee"))
    client.cookies.pop("comments_mine")
    client.cookies.pop("messages", None)

    mine = client.get(article.get_absolute_url())
    stranger = Client().get(article.get_absolute_url())

    assert 'value="Kim Lee"' in mine.content.decode() and status(mine) is None
    assert 'value="Kim Lee"' not in stranger.content.decode()


def test_a_logged_in_editor_always_gets_a_fresh_private_page(client, admin_client, article):
    url = article.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=article.pk).update(title="Renamed behind the cache's back")

    editor_view = admin_client.get(url)

    assert "Renamed behind the cache&#39;s back" in editor_view.content.decode()
    assert status(editor_view) is None and "no-store" in editor_view["Cache-Control"]
    assert "Logged in as" in editor_view.content.decode()
    anonymous = client.get(url)
    assert status(anonymous) == "hit" and "Logged in as" not in anonymous.content.decode()


def edit_section(article, topic):
    section = article.sections.first()
    section.heading = "A freshly edited heading"
    section.save()
    return "A freshly edited heading"


def add_faq(article, topic):
    make_faq(article, question="A brand new question?")
    return "A brand new question?"


def rename_topic(article, topic):
    topic.name = "Opioid use"
    topic.save()
    return "Opioid use"


def add_topic(article, topic):
    article.topics.add(make_topic(name="Family support"))
    return "Family support"


def retitle_article(article, topic):
    article.title = "Withdrawal, explained again"
    article.save()
    return "Withdrawal, explained again"


def rename_site(article, topic):
    site = SiteSettings.load()
    site.site_name = "Harbour House"
    site.save()
    return "Harbour House"


@pytest.mark.parametrize(
    "edit", [edit_section, add_faq, rename_topic, add_topic, retitle_article, rename_site]
)
def test_editing_content_refreshes_the_pages_showing_it(client, article, topic, edit):
    url = article.get_absolute_url()
    client.get(url)
    assert status(client.get(url)) == "hit"

    new_text = edit(article, topic)

    response = client.get(url)
    assert status(response) == "miss"
    assert new_text in response.content.decode()


def test_removing_a_section_or_a_topic_refreshes_the_pages(client, article, topic):
    list_url = reverse("articles:list")
    client.get(list_url)
    client.get(article.get_absolute_url())

    article.sections.first().delete()
    article.topics.remove(topic)

    assert "Section heading 1" not in client.get(article.get_absolute_url()).content.decode()
    assert 'class="topic-tag"' not in client.get(list_url).content.decode()


def test_a_related_articles_comment_count_refreshes_the_page(client, article, topic):
    other = make_article(title="A related article", topics=[topic])
    url = article.get_absolute_url()
    client.get(url)
    assert status(client.get(url)) == "hit"

    make_comment(other)

    assert status(client.get(url)) == "miss"


def test_a_scheduled_article_appears_when_its_time_comes(client, travel):
    make_article(title="Already out")
    make_article(title="Out later today", published_at=timezone.now() + timezone.timedelta(hours=1))
    for url in (reverse("articles:home"), reverse("articles:list")):
        client.get(url)
        response = client.get(url)
        assert status(response) == "hit" and "Out later today" not in response.content.decode()

    travel(hours=2)

    for url in (reverse("articles:home"), reverse("articles:list")):
        assert "Out later today" in client.get(url).content.decode()


def test_comments_closing_by_age_refreshes_the_page(client, settings, travel):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    article = make_article(published_at=timezone.now() - timezone.timedelta(days=29))
    client.get(article.get_absolute_url())
    assert "Leave a Reply" in client.get(article.get_absolute_url()).content.decode()

    travel(days=2)

    assert "Comments are closed." in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "query",
    ["?replyto=1", "?utm_source=newsletter", "?cpage=1&cpage=2", "?cpage=%3Cscript%3E", "?cpage=0"],
)
def test_other_query_strings_are_rendered_but_never_stored(client, article, query):
    url = article.get_absolute_url() + query

    responses = [client.get(url), client.get(url)]

    assert [r.status_code for r in responses] == [200, 200]
    assert [status(r) for r in responses] == [None, None]


def test_comment_pages_and_list_pages_are_cached_apart(client, article, settings):
    settings.COMMENTS_PER_PAGE = 1
    make_comment(article, body="The second thread.")
    url = article.get_absolute_url()

    first = client.get(url)
    second = client.get(url + "?cpage=2")

    assert status(second) == "miss"
    assert "The second thread." in second.content.decode()
    assert "The second thread." not in first.content.decode()
    assert status(client.get(url + "?cpage=2")) == "hit"


def test_a_page_that_is_not_found_is_not_cached(client):
    url = reverse("articles:detail", args=["not-here"])

    responses = [client.get(url), client.get(url)]

    assert [r.status_code for r in responses] == [404, 404]
    assert status(responses[1]) is None


def test_an_unchanged_article_page_answers_304_to_any_reader(client, article):
    url = article.get_absolute_url()
    etag = client.get(url)["ETag"]

    assert etag.startswith('W/"')
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    # Nothing in it is this reader's: another browser's copy is as good.
    assert Client().get(url, headers={"if-none-match": etag}).status_code == 304
    assert "public" in client.get(url)["Cache-Control"]

    make_comment(article, body="Something new to read.")
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200 and "Something new to read." in response.content.decode()


def test_list_pages_answer_304_to_etag_and_last_modified(client, article):
    url = reverse("articles:list")
    response = client.get(url)

    assert "public" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert Client().get(url, headers={"if-none-match": response["ETag"]}).status_code == 304
    since = response["Last-Modified"]
    assert Client().get(url, headers={"if-modified-since": since}).status_code == 304

    retitle_article(article, None)
    assert Client().get(url, headers={"if-none-match": response["ETag"]}).status_code == 200


def test_the_page_cache_can_be_turned_off(client, article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()

    responses = [client.get(url), client.get(url)]

    assert [status(r) for r in responses] == [None, None]


def test_a_command_expires_every_page_after_changes_behind_djangos_back(client, article):
    url = article.get_absolute_url()
    client.get(url)
    Article.objects.filter(pk=article.pk).update(title="Changed with SQL")
    assert status(client.get(url)) == "hit"

    call_command("expire_cached_pages", stdout=io.StringIO())

    assert "Changed with SQL" in client.get(url).content.decode()


def test_a_page_rendered_while_a_comment_arrives_is_not_stored(client, article, monkeypatch):
    url = article.get_absolute_url()
    arrived = []

    def comment_after_the_thread_was_read(*args, **kwargs):
        if not arrived:
            arrived.append(make_comment(article, body="Arrived while the page rendered."))
        return build_threads(*args, **kwargs)

    monkeypatch.setattr(sections, "build_threads", comment_after_the_thread_was_read)
    first = client.get(url)
    monkeypatch.undo()

    assert arrived and "Arrived while the page rendered." not in first.content.decode()
    second = client.get(url)
    assert status(second) == "miss"
    assert "Arrived while the page rendered." in second.content.decode()


def test_a_front_cache_may_keep_shared_pages_and_nothing_else(client, article, settings):
    settings.FRONT_CACHE_SECONDS = 1
    url = article.get_absolute_url()

    miss, hit = Client().get(url), Client().get(url)
    reader = Client()
    reader.cookies["comments_mine"] = "x"
    personal = reader.get(url)
    token = Client().get(reverse("comments:form_token"))

    assert (status(miss), status(hit)) == ("miss", "hit")
    assert miss["X-Accel-Expires"] == hit["X-Accel-Expires"] == "1"
    # nginx 1.22 reads it only if it comes before "Cache-Control: max-age=0".
    names = list(hit.headers)
    assert names.index("X-Accel-Expires") < names.index("Cache-Control")
    assert "X-Accel-Expires" not in personal and "X-Accel-Expires" not in token
    assert "no-store" in personal["Cache-Control"]

    settings.FRONT_CACHE_SECONDS = 0
    assert "X-Accel-Expires" not in Client().get(url)


def test_a_personal_pages_cached_fragments_keep_each_hosts_addresses(
    client, article, topic, comment_post_data, settings, django_assert_num_queries
):
    settings.ALLOWED_HOSTS = ["testserver", "one.example", "two.example"]
    related = make_article(title="A related article", topics=[topic])
    post_comment(client, article, comment_post_data(save_details="on"))
    client.cookies.pop("comments_mine")
    client.cookies.pop("messages", None)
    first = client.get(article.get_absolute_url(), HTTP_HOST="one.example").content.decode()

    # The body with its related cards comes from the fragment the first request
    # stored: only the article is read. The JSON-LD (absolute addresses) is kept
    # per host.
    with django_assert_num_queries(1):
        second = client.get(article.get_absolute_url(), HTTP_HOST="two.example")
    second = second.content.decode()

    assert '"url": "http://one.example/articles/' in first
    assert '"url": "http://two.example/articles/' in second
    assert "one.example" not in second
    assert related.title in first and related.title in second


def test_site_settings_a_reader_cached_before_the_commit_are_dropped_after_it(
    django_capture_on_commit_callbacks,
):
    from django.core.cache import cache

    site = SiteSettings.load()
    with django_capture_on_commit_callbacks(execute=True):
        site.helpline_phone = "1-800-555-0199"
        site.save()
        # Another process read the row before this transaction committed, and kept it.
        cache.set(SiteSettings.cache_key(), SiteSettings(pk=1), timeout=300)

    assert SiteSettings.load().helpline_phone == "1-800-555-0199"


def test_an_article_leaves_every_page_at_its_unpublication_time(client, travel, topic):
    staying = make_article(title="Staying", topics=[topic])
    leaving = make_article(
        title="Leaving later today",
        topics=[topic],
        unpublish_at=timezone.now() + timezone.timedelta(hours=1),
    )
    urls = [reverse("articles:home"), reverse("articles:list"), topic.get_absolute_url()]
    for url in [*urls, staying.get_absolute_url()]:
        client.get(url)
        response = client.get(url)
        assert status(response) == "hit" and "Leaving later today" in response.content.decode()

    travel(hours=2)

    for url in [*urls, staying.get_absolute_url()]:
        assert "Leaving later today" not in client.get(url).content.decode()
    assert client.get(leaving.get_absolute_url()).status_code == 404
    assert "Leaving later today" not in client.get("/feed/").content.decode()
    assert leaving.slug not in client.get("/sitemap.xml").content.decode()
