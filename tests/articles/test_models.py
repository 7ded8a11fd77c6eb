from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Section
from core.markdown import render_markdown
from core.models import SiteSettings
from tests.factories import make_article, make_faq, make_image_upload, make_section, make_topic

pytestmark = pytest.mark.django_db


def test_published_hides_drafts_and_future_articles():
    visible = make_article()
    make_article(status=Article.Status.DRAFT, published_at=None)
    make_article(published_at=timezone.now() + timezone.timedelta(hours=2))

    assert list(Article.objects.published()) == [visible]


def test_publishing_without_a_time_sets_it_now():
    article = make_article(published_at=None)

    assert article.published_at is not None
    assert article.published_at <= timezone.now()
    assert article.is_published


def test_published_articles_are_newest_first():
    older = make_article(published_at=timezone.now() - timezone.timedelta(days=3))
    newer = make_article(published_at=timezone.now() - timezone.timedelta(days=1))

    assert list(Article.objects.published()) == [newer, older]


def test_sections_and_faqs_come_in_position_order():
    article = make_article()
    make_section(article, position=3, heading="Third")
    make_section(article, position=1, heading="First")
    make_section(article, position=2, heading="Second")
    make_faq(article, position=2, question="Later?")
    make_faq(article, position=1, question="Sooner?")

    assert [s.heading for s in article.sections.all()] == ["First", "Second", "Third"]
    assert [f.question for f in article.faqs.all()] == ["Sooner?", "Later?"]


def test_database_refuses_two_sections_in_one_position():
    article = make_article()
    make_section(article, position=1)

    # The constraint is deferred: PostgreSQL checks it when the transaction commits.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_section(article, position=1, anchor="another")
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_duplicate_anchors_in_one_article():
    article = make_article()
    make_section(article, position=1, anchor="same")

    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(article=article, position=2, heading="x", body="y", anchor="same")
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_two_sections_can_swap_positions_in_one_transaction():
    article = make_article()
    first = make_section(article, position=1, heading="First")
    second = make_section(article, position=2, heading="Second")

    with transaction.atomic():
        first.position, second.position = 2, 1
        first.save()
        second.save()

    assert [s.heading for s in article.sections.all()] == ["Second", "First"]


def test_same_anchor_is_fine_in_different_articles():
    one, two = make_article(), make_article()
    make_section(one, heading="Brain chemistry")
    make_section(two, heading="Brain chemistry")

    assert one.sections.get().anchor == two.sections.get().anchor == "brain-chemistry"


def test_anchor_is_made_from_heading_once_and_then_kept():
    article = make_article()
    section = make_section(article, heading="What Changes in the Brain?")
    assert section.anchor == "what-changes-in-the-brain"

    section.heading = "A new heading"
    section.save()
    section.refresh_from_db()
    assert section.anchor == "what-changes-in-the-brain"


def test_generated_anchors_avoid_siblings_and_page_ids():
    article = make_article()
    first = make_section(article, heading="Overview")
    second = make_section(article, heading="Overview")
    reserved = make_section(article, heading="Comments")

    assert (first.anchor, second.anchor) == ("overview", "overview-2")
    assert reserved.anchor == "comments-section"


def test_reserved_anchor_is_a_validation_error():
    section = Section(article=make_article(), position=1, heading="x", body="y", anchor="faq")

    with pytest.raises(ValidationError) as error:
        section.full_clean()
    assert error.value.error_dict["anchor"][0].code == "reserved_anchor"


def test_hero_image_requires_alt_text_in_validation_and_database(media_root):
    article = make_article()
    article.hero_image = make_image_upload()
    article.hero_alt = ""

    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert error.value.error_dict["hero_alt"][0].code == "hero_alt_required"
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(hero_image="heroes/x.png")


def test_hero_image_dimensions_are_stored(media_root):
    article = make_article(hero_image=make_image_upload(320, 180), hero_alt="A calm lake.")

    article.refresh_from_db()
    assert (article.hero_width, article.hero_height) == (320, 180)


def test_published_article_needs_a_time_in_the_database():
    article = make_article()

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(published_at=None)


def test_section_body_is_rendered_and_sanitised_on_save():
    section = make_section(
        make_article(),
        body=(
            "Some **bold** text.\n\n<script>alert('x')</script>\n\n"
            "[bad](javascript:alert(1)) [good](https://www.samhsa.gov/)\n\n"
            '<img src="x" onerror="alert(1)">'
        ),
    )

    html = section.body_html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "javascript:" not in html.replace("[bad](javascript:alert(1))", "")
    assert '<a href="https://www.samhsa.gov/" rel="noopener noreferrer">good</a>' in html


def test_markdown_headings_inside_a_body_start_at_h3():
    html = render_markdown("# Big\n\n## Medium\n\n#### Small")

    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Big</h3>" in html and "<h3>Medium</h3>" in html and "<h4>Small</h4>" in html


def test_faq_answer_and_references_are_rendered():
    article = make_article(references="- NIDA. *Heroin research report*.")
    faq = make_faq(article, answer="Call **now**.")

    assert faq.answer_html == "<p>Call <strong>now</strong>.</p>"
    assert "<em>Heroin research report</em>" in article.references_html


def test_reading_time_counts_the_words_of_sections_and_faqs():
    article = make_article(summary="word " * 20)
    make_section(article, body="word " * 400)
    make_faq(article, question="q?", answer="word " * 200)

    article.refresh_from_db()
    assert article.reading_minutes == 3  # ~623 words at 220 words a minute


def test_related_articles_share_topics_most_shared_first():
    opioids, withdrawal, families = make_topic(), make_topic(), make_topic()
    article = make_article(topics=[opioids, withdrawal])
    one_shared = make_article(topics=[opioids])
    two_shared = make_article(topics=[opioids, withdrawal])
    make_article(topics=[families])
    make_article(topics=[opioids], status=Article.Status.DRAFT, published_at=None)

    assert article.related_articles() == [two_shared, one_shared]
    assert article.related_articles(count=1) == [two_shared]


def test_related_articles_follow_scheduled_publication(time_machine):
    topic = make_topic()
    article = make_article(topics=[topic])
    scheduled = make_article(topics=[topic], published_at=timezone.now() + timedelta(hours=1))
    assert article.related_articles() == []

    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    assert article.related_articles() == [scheduled]


def test_an_article_without_topics_has_no_related_articles():
    article = make_article()
    make_article(topics=[make_topic()])
    with CaptureQueriesContext(connection) as queries:
        assert article.related_articles() == []
    assert len(queries) == 0


def test_site_settings_is_a_single_cached_row():
    settings = SiteSettings.load()
    settings.site_name = "Another name"
    settings.save()
    SiteSettings(site_name="Second row").save()

    assert SiteSettings.objects.count() == 1
    assert SiteSettings.load().site_name == "Second row"
    assert SiteSettings(helpline_phone="1-800-662-4357").helpline_tel == "18006624357"


def test_updated_date_counts_from_when_the_article_went_public_here():
    backdated = make_article(published_at=timezone.now() - timezone.timedelta(days=300))
    assert not backdated.was_updated_after_publication

    Article.objects.filter(pk=backdated.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=300)
    )
    backdated.refresh_from_db()
    backdated.save()
    assert backdated.was_updated_after_publication
