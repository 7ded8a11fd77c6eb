"""Posting and reading comments through the article page, as readers do."""

import re
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from core.models import SiteSettings
from pages.models import footer_links
from tests.factories import make_article, make_comment, make_threads, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    topic = make_topic()
    make_article(title="A related article", topics=[topic])
    return make_article(title="Understanding withdrawal", sections=2, faqs=1, topics=[topic])


def post(client, article, data, **extra):
    return client.post(reverse("comments:post", args=[article.slug]), data, **extra)


def page(client, article, **params):
    return client.get(article.get_absolute_url(), params).content.decode()


def test_a_new_comment_waits_for_moderation_and_only_its_author_sees_it(
    client, article, comment_post_data
):
    response = post(client, article, comment_post_data(body="My brother is in detox now."))

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.decided_by == Comment.Rule.DEFAULT
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    own_view = page(client, article)
    assert "My brother is in detox now." in own_view
    assert "Your comment is awaiting moderation." in own_view
    assert "awaiting moderation; until a moderator approves it" in own_view  # the message

    stranger_view = page(Client(), article)
    assert "My brother is in detox now." not in stranger_view
    assert "awaiting moderation" not in stranger_view
    assert '<h2 id="comments-heading">Comments</h2>' in stranger_view


def test_approved_comments_are_shown_to_everyone_oldest_first(client, article):
    first = make_comment(article, body="First of all, thank you.")
    second = make_comment(article, body="Second thoughts on day three.")
    make_comment(article, body="Spam text", status=Comment.Status.SPAM)
    make_comment(article, body="Trashed text", status=Comment.Status.TRASH)

    content = page(client, article)

    assert content.index(first.body) < content.index(second.body)
    assert "Spam text" not in content and "Trashed text" not in content
    assert '<h2 id="comments-heading">2 comments</h2>' in content
    assert f'id="comment-{first.pk}"' in content


def test_comment_counts_appear_on_lists_and_in_the_header(client, article):
    make_comment(article)
    make_comment(article)
    make_comment(article, status=Comment.Status.PENDING)

    assert "2 comments" in client.get(reverse("articles:list")).content.decode()
    header = page(client, article).split('id="comments"')[0]
    assert re.search(r'href="#comments">2<span class="visually-hidden"> comments', header)


def test_comment_text_is_escaped_with_paragraphs_and_safe_links(client, article):
    make_comment(
        article,
        author_name="<img src=x onerror=alert(1)>",
        author_url="https://example.org/me",
        body="<script>alert('x')</script>\nline two\n\nSee https://www.samhsa.gov/find-help.",
    )

    content = page(client, article)

    assert "<script>alert" not in content and "<img src=x" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>line two</p>" in content
    assert (
        '<a href="https://www.samhsa.gov/find-help" rel="nofollow ugc noopener">'
        "https://www.samhsa.gov/find-help</a>." in content
    )
    assert '<a href="https://example.org/me" rel="nofollow ugc noopener">&lt;img' in content


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"])
def test_a_stored_website_that_is_not_http_is_never_a_link(client, article, url):
    # The form refuses these; a row written another way (an import) must not be a link.
    make_comment(article, author_name="Pat", author_url=url)

    content = page(client, article)

    assert 'class="comment-author">Pat</span>' in content
    assert "alert(1)" not in content and "data:text" not in content


def test_email_addresses_never_appear_in_public_pages(client, article):
    make_comment(article, author_email="private.person@example.org")
    make_comment(article, author_email="someone.else@example.org", status=Comment.Status.PENDING)

    for url in (article.get_absolute_url(), reverse("articles:list"), reverse("articles:home")):
        assert "@example.org" not in client.get(url).content.decode()


def test_staff_comments_are_published_at_once(client, article, comment_post_data):
    user = User.objects.create_user("editor", "editor@example.org", "pw", is_staff=True)
    client.force_login(user)

    form_page = page(client, article)
    response = post(
        client, article, {"body": "A note from our team.", **_timestamp(comment_post_data)}
    )

    assert "Logged in as editor." in form_page
    assert 'name="author_email"' not in form_page
    comment = Comment.objects.get()
    assert (comment.status, comment.decided_by) == ("approved", "staff")
    assert (comment.author_name, comment.user) == ("editor", user)
    assert response.status_code == 302
    assert "A note from our team." in page(Client(), article)


def _timestamp(comment_post_data):
    return {"timestamp": comment_post_data()["timestamp"]}


def test_reply_link_works_without_javascript(client, article, comment_post_data):
    parent = make_comment(article, author_name="Dana")

    content = page(client, article, replyto=parent.pk)

    assert f'href="?replyto={parent.pk}#respond"' in content
    assert "Reply to Dana" in content
    assert re.search(r'id="cancel-comment-reply-link"[^>]*href="[^"]+#respond"(?! hidden)', content)
    assert '<meta name="robots" content="noindex">' in content
    assert f'name="parent" value="{parent.pk}"' in content
    assert '<meta name="robots" content="noindex">' not in page(client, article)

    post(client, article, comment_post_data(body="Thank you, Dana.", parent=parent.pk))
    assert Comment.objects.get(body="Thank you, Dana.").parent == parent


def test_threads_nest_and_a_reply_at_the_depth_cap_attaches_at_the_cap(
    client, article, comment_post_data, settings
):
    settings.COMMENTS_MAX_DEPTH = 3
    top = make_comment(article)
    reply = make_comment(article, parent=top)
    deepest = make_comment(article, parent=reply)

    post(client, article, comment_post_data(body="Deeper still?", parent=deepest.pk))

    new = Comment.objects.get(body="Deeper still?")
    assert new.parent == reply  # a sibling of the comment at the cap
    Comment.objects.filter(pk=new.pk).update(status=Comment.Status.APPROVED)
    content = page(Client(), article)
    assert content.count('<ol class="children">') == 2
    # Replies sit inside their parent's list item.
    top_item = content[content.index(f'id="comment-{top.pk}"') :]
    assert top_item.index(f'id="comment-{reply.pk}"') < top_item.index(f'id="comment-{new.pk}"')
    assert re.search(rf'<ol class="children">\s*<li id="comment-{reply.pk}"', content)


@pytest.mark.parametrize(
    "status", [Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.TRASH]
)
def test_replying_to_a_comment_that_is_not_approved_is_refused(
    client, article, comment_post_data, status
):
    hidden = make_comment(article, status=status)

    response = post(client, article, comment_post_data(body="Reply", parent=hidden.pk))

    assert response.status_code == 400
    assert "The comment you are replying to is not available" in response.content.decode()
    assert Comment.objects.count() == 1


def test_flood_control_answers_429_and_keeps_the_text(client, article, comment_post_data):
    post(client, article, comment_post_data(body="First comment."))

    response = post(client, article, comment_post_data(body="Second, too soon."))

    assert response.status_code == 429
    assert response["Retry-After"] == "15"
    content = response.content.decode()
    assert "Second, too soon.</textarea>" in content
    assert "please wait 15 seconds" in content
    assert Comment.objects.count() == 1
    other_ip = post(Client(REMOTE_ADDR="198.51.100.9"), article, comment_post_data(body="Hi"))
    assert other_ip.status_code == 302


def test_a_forged_forwarded_for_header_does_not_dodge_flood_control(
    client, article, comment_post_data
):
    post(client, article, comment_post_data(body="One"), HTTP_X_FORWARDED_FOR="192.0.2.1")

    response = post(
        client, article, comment_post_data(body="Two"), HTTP_X_FORWARDED_FOR="192.0.2.2"
    )

    assert response.status_code == 429
    assert Comment.objects.get().ip_address == "127.0.0.1"


def test_with_a_trusted_proxy_the_client_is_the_last_forwarded_address(
    article, comment_post_data, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    post(
        proxy, article, comment_post_data(body="One"), HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    forged = post(
        proxy, article, comment_post_data(body="Two"), HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7"
    )
    other = post(
        proxy, article, comment_post_data(body="Three"), HTTP_X_FORWARDED_FOR="203.0.113.5"
    )

    assert Comment.objects.get(body="One").ip_address == "198.51.100.7"
    assert forged.status_code == 429
    assert other.status_code == 302


def test_the_same_comment_twice_is_refused_with_a_clear_message(
    client, article, comment_post_data, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article, comment_post_data(body="Exactly this."))

    response = post(
        client,
        article,
        comment_post_data(body="  exactly   THIS. ", author_email="SAM@example.org"),
    )

    assert response.status_code == 409
    assert "You have already posted this comment here." in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_identical_submits_store_one_comment(comment_post_data, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    article = make_article()
    data = comment_post_data(body="Sent twice by a double click.")
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        client = Client()
        barrier.wait()
        try:
            statuses.append(post(client, article, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Comment.objects.count() == 1
    assert sorted(statuses) == [302, 409]


def test_closed_articles_show_it_and_refuse_posts(client, comment_post_data):
    closed = make_article(allows_comments=False)
    make_comment(closed, body="An older, approved comment.")

    content = page(client, closed)
    response = post(client, closed, comment_post_data(body="Too late?"))

    assert "Comments are closed." in content
    assert 'id="commentform"' not in content
    assert "An older, approved comment." in content
    assert "comment-reply-link" not in content
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_comments_close_automatically_after_the_configured_days(
    client, comment_post_data, settings
):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 14
    old = make_article(published_at=timezone.now() - timezone.timedelta(days=15))
    recent = make_article(published_at=timezone.now() - timezone.timedelta(days=13))

    assert "Comments are closed." in page(client, old)
    assert post(client, old, comment_post_data()).status_code == 403
    assert post(client, recent, comment_post_data()).status_code == 302


def test_save_my_details_only_when_ticked(client, article, comment_post_data, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    other_article = make_article()

    post(client, article, comment_post_data(body="First", save_details="on"))
    remembered = page(client, other_article)
    post(client, article, comment_post_data(body="Second"))  # not ticked: forget
    forgotten = page(client, other_article)

    assert 'value="Sam Rivera"' in remembered and 'value="sam@example.org"' in remembered
    assert re.search(r'name="save_details"[^>]*checked', remembered)
    assert client.cookies["comment_author"].value == ""
    assert 'value="Sam Rivera"' not in forgotten
    assert "sam@example.org" not in page(Client(), other_article)


def test_spam_is_stored_but_never_shown(client, article, comment_post_data):
    response = post(client, article, comment_post_data(body="Cheap pills", fax_number="555"))

    comment = Comment.objects.get()
    assert (comment.status, comment.decided_by) == ("spam", "honeypot")
    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    assert "Cheap pills" not in page(client, article)


def test_crisis_language_shows_the_author_the_helpline_at_once(client, article, comment_post_data):
    post(client, article, comment_post_data(body="I took too much and I'm scared."))

    comment = Comment.objects.get()
    content = page(client, article)
    assert comment.is_urgent and comment.decided_by == "crisis"
    notice = content[content.index("Your comment is awaiting moderation.") :]
    assert 'href="tel:988"' in notice[:1500]
    assert SiteSettings.load().helpline_phone in notice[:1500]


def test_comment_threads_paginate_and_a_new_comment_lands_on_its_page(
    client, article, comment_post_data, settings
):
    settings.COMMENTS_PER_PAGE = 2
    for number in range(5):
        make_comment(article, body=f"Thread {number}")

    first_page = page(client, article)
    last_page = page(client, article, cpage=3)
    response = post(client, article, comment_post_data(body="The newest thread."))

    assert "Thread 0" in first_page and "Thread 2" not in first_page
    assert 'href="?cpage=2#comments"' in first_page
    assert "Thread 4" in last_page
    new = Comment.objects.get(body="The newest thread.")
    assert response["Location"].endswith(f"?cpage=3#comment-{new.pk}")
    assert "The newest thread." in page(client, article, cpage=3)


def test_a_reply_lands_on_the_page_of_its_thread_not_of_its_own_time(
    client, article, comment_post_data, settings, django_assert_num_queries
):
    settings.COMMENTS_PER_PAGE = 2
    first, second, third = (make_comment(article) for _ in range(3))
    reply = make_comment(article, parent=third)
    nested = make_comment(article, parent=reply)
    # Newer threads, and a thread set aside, change nothing for the threads before them.
    make_comment(article)
    make_comment(article, status=Comment.Status.TRASH)

    response = post(client, article, comment_post_data(body="Replying late.", parent=nested.pk))

    new = Comment.objects.get(body="Replying late.")
    assert response["Location"].endswith(f"?cpage=2#comment-{new.pk}")
    assert response["Location"].startswith(article.get_absolute_url())
    with django_assert_num_queries(2):  # the comment, and its thread's place
        permalink = Client().get(nested.get_absolute_url())
    assert permalink["Location"] == f"{article.get_absolute_url()}?cpage=2#comment-{nested.pk}"
    assert Client().get(first.get_absolute_url())["Location"].endswith(f"#comment-{first.pk}")
    assert "?cpage" not in Client().get(second.get_absolute_url())["Location"]


def test_a_loop_of_parents_written_outside_the_site_cannot_hang_a_permalink(client, article):
    # Only a comment that is its own parent is refused by the database.
    first = make_comment(article)
    second = make_comment(article, parent=first)
    Comment.objects.filter(pk=first.pk).update(parent=second)

    response = client.get(second.get_absolute_url())

    assert response["Location"] == f"{article.get_absolute_url()}#comment-{second.pk}"


@pytest.mark.parametrize("count", [5, 500])
def test_article_page_query_count_does_not_grow_with_comments(
    client, article, django_assert_num_queries, count
):
    make_threads(article, count)
    SiteSettings.load()
    footer_links()

    # the article (with its outline, topics and comment count), related articles,
    # comments; and, to store the body fragment and then the shared page, when an
    # article next goes public or stops being public
    with django_assert_num_queries(5):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_an_author_with_a_pending_comment_costs_one_more_query(
    client, article, comment_post_data, django_assert_num_queries
):
    post(client, article, comment_post_data())
    SiteSettings.load()
    footer_links()

    # the article, related articles and the next visibility change for the body
    # fragment, the approved comments and the reader's own pending one; the page is
    # theirs alone, never stored
    with django_assert_num_queries(5):
        client.get(article.get_absolute_url())
