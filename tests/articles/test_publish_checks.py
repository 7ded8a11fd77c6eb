"""Checks before publishing in the admin and the importer, and the advisory panel."""

import pytest
from django.urls import reverse

from articles.importer import ArticleFormatError, import_article_file
from articles.models import FAQ, Article, LanguageGuidance, Section
from tests.articles.test_admin import (
    article_form_data,
    faq_rows,
    make_staff,
    section_rows,
)
from tests.articles.test_image_library import make_library_image
from tests.factories import make_article, make_faq, make_reviewed_draft, make_section, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(make_staff("editor", groups=["Editors"]))
    return client


def error_codes(response):
    """The codes of every error on the article form and its inlines."""
    context = response.context
    codes = {
        error.code
        for errors in context["adminform"].form.errors.as_data().values()
        for error in errors
    }
    for inline in context["inline_admin_formsets"]:
        codes |= {error.code for error in inline.formset.non_form_errors().as_data()}
        codes |= {
            error.code
            for row in inline.formset.forms
            for errors in row.errors.as_data().values()
            for error in errors
        }
    return codes


def database_rows():
    return {
        "articles": list(Article.objects.order_by("pk").values()),
        "sections": list(Section.objects.order_by("pk").values()),
        "faqs": list(FAQ.objects.order_by("pk").values()),
    }


def existing_rows(article):
    """Form rows for the article's saved sections and FAQs, unchanged."""
    sections = [
        {
            "id": str(section.pk),
            "article": str(article.pk),
            "position": str(section.position),
            "heading": section.heading,
            "anchor": section.anchor,
            "body": section.body,
        }
        for section in article.sections.all()
    ]
    faqs = [
        {
            "id": str(faq.pk),
            "article": str(article.pk),
            "position": str(faq.position),
            "question": faq.question,
            "answer": faq.answer,
        }
        for faq in article.faqs.all()
    ]
    return sections, faqs


def change_data(article, sections, faqs, **overrides):
    return article_form_data(
        make_topic(),
        sections,
        faqs,
        title=article.title,
        slug=article.slug,
        **{"status": "published", "reviewer": str(article.reviewer_id or ""), **overrides},
    )


@pytest.fixture
def published(db):
    article = make_article(
        title="Overdose risk",
        slug="overdose-risk",
        summary="Tolerance falls fast after a detox, and so does the safe dose.",
    )
    make_section(article, heading="Tolerance", body="Tolerance falls within days.")
    make_faq(article, question="Is it safe?", answer="Not without naloxone nearby.")
    return article


def reviewed_draft(**fields):
    return make_reviewed_draft(
        **{"title": "Supervised detox", "slug": "supervised-detox", **fields}
    )


def publish(editor, article, sections, faqs, **overrides):
    """Post the change form of ``article`` with status Published."""
    data = article_form_data(
        make_topic(),
        sections,
        faqs,
        title=overrides.pop("title", article.title),
        slug=article.slug,
        reviewer=str(article.reviewer_id or ""),
        status="published",
        **overrides,
    )
    return editor.post(reverse("admin:articles_article_change", args=[article.pk]), data)


def test_publishing_a_bare_article_is_refused_with_a_message_per_item(editor):
    data = article_form_data(make_topic(), [], [], reviewer="", summary="x", status="published")

    response = editor.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert Article.objects.count() == 0
    assert error_codes(response) == {
        "missing_reviewer",
        "missing_review_date",
        "summary_not_a_sentence",
        "no_sections",
    }
    page = response.content.decode()
    assert "Not published: fix these first" in page
    assert "Choose the medical reviewer before publishing." in page
    assert "they use “Mark as reviewed”" in page
    assert "Add at least one section" in page
    # The editor's input comes back to be fixed.
    assert response.context["adminform"].form["summary"].value() == "x"


def test_the_same_article_saves_as_a_draft(editor):
    data = article_form_data(make_topic(), [], [], reviewer="", summary="x", status="draft")

    response = editor.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.DRAFT


def test_fixed_it_publishes(editor):
    draft = reviewed_draft()

    response = publish(editor, draft, section_rows(1), faq_rows(1))

    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.sections.count() == 1


def test_a_refused_edit_of_a_published_article_writes_nothing(editor, published, media_root):
    blank = make_library_image(alt="")
    sections, faqs = existing_rows(published)
    sections[0]["body"] = f"A new body nobody will see.\n\n![](image:{blank.pk})"
    faqs[0]["answer"] = "A changed answer."
    before = database_rows()
    data = change_data(published, sections, faqs, reviewer="", summary="Shorter now.")

    response = editor.post(reverse("admin:articles_article_change", args=[published.pk]), data)

    assert response.status_code == 200
    assert error_codes(response) == {
        "missing_reviewer",
        "summary_not_a_sentence",
        "image_without_alt",
    }
    assert database_rows() == before


def test_deleting_the_last_section_of_a_published_article_is_refused(editor, published):
    sections, faqs = existing_rows(published)
    sections[0]["DELETE"] = "on"
    data = change_data(
        published,
        sections,
        faqs,
        summary=published.summary,
        reviewed_on=published.reviewed_on.isoformat(),
    )

    response = editor.post(reverse("admin:articles_article_change", args=[published.pk]), data)

    assert response.status_code == 200
    assert error_codes(response) == {"no_sections"}
    assert published.sections.count() == 1


def test_unpublishing_is_never_refused(editor, published):
    sections, faqs = existing_rows(published)
    sections[0]["DELETE"] = "on"
    data = change_data(published, sections, faqs, reviewer="", summary="x", status="draft")

    response = editor.post(reverse("admin:articles_article_change", args=[published.pk]), data)

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Article.Status.DRAFT
    assert published.sections.count() == 0


@pytest.mark.parametrize("where", ["section", "faq"])
def test_an_image_without_description_is_refused(editor, where, media_root):
    blank = make_library_image(alt="")
    text = f"Look:\n\n![ ](image:{blank.pk})"
    sections, faqs = section_rows(1), []
    if where == "section":
        sections = [{**sections[0], "body": text}]
    else:
        faqs = [{**faq_rows(1)[0], "answer": text}]
    draft = reviewed_draft()

    response = publish(editor, draft, sections, faqs)

    assert response.status_code == 200
    assert error_codes(response) == {"image_without_alt"}
    assert "![description](…)" in response.content.decode()
    assert Article.objects.get().status == Article.Status.DRAFT
    # Next to the text that holds the image.
    rows = {
        inline.formset.prefix: inline.formset.forms
        for inline in response.context["inline_admin_formsets"]
    }
    field = "body" if sections[0]["body"].startswith("Look") else "answer"
    row = rows["sections" if field == "body" else "faqs"][0]
    assert [error.code for error in row.errors.as_data()[field]] == ["image_without_alt"]
    assert response.context["publishing_problems"] == [row.errors[field][0]]


def test_an_image_described_in_the_text_or_the_library_is_fine(editor, media_root):
    blank, described = make_library_image(alt=""), make_library_image()
    body = f"![A dose chart](image:{blank.pk})\n\n![](image:{described.pk})"
    sections = [{**section_rows(1)[0], "body": body}]

    response = publish(editor, reviewed_draft(), sections, [])

    assert response.status_code == 302
    assert Article.objects.get().is_published


def test_a_title_for_search_engines_used_by_another_article_is_refused(editor, published):
    draft = reviewed_draft()

    response = publish(editor, draft, section_rows(1), [], title="OVERDOSE RISK")

    assert response.status_code == 200
    assert error_codes(response) == {"seo_title_taken"}
    assert "“OVERDOSE RISK”" in response.content.decode()

    # Its own SEO title makes it distinct; another's SEO title counts too.
    response = publish(
        editor,
        draft,
        section_rows(1),
        [],
        title="OVERDOSE RISK",
        seo_title="Overdose risk after detox",
    )
    assert response.status_code == 302
    another = reviewed_draft(title="Another", slug="another")
    response = publish(editor, another, section_rows(1), [], seo_title="overdose risk after DETOX")
    assert error_codes(response) == {"seo_title_taken"}


def test_a_draft_with_the_same_title_does_not_block_publishing(editor):
    make_article(title="Supervised detox", status=Article.Status.DRAFT, published_at=None)

    response = publish(editor, reviewed_draft(slug="ready"), section_rows(1), [])

    assert response.status_code == 302


def test_resaving_a_published_article_does_not_clash_with_itself(editor, published):
    sections, faqs = existing_rows(published)
    data = change_data(
        published,
        sections,
        faqs,
        summary=published.summary,
        reviewed_on=published.reviewed_on.isoformat(),
    )

    response = editor.post(reverse("admin:articles_article_change", args=[published.pk]), data)

    assert response.status_code == 302


# --- The advisory panel -----------------------------------------------------------------


def test_the_change_form_shows_the_advisory_checks_of_the_saved_content(editor, published):
    make_section(published, heading="Words", body="Every addict deserves respect.")
    make_faq(published, question="Deep?", answer="#### Too deep\n\nYes.")

    response = editor.get(reverse("admin:articles_article_change", args=[published.pk]))

    page = response.content.decode()
    assert "Content checks" in page
    assert "Section: Words" in page and "FAQ: Deep?" in page
    assert "“addict”: consider “person with a substance use disorder”." in page
    assert "The heading “Too deep” skips a level" in page
    assert "Reading grade" in page
    parts = response.context["content_checks"]["parts"]
    assert [part.title for part in parts] == ["Tolerance", "Words", "Is it safe?", "Deep?"]
    assert response.context["content_checks"]["required"] == []
    assert "passes every check required to publish it" in page


def test_the_panel_lists_what_a_saved_draft_still_needs_to_be_published(editor, published):
    draft = make_article(
        title=published.title.upper(), status=Article.Status.DRAFT, published_at=None
    )

    response = editor.get(reverse("admin:articles_article_change", args=[draft.pk]))

    required = response.context["content_checks"]["required"]
    assert [problem.code for problem in required] == [
        "missing_reviewer",
        "missing_review_date",
        "seo_title_taken",
        "no_sections",
    ]
    assert "Choose the medical reviewer before publishing." in response.content.decode()


def test_the_add_form_has_no_panel(editor):
    response = editor.get(reverse("admin:articles_article_add"))

    assert "Content checks" not in response.content.decode()


def test_advisory_checks_never_block_publishing(editor):
    sections = [
        {
            **section_rows(1)[0],
            "body": "#### Skips\n\nThe addict [](https://example.org). " + "word " * 200,
        }
    ]

    response = publish(editor, reviewed_draft(), sections, [])

    assert response.status_code == 302


def test_editors_edit_the_word_list_and_the_panel_follows(editor, published):
    make_section(published, heading="Words", body="He had a rough patch last winter.")
    add = reverse("admin:articles_languageguidance_add")

    response = editor.post(
        add,
        {
            "term": "rough patch",
            "suggestion": "a relapse",
            "explanation": "Say what happened.",
            "context_words": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    change = reverse("admin:articles_article_change", args=[published.pk])
    assert "“rough patch”: consider “a relapse”. Say what happened." in (
        editor.get(change).content.decode()
    )
    LanguageGuidance.objects.filter(term="rough patch").update(is_active=False)
    assert "rough patch”" not in editor.get(change).content.decode()


@pytest.mark.parametrize("model", ["languageguidance", "allowedphrase"])
def test_moderators_cannot_edit_the_word_lists(client, model):
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    assert client.get(reverse(f"admin:articles_{model}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:articles_{model}_add")).status_code == 403


@pytest.mark.parametrize("model", ["languageguidance", "allowedphrase"])
def test_editors_see_the_word_lists(editor, model):
    response = editor.get(reverse(f"admin:articles_{model}_changelist"))

    assert response.status_code == 200
    assert ("Narcotics Anonymous" if model == "allowedphrase" else "junkie") in (
        response.content.decode()
    )


# --- The importer -------------------------------------------------------------------------

FRONT_MATTER = "---\nstatus: {status}\nreviewer: {reviewer}\nreviewed_on: 2026-02-16\n---\n"
BODY = (
    "# Naloxone at home\n\n"
    "Keep naloxone where everyone in the house can find it.\n\n"
    "## Where to keep it\n\n"
    "Somewhere easy to reach.\n\n{image}\n"
)


def write(tmp_path, *, status="published", reviewer="Dr. B, MD", image=""):
    path = tmp_path / "naloxone.md"
    text = FRONT_MATTER.format(status=status, reviewer=reviewer) + BODY.format(image=image)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_importer_publishes_an_article_that_passes(tmp_path, media_root):
    picture = make_library_image()
    article, _created = import_article_file(write(tmp_path, image=f"![](image:{picture.pk})"))
    assert article.is_published


def test_the_importer_refuses_to_publish_without_a_reviewer(tmp_path):
    path = write(tmp_path, reviewer="''")

    with pytest.raises(ArticleFormatError) as refused:
        import_article_file(path)

    assert str(refused.value) == (
        f"{path}:3: reviewer: Choose the medical reviewer before publishing."
    )
    assert Article.objects.count() == 0


def test_the_importer_refuses_to_publish_an_image_without_description(tmp_path, media_root):
    blank = make_library_image(alt="")
    path = write(tmp_path, image=f"![](image:{blank.pk})")

    with pytest.raises(ArticleFormatError) as refused:
        import_article_file(path)

    assert refused.value.line == 10  # the section's heading
    assert f"Describe the image image:{blank.pk} in the section “Where to keep it”" in (
        refused.value.reason
    )
    assert Article.objects.count() == 0


def test_the_importer_saves_a_failing_draft(tmp_path, media_root):
    blank = make_library_image(alt="")
    article, _created = import_article_file(
        write(tmp_path, status="draft", reviewer="''", image=f"![](image:{blank.pk})")
    )
    assert article.status == Article.Status.DRAFT
