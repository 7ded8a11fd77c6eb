"""Approved comments carrying markup and script (the hostile corpus's payloads, in the
text and in the name) are inert in Chromium: no dialog, no script run, no CSP
violation, and the reader sees the text as typed."""

import pytest

from comments.models import Comment
from tests.factories import make_article, make_comment
from tests.hostile.test_comment_fields import XSS


@pytest.fixture
def hostile_comments():
    article = make_article(title="Understanding withdrawal", sections=1)
    comments = [
        make_comment(article, body=f"Before {payload} after", author_name=payload[:100])
        for payload in XSS
    ]
    return article, comments


def test_markup_in_approved_comments_is_shown_as_text_and_never_runs(
    live_server, page, hostile_comments
):
    article, comments = hostile_comments
    assert all(comment.status == Comment.Status.APPROVED for comment in comments)

    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_load_state("load")

    assert page.console_errors == []  # dialogs and CSP violations are recorded here
    assert page.evaluate("typeof window.alert") == "function"
    for comment, payload in zip(comments, XSS, strict=True):
        shown = page.locator(f"#{comment.anchor}").inner_text()
        assert f"Before {payload} after" in shown
        assert payload[:100] in shown
    assert page.locator("article script, .comments script, iframe, svg[onload]").count() == 0
