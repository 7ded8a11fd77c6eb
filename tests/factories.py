"""Small factory functions: plausible required values, overridden by what a test is about."""

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import FAQ, Article, Reviewer, Section, Topic

_numbers = itertools.count(1)


def make_topic(**overrides):
    number = next(_numbers)
    fields = {"name": f"Topic {number}", "slug": f"topic-{number}"}
    fields.update(overrides)
    return Topic.objects.create(**fields)


def make_reviewer(**overrides):
    number = next(_numbers)
    fields = {
        "name": f"Dr. Reviewer {number}",
        "slug": f"reviewer-{number}",
        "credentials": "MD, addiction medicine",
    }
    fields.update(overrides)
    return Reviewer.objects.create(**fields)


def default_reviewer():
    reviewer, _created = Reviewer.objects.get_or_create(
        slug="medical-review-team",
        defaults={"name": "Medical Review Team", "credentials": "MD, addiction medicine"},
    )
    return reviewer


def make_article(*, sections=0, faqs=0, topics=(), **overrides):
    """Create an article (published an hour ago unless overridden) with children."""
    number = next(_numbers)
    fields = {
        "title": f"Article {number}",
        "slug": f"article-{number}",
        "summary": "A short summary of what the article explains.",
        "author": "Editorial team",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timezone.timedelta(hours=1),
    }
    if overrides.get("status", Article.Status.PUBLISHED) == Article.Status.PUBLISHED:
        # What the checks before publishing require, so that an admin save of the
        # article as it stands passes them.
        fields.setdefault("reviewer", default_reviewer())
        fields.setdefault("reviewed_on", timezone.localdate() - timezone.timedelta(days=30))
    fields.update(overrides)
    article = Article.objects.create(**fields)
    for position in range(1, sections + 1):
        make_section(article, position=position)
    for position in range(1, faqs + 1):
        make_faq(article, position=position)
    if topics:
        article.topics.set(topics)
    return article


def make_reviewed_draft(**overrides):
    """A draft a medical reviewer has marked as reviewed: the admin publishes it once
    its form passes the other checks before publishing."""
    fields = {
        "status": Article.Status.DRAFT,
        "published_at": None,
        "reviewer": default_reviewer(),
        "reviewed_on": timezone.localdate(),
    }
    return make_article(**{**fields, **overrides})


def make_section(article, **overrides):
    position = overrides.pop("position", article.sections.count() + 1)
    fields = {
        "heading": f"Section heading {position}",
        "body": f"Paragraph of section {position} with **bold** text.",
    }
    fields.update(overrides)
    section = Section.objects.create(article=article, position=position, **fields)
    # As the admin and the importer do after changing sections.
    article.refresh_outline()
    return section


def make_faq(article, **overrides):
    position = overrides.pop("position", article.faqs.count() + 1)
    fields = {"question": f"Question number {position}?", "answer": f"Answer {position}."}
    fields.update(overrides)
    faq = FAQ.objects.create(article=article, position=position, **fields)
    article.refresh_outline()
    return faq


def make_image_upload(width=64, height=48, name="hero.png"):
    """An in-memory PNG upload of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (15, 92, 99)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_comment(article, **overrides):
    """Create a comment (approved unless overridden) on ``article``."""
    from comments.models import Comment

    number = next(_numbers)
    fields = {
        "author_name": f"Reader {number}",
        "author_email": f"reader{number}@example.org",
        "body": f"Comment number {number}: thank you for writing this.",
        "status": Comment.Status.APPROVED,
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (test)",
    }
    fields.update(overrides)
    return Comment.objects.create(article=article, **fields)


def make_threads(article, count):
    """``count`` approved comments on ``article``: a fifth start threads, the rest are
    replies spread over them (inserted at once, so hundreds stay quick)."""
    from comments.models import Comment

    threads = [make_comment(article) for _ in range(max(1, count // 5))]
    Comment.objects.bulk_create(
        Comment(
            article=article,
            parent=threads[number % len(threads)],
            author_name=f"Reader {number}",
            author_email=f"reader{number}@example.org",
            body=f"Reply number {number}",
            body_html=f"<p>Reply number {number}</p>",
            body_hash=f"{number:064d}",
            status=Comment.Status.APPROVED,
        )
        for number in range(count - len(threads))
    )


def make_page(**overrides):
    """Create a site page (published, not in the footer unless overridden)."""
    from pages.models import Page

    number = next(_numbers)
    fields = {
        "title": f"Page {number}",
        "slug": f"page-{number}",
        "summary": "What this page is for, in a sentence.",
        "body": "A paragraph of the page.",
        "is_published": True,
    }
    fields.update(overrides)
    return Page.objects.create(**fields)
