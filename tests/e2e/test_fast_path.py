"""Chromium against a live server with the page cache's fast path in front of Django, as
gunicorn runs it (recovery_site/wsgi.py): a page it answers (the same gzipped bytes for
every reader) renders under the CSP, and its comment form fetches its token and posts."""

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread
from playwright.sync_api import expect

from articles import page_cache
from comments.models import Comment
from tests.e2e.test_journeys import (
    AWAITING_MODERATION,
    assert_no_console_errors,
    fill_comment,
    landed_comment,
    load_demo,
    post_comment,
)


@pytest.fixture
def fast_server(settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    page_cache._routes.clear()
    reached_django = []

    def counted(application):
        def call(environ, start_response):
            reached_django.append(environ["PATH_INFO"])
            return application(environ, start_response)

        return call

    thread = LiveServerThread(
        "localhost", lambda django: page_cache.FastPath(counted(StaticFilesHandler(django)))
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    thread.url = f"http://localhost:{thread.port}"
    thread.reached_django = reached_django
    yield thread
    thread.terminate()
    page_cache._routes.clear()


def test_a_page_from_the_fast_path_renders_and_its_form_posts(fast_server, new_page):
    article = load_demo()
    url = fast_server.url + article.get_absolute_url()
    for _ in range(2):  # rendered and stored, then a hit Django answers and the path learns
        new_page().goto(url)
    reader = new_page()
    fast_server.reached_django.clear()

    response = reader.goto(url)

    assert response.headers["x-page-cache"] == "hit"
    assert response.headers["content-encoding"] == "gzip"
    assert article.get_absolute_url() not in fast_server.reached_django
    expect(reader.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(reader.get_by_role("heading", name="Leave a Reply")).to_be_visible()

    text = "Reading this on a cached page, the form still works."
    fill_comment(reader, body=text, name="Robin Hale", email="robin@example.org")
    post_comment(reader)

    comment, comment_id = landed_comment(reader)
    expect(comment).to_contain_text(AWAITING_MODERATION)
    assert Comment.objects.get(pk=comment_id).body == text
    # The page came from the fast path; its form's token came from Django.
    assert "/comments/form-token/" in fast_server.reached_django
    assert_no_console_errors(reader)
