"""Revisions of articles: recorded per save (admin and importer), compared, restored
and recovered, by editors only."""

import html.parser
import json
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from articles.importer import import_article_file
from articles.models import FAQ, Article, Section
from articles.revisions import (
    ArticleContent,
    compare,
    compare_revisions,
    record_revision,
    word_segments,
)
from core import caching
from core.models import AuditEntry
from tests.factories import make_article, make_faq, make_section, make_topic

pytestmark = pytest.mark.django_db


def make_staff(username, groups=()):
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def editor(client):
    user = make_staff("editor", groups=["Editors"])
    client.force_login(user)
    return user


class FormFields(html.parser.HTMLParser):
    """What a browser would send from the page's form with id ``form_id``: inputs,
    checked boxes, selected options and textareas (in document order)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.in_form = form_id, False
        self.data, self.select, self.textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # As browsers do: the newline right after <textarea> is not content.
            self.data.append((name, text.removeprefix("\n").replace("\n", "\r\n")))
            self.textarea = None


def form_data(response, form_id="article_form"):
    """The POST data a browser sends for the article form as ``response`` shows it."""
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def compare_url(article, old, new):
    url = reverse("admin:articles_article_compare", args=[article.pk])
    return f"{url}?old={old.pk}&new={new.pk}"


def restore_url(article, revision):
    version = Version.objects.get_for_object(article).get(revision=revision)
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def save_change(client, article, **changes):
    """Open the article's change page, change some fields, save; return the response."""
    data = form_data(client.get(change_url(article)))
    for name, value in changes.items():
        data[name.replace("__", "-")] = [value]
    return client.post(change_url(article), data)


def revisions_of(article):
    return Revision.objects.filter(version__in=Version.objects.get_for_object(article)).order_by(
        "date_created", "pk"
    )


def models_in(revision):
    return sorted(v.content_type.model for v in revision.version_set.select_related("content_type"))


@pytest.fixture
def article(editor, client):
    """An article written in the admin: two sections, two FAQs, a topic; one revision."""
    article = make_article(
        title="Supervised detox",
        summary="What happens in a medically supervised detox.",
        sections=2,
        faqs=2,
        topics=[make_topic(name="Withdrawal")],
        # As the admin's form sends it: to the second.
        published_at=timezone.now().replace(microsecond=0) - timezone.timedelta(hours=1),
    )
    record_revision(article, user=editor, comment="Written")
    return article


# --- recording ----------------------------------------------------------------------


def test_a_save_records_one_revision_with_sections_faqs_and_topics(client, editor, article):
    response = save_change(
        client, article, sections__1__body="A new body.", revision_note="Clearer wording"
    )

    assert response.status_code == 302
    revisions = list(revisions_of(article))
    assert len(revisions) == 2
    latest = revisions[-1]
    # The whole article, not only the section that changed.
    assert models_in(latest) == ["article", "faq", "faq", "section", "section"]
    assert latest.user == editor
    assert latest.comment.splitlines()[0] == "Clearer wording"
    assert "Changed Body for section" in latest.comment
    stored = ArticleContent.from_revision(latest)
    assert stored.fields["topics"] == [article.topics.get().pk]
    assert stored == ArticleContent.from_article(Article.objects.get(pk=article.pk))


def test_adding_an_article_records_its_first_revision(client, editor):
    page = client.get(reverse("admin:articles_article_add"))
    data = form_data(page)
    topic = make_topic()
    data.update(
        {
            "title": ["Naloxone"],
            "slug": ["naloxone"],
            "summary": ["How naloxone reverses an overdose."],
            "author": ["Editorial team"],
            "topics": [str(topic.pk)],
            "sections-TOTAL_FORMS": ["1"],
            "sections-0-position": ["1"],
            "sections-0-heading": ["What it does"],
            "sections-0-body": ["It blocks opioids."],
            "revision_note": ["First draft"],
        }
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="naloxone")
    (revision,) = revisions_of(article)
    assert models_in(revision) == ["article", "section"]
    assert revision.comment.startswith("First draft\n")
    assert ArticleContent.from_revision(revision).fields["topics"] == [topic.pk]


def test_an_unchanged_save_records_no_revision(client, article):
    updated_at = Article.objects.get(pk=article.pk).updated_at

    response = save_change(client, article)

    assert response.status_code == 302
    assert revisions_of(article).count() == 1
    assert Article.objects.get(pk=article.pk).updated_at == updated_at


def test_a_note_alone_is_not_a_change(client, article):
    response = save_change(client, article, revision_note="Just looking")

    assert response.status_code == 302
    assert revisions_of(article).count() == 1


ARTICLE_FILE = """\
---
slug: overdose-risk
topics: [Overdose]
---
# Overdose risk after detox

Tolerance falls fast after detox.

## Why tolerance falls {#tolerance}
The body adapts back within days.

## What to do {#what-to-do}
Carry naloxone.

## FAQ
### Is one dose safe?
Not always.
"""


def test_the_importer_records_a_revision_and_none_for_an_unchanged_file(tmp_path):
    path = tmp_path / "overdose.md"
    path.write_text(ARTICLE_FILE, encoding="utf-8")

    article, _created = import_article_file(path)
    (first,) = revisions_of(article)
    assert first.user is None
    assert first.comment == f"Imported from {path}"
    assert models_in(first) == ["article", "faq", "section", "section"]
    updated_at = Article.objects.get(pk=article.pk).updated_at

    import_article_file(path)
    assert revisions_of(article).count() == 1
    assert Article.objects.get(pk=article.pk).updated_at == updated_at

    path.write_text(ARTICLE_FILE.replace("Carry naloxone.", "Carry naloxone, always."))
    import_article_file(path)
    assert revisions_of(article).count() == 2
    assert "always" in Section.objects.get(article=article, anchor="what-to-do").body


def test_demo_content_gives_every_article_a_revision_once(media_root):
    older = make_article(title="Written before revisions")

    call_command("load_demo_content", stdout=StringIO())
    counts = {article.slug: revisions_of(article).count() for article in Article.objects.all()}
    call_command("load_demo_content", stdout=StringIO())

    assert all(counts.values())
    assert revisions_of(older).get().comment == "Initial revision"
    assert {a.slug: revisions_of(a).count() for a in Article.objects.all()} == counts


# --- compare --------------------------------------------------------------------------


def test_word_segments_mark_the_changed_words():
    assert word_segments("Take one tablet daily.", "Take two tablets daily.") == [
        ("same", "Take "),
        ("removed", "one tablet"),
        ("added", "two tablets"),
        ("same", " daily."),
    ]


def test_long_unchanged_text_is_shortened_around_the_change():
    words = " ".join(f"w{n}" for n in range(100))
    segments = word_segments(words, words.replace("w50", "changed"))

    assert ("gap", "…") in segments
    assert ("removed", "w50") in segments and ("added", "changed") in segments
    assert sum(len(text) for kind, text in segments if kind == "same") < len(words) / 2


def test_compare_names_added_removed_moved_and_changed_sections_and_faqs(editor, article):
    first_revision = revisions_of(article).get()
    one, two = article.sections.order_by("position")
    q1, q2 = article.faqs.order_by("position")
    # Move section one after a new section, change section two's words, drop FAQ 1,
    # change FAQ 2 and add a third.
    Section.objects.filter(pk=one.pk).update(position=3)
    Section.objects.filter(pk=two.pk).update(body="Paragraph of section 2 with new words.")
    make_section(article, position=1, heading="Before you start")
    q1.delete()
    FAQ.objects.filter(pk=q2.pk).update(answer="A longer answer.")
    make_faq(article, position=3, question="Who can help?")
    Article.objects.filter(pk=article.pk).update(title="Supervised detox, step by step")
    record_revision(Article.objects.get(pk=article.pk), user=editor)
    second_revision = revisions_of(article).last()

    comparison = compare_revisions(first_revision, second_revision)

    assert [(c.label, c.segments) for c in comparison.fields] == [
        ("title", [("same", "Supervised detox"), ("added", ", step by step")])
    ]
    sections = {c.title: c for c in comparison.sections}
    assert sections["Before you start"].added
    assert sections[one.heading].moved and not sections[one.heading].fields
    assert sections[two.heading].fields[0].segments == [
        ("same", "Paragraph of section 2 with "),
        ("removed", "**bold** text"),
        ("added", "new words"),
        ("same", "."),
    ]
    assert not sections[two.heading].moved
    faqs = {c.title: c for c in comparison.faqs}
    assert faqs[q1.question].removed
    assert faqs["Who can help?"].added
    assert [f.label for f in faqs[q2.question].fields] == ["answer"]


def test_compare_names_the_topics_added(client, article):
    opioids = make_topic(name="Opioids")
    data = form_data(client.get(change_url(article)))
    data["topics"] = [*data["topics"], str(opioids.pk)]
    client.post(change_url(article), data)
    old, new = revisions_of(article)

    (change,) = compare_revisions(old, new).fields

    assert change.label == "topics"
    assert change.segments == [("same", "Withdrawal"), ("added", ", Opioids")]


def test_sections_are_matched_by_anchor_when_the_importer_shifts_them(tmp_path):
    path = tmp_path / "overdose.md"
    path.write_text(ARTICLE_FILE, encoding="utf-8")
    article, _created = import_article_file(path)
    inserted = ARTICLE_FILE.replace(
        "## Why tolerance", "## First things {#first}\nCall for help.\n\n## Why tolerance"
    )
    path.write_text(inserted, encoding="utf-8")
    import_article_file(path)
    old, new = revisions_of(article)

    comparison = compare_revisions(old, new)

    assert [(c.title, c.kind) for c in comparison.sections] == [("First things", "added")]
    assert comparison.unchanged_sections == 2


def test_the_compare_page_shows_changed_words_accessibly(client, article):
    save_change(client, article, title="Supervised detox explained")
    old, new = revisions_of(article)

    response = client.get(compare_url(article, new, old))  # either order

    assert response.status_code == 200
    page = response.content.decode()
    assert '<ins><span class="visually-hidden">[added: </span>explained' in page
    assert response.context["old"] == old


def test_the_compare_page_refuses_a_bad_choice_with_a_message(client, article):
    other = make_article()
    record_revision(other)
    (mine,) = revisions_of(article)

    for query in ("", f"?old={mine.pk}&new={mine.pk}", f"?old={mine.pk}&new=x"):
        url = reverse("admin:articles_article_compare", args=[article.pk]) + query
        response = client.get(url)
        assert response.status_code == 400
        assert "errornote" in response.content.decode()
    foreign = compare_url(article, mine, revisions_of(other).get())
    assert client.get(foreign).status_code == 400


def test_history_lists_revisions_with_compare_links(client, editor, article):
    save_change(client, article, title="Detox", revision_note="Shorter title")
    old, new = revisions_of(article)

    page = client.get(history_url(article)).content.decode()

    assert "Shorter title" in page
    assert f"?old={old.pk}&amp;new={new.pk}" in page
    assert restore_url(article, old) in page
    assert page.index("Shorter title") < page.index("Written")  # newest first


# --- restore and recover --------------------------------------------------------------


def test_restore_fills_the_form_and_saving_records_a_revision(client, editor, article):
    first = revisions_of(article).get()
    section = article.sections.get(position=1)
    save_change(client, article, title="A new title", sections__0__body="Rewritten.")
    # Since then the article was unpublished (status), and has comments (the count).
    Article.objects.filter(pk=article.pk).update(status="draft", comment_count=4)
    before = Article.objects.get(pk=article.pk)
    generation = caching.generation(caching.CONTENT)

    shown = client.get(restore_url(article, first))

    assert shown.status_code == 200
    page = shown.content.decode()
    assert 'value="Supervised detox"' in page
    assert "does not publish or unpublish" in page
    # Showing it changed nothing.
    assert Article.objects.get(pk=article.pk).title == "A new title"
    assert Section.objects.get(pk=section.pk).body == "Rewritten."
    assert revisions_of(article).count() == 2
    assert caching.generation(caching.CONTENT) == generation

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5)):
        response = client.post(restore_url(article, first), form_data(shown))

    assert response.status_code == 302
    assert response.url == change_url(article)
    restored = Article.objects.get(pk=article.pk)
    assert restored.title == "Supervised detox"
    assert Section.objects.get(pk=section.pk).body != "Rewritten."
    assert (restored.status, restored.published_at, restored.unpublish_at) == (
        before.status,
        before.published_at,
        before.unpublish_at,
    )
    assert restored.comment_count == 4
    assert restored.updated_at > before.updated_at
    latest = revisions_of(article).last()
    assert latest.comment.startswith("Restored from the revision of")
    assert latest.user == editor
    assert ArticleContent.from_revision(latest) == ArticleContent.from_article(restored)
    assert "Paragraph of section 1" in restored.outline_html
    assert "Rewritten." not in restored.outline_html
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RESTORED)
    assert (entry.user, entry.object_id) == (editor, str(article.pk))
    assert entry.detail.startswith("Restored from the revision of")


def test_restored_content_appears_on_the_public_page(client, article):
    first = revisions_of(article).get()
    save_change(client, article, sections__0__body="Rewritten text.")
    assert "Rewritten text" in client.get(article.get_absolute_url()).content.decode()

    shown = client.get(restore_url(article, first))
    client.post(restore_url(article, first), form_data(shown))

    page = client.get(article.get_absolute_url()).content.decode()
    assert "Rewritten text" not in page
    assert "Paragraph of section 1" in page


def test_restore_removes_sections_added_since(client, article):
    first = revisions_of(article).get()
    make_section(article, position=3, heading="Added later")
    record_revision(article)

    shown = client.get(restore_url(article, first))
    assert "Added later" not in shown.content.decode()
    client.post(restore_url(article, first), form_data(shown))

    assert not article.sections.filter(heading="Added later").exists()


def test_a_deleted_article_can_be_recovered_whole(client, article):
    topic = article.topics.get()
    section_ids = set(article.sections.values_list("pk", flat=True))
    url = reverse("admin:articles_article_delete", args=[article.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    assert client.get(article.get_absolute_url()).status_code == 404

    listing = client.get(reverse("admin:articles_article_recoverlist"))
    (deleted,) = listing.context["deleted"]
    recover_url = reverse("admin:articles_article_recover", args=[deleted.pk])
    shown = client.get(recover_url)
    assert shown.status_code == 200
    assert not Article.objects.filter(pk=article.pk).exists()
    response = client.post(recover_url, form_data(shown))

    assert response.status_code == 302
    recovered = Article.objects.get(pk=article.pk)
    assert set(recovered.sections.values_list("pk", flat=True)) == section_ids
    assert recovered.faqs.count() == 2
    assert list(recovered.topics.all()) == [topic]
    assert recovered.topic_rows == [{"id": topic.pk, "name": topic.name, "slug": topic.slug}]
    assert "Section heading 1" in recovered.outline_html
    assert Article.objects.filter(pk=article.pk, search_vector="detox").exists()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert revisions_of(recovered).last().comment.startswith("Recovered from the revision")
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [AuditEntry.Action.DELETED, AuditEntry.Action.RECOVERED]


def test_a_recovered_article_loses_a_hero_picture_whose_file_is_gone(client, article):
    # Deleting an article deletes its picture files (articles/renditions.py).
    Article.objects.filter(pk=article.pk).update(
        hero_image="heroes/gone.jpg", hero_alt="A sunrise", hero_width=800, hero_height=600
    )
    record_revision(Article.objects.get(pk=article.pk))
    client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    (deleted,) = client.get(reverse("admin:articles_article_recoverlist")).context["deleted"]
    recover_url = reverse("admin:articles_article_recover", args=[deleted.pk])

    shown = client.get(recover_url)
    assert "deleted with it" in shown.content.decode()
    client.post(recover_url, form_data(shown))

    recovered = Article.objects.get(pk=article.pk)
    assert (recovered.hero_image.name, recovered.hero_width) == ("", None)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_recovering_an_article_whose_address_was_taken_says_so(client, article):
    client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    make_article(slug=article.slug)
    (deleted,) = client.get(reverse("admin:articles_article_recoverlist")).context["deleted"]

    response = client.get(reverse("admin:articles_article_recover", args=[deleted.pk]), follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        f"Another article now uses the address “{article.slug}” this revision had: "
        "change that article's slug first."
    ]
    assert not Article.objects.filter(pk=article.pk).exists()


# --- permissions ----------------------------------------------------------------------


def test_a_moderator_cannot_see_compare_restore_or_recover(client, article):
    first = revisions_of(article).get()
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    for url in (
        history_url(article),
        compare_url(article, first, first),
        restore_url(article, first),
        reverse("admin:articles_article_recoverlist"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(restore_url(article, first), {}).status_code == 403
    assert Article.objects.get(pk=article.pk).title == "Supervised detox"


def test_editors_need_no_permission_beyond_the_article_ones():
    # VersionAdmin checks the article permissions only; reversion's own models stay
    # out of the Editors group.
    codenames = Group.objects.get(name="Editors").permissions.values_list(
        "content_type__app_label", flat=True
    )
    assert "reversion" not in set(codenames)


def test_compare_of_identical_contents_has_no_changes(article):
    content = ArticleContent.from_article(article)
    assert not compare(content, content).has_changes


def test_restoring_a_revision_without_readable_text_stores_it_again(client, article):
    # A revision recorded before sections and FAQs kept their readable text.
    first = revisions_of(article).get()
    for version in first.version_set.all():
        data = json.loads(version.serialized_data)
        for row in data:
            row["fields"].pop("body_text", None)
            row["fields"].pop("answer_text", None)
        version.serialized_data = json.dumps(data)
        version.save()

    shown = client.get(restore_url(article, first))
    assert client.post(restore_url(article, first), form_data(shown)).status_code == 302

    section = article.sections.get(position=1)
    faq = article.faqs.get(position=1)
    assert section.body_text == "Paragraph of section 1 with bold text."
    assert faq.answer_text == "Answer 1."
