"""The Markdown article importer: the format, all-or-nothing saves, re-imports, commands."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from articles.importer import (
    ArticleFormatError,
    import_article_file,
    parse_article,
    read_article_file,
)
from articles.models import FAQ, Article, Section, Topic
from tests.factories import make_topic

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def md(*blocks, front_matter=None):
    """Markdown text: optional front matter (a list of YAML lines), then blocks.

    Blocks are separated by one blank line, so a test can name the line it expects
    an error on by its text.
    """
    text = "\n\n".join(blocks) + "\n"
    if front_matter is None:
        return text
    return "---\n" + "".join(f"{line}\n" for line in front_matter) + "---\n" + text


def write(tmp_path, text, name="article.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text, line):
    """The number of the first line of ``text`` equal to ``line`` (or ``line`` itself)."""
    if isinstance(line, int):
        return line
    return text.splitlines().index(line) + 1


def database_rows():
    """Everything the importer may write, to compare before and after a failure."""
    return {
        "articles": list(Article.objects.order_by("pk").values()),
        "sections": list(Section.objects.order_by("pk").values()),
        "faqs": list(FAQ.objects.order_by("pk").values()),
        "topics": list(Topic.objects.order_by("pk").values()),
        "article_topics": list(
            Article.topics.through.objects.order_by("pk").values_list("article_id", "topic_id")
        ),
    }


def check_deferred_constraints():
    """Make PostgreSQL check the deferred constraints now, as it would at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


FRONT_MATTER = [
    "slug: heroin-withdrawal",
    "status: published",
    "published_at: 2026-03-02T09:00:00Z",
    "author: Dr. Ana Ruiz, MD",
    "reviewer: Dr. Ben Okafor, MD",
    "reviewed_on: 2026-02-16",
    "topics: [Opioids, Withdrawal]",
    "featured: true",
    "comments_open: false",
    "seo_title: Heroin withdrawal explained",
    "meta_description: What happens in the body when someone stops using heroin.",
]
# What publishing requires in the front matter (the reviewer and review date).
REVIEW = FRONT_MATTER[4:6]
TITLE = "# Heroin withdrawal: what happens in the body"
SUMMARY = "Withdrawal is hard on the body\nbut rarely dangerous on its own."
BRAIN = (
    "## How the brain adapts {#brain}\n\n"
    "Opioid receptors become less sensitive.\n\n"
    "### Receptors\n\n"
    "Mu receptors are the main target."
)
GUT = "## Nerves and gut\n\nThe gut wakes up first."
HELP = "## Help\n\nCall the helpline, day or night."
FAQS = (
    "## Frequently asked questions\n\n"
    "### How long does it last?\n\n"
    "About a week for most people.\n\n"
    "### Is it dangerous?\n\n"
    "Rarely **on its own**."
)
REFERENCES = (
    "## References\n\n"
    "- [Opioid withdrawal](https://medlineplus.gov/ency/article/000949.htm), MedlinePlus, 2024."
)
GOOD_TEXT = md(TITLE, SUMMARY, BRAIN, GUT, HELP, FAQS, REFERENCES, front_matter=FRONT_MATTER)


@pytest.fixture
def imported(tmp_path):
    """The good file, imported: (article, created)."""
    return import_article_file(write(tmp_path, GOOD_TEXT, "good.md"))


# --- A good file ----------------------------------------------------------------------


def test_good_file_creates_the_article_with_its_front_matter(imported):
    article, created = imported
    article.refresh_from_db()

    assert created is True
    assert Article.objects.count() == 1
    assert article.slug == "heroin-withdrawal"
    assert article.title == "Heroin withdrawal: what happens in the body"
    assert article.summary == "Withdrawal is hard on the body but rarely dangerous on its own."
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert article.author == "Dr. Ana Ruiz, MD"
    assert article.reviewer.name == "Dr. Ben Okafor, MD"
    assert article.reviewed_on == datetime.date(2026, 2, 16)
    assert article.next_review_due == datetime.date(2027, 2, 16)
    assert article.is_featured is True
    assert article.allows_comments is False
    assert article.seo_title == "Heroin withdrawal explained"
    assert article.meta_description == ("What happens in the body when someone stops using heroin.")
    assert sorted(article.topics.values_list("slug", "name")) == [
        ("opioids", "Opioids"),
        ("withdrawal", "Withdrawal"),
    ]


def test_sections_are_stored_in_order_with_their_anchors(imported):
    article, _created = imported
    sections = list(article.sections.all())

    assert [s.position for s in sections] == [1, 2, 3]
    assert [s.heading for s in sections] == ["How the brain adapts", "Nerves and gut", "Help"]
    # Explicit, generated, and generated but steered away from a page id.
    assert [s.anchor for s in sections] == ["brain", "nerves-and-gut", "help-section"]
    assert sections[1].body == "The gut wakes up first."
    assert "<p>The gut wakes up first.</p>" in sections[1].body_html


def test_sub_headings_stay_in_the_section_body(imported):
    article, _created = imported
    brain = article.sections.get(position=1)

    assert article.sections.count() == 3
    assert brain.body == (
        "Opioid receptors become less sensitive.\n\n"
        "### Receptors\n\n"
        "Mu receptors are the main target."
    )
    assert "<h3>Receptors</h3>" in brain.body_html


def test_faqs_are_stored_in_order(imported):
    article, _created = imported

    assert list(article.faqs.values_list("position", "question", "answer")) == [
        (1, "How long does it last?", "About a week for most people."),
        (2, "Is it dangerous?", "Rarely **on its own**."),
    ]
    assert "<strong>on its own</strong>" in article.faqs.get(position=2).answer_html


def test_references_are_stored_and_rendered(imported):
    article, _created = imported

    assert article.references == (
        "- [Opioid withdrawal](https://medlineplus.gov/ency/article/000949.htm), MedlinePlus, 2024."
    )
    assert "<li>" in article.references_html
    assert 'href="https://medlineplus.gov/ency/article/000949.htm"' in article.references_html


def test_slug_is_made_from_the_title_without_front_matter(tmp_path):
    article, _created = import_article_file(write(tmp_path, md(TITLE, SUMMARY, GUT)))

    assert article.slug == "heroin-withdrawal-what-happens-in-the-body"


def test_missing_front_matter_values_get_defaults(tmp_path):
    article, _created = import_article_file(write(tmp_path, md(TITLE, SUMMARY, GUT)))
    article.refresh_from_db()

    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert article.author == "Harbor Recovery Center editorial team"
    assert article.reviewer is None
    assert article.reviewed_on is None
    assert article.next_review_due is None
    assert article.is_featured is False
    assert article.allows_comments is True
    assert article.seo_title == ""
    assert article.meta_description == ""
    assert article.references == ""
    assert article.topics.count() == 0
    assert article.faqs.count() == 0


def test_published_without_a_time_is_published_now(tmp_path):
    text = md(TITLE, SUMMARY, GUT, front_matter=["status: published", *REVIEW])
    before = timezone.now()

    article, _created = import_article_file(write(tmp_path, text))

    assert before <= article.published_at <= timezone.now()
    assert article.is_published


def test_published_at_as_a_date_means_nine_in_the_morning(tmp_path):
    text = md(TITLE, SUMMARY, GUT, front_matter=["status: draft", "published_at: 2026-03-02"])

    article, _created = import_article_file(write(tmp_path, text))

    assert article.published_at == timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))


def test_unpublish_at_takes_the_article_off_the_site_then(tmp_path, time_machine):
    time_machine.move_to(timezone.make_aware(datetime.datetime(2026, 3, 1, 12, 0)), tick=False)
    front_matter = ["status: draft", "published_at: 2026-03-02", "unpublish_at: 2026-04-02"]
    text = md(TITLE, SUMMARY, GUT, front_matter=front_matter)

    article, _created = import_article_file(write(tmp_path, text))

    assert article.unpublish_at == timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 0))


def test_an_unpublication_before_the_publication_is_refused_at_its_line(tmp_path):
    front_matter = ["published_at: 2026-03-02", "unpublish_at: 2026-03-01"]
    path = write(tmp_path, md(TITLE, SUMMARY, GUT, front_matter=front_matter))

    with pytest.raises(ArticleFormatError) as refused:
        import_article_file(path)

    assert "unpublication time must come after the publication time" in str(refused.value)
    assert not Article.objects.exists()


def test_topics_are_found_by_slug_and_reused(tmp_path, imported):
    opioids = Topic.objects.get(slug="opioids")
    text = md(
        "# Overdose risk after detox",
        SUMMARY,
        GUT,
        front_matter=["topics: [OPIOIDS, Overdose prevention]"],
    )

    article, _created = import_article_file(write(tmp_path, text, "second.md"))

    assert Topic.objects.count() == 3
    assert set(article.topics.all()) == {opioids, Topic.objects.get(slug="overdose-prevention")}
    assert Topic.objects.get(pk=opioids.pk).name == "Opioids"
    assert opioids.articles.count() == 2


def test_a_heading_inside_a_code_block_stays_in_the_body():
    parsed = parse_article(md(TITLE, SUMMARY, "## Example\n\n```\n## not a heading\n```"))

    assert [s.heading for s in parsed.sections] == ["Example"]
    assert parsed.sections[0].body == "```\n## not a heading\n```"


def test_a_heading_may_end_with_a_hash_sign():
    parsed = parse_article(md(TITLE, SUMMARY, "## Learning C#\n\nA language."))

    assert parsed.sections[0].heading == "Learning C#"


# --- Re-import --------------------------------------------------------------------------


def test_reimport_updates_the_article_in_place(tmp_path, imported):
    article, _created = imported
    section_ids = list(article.sections.values_list("pk", flat=True))
    faq_ids = list(article.faqs.values_list("pk", flat=True))
    front_matter = [*FRONT_MATTER[:6], "topics: [Treatment]"]
    text = md(
        "# Heroin withdrawal, revised",
        "A new summary of what happens in the body.",
        BRAIN,
        "## Nerves and gut\n\nThe gut wakes up last.",
        HELP,
        FAQS.replace("About a week", "About ten days"),
        front_matter=front_matter,
    )

    article, created = import_article_file(write(tmp_path, text, "revised.md"))

    assert created is False
    assert Article.objects.count() == 1
    assert article.title == "Heroin withdrawal, revised"
    assert article.summary == "A new summary of what happens in the body."
    assert article.references == ""
    assert article.is_featured is False
    assert list(article.sections.values_list("pk", flat=True)) == section_ids
    assert list(article.faqs.values_list("pk", flat=True)) == faq_ids
    assert article.sections.get(position=2).body == "The gut wakes up last."
    assert "wakes up last" in article.sections.get(position=2).body_html
    assert article.faqs.get(position=1).answer == "About ten days for most people."
    assert list(article.topics.values_list("slug", flat=True)) == ["treatment"]
    assert Section.objects.count() == 3
    assert FAQ.objects.count() == 2


def test_reimport_removes_sections_and_faqs_that_are_gone(tmp_path, imported):
    article, _created = imported
    first_section = article.sections.get(position=1)
    first_faq = article.faqs.get(position=1)
    one_faq = "## FAQ\n\n### How long does it last?\n\nA week."

    import_article_file(
        write(tmp_path, md(TITLE, SUMMARY, BRAIN, one_faq, front_matter=FRONT_MATTER))
    )

    assert list(Section.objects.values_list("pk", "anchor")) == [(first_section.pk, "brain")]
    assert list(FAQ.objects.values_list("pk", "answer")) == [(first_faq.pk, "A week.")]


def test_reimport_adds_new_sections_and_faqs(tmp_path, imported):
    article, _created = imported
    section_ids = list(article.sections.values_list("pk", flat=True))
    faq_ids = list(article.faqs.values_list("pk", flat=True))
    more_faqs = FAQS + "\n\n### Can I do it at home?\n\nTalk to a doctor first."
    text = md(
        TITLE,
        SUMMARY,
        BRAIN,
        GUT,
        HELP,
        "## Sleep {#sleep}\n\nSleep comes back slowly.",
        more_faqs,
        front_matter=FRONT_MATTER,
    )

    import_article_file(write(tmp_path, text))

    sections = list(article.sections.all())
    faqs = list(article.faqs.all())
    assert [s.pk for s in sections[:3]] == section_ids
    assert [(s.position, s.anchor) for s in sections[3:]] == [(4, "sleep")]
    assert [f.pk for f in faqs[:2]] == faq_ids
    assert [(f.position, f.question) for f in faqs[2:]] == [(3, "Can I do it at home?")]


def test_reimport_can_reorder_sections(tmp_path, imported):
    article, _created = imported

    import_article_file(write(tmp_path, md(TITLE, SUMMARY, GUT, BRAIN, front_matter=FRONT_MATTER)))
    check_deferred_constraints()

    assert list(article.sections.values_list("position", "anchor")) == [
        (1, "nerves-and-gut"),
        (2, "brain"),
    ]


def test_reimport_without_published_at_keeps_the_publication_time(tmp_path, imported):
    text = md(
        TITLE,
        SUMMARY,
        GUT,
        front_matter=["slug: heroin-withdrawal", "status: published", *REVIEW],
    )

    article, created = import_article_file(write(tmp_path, text))

    assert created is False
    assert article.published_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- Malformed files ----------------------------------------------------------------------

# A revision of the imported article (same slug): if any of it were written, the
# title, summary, sections, status or topics of the stored article would change.
NEW_FM = ["slug: heroin-withdrawal", "status: draft", "topics: [Brand new topic]"]
NEW_TITLE = "# Heroin withdrawal, revised"
NEW_SUMMARY = "A revised summary."
NEW_SECTION = "## What changed {#changes}\n\nAlmost everything."
NEW_FAQS = "## FAQ\n\n### Is this new?\n\nYes."
LONG = "x" * 201

MALFORMED = [
    # (text, the line the error is on: its text or its number, words from the reason)
    pytest.param(
        "---\nslug: heroin-withdrawal\n" + md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION),
        "---",
        "no closing '---'",
        id="unclosed-front-matter",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "reviewer: Dr. Ruiz: MD"]),
        "reviewer: Dr. Ruiz: MD",
        "not valid YAML",
        id="invalid-yaml",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=["- heroin-withdrawal", "- draft"]),
        "- heroin-withdrawal",
        "key: value",
        id="front-matter-not-a-mapping",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "tags: [Opioids]"]),
        "tags: [Opioids]",
        "unknown front matter key 'tags'",
        id="unknown-key",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=["slug: Heroin Withdrawal"]),
        "slug: Heroin Withdrawal",
        "slug must be",
        id="bad-slug",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM[:1], "status: live"]),
        "status: live",
        "status must be one of",
        id="bad-status",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "published_at: soon"]),
        "published_at: soon",
        "published_at must be",
        id="bad-published-at",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "unpublish_at: never"]),
        "unpublish_at: never",
        "unpublish_at must be",
        id="bad-unpublish-at",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "reviewed_on: spring"]),
        "reviewed_on: spring",
        "reviewed_on must be",
        id="bad-reviewed-on",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM[:2], "topics: [1, 2]"]),
        "topics: [1, 2]",
        "topics must be a list of names",
        id="topics-not-names",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM[:2], "topics: {a: b}"]),
        "topics: {a: b}",
        "topics must be a list of names",
        id="topics-a-mapping",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM[:2], "topics: ['!!']"]),
        "topics: ['!!']",
        "topics must be a list of names",
        id="topic-without-letters",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, 'featured: "yes"']),
        'featured: "yes"',
        "featured must be true or false",
        id="featured-not-a-bool",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "comments_open: 1"]),
        "comments_open: 1",
        "comments_open must be true or false",
        id="comments-open-not-a-bool",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, "author:"]),
        "author:",
        "author must be text",
        id="author-empty",
    ),
    pytest.param(
        md(NEW_SUMMARY, NEW_SECTION, front_matter=NEW_FM),
        NEW_SUMMARY,
        "expected the title line",
        id="missing-title",
    ),
    pytest.param(
        md(NEW_SECTION, NEW_SUMMARY, front_matter=NEW_FM),
        "## What changed {#changes}",
        "expected the title line",
        id="section-before-the-title",
    ),
    pytest.param(
        md("Draft, do not publish.", NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=NEW_FM),
        "Draft, do not publish.",
        "expected the title line",
        id="text-before-the-title",
    ),
    pytest.param(
        md(front_matter=NEW_FM).rstrip("\n"),
        len(NEW_FM) + 3,
        "expected the title line",
        id="nothing-after-the-front-matter",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, "# Another title", front_matter=NEW_FM),
        "# Another title",
        "only one '# Title'",
        id="two-titles",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SECTION, front_matter=NEW_FM),
        NEW_TITLE,
        "summary paragraph",
        id="no-summary",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "A second paragraph.", NEW_SECTION, front_matter=NEW_FM),
        "A second paragraph.",
        "the summary is one paragraph",
        id="two-summary-paragraphs",
    ),
    pytest.param(
        md(NEW_TITLE, "y" * 501, NEW_SECTION, front_matter=NEW_FM),
        "y" * 501,
        "the summary is 501 characters long; the limit is 500",
        id="summary-too-long",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, front_matter=NEW_FM),
        NEW_TITLE,
        "at least one '## Section'",
        id="no-sections",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_FAQS, front_matter=NEW_FM),
        NEW_TITLE,
        "at least one '## Section'",
        id="only-an-faq",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "## Empty", NEW_SECTION, front_matter=NEW_FM),
        "## Empty",
        "has no text",
        id="section-without-body",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, "## {#other}\n\nText.", front_matter=NEW_FM),
        "## {#other}",
        "heading cannot be empty",
        id="section-heading-only-an-anchor",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, f"## {'h' * 201}\n\nText.", front_matter=NEW_FM),
        f"## {'h' * 201}",
        "the section heading is 201 characters long",
        id="section-heading-too-long",
    ),
    pytest.param(
        md(
            NEW_TITLE, NEW_SUMMARY, NEW_SECTION, "## Again {#changes}\n\nText.", front_matter=NEW_FM
        ),
        "## Again {#changes}",
        "'changes' is already used on line",
        id="duplicate-anchor",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "## Changes\n\nText.", NEW_SECTION, front_matter=NEW_FM),
        "## What changed {#changes}",
        "'changes' is already used on line",
        id="anchor-taken-by-a-generated-one",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "## Brain {#The_Brain}\n\nText.", front_matter=NEW_FM),
        "## Brain {#The_Brain}",
        "an anchor is lowercase words joined by hyphens",
        id="invalid-anchor",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "## Brain {#}\n\nText.", front_matter=NEW_FM),
        "## Brain {#}",
        "an anchor is lowercase words joined by hyphens",
        id="empty-anchor",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, "## Talk to us {#comments}\n\nText.", front_matter=NEW_FM),
        "## Talk to us {#comments}",
        "'comments' is used by the page itself",
        id="reserved-anchor",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, NEW_FAQS, "## Later\n\nText.", front_matter=NEW_FM),
        "## Later",
        "sections must come before the FAQ",
        id="section-after-the-faq",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## FAQ\n\n### Unanswered?\n\n### Answered?\n\nYes.",
            front_matter=NEW_FM,
        ),
        "### Unanswered?",
        "has no answer",
        id="question-without-answer",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## FAQ\n\n### Answered?\n\nYes.\n\n### Last, unanswered?",
            "## References\n\n- A book.",
            front_matter=NEW_FM,
        ),
        "### Last, unanswered?",
        "has no answer",
        id="last-question-without-answer",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## FAQ\n\nSome common questions.\n\n### Is this new?\n\nYes.",
            front_matter=NEW_FM,
        ),
        "Some common questions.",
        "only '### Question' headings",
        id="text-before-the-first-question",
    ),
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, "## FAQs", front_matter=NEW_FM),
        "## FAQs",
        "has no '### Question' headings",
        id="empty-faq-part",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## References\n\n- A book.",
            NEW_FAQS,
            front_matter=NEW_FM,
        ),
        "## FAQ",
        "FAQ part must come before the references",
        id="faq-after-references",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## References\n\n- A book.",
            "## Further reading\n\n- Another book.",
            front_matter=NEW_FM,
        ),
        "## Further reading",
        "nothing may follow the references",
        id="section-after-references",
    ),
    pytest.param(
        md(
            NEW_TITLE,
            NEW_SUMMARY,
            NEW_SECTION,
            "## References\n\n- A book.",
            "## Sources\n\n- Another book.",
            front_matter=NEW_FM,
        ),
        "## Sources",
        "already a references part",
        id="two-references-parts",
    ),
    pytest.param(
        md(f"# {LONG}", NEW_SUMMARY, NEW_SECTION, front_matter=NEW_FM),
        f"# {LONG}",
        "the title is 201 characters long; the limit is 200",
        id="title-too-long",
    ),
    # Problems only the models see: found when saving, after the article row and the
    # topics were written inside the transaction.
    pytest.param(
        md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, f"seo_title: {'s' * 71}"]),
        None,
        "seo_title: Ensure this value has at most 70 characters",
        id="seo-title-too-long",
    ),
    pytest.param(
        md(
            NEW_TITLE, NEW_SUMMARY, NEW_SECTION, "## FAQ\n\n### \n\nAn answer.", front_matter=NEW_FM
        ),
        "### ",
        "question cannot be empty",
        id="empty-question",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), MALFORMED)
def test_malformed_file_is_reported_and_nothing_is_written(tmp_path, imported, text, line, reason):
    path = write(tmp_path, text, "bad.md")
    before = database_rows()

    with pytest.raises(ArticleFormatError) as raised:
        import_article_file(path)

    error = raised.value
    assert error.source == str(path)
    if line is not None:
        assert error.line == line_of(text, line)
    assert reason in error.reason
    assert str(error) == f"{path}:{error.line}: {error.reason}"
    assert database_rows() == before
    assert not Topic.objects.filter(slug="brand-new-topic").exists()


def test_a_new_article_that_fails_at_save_time_leaves_no_topic_behind(tmp_path):
    text = md(
        NEW_TITLE,
        NEW_SUMMARY,
        NEW_SECTION,
        "## FAQ\n\n### \n\nAn answer.",
        front_matter=["topics: [Opioids, Withdrawal]"],
    )

    with pytest.raises(ArticleFormatError):
        import_article_file(write(tmp_path, text))

    assert Topic.objects.count() == 0
    assert Article.objects.count() == 0
    assert Section.objects.count() == 0


@pytest.mark.parametrize(
    "line",
    [
        "published_at: 2026-02-30",
        "published_at: '2026-02-30'",
        "published_at: 2026-02-30T09:00:00Z",
        "reviewed_on: 2026-13-01",
        "reviewed_on: '2026-02-30'",
    ],
)
def test_an_impossible_date_is_a_format_error(line):
    text = md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, line])

    with pytest.raises(ArticleFormatError) as raised:
        parse_article(text, source="bad.md")

    assert raised.value.line == line_of(text, line)


def test_a_topic_name_too_long_for_the_model_is_a_format_error(tmp_path):
    text = md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[f"topics: [{'t' * 81}]"])

    with pytest.raises(ArticleFormatError):
        import_article_file(write(tmp_path, text))


def test_a_topic_name_taken_under_another_slug_is_not_a_crash(tmp_path):
    make_topic(name="Opioids", slug="opioid-drugs")
    text = md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=["topics: [Opioids]"])

    article, _created = import_article_file(write(tmp_path, text))

    assert list(article.topics.values_list("slug", flat=True)) == ["opioid-drugs"]


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("# Title\n\nSummary for caf\u00e9 owners.\n".encode("latin-1"))

    with pytest.raises(ArticleFormatError) as raised:
        read_article_file(path)

    assert raised.value.line == 3
    assert "not UTF-8" in raised.value.reason
    assert str(raised.value) == f"{path}:3: {raised.value.reason}"


def test_a_missing_file_is_reported(tmp_path):
    path = tmp_path / "nowhere.md"

    with pytest.raises(ArticleFormatError) as raised:
        import_article_file(path)

    assert raised.value.line == 0
    assert raised.value.reason == "no such file"
    assert str(raised.value) == f"{path}:0: no such file"
    assert Article.objects.count() == 0


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.md"
    path.write_text(GOOD_TEXT, encoding="utf-8-sig")

    article, _created = import_article_file(path)

    assert article.slug == "heroin-withdrawal"
    assert article.is_featured is True


# --- Management commands ------------------------------------------------------------------


def run_import(*paths):
    out, err = StringIO(), StringIO()
    error = None
    try:
        call_command("import_article", *map(str, paths), stdout=out, stderr=err, no_color=True)
    except CommandError as raised:
        error = raised
    return out.getvalue(), err.getvalue(), error


def test_import_command_reports_created_then_updated(tmp_path):
    path = write(tmp_path, GOOD_TEXT)

    first, _err, error = run_import(path)
    second, _err, _error = run_import(path)

    assert error is None
    assert first == "Created 'heroin-withdrawal' (published): 3 sections, 2 FAQs.\n"
    assert second == "Updated 'heroin-withdrawal' (published): 3 sections, 2 FAQs.\n"
    assert Article.objects.count() == 1


def test_import_command_reports_a_malformed_file_as_file_line_reason(tmp_path):
    text = md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=["status: live"])
    path = write(tmp_path, text)

    out, err, error = run_import(path)

    assert isinstance(error, CommandError)
    assert str(error) == "1 of 1 file(s) could not be imported."
    assert err.startswith(f"{path}:2: status must be one of: draft, published")
    assert out == ""
    assert Article.objects.count() == 0


def test_import_command_imports_the_good_files_and_reports_the_bad_ones(tmp_path):
    bad_text = md(NEW_TITLE, NEW_SUMMARY, "## Empty", front_matter=NEW_FM)
    bad = write(tmp_path, bad_text, "bad.md")
    good = write(tmp_path, GOOD_TEXT, "good.md")

    out, err, error = run_import(bad, good)

    assert str(error) == "1 of 2 file(s) could not be imported."
    assert err.startswith(f"{bad}:{line_of(bad_text, '## Empty')}: the section 'Empty' has no text")
    assert out.startswith("Created 'heroin-withdrawal'")
    assert list(Article.objects.values_list("title", flat=True)) == [TITLE.removeprefix("# ")]
    assert Topic.objects.filter(slug="brand-new-topic").count() == 0


def demo_counts():
    heroin = Article.objects.get(slug="heroin-withdrawal-physiology")
    return {
        "articles": Article.objects.count(),
        "sections": Section.objects.count(),
        "faqs": FAQ.objects.count(),
        "topics": Topic.objects.count(),
        "heroin_sections": list(heroin.sections.values_list("pk", "position")),
        "heroin_faqs": list(heroin.faqs.values_list("pk", "position")),
    }


def test_load_demo_content_twice_gives_the_same_content(media_root):
    call_command("load_demo_content", stdout=StringIO())
    first = demo_counts()
    call_command("load_demo_content", stdout=StringIO())

    assert demo_counts() == first
    assert first["articles"] == 4
    assert first["topics"] == 5
    assert [position for _pk, position in first["heroin_sections"]] == list(range(1, 11))
    assert [position for _pk, position in first["heroin_faqs"]] == list(range(1, 11))
    assert Topic.objects.get(slug="opioids").description != ""


def test_a_value_rejected_when_saving_is_reported_at_its_front_matter_line(tmp_path):
    seo_line = f"seo_title: {'x' * 71}"
    text = md(NEW_TITLE, NEW_SUMMARY, NEW_SECTION, front_matter=[*NEW_FM, seo_line])

    with pytest.raises(ArticleFormatError) as raised:
        import_article_file(write(tmp_path, text))

    assert raised.value.line == line_of(text, seo_line)
    assert raised.value.reason.startswith("seo_title:")
