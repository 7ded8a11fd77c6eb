"""Previews: editors see drafts, scheduled articles and unsaved changes as readers will,
and share signed, expiring, revocable links with reviewers who have no account."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article, PreviewLink, Section
from articles.previews import prepare_for_preview
from core import caching
from tests.articles.test_admin import article_form_data, faq_rows, make_staff
from tests.factories import make_article, make_faq, make_section, make_topic

pytestmark = pytest.mark.django_db

BANNER = "Preview: not published."
COMMENT_FORM = 'id="commentform"'


@pytest.fixture
def editor(client):
    user = make_staff("editor", groups=["Editors"])
    client.force_login(user)
    return user


@pytest.fixture
def moderator(client):
    user = make_staff("moderator", groups=["Moderators"])
    client.force_login(user)
    return user


def draft(**overrides):
    fields = {"title": "Tapering safely", "status": Article.Status.DRAFT, "published_at": None}
    article = make_article(**{**fields, **overrides})
    make_section(article, heading="What tapering means", body="Lowering the dose **slowly**.")
    return article


def preview_url(article):
    return reverse("admin:articles_article_preview", args=[article.pk])


def assert_private(response):
    """Never indexed, never kept by a browser or a shared cache."""
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert "X-Page-Cache" not in response
    assert b'<meta name="robots" content="noindex' in response.content


def only_reads(queries):
    """Whether every captured SQL statement reads (nothing written on a GET)."""
    return all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries)


def snapshot():
    """What the preview views must leave as it is."""
    return {
        "articles": list(Article.objects.values().order_by("pk")),
        "sections": list(Section.objects.values().order_by("pk")),
        "links": PreviewLink.objects.count(),
        "log": LogEntry.objects.count(),
    }


# --- The saved version, in the admin --------------------------------------------------


def test_an_editor_previews_a_draft_as_readers_will_see_it(client, editor):
    article = draft()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(preview_url(article))

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page
    assert "Draft: readers cannot see this article." in page
    assert "What tapering means" in page
    assert "<strong>slowly</strong>" in page
    assert COMMENT_FORM not in page
    assert "Comments cannot be posted from a preview" in page
    assert_private(response)
    # The session is read, and nothing is written.
    assert only_reads(queries.captured_queries)


def test_the_editors_preview_shows_the_content_checks(client, editor):
    article = draft()
    make_section(article, heading="Words", body="Every addict deserves care.")

    page = client.get(preview_url(article)).content.decode()

    assert "Content checks" in page
    # The draft has no medical review yet: the first thing publishing needs.
    assert "they use “Mark as reviewed”" in page
    assert "“addict”: consider “person with a substance use disorder”." in page
    assert "Advice on the saved sections and answers." in page
    assert "css/content-checks" in page


def test_the_preview_of_unsaved_changes_checks_the_changes(client, editor):
    article = draft()
    section = article.sections.get()
    rows = [
        {
            "id": str(section.pk),
            "position": "1",
            "heading": section.heading,
            "anchor": section.anchor,
            "body": "The junkie next door.",
        }
    ]
    data = article_form_data(make_topic(), rows, [], slug=article.slug, status="draft")

    page = client.post(preview_url(article), data).content.decode()

    assert "“junkie”: consider" in page
    assert "Advice on the sections and answers as written in the form." in page


def test_a_scheduled_article_says_when_it_goes_public(client, editor):
    when = timezone.now() + timedelta(days=2)
    article = make_article(title="Coming soon", published_at=when, sections=1)

    page = client.get(preview_url(article)).content.decode()

    assert BANNER in page
    time = date_format(timezone.localtime(when), "DATETIME_FORMAT")
    assert f"Scheduled for {time}: readers cannot see it before then." in page


def test_an_expired_article_says_it_is_off_the_site(client, editor):
    article = make_article(
        published_at=timezone.now() - timedelta(days=3),
        unpublish_at=timezone.now() - timedelta(hours=1),
    )

    page = client.get(preview_url(article)).content.decode()

    assert "Expired at" in page
    assert "readers no longer see it" in page


def test_a_preview_neither_reads_nor_writes_cached_fragments(client, editor):
    article = make_article(title="Old title", sections=1)
    assert b"Old title" in client.get(article.get_absolute_url()).content
    # A change no signal saw: the cached body still holds the old title.
    Article.objects.filter(pk=article.pk).update(title="New title", outline_html="")

    response = client.get(preview_url(article))

    assert '<h1 id="article-title">New title</h1>' in response.content.decode()
    generation = caching.generation(*caching.PAGE_GENERATIONS)
    key = make_template_fragment_key("article-body", [generation, article.pk])
    assert "Old title" in cache.get(key)[0]


def test_a_preview_of_a_draft_leaves_nothing_in_the_cache(client, editor):
    article = draft()
    generation = caching.generation(*caching.PAGE_GENERATIONS)

    client.get(preview_url(article))

    for name, vary_on in (
        ("article-body", [article.pk]),
        ("article-data", [article.pk, "http", "testserver"]),
    ):
        assert cache.get(make_template_fragment_key(name, [generation, *vary_on])) is None


def test_view_on_site_opens_the_preview_until_the_article_is_public(client, editor):
    unpublished = draft()
    published = make_article(sections=1)

    unpublished_form = client.get(
        reverse("admin:articles_article_change", args=[unpublished.pk])
    ).content.decode()
    published_form = client.get(
        reverse("admin:articles_article_change", args=[published.pk])
    ).content.decode()
    changelist = client.get(reverse("admin:articles_article_changelist")).content.decode()

    assert f'href="{preview_url(unpublished)}"' in unpublished_form
    assert f'href="{published.get_absolute_url()}"' in published_form
    assert f'href="{preview_url(unpublished)}"' in changelist
    assert f'href="{published.get_absolute_url()}"' in changelist


def test_the_change_form_has_a_preview_button_opening_a_new_tab(client, editor):
    article = draft()

    change_form = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    add_form = client.get(reverse("admin:articles_article_add"))

    button = f'formaction="{preview_url(article)}" formtarget="_blank"'
    assert button in change_form.content.decode()
    new_url = reverse("admin:articles_article_preview_new")
    assert f'formaction="{new_url}" formtarget="_blank"' in add_form.content.decode()


def test_a_moderator_cannot_preview(client, moderator):
    article = draft()

    assert client.get(preview_url(article)).status_code == 403
    data = article_form_data(make_topic(), [], [])
    assert client.post(preview_url(article), data).status_code == 403
    assert client.post(reverse("admin:articles_article_preview_new"), data).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    article = draft()

    response = client.get(preview_url(article))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_previewing_a_missing_article_is_a_404(client, editor):
    assert client.get(reverse("admin:articles_article_preview", args=[999999])).status_code == 404


# --- Unsaved changes --------------------------------------------------------------------


def test_unsaved_changes_are_shown_and_nothing_is_written(client, editor):
    article = draft()
    section = article.sections.get()
    faq = make_faq(article, question="Is it safe?", answer="With a doctor, yes.")
    before = snapshot()
    sections = [
        {
            "id": str(section.pk),
            "position": "1",
            "heading": "What tapering really means",
            "anchor": section.anchor,
            "body": "Lowering the dose *gradually*.",
        },
        {"position": "2", "heading": "Brand new part", "anchor": "", "body": "New words."},
    ]
    faqs = [
        {"id": str(faq.pk), "position": "1", "question": "Is it safe?", "answer": "Yes."},
    ]
    data = article_form_data(
        make_topic(name="Opioids"),
        sections,
        faqs,
        title="Tapering, revised",
        slug=article.slug,
        status="draft",
        published_at_0="",
        published_at_1="",
    )
    data["faqs-0-DELETE"] = "on"
    before = snapshot()

    response = client.post(preview_url(article), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsaved changes: nothing shown here is saved or published yet." in page
    assert "Tapering, revised" in page
    assert "What tapering really means" in page
    assert "<em>gradually</em>" in page
    assert 'id="brand-new-part"' in page
    assert "Is it safe?" not in page
    assert "Opioids" in page
    assert COMMENT_FORM not in page
    assert_private(response)
    assert snapshot() == before


def test_a_new_article_can_be_previewed_before_its_first_save(client, editor):
    before = snapshot()
    data = article_form_data(
        make_topic(),
        [{"position": "1", "heading": "First steps", "anchor": "", "body": "Call us."}],
        faq_rows(2),
        title="A new guide",
        slug="a-new-guide",
    )

    response = client.post(reverse("admin:articles_article_preview_new"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A new guide" in page and "First steps" in page
    # Two questions not saved yet: distinct anchors all the same.
    assert 'id="faq-new-1"' in page and 'id="faq-new-2"' in page
    assert snapshot() == before
    assert not Article.objects.filter(slug="a-new-guide").exists()


def test_invalid_changes_give_what_to_fix_and_write_nothing(client, editor):
    article = draft()
    before = snapshot()
    data = article_form_data(
        make_topic(),
        [{"position": "1", "heading": "", "anchor": "", "body": "No heading."}],
        [],
        title="",
        slug=article.slug,
    )

    response = client.post(preview_url(article), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Title" in page
    assert "Section 1: Heading" in page
    assert snapshot() == before


def test_a_new_hero_upload_is_not_shown_before_saving(client, editor, media_root):
    from tests.factories import make_image_upload

    article = draft()
    data = article_form_data(
        make_topic(), [], [], slug=article.slug, hero_alt="A calm room", status="draft"
    )
    data["hero_image"] = make_image_upload()

    response = client.post(preview_url(article), data)

    assert response.status_code == 200
    assert "The new hero image is shown once the article is saved." in response.content.decode()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_preview_only_answers_post_for_unsaved_changes(client, editor):
    assert client.get(reverse("admin:articles_article_preview_new")).status_code == 405


# --- Preview links ----------------------------------------------------------------------


def share(client, article, days="7"):
    url = reverse("admin:articles_article_share_preview", args=[article.pk])
    return client.post(url, {"preview_link_days": days})


def test_an_editor_shares_a_link_for_the_chosen_time(client, editor, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    article = draft()

    response = share(client, article, days="3")

    link = PreviewLink.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith("#preview-links")
    assert link.article == article and link.created_by == editor
    assert link.expires_at == timezone.now() + timedelta(days=3)
    change_form = client.get(response["Location"]).content.decode()
    assert link.get_absolute_url() in change_form
    assert "editor" in change_form
    assert "Active" in change_form
    assert LogEntry.objects.filter(object_id=str(article.pk)).count() == 1


def test_the_default_lifetime_is_seven_days(client, editor):
    article = draft()
    change_form = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert '<option value="7" selected>7 days</option>' in change_form.content.decode()


def test_an_unknown_lifetime_is_refused_with_a_message(client, editor):
    article = draft()

    response = share(client, article, days="365")

    assert response.status_code == 302
    assert not PreviewLink.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("1, 3, 7 or 14 days" in message for message in messages)


def test_a_reviewer_opens_the_link_without_an_account(client):
    article = draft()
    link = PreviewLink.share(article=article, user=None, days=7)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert BANNER in page and "Tapering safely" in page and "What tapering means" in page
    assert "This preview link works until" in page
    # The editors' notes on the text are for editors.
    assert "Content checks" not in page
    assert COMMENT_FORM not in page
    assert_private(response)
    assert response["Referrer-Policy"] == "no-referrer"
    assert only_reads(queries.captured_queries)
    assert not response.cookies


def test_the_link_shows_the_latest_saved_version(client):
    article = draft()
    link = PreviewLink.share(article=article, user=None)
    client.get(link.get_absolute_url())
    article.title = "Tapering, second draft"
    article.save()

    assert "Tapering, second draft" in client.get(link.get_absolute_url()).content.decode()


def test_a_link_to_a_published_article_says_so(client):
    article = make_article(title="Already public", sections=1)
    link = PreviewLink.share(article=article, user=None)

    page = client.get(link.get_absolute_url()).content.decode()

    assert "Published: readers see this version now." in page
    assert BANNER not in page


def assert_gone(response, status, article):
    assert response.status_code == status
    page = response.content.decode()
    assert "This preview link is no longer available" in page
    assert article.title not in page
    assert_private(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_link_stops_working_when_it_expires(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    article = draft()
    link = PreviewLink.share(article=article, user=None, days=1)

    time_machine.move_to(timezone.now() + timedelta(hours=23), tick=False)
    assert client.get(link.get_absolute_url()).status_code == 200

    time_machine.move_to(timezone.now() + timedelta(hours=1, seconds=1), tick=False)
    assert_gone(client.get(link.get_absolute_url()), 410, article)


def test_the_signed_expiry_holds_even_if_the_row_is_changed(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    article = draft()
    link = PreviewLink.share(article=article, user=None, days=1)
    url = link.get_absolute_url()
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=link.expires_at + timedelta(days=30))

    time_machine.move_to(timezone.now() + timedelta(days=2), tick=False)

    assert_gone(client.get(url), 410, article)


def test_an_editor_withdraws_a_link(client, editor):
    article = draft()
    link = PreviewLink.share(article=article, user=editor)
    url = link.get_absolute_url()

    response = client.post(
        reverse("admin:articles_article_withdraw_preview", args=[article.pk]),
        {"preview_link": link.pk},
    )

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.state() == PreviewLink.State.WITHDRAWN
    client.logout()
    assert_gone(client.get(url), 410, article)


def test_a_link_of_another_article_cannot_be_withdrawn_from_this_one(client, editor):
    article, other = draft(), draft(title="Another draft")
    link = PreviewLink.share(article=other, user=editor)

    client.post(
        reverse("admin:articles_article_withdraw_preview", args=[article.pk]),
        {"preview_link": link.pk},
    )
    client.post(
        reverse("admin:articles_article_withdraw_preview", args=[article.pk]),
        {"preview_link": "not a number"},
    )

    link.refresh_from_db()
    assert link.revoked_at is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], token.split(":")[0] + "x"),
        lambda token: "nonsense",
        lambda token: signing.Signer().sign_object({"link": 1, "until": 9999999999}),
    ],
    ids=["signature", "payload", "nonsense", "other-salt"],
)
def test_a_tampered_token_is_a_calm_404(client, tamper):
    article = draft()
    link = PreviewLink.share(article=article, user=None)

    response = client.get(reverse("articles:shared_preview", args=[tamper(link.token)]))

    assert_gone(response, 404, article)


def test_a_link_to_a_deleted_article_is_a_404(client):
    article = draft()
    url = PreviewLink.share(article=article, user=None).get_absolute_url()
    article.delete()

    assert_gone(client.get(url), 404, article)


def test_a_moderator_cannot_share_or_withdraw_links(client, moderator):
    article = draft()
    link = PreviewLink.share(article=article, user=None)

    assert share(client, article).status_code == 403
    withdraw = reverse("admin:articles_article_withdraw_preview", args=[article.pk])
    assert client.post(withdraw, {"preview_link": link.pk}).status_code == 403
    assert PreviewLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_sharing_and_withdrawing_answer_only_post(client, editor):
    article = draft()
    for name in ("share_preview", "withdraw_preview"):
        url = reverse(f"admin:articles_article_{name}", args=[article.pk])
        assert client.get(url).status_code == 405
    assert not PreviewLink.objects.exists()


def test_an_editor_without_the_link_permissions_sees_the_list_only(client):
    from django.contrib.auth.models import Permission

    user = make_staff("writer")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_article", "change_article"])
    )
    client.force_login(user)
    article = draft()
    PreviewLink.share(article=article, user=None)

    change_form = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    page = change_form.content.decode()
    assert "Preview links" in page and "Active" in page
    assert "Share a preview link" not in page and "Withdraw" not in page
    assert share(client, article).status_code == 403


# --- The model ------------------------------------------------------------------------


def test_usable_links_are_neither_expired_nor_withdrawn(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    article = draft()
    fresh = PreviewLink.share(article=article, user=None, days=3)
    short = PreviewLink.share(article=article, user=None, days=1)
    withdrawn = PreviewLink.share(article=article, user=None)
    withdrawn.revoke()

    assert set(PreviewLink.objects.usable()) == {fresh, short}
    later = timezone.now() + timedelta(days=2)
    assert list(PreviewLink.objects.usable(later)) == [fresh]
    assert short.state(later) == PreviewLink.State.EXPIRED


def test_the_outline_renders_from_rows_given_in_memory():
    article = draft()
    section = Section(heading="Only in memory", anchor="only-in-memory", body="*Hi*", position=1)
    section.render_body()

    prepare_for_preview(article, sections=[section], faqs=[])

    assert "Only in memory" in article.outline_html
    assert "What tapering means" not in article.outline_html
    assert "<em>Hi</em>" in article.outline_html
    article.refresh_from_db()
    assert "What tapering means" in article.outline_html


def test_rows_the_editor_cannot_edit_are_previewed_as_stored(client):
    from django.contrib.auth.models import Permission

    user = make_staff("writer")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_article", "change_article"])
    )
    client.force_login(user)
    article = draft()
    data = article_form_data(make_topic(), [], [], slug=article.slug, title="Retitled")
    for prefix in ("sections", "faqs"):
        data = {name: value for name, value in data.items() if not name.startswith(prefix)}

    response = client.post(preview_url(article), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Retitled" in page and "What tapering means" in page
