"""The image library: uploads with the hero rules, pictures in section bodies and FAQ
answers written as ``![description](image:N)``, foreign images refused, texts kept
current when a picture changes, pictures in use protected, editors only."""

import io
import os
import re
import time
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.importer import ArticleFormatError, import_article_file
from articles.library import articles_using, described_image_ids
from articles.models import FAQ, Article, LibraryImage, Section, render_body
from core.markdown import render_markdown
from tests.articles.test_admin import article_form_data, make_staff, section_rows
from tests.articles.test_hero_uploads import (
    MARKERS,
    jpeg_with_every_kind_of_metadata,
    picture_bytes,
    stored_files,
)
from tests.factories import (
    make_article,
    make_faq,
    make_reviewed_draft,
    make_section,
    make_topic,
)

pytestmark = pytest.mark.django_db

RANDOM_LIBRARY_NAME = re.compile(r"library/[0-9a-f]{32}\.(jpg|png|webp)")


def make_library_image(**overrides):
    fields = {
        "file": SimpleUploadedFile("Jane Doe at the clinic.jpg", picture_bytes()),
        "alt": "A nurse checks a patient's blood pressure.",
        "caption": "Vital signs are checked every few hours.",
        "credit": "Photo: Recovery Center",
    }
    fields.update(overrides)
    return LibraryImage.objects.create(**fields)


def upload_data(**overrides):
    data = {
        "file": SimpleUploadedFile("Jane Doe.jpg", jpeg_with_every_kind_of_metadata()),
        "alt": "A quiet room with a bed and a window.",
        "caption": "",
        "credit": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def editor(client):
    user = make_staff("editor", groups=["Editors"])
    client.force_login(user)
    return user


def field_codes(errors):
    """Error codes of a form's or formset row's ``errors.as_data()``-able mapping."""
    return {name: [error.code for error in items] for name, items in errors.as_data().items()}


# --- Uploading --------------------------------------------------------------------------


def test_an_editor_uploads_a_picture_stored_without_metadata_under_a_random_name(
    client, editor, media_root
):
    response = client.post(reverse("admin:articles_libraryimage_add"), upload_data())

    assert response.status_code == 302
    image = LibraryImage.objects.get()
    assert RANDOM_LIBRARY_NAME.fullmatch(image.file.name)
    assert image.uploaded_by == editor
    assert (image.width, image.height) == (1300, 700)
    files = image.renditions["files"]
    assert [(item["width"], item["format"]) for item in files] == [
        (480, "WEBP"),
        (480, "JPEG"),
        (800, "WEBP"),
        (800, "JPEG"),
        (1200, "WEBP"),
        (1200, "JPEG"),
    ]
    for path in [media_root / image.file.name, *(media_root / item["name"] for item in files)]:
        content = path.read_bytes()
        assert [marker for marker in MARKERS if marker in content] == [], path.name


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("cut.jpg", picture_bytes()[:2000], "invalid_image"),
        ("photo.png", picture_bytes(), "invalid_image"),
        ("animation.gif", picture_bytes(image_format="GIF"), "unsupported_format"),
    ],
)
def test_a_bad_file_is_refused_as_a_hero_image_would_be(
    client, editor, media_root, name, data, code
):
    response = client.post(
        reverse("admin:articles_libraryimage_add"),
        upload_data(file=SimpleUploadedFile(name, data)),
    )

    assert response.status_code == 200
    assert field_codes(response.context["adminform"].form.errors)["file"][0] == code
    assert not LibraryImage.objects.exists()
    assert stored_files(media_root) == []


def test_the_pixel_limit_applies_to_library_pictures(client, editor, media_root, settings):
    settings.IMAGE_MAX_PIXELS = 1000 * 600

    response = client.post(reverse("admin:articles_libraryimage_add"), upload_data())

    assert field_codes(response.context["adminform"].form.errors)["file"] == ["too_large"]
    assert not LibraryImage.objects.exists()


def test_the_list_shows_thumbnails_and_the_snippet_and_searches_the_texts(
    client, editor, media_root
):
    image = make_library_image()
    other = make_library_image(alt="A family walking on a beach.", caption="", credit="")

    page = client.get(reverse("admin:articles_libraryimage_changelist"), {"q": "nurse"})

    content = page.content.decode()
    assert page.status_code == 200
    assert f'<code class="library-snippet">![](image:{image.pk})</code>' in content
    assert f"image:{other.pk})" not in content
    assert image.picture.smallest_src in content


def test_the_change_page_shows_the_snippet_and_the_articles_using_it(client, editor, media_root):
    image = make_library_image()
    article = make_article(title="What happens in detox")
    make_section(article, body=f"Text.\n\n![](image:{image.pk})")

    page = client.get(reverse("admin:articles_libraryimage_change", args=[image.pk]))

    content = page.content.decode()
    assert f"![](image:{image.pk})" in content
    assert reverse("admin:articles_article_change", args=[article.pk]) in content


def test_a_moderator_cannot_see_or_upload_library_pictures(client, media_root):
    client.force_login(make_staff("moderator", groups=["Moderators"]))
    image = make_library_image()

    assert client.get(reverse("admin:articles_libraryimage_changelist")).status_code == 403
    assert client.get(reverse("admin:articles_libraryimage_add")).status_code == 403
    response = client.post(reverse("admin:articles_libraryimage_add"), upload_data())
    assert response.status_code == 403
    assert list(LibraryImage.objects.all()) == [image]


# --- Rendering --------------------------------------------------------------------------


def test_the_snippet_renders_a_responsive_figure_with_caption_and_credit(media_root):
    image = make_library_image()
    section = make_section(make_article(), body=f"Before.\n\n![](image:{image.pk})\n\nAfter.")

    html = section.body_html

    assert html.startswith('<p>Before.</p>\n<figure class="article-figure">')
    figure = re.search(r"<figure.*</figure>", html, re.S).group(0)
    picture = image.picture
    assert f'<source type="image/webp" srcset="{picture.webp_srcset}"' in figure
    assert "480w" in picture.webp_srcset and "1200w" in picture.fallback_srcset
    assert f'srcset="{picture.fallback_srcset}" sizes="{picture.sizes}"' in figure
    assert 'width="1200" height="646"' in figure
    assert 'loading="lazy" decoding="async"' in figure
    assert 'alt="A nurse checks a patient&#x27;s blood pressure."' in figure
    assert (
        "<figcaption>Vital signs are checked every few hours. "
        '<span class="figure-credit">Photo: Recovery Center</span></figcaption>'
    ) in figure
    assert "<p><figure" not in html
    assert html.endswith("<p>After.</p>")


def test_the_alt_written_in_the_text_overrides_the_librarys(media_root):
    image = make_library_image()

    html = render_body(f"![A nurse at work in the detox unit](image:{image.pk})")

    assert 'alt="A nurse at work in the detox unit"' in html
    assert "blood pressure" not in html


def test_a_figure_in_an_faq_answer_and_a_list_item(media_root):
    image = make_library_image(caption="", credit="")
    faq = make_faq(make_article(), answer=f"- One\n- ![](image:{image.pk})")

    assert '<li><figure class="article-figure">' in faq.answer_html
    assert "<figcaption>" not in faq.answer_html


@pytest.mark.parametrize(
    "text",
    [
        '![" onerror="alert(1)](image:{pk})',
        '![x](image:{pk} "onload=alert(1)")',
        "![<script>alert(1)</script>](image:{pk})",
        '![x](image:{pk})\n\n<img src=x onerror="alert(1)">',
        '<img src="https://evil.example/x.png" onerror="alert(1)">\n\n![x](image:{pk})',
    ],
)
def test_an_editor_cannot_smuggle_attributes_or_markup_through_a_picture(media_root, text):
    image = make_library_image(caption="<b>bold</b> caption", credit='"><script>x</script>')

    tags = Tags()
    tags.feed(render_body(text.format(pk=image.pk)))

    assert {tag for tag, _attrs in tags} <= {
        "p",
        "figure",
        "picture",
        "source",
        "img",
        "figcaption",
        "span",
    }
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert len(images) == 1
    assert set(images[0]) == {
        "src",
        "srcset",
        "sizes",
        "alt",
        "width",
        "height",
        "loading",
        "decoding",
    }
    assert images[0]["src"].startswith("/media/renditions/")
    assert [attrs for tag, attrs in tags if tag == "source"] == [
        {"type": "image/webp", "srcset": image.picture.webp_srcset, "sizes": image.picture.sizes}
    ]


class Tags(HTMLParser, list):
    """The (tag, attributes) of every start tag fed, as a browser would read them."""

    def __init__(self):
        HTMLParser.__init__(self)
        list.__init__(self)

    def handle_starttag(self, tag, attrs):
        self.append((tag, dict(attrs)))


def test_a_placeholder_written_by_an_editor_stays_text(media_root):
    image = make_library_image()

    html = render_body(f"figure-0123456789abcdef-0\n\n![](image:{image.pk})")

    assert html.startswith("<p>figure-0123456789abcdef-0</p>")
    assert html.count("<figure") == 1


def test_plain_markdown_rendering_still_drops_images():
    assert render_markdown("![x](https://example.org/x.png)") == "<p></p>"


# --- Refusing other images --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("![x](https://example.org/x.png)", "foreign_image"),
        ("Intro.\n\n![x](/media/heroes/x.png)", "foreign_image"),
        ("![x][logo]\n\n[logo]: http://example.org/logo.png", "foreign_image"),
        ("![x](image:999999)", "unknown_image"),
        ("Look: ![x](image:{pk}) here.", "image_not_alone"),
        ("# ![x](image:{pk})", "image_not_alone"),
    ],
)
def test_images_other_than_a_library_picture_on_its_own_are_refused(media_root, text, code):
    image = make_library_image()
    section = Section(article=make_article(), position=1, heading="Step", anchor="step")
    section.body = text.format(pk=image.pk)

    with pytest.raises(Exception) as raised:
        section.full_clean()

    assert [error.code for error in raised.value.error_dict["body"]] == [code]


def test_a_refusal_names_the_line_and_the_address(media_root):
    faq = FAQ(article=make_article(), position=1, question="Why?")
    faq.answer = "First line.\nSecond line.\n\nFourth ![x](http://example.org/a.png)"

    with pytest.raises(Exception) as raised:
        faq.full_clean()

    (message,) = raised.value.message_dict["answer"]
    assert message.startswith("Line 4: the picture “http://example.org/a.png”")


def test_the_admin_refuses_foreign_images_in_bodies_answers_and_references(client, editor):
    image = make_library_image()
    sections = section_rows(2)
    sections[0]["body"] = "![A scan](https://example.org/scan.png)"
    sections[1]["body"] = f"![](image:{image.pk})"
    faqs = [{"position": "1", "question": "Why?", "answer": "![x](/media/heroes/a.png)"}]
    data = article_form_data(make_topic(), sections, faqs, references=f"- ![](image:{image.pk})")

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert field_codes(response.context["adminform"].form.errors) == {
        "references": ["image_in_references"]
    }
    section_formset, faq_formset = (
        inline.formset for inline in response.context["inline_admin_formsets"]
    )
    assert field_codes(section_formset.forms[0].errors) == {"body": ["foreign_image"]}
    assert section_formset.forms[1].errors == {}
    assert field_codes(faq_formset.forms[0].errors) == {"answer": ["foreign_image"]}
    assert "https://example.org/scan.png" in response.content.decode()
    assert not Article.objects.exists()


def test_an_editor_saves_a_section_with_a_library_picture(client, editor, media_root):
    image = make_library_image()
    sections = section_rows(1)
    sections[0]["body"] = f"Intro.\r\n\r\n![](image:{image.pk})"

    draft = make_reviewed_draft(slug="supervised-detox")
    data = article_form_data(
        make_topic(), sections, [], status="published", reviewer=str(draft.reviewer_id)
    )

    response = client.post(reverse("admin:articles_article_change", args=[draft.pk]), data)

    assert response.status_code == 302
    article = Article.objects.get()
    assert '<figure class="article-figure">' in article.outline_html
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="A nurse checks a patient&#x27;s blood pressure."' in page


ARTICLE_FILE = """\
---
slug: picture-import
---
# Pictures

A summary sentence.

## First section

Some text.

![A chart](https://example.org/chart.png)

## Frequently asked questions

### Why?

Because.
"""


def test_the_importer_refuses_a_foreign_image_at_its_line(tmp_path, media_root):
    path = tmp_path / "article.md"
    path.write_text(ARTICLE_FILE)

    with pytest.raises(ArticleFormatError) as raised:
        import_article_file(path)

    assert raised.value.line == 12
    assert "https://example.org/chart.png" in raised.value.reason
    assert "Line 12:" in raised.value.reason
    assert not Article.objects.exists()


def test_the_importer_refuses_an_unknown_picture_in_an_faq_answer(tmp_path, media_root):
    path = tmp_path / "article.md"
    path.write_text(
        ARTICLE_FILE.replace("![A chart](https://example.org/chart.png)", "").replace(
            "Because.", "Because.\n\n![x](image:424242)"
        )
    )

    with pytest.raises(ArticleFormatError) as raised:
        import_article_file(path)

    assert raised.value.line == 20
    assert not Article.objects.exists()


def test_the_importer_keeps_library_pictures(tmp_path, media_root):
    image = make_library_image()
    path = tmp_path / "article.md"
    path.write_text(ARTICLE_FILE.replace("https://example.org/chart.png", f"image:{image.pk}"))

    article, _created = import_article_file(path)

    assert 'alt="A chart"' in article.sections.get().body_html


# --- Changes and deletion ---------------------------------------------------------------


def change_data(image, **overrides):
    data = {"alt": image.alt, "caption": image.caption, "credit": image.credit}
    data.update(overrides)
    return data


def test_changing_the_texts_renders_the_sections_faqs_and_pages_again(client, editor, media_root):
    image = make_library_image()
    article = make_article()
    section = make_section(article, body=f"![](image:{image.pk})")
    faq = make_faq(article, answer=f"![](image:{image.pk})")
    untouched = make_section(article, body="No picture here.")
    # Served (and cached) before the change.
    assert "blood pressure" in client.get(article.get_absolute_url()).content.decode()

    response = client.post(
        reverse("admin:articles_libraryimage_change", args=[image.pk]),
        change_data(image, alt="A doctor listens to a patient's chest.", credit="Photo: A. B."),
    )

    assert response.status_code == 302
    section.refresh_from_db()
    faq.refresh_from_db()
    for html in (section.body_html, faq.answer_html):
        assert "listens to a patient" in html and "Photo: A. B." in html
    untouched_before = untouched.body_html
    untouched.refresh_from_db()
    assert untouched.body_html == untouched_before
    page = client.get(article.get_absolute_url()).content.decode()
    assert "listens to a patient" in page
    assert "blood pressure" not in page


def test_replacing_the_picture_renders_the_new_files_and_deletes_the_old(
    client, editor, media_root, django_capture_on_commit_callbacks
):
    image = make_library_image()
    section = make_section(make_article(), body=f"![](image:{image.pk})")
    old_files = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_libraryimage_change", args=[image.pk]),
            change_data(image, file=SimpleUploadedFile("new.png", picture_bytes(900, 900, "PNG"))),
        )

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.file.name.endswith(".png") and (image.width, image.height) == (900, 900)
    section.refresh_from_db()
    assert 'width="900" height="900"' in section.body_html
    assert image.picture.webp_srcset in section.body_html
    assert not any(path.exists() for path in old_files)


def test_a_picture_in_use_cannot_be_deleted_and_the_articles_are_named(client, editor, media_root):
    image = make_library_image()
    article = make_article(title="Withdrawal timeline")
    make_faq(article, answer=f"![](image:{image.pk})")
    url = reverse("admin:articles_libraryimage_delete", args=[image.pk])

    page = client.get(url)
    response = client.post(url, {"post": "yes"})

    assert "cannot be deleted" in page.content.decode()
    assert "Withdrawal timeline" in page.content.decode()
    assert response.status_code == 200
    assert LibraryImage.objects.filter(pk=image.pk).exists()
    bulk = client.post(
        reverse("admin:articles_libraryimage_changelist"),
        {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"},
    )
    assert "Withdrawal timeline" in bulk.content.decode()
    assert LibraryImage.objects.filter(pk=image.pk).exists()


def test_an_unused_picture_is_deleted_with_its_files(
    client, editor, media_root, django_capture_on_commit_callbacks
):
    image = make_library_image()
    make_section(make_article(), body=f"`![](image:{image.pk})` is how to write it.")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:articles_libraryimage_delete", args=[image.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not LibraryImage.objects.exists()
    assert stored_files(media_root) == []


def test_articles_using_ignores_other_numbers_and_code(media_root):
    image = make_library_image()
    article = make_article()
    make_section(article, body=f"Code: `![](image:{image.pk})`\n\n```\n![](image:{image.pk})\n```")
    make_section(article, body=f"Number {image.pk}0: image:{image.pk}0")

    assert articles_using(image) == []


# --- Alt text check and file cleaning ---------------------------------------------------


def test_described_image_ids_are_the_pictures_the_library_describes(media_root):
    described = make_library_image()
    blank = make_library_image(alt="  ")
    texts = [f"![](image:{described.pk})\n\n![](image:{blank.pk})", "No pictures."]

    assert described_image_ids(texts) == {described.pk}
    assert described_image_ids(["No pictures."]) == frozenset()


def test_publishing_needs_a_description_in_the_text_or_the_library(client, editor, media_root):
    described = make_library_image()
    blank = make_library_image(alt="")
    topic = make_topic()
    article = make_reviewed_draft(slug="supervised-detox")
    body = f"Text.\n\n![](image:{described.pk})\n\n![](image:{blank.pk})"
    data = article_form_data(
        topic,
        [{**section_rows(1)[0], "body": body}],
        [],
        status="published",
        reviewer=str(article.reviewer_id),
    )

    refused = client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert refused.status_code == 200
    assert f"Describe the image image:{blank.pk}" in refused.content.decode()
    assert f"image:{described.pk} in" not in refused.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_clean_hero_files_keeps_library_pictures(media_root, time_machine):
    image = make_library_image()
    used = stored_files(media_root)
    orphan = media_root / "library" / "0123456789abcdef0123456789abcdef.jpg"
    orphan.write_bytes(b"old")
    os.utime(orphan, (time.time(), time.time()))
    time_machine.move_to(timezone.now() + timezone.timedelta(hours=2), tick=False)

    out = io.StringIO()
    call_command("clean_hero_files", stdout=out)

    assert stored_files(media_root) == used
    assert len(used) == 7 and (media_root / image.file.name) in used
    assert "Deleted 1 unused files" in out.getvalue()


# --- The picker -------------------------------------------------------------------------


def test_the_picker_lists_pictures_for_editors_and_searches(client, editor, media_root):
    nurse = make_library_image()
    make_library_image(alt="A family walking on a beach.")
    url = reverse("admin:articles_libraryimage_picker")

    everything = client.get(url).json()["images"]
    found = client.get(url, {"q": "nurse"}).json()["images"]

    assert len(everything) == 2
    assert found == [
        {
            "id": nurse.pk,
            "label": str(nurse),
            "snippet": f"![](image:{nurse.pk})",
            "thumbnail": nurse.picture.smallest_src,
        }
    ]


def test_the_article_form_offers_the_picker_beside_bodies_and_answers(client, editor):
    page = client.get(reverse("admin:articles_article_add")).content.decode()

    picker = reverse("admin:articles_libraryimage_picker")
    assert re.search(
        rf'<textarea name="sections-__prefix__-body"[^>]*data-image-picker="{picker}"', page
    )
    assert re.search(
        rf'<textarea name="faqs-__prefix__-answer"[^>]*data-image-picker="{picker}"', page
    )
    assert not re.search(r'<textarea name="references"[^>]*data-image-picker', page)
    assert "js/image-picker.js" in page


def test_a_moderator_gets_no_picker(client, media_root):
    make_library_image()
    client.force_login(make_staff("moderator", groups=["Moderators"]))

    assert client.get(reverse("admin:articles_libraryimage_picker")).status_code == 403


def test_refresh_articles_renders_bodies_again_after_a_change_made_with_sql(media_root):
    image = make_library_image()
    article = make_article()
    section = make_section(article, body=f"![](image:{image.pk})")
    faq = make_faq(article, answer=f"![](image:{image.pk})")
    LibraryImage.objects.filter(pk=image.pk).update(alt="Changed with SQL.")

    call_command("refresh_articles", stdout=io.StringIO())

    section.refresh_from_db()
    faq.refresh_from_db()
    article.refresh_from_db()
    for html in (section.body_html, faq.answer_html, article.outline_html):
        assert 'alt="Changed with SQL."' in html


def test_make_hero_renditions_makes_library_renditions_again(media_root):
    image = make_library_image()
    section = make_section(make_article(), body=f"![](image:{image.pk})")
    LibraryImage.objects.filter(pk=image.pk).update(renditions={})

    call_command("make_hero_renditions", "--missing-only", stdout=io.StringIO())

    image.refresh_from_db()
    section.refresh_from_db()
    assert len(image.renditions["files"]) == 6
    assert image.picture.webp_srcset in section.body_html


def test_the_faq_answer_in_structured_data_leaves_the_figure_out(media_root):
    image = make_library_image()
    article = make_article()
    make_faq(article, answer=f"Yes, with care.\n\n![](image:{image.pk})")
    article.refresh_from_db()

    assert article.faq_entries == [["Question number 1?", "Yes, with care."]]
