"""The comment thread's HTML (templates/jinja2/comments/includes/thread.html around the tree
of comments/threads.py): the markup of reference_comment.html, with every
reader-supplied value escaped."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Engine
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.templatetags.comment_tags import comment_date
from comments.threads import build_threads
from core.models import SiteSettings
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("reference_comment.html").read_text()
HOSTILE_NAME = "<script>alert('x')</script> \"Quote\" & Co"
HOSTILE_URL = 'https://example.org/?q="><script>alert(1)</script>&a=1'


def render_threads(nodes, *, comments_open, site):
    return render_to_string(
        "comments/includes/thread.html",
        {"nodes": nodes, "comments_open": comments_open, "site": site},
        using="jinja2",
    )


def reference_html(roots, *, comments_open, site):
    """The thread as a plain template, with one {% include %} per comment, writes it."""
    # The old template includes itself by its old name.
    templates = {"comment.html": REFERENCE, "comments/includes/comment.html": REFERENCE}
    engine = Engine(loaders=[("django.template.loaders.locmem.Loader", templates)])
    template = engine.from_string(
        '{% for node in roots %}{% include "comment.html" with depth=0 %}{% endfor %}'
    )
    return template.render(Context({"roots": roots, "comments_open": comments_open, "site": site}))


def normalised(html):
    """Markup with the template's indentation and blank lines taken out, and quotes
    escaped as Jinja2 writes them (Django templates write "&#x27;" and "&quot;")."""
    html = html.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
    html = re.sub(r">\s+", ">", html)
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html).strip()


@pytest.fixture
def site():
    settings = SiteSettings.load()
    settings.helpline_name = "Helpline <24/7>"
    settings.helpline_text = "Free <and> confidential & kind."
    settings.save()
    return settings


@pytest.fixture
def thread():
    """Approved comments four levels deep, hostile names, addresses and texts, and the
    visitor's own pending comments (one urgent) with their withdraw links."""
    article = make_article()
    top = make_comment(article, author_name=HOSTILE_NAME, author_url=HOSTILE_URL)
    reply = make_comment(article, parent=top, body="Line one\nline two\n\nSee https://a.org/x.")
    deeper = make_comment(article, parent=reply, author_url="javascript:alert(1)")
    make_comment(article, parent=deeper, body="<b>not bold</b> & <i>not italic</i>")
    second = make_comment(article, author_name="Pat")
    hidden_parent = make_comment(article, status=Comment.Status.SPAM)
    orphan = make_comment(article, parent=hidden_parent)
    own = make_comment(article, parent=second, status=Comment.Status.PENDING, is_urgent=True)
    own_top = make_comment(article, status=Comment.Status.PENDING, author_name="Me <me>")
    approved = list(Comment.objects.approved().filter(article=article).for_thread())
    pending = list(Comment.objects.filter(pk__in=[own.pk, own_top.pk]).for_thread())
    withdraw_urls = {
        pk: f"/comments/withdraw/token-{pk}/?a=1&b=<2>" for pk in (own.pk, own_top.pk, orphan.pk)
    }
    return build_threads(approved, pending, withdraw_urls)


@pytest.mark.parametrize("comments_open", [True, False], ids=["open", "closed"])
def test_the_thread_is_the_markup_the_template_wrote(thread, site, comments_open):
    html = render_threads(thread, comments_open=comments_open, site=site)

    expected = reference_html(thread, comments_open=comments_open, site=site)
    assert normalised(html) == normalised(expected)
    assert html.count('class="comment depth-') == 8
    assert 'class="comment depth-3"' in html


def test_names_addresses_and_texts_are_escaped(thread, site):
    html = render_threads(thread, comments_open=True, site=site)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &#34;Quote&#34; &amp; Co" in html
    hostile_url = "https://example.org/?q=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;a=1"
    assert f'href="{hostile_url}"' in html
    assert 'data-author-name="&lt;script&gt;' in html
    assert "javascript:" not in html  # not an http(s) address: the name is not a link
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;i&gt;not italic&lt;/i&gt;" in html
    assert '<a href="https://a.org/x" rel="nofollow ugc noopener">https://a.org/x</a>.' in html
    assert 'href="/comments/withdraw/token-' in html and "?a=1&amp;b=&lt;2&gt;" in html
    assert "Helpline &lt;24/7&gt;" in html
    assert "Free &lt;and&gt; confidential &amp; kind." in html


def test_only_own_pending_comments_say_they_await_moderation(thread, site):
    html = render_threads(thread, comments_open=True, site=site)
    items = re.findall(r'<li id="comment-(\d+)" class="([^"]+)">', html)
    pending = {int(pk) for pk, classes in items if "comment-pending" in classes}

    assert pending == set(Comment.objects.pending().values_list("pk", flat=True))
    assert html.count("Your comment is awaiting moderation.") == 2
    assert html.count("comment-crisis-help") == 1  # only the urgent one shows the helpline
    for pk in pending:
        assert f"?replyto={pk}#" not in html  # nobody replies to a pending comment
    assert html.count("comment-reply-link") == 6


def test_no_reply_links_when_comments_are_closed(thread, site):
    html = render_threads(thread, comments_open=False, site=site)

    assert "comment-reply-link" not in html
    assert html.count("comment-withdraw-link") == 3


def test_a_stranger_sees_approved_comments_only_with_no_pending_notice(client, site):
    article = make_article()
    make_comment(article, body="Visible to all.")
    make_comment(article, body="Held back.", status=Comment.Status.PENDING)

    content = Client().get(article.get_absolute_url()).content.decode()

    assert "Visible to all." in content
    assert "Held back." not in content
    assert "awaiting moderation" not in content


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 8, 0, 5, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=ZoneInfo("UTC")),  # DST starts
        datetime(2026, 7, 4, 16, 0, tzinfo=ZoneInfo("UTC")),  # noon in New York
        datetime(2026, 11, 1, 5, 30, tzinfo=ZoneInfo("UTC")),  # the repeated hour
        datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("UTC")),
        datetime(999, 1, 1, 12, 0, tzinfo=ZoneInfo("UTC")),
    ],
)
def test_comment_dates_read_as_the_date_filter_writes_them(moment):
    local = timezone.localtime(moment)

    assert comment_date(local) == date_filter(local, "F j, Y \\a\\t g:i a")
