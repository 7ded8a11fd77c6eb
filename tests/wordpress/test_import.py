"""Importing a WordPress export into the database: `manage.py import_wordpress`.

The export files in exports/ are made for these tests (an invented site); changed
copies are written to a temporary directory by replacing parts of their text.
"""

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command, execute_from_command_line
from django.urls import reverse
from reversion.models import Version

from articles.models import FAQ, Article, Section, Topic
from comments.models import Comment, ModerationLists
from core import caching
from pages.models import Page
from tests.factories import make_reviewer
from wordpress.importer import import_file
from wordpress.models import ImportedItem, LegacyAddress

pytestmark = pytest.mark.django_db

EXPORTS = Path(__file__).parent / "exports"
SITE = EXPORTS / "site-wxr-1.2.xml"
# After the newest comment of the site file (2024-03-06): the IP retention (30 days)
# covers comments from 2024-03-05 07:30 UTC on.
IMPORT_TIME = datetime(2024, 4, 4, 7, 30, tzinfo=UTC)
TABLES = (Article, Section, FAQ, Topic, Page, Comment, ImportedItem, LegacyAddress, Version)


def run(path, *options):
    out = io.StringIO()
    call_command("import_wordpress", str(path), *options, stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in TABLES}


def tally_row(report, kind):
    """The numbers of one row of the report's table."""
    line = next(line for line in report.splitlines() if line.split()[:1] == [kind])
    return [int(value) for value in line.split()[1:]]


def comment(wp_id, parent, text, *, approved="1", when="2024-03-20 10:00:00"):
    return (
        f"<wp:comment><wp:comment_id>{wp_id}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[Reader {wp_id}]]></wp:comment_author>"
        f"<wp:comment_author_email><![CDATA[reader{wp_id}@mail.example]]></wp:comment_author_email>"
        f"<wp:comment_author_url></wp:comment_author_url>"
        f"<wp:comment_author_IP><![CDATA[192.0.2.{wp_id % 250}]]></wp:comment_author_IP>"
        f"<wp:comment_date><![CDATA[{when}]]></wp:comment_date>"
        f"<wp:comment_date_gmt><![CDATA[{when}]]></wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{text}]]></wp:comment_content>"
        f"<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>"
        f"<wp:comment_type><![CDATA[comment]]></wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent>"
        f"<wp:comment_user_id>0</wp:comment_user_id></wp:comment>"
    )


def changed_site(tmp_path, *replacements, name="changed.xml"):
    """The site file with each (old, new) text replaced once."""
    text = SITE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Post 11 gets a thread four levels deep (the site's cap is three) and a crisis comment.
FAMILY_CATEGORIES = '<category domain="post_tag" nicename="family"><![CDATA[Family]]></category>'
DEEP_THREAD = FAMILY_CATEGORIES + "".join(
    [
        comment(201, 0, "My brother starts treatment next week."),
        comment(202, 201, "Good luck to him and to you."),
        comment(203, 202, "Thank you, we are hopeful."),
        comment(204, 203, "Hopeful is a good place to start."),
        comment(205, 0, "I took all my pills tonight and I want to die."),
    ]
)


NEW_POST = """<item>
		<title><![CDATA[Walking groups start in May]]></title>
		<dc:creator><![CDATA[mara]]></dc:creator>
		<content:encoded><![CDATA[<p>We walk by the river on Saturdays.</p>]]></content:encoded>
		<wp:post_id>15</wp:post_id>
		<wp:post_date><![CDATA[2024-03-20 10:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2024-03-20 09:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[walking-groups]]></wp:post_name>
		<wp:status><![CDATA[draft]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
"""


@pytest.fixture
def at_import_time(time_machine):
    time_machine.move_to(IMPORT_TIME, tick=False)


@pytest.fixture
def imported(at_import_time):
    return run(SITE)


def by_wp_id(kind, wp_id):
    return ImportedItem.objects.get(kind=kind, wp_id=wp_id).local_object


def test_posts_keep_their_status_and_dates_and_nothing_unreviewed_goes_public(imported):
    assert tally_row(imported, "posts") == [5, 0, 0, 0, 3]
    sleep = by_wp_id("post", 10)
    assert sleep.status == Article.Status.DRAFT
    # Drafted for the review, it keeps the date it was published on in WordPress.
    assert sleep.published_at == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert "post 10 (line 89): Choose the medical reviewer" in imported
    scheduled = by_wp_id("post", 13)
    assert (scheduled.status, scheduled.published_at) == (
        Article.Status.DRAFT,
        datetime(2024, 4, 20, 8, 0, tzinfo=UTC),
    )
    private = by_wp_id("post", 14)
    assert (private.status, private.published_at) == (Article.Status.DRAFT, None)
    assert not Article.objects.published().exists()


def test_the_report_is_a_table_per_kind_then_the_reasons(imported):
    lines = imported.splitlines()
    assert lines[:7] == [
        "WordPress import from https://old.harbourlane.example",
        "",
        "              created    updated  unchanged    skipped    drafted",
        "posts               5          0          0          0          3",
        "pages               2          0          0          0          0",
        "topics              4          0          0          0          0",
        "comments            5          0          0          1          0",
    ]
    headings = [line for line in lines[7:] if line.endswith(":")]
    assert headings == ["Skipped:", "Imported as drafts:", "Notes:"]
    skipped = lines[lines.index("Skipped:") + 1 : lines.index("Imported as drafts:") - 1]
    assert skipped == ["  comment 106 (line 218): a pingback, not a reader's comment"]
    assert "  nav_menu_item: 1 item(s) of this type not imported" in lines


def test_a_draft_without_slug_title_or_gmt_date_still_imports(imported):
    draft = by_wp_id("post", 12)
    assert draft.status == Article.Status.DRAFT
    assert draft.published_at is None
    assert draft.title == "Untitled draft (WordPress post 12)"
    assert draft.slug == "untitled-draft-wordpress-post-12"
    assert draft.summary == "Notes for a piece on cravings in the evening."


def test_fields_slugs_authors_and_summaries(imported):
    sleep, family = by_wp_id("post", 10), by_wp_id("post", 11)
    assert sleep.title == "Schlaf in den ersten Wochen: was sich ändert"
    assert sleep.slug == "schlaf-in-den-ersten-wochen-was-sich-andert"
    assert sleep.author == "Mara Quint"
    assert sleep.summary == "Sleep is often poor at first, and it improves."
    assert sleep.allows_comments
    # No excerpt: the first sentences of the text before the first heading.
    assert family.summary == (
        "Telling the people close to you is often the hardest step. Choose a calm moment."
    )
    assert family.author == "Jonas Öberg-Lind"
    assert not family.allows_comments


@pytest.mark.parametrize(
    ("wp_id", "old_text", "published_at", "queryset"),
    [
        # publish → published at its GMT date.
        (
            11,
            "<p>Write down the two or three things you most want them to know.</p>",
            datetime(2023, 11, 20, 9, 0, tzinfo=UTC),
            "published",
        ),
        # future → scheduled at its date.
        (
            13,
            "<p>Come and see the house, meet the team and ask anything.</p>",
            datetime(2024, 4, 20, 8, 0, tzinfo=UTC),
            "scheduled",
        ),
    ],
)
def test_a_post_that_passes_the_checks_is_published_at_its_date(
    at_import_time, tmp_path, wp_id, old_text, published_at, queryset
):
    run(SITE)
    # A reviewer recorded without touching the row's change time (as a data fix would):
    # the import does not count it as an editor's edit.
    Article.objects.filter(pk=by_wp_id("post", wp_id).pk).update(
        reviewer=make_reviewer(), reviewed_on=date(2024, 4, 1)
    )
    report = run(changed_site(tmp_path, (old_text, old_text.replace(".</p>", ", too.</p>"))))
    assert tally_row(report, "posts") == [0, 1, 4, 0, 0]
    article = by_wp_id("post", wp_id)
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == published_at
    assert list(getattr(Article.objects, queryset)()) == [article]


@pytest.mark.parametrize("status", ["draft", "pending", "private"])
def test_drafts_pending_and_private_posts_come_in_as_drafts(at_import_time, tmp_path, status):
    report = run(
        changed_site(
            tmp_path,
            (
                "<wp:status><![CDATA[publish]]></wp:status>",
                f"<wp:status><![CDATA[{status}]]></wp:status>",
            ),
        )
    )
    sleep = by_wp_id("post", 10)
    assert (sleep.status, sleep.published_at) == (Article.Status.DRAFT, None)
    # Not "drafted": it was no published post held back for the review.
    assert "post 10 (line 89): Choose the medical reviewer" not in report
    assert tally_row(report, "posts") == [5, 0, 0, 0, 2]


def test_without_a_gmt_date_the_local_date_is_read_in_the_sites_time_zone(
    at_import_time, tmp_path, settings
):
    settings.TIME_ZONE = "America/New_York"
    zero = "<![CDATA[0000-00-00 00:00:00]]>"
    run(
        changed_site(
            tmp_path,
            (
                "<wp:post_date_gmt><![CDATA[2024-03-04 09:30:00]]>",
                f"<wp:post_date_gmt>{zero}",
            ),
            (
                "<wp:comment_date_gmt><![CDATA[2024-03-04 11:00:00]]>",
                f"<wp:comment_date_gmt>{zero}",
            ),
        )
    )
    # 10:30 and 12:00 in New York (EST, UTC-5) that day.
    assert by_wp_id("post", 10).published_at == datetime(2024, 3, 4, 15, 30, tzinfo=UTC)
    assert by_wp_id("comment", 101).created_at == datetime(2024, 3, 4, 17, 0, tzinfo=UTC)
    # The others keep their GMT dates, whatever the site's time zone.
    assert by_wp_id("post", 11).published_at == datetime(2023, 11, 20, 9, 0, tzinfo=UTC)
    assert by_wp_id("comment", 102).created_at == datetime(2024, 3, 4, 12, 15, tzinfo=UTC)


def test_terms_listed_twice_make_one_topic_each(imported):
    assert sorted(Topic.objects.values_list("name", "slug")) == [
        ("Family", "family"),
        ("Frühstück", "fruhstuck"),
        ("Recovery", "recovery"),
        ("Sleep & rest", "sleep-and-rest"),
    ]
    assert tally_row(imported, "topics") == [4, 0, 0, 0, 0]
    sleep = by_wp_id("post", 10)
    assert {topic.slug for topic in sleep.topics.all()} == {"sleep-and-rest", "fruhstuck"}
    assert [row["slug"] for row in sleep.topic_rows] == ["fruhstuck", "sleep-and-rest"]


def test_bodies_become_sections_and_faqs(imported):
    family = by_wp_id("post", 11)
    assert [(s.heading, s.anchor) for s in family.sections.all()] == [
        ("Overview", "overview"),
        ("Before the conversation", "before-the-conversation"),
    ]
    assert [faq.question for faq in family.faqs.all()] == [
        "Should children be told?",
        "What if they are angry?",
    ]
    # A classic body: plain paragraphs, the FAQ part's heading and questions gone.
    assert [s.body for s in family.sections.all()] == [
        "Telling the people close to you is often the hardest step. Choose a calm moment.",
        "Write down the two or three things you most want them to know.",
    ]
    assert [faq.answer for faq in family.faqs.all()] == [
        "Yes, in words that fit their age.",
        "Anger is common at first. Give it time, and offer our family evenings.",
    ]
    assert "family evenings" in family.faqs.last().answer_html
    assert "Before the conversation" in family.outline_html
    sleep = by_wp_id("post", 10)
    # A block-editor body: its block comments leave no trace, its details block is an
    # FAQ entry, and the section under "Why nights feel long" held only a picture.
    assert [s.heading for s in sleep.sections.all()] == ["Overview"]
    assert sleep.sections.get().body == (
        "Many people sleep badly in the first weeks without alcohol. It gets better."
    )
    assert [(faq.question, faq.answer) for faq in sleep.faqs.all()] == [
        (
            "Will I ever sleep normally again?",
            "Yes. For most people sleep settles within a few months.",
        )
    ]
    url = "https://old.harbourlane.example/wp-content/uploads/2024/03/walk-at-sunrise.jpg"
    assert f"post 10 (line 89): picture not imported: {url}" in imported
    assert f"post 10 (line 89): featured image not imported: {url}" in imported
    assert Version.objects.get_for_object(sleep).get().revision.comment == (
        "Imported from WordPress"
    )


def test_pages_become_site_pages(imported):
    assert tally_row(imported, "pages") == [2, 0, 0, 0, 0]
    about = by_wp_id("page", 30)
    # The site's own About page keeps /about/.
    assert about.slug == "about-2"
    assert "/about/ is taken here: imported as /about-2/" in imported
    assert about.is_published
    assert about.body == "Harbour Lane is a small residential house with twelve rooms."
    families = by_wp_id("page", 31)
    assert (families.title, families.slug) == ("Families & friends", "familien-ubersicht")


def test_comments_keep_status_threads_and_authors(at_import_time):
    jonas = get_user_model().objects.create_user("jonas", email="Jonas@harbourlane.example")
    report = run(SITE)
    assert tally_row(report, "comments") == [5, 0, 0, 1, 0]
    assert "comment 106 (line 218): a pingback, not a reader's comment" in report
    ruth, reply, question, trashed, under_trash = (
        by_wp_id("comment", wp_id) for wp_id in (101, 102, 103, 104, 105)
    )
    assert (ruth.status, ruth.author_name, ruth.author_url) == (
        Comment.Status.APPROVED,
        "Ruth",
        "https://ruth.example/",
    )
    assert ruth.author_email == "ruth@mail.example"
    assert ruth.created_at == datetime(2024, 3, 4, 11, 0, tzinfo=UTC)
    assert (ruth.parent, ruth.user) == (None, None)
    assert (reply.parent, reply.user) == (ruth, jonas)
    assert reply.author_name == "Jonas Öberg-Lind"
    assert question.status == Comment.Status.PENDING
    assert trashed.status == Comment.Status.TRASH
    assert (under_trash.parent, under_trash.status) == (trashed, Comment.Status.APPROVED)
    assert not Comment.objects.filter(awaits_moderator_email=True).exists()
    assert by_wp_id("post", 10).comment_count == 3


AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"


def with_agent(wp_id):
    """(old, new): comment ``wp_id`` with a browser, as some exporters write one."""
    tag = f"<wp:comment_id>{wp_id}</wp:comment_id>"
    return tag, f"{tag}<wp:comment_agent><![CDATA[{AGENT}]]></wp:comment_agent>"


def network_data(*wp_ids):
    """(IP address, browser) of each imported comment, by WordPress id."""
    comments = {wp_id: by_wp_id("comment", wp_id) for wp_id in wp_ids}
    return {wp_id: (comment.ip_address, comment.user_agent) for wp_id, comment in comments.items()}


def trash_meta(status, trashed_at):
    """The notes WordPress keeps on a comment in the bin: its status before, and when."""
    return "".join(
        f"<wp:commentmeta><wp:meta_key><![CDATA[{key}]]></wp:meta_key>"
        f"<wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:commentmeta>"
        for key, value in (
            ("_wp_trash_meta_status", status),
            ("_wp_trash_meta_time", int(trashed_at.timestamp())),
        )
    )


def test_a_comment_in_the_bin_stays_there_as_long_as_one_binned_here(
    at_import_time, tmp_path, time_machine
):
    trashed_at = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)
    binned = "<wp:comment_approved><![CDATA[trash]]></wp:comment_approved>"
    run(changed_site(tmp_path, (binned, binned + trash_meta("1", trashed_at))))
    pills = by_wp_id("comment", 104)
    # Restored, it goes back to where it was in WordPress.
    assert (pills.status, pills.restore_status) == (Comment.Status.TRASH, Comment.Status.APPROVED)
    assert pills.status_changed_at == trashed_at

    # The bin is emptied counting from the day the comment went in, not from its date.
    call_command("comments_maintenance", stdout=io.StringIO())
    assert Comment.objects.filter(pk=pills.pk).exists()
    time_machine.move_to(trashed_at + timedelta(days=30, minutes=1), tick=False)
    call_command("comments_maintenance", stdout=io.StringIO())
    assert not Comment.objects.filter(pk=pills.pk).exists()


def test_ip_addresses_and_browsers_only_within_the_retention_period(at_import_time, tmp_path):
    run(changed_site(tmp_path, with_agent(101), with_agent(105)))
    assert network_data(101, 102, 103, 104, 105) == {
        101: (None, ""),
        102: (None, ""),
        103: (None, ""),
        104: ("203.0.113.66", ""),
        105: ("198.51.100.8", AGENT),
    }


def test_imported_ip_addresses_are_erased_on_schedule(at_import_time, tmp_path, time_machine):
    run(changed_site(tmp_path, with_agent(105)))
    mara = by_wp_id("comment", 105)  # written 2024-03-05 08:30 UTC
    maintenance = io.StringIO()

    time_machine.move_to(mara.created_at + timedelta(days=30, minutes=-1), tick=False)
    call_command("comments_maintenance", stdout=maintenance)
    assert network_data(105) == {105: ("198.51.100.8", AGENT)}

    time_machine.move_to(mara.created_at + timedelta(days=30, minutes=1), tick=False)
    call_command("comments_maintenance", stdout=maintenance)
    assert network_data(105) == {105: (None, "")}


def test_imported_comments_skip_the_spam_rules_and_the_moderators_email(at_import_time, settings):
    settings.COMMENTS_MODERATOR_EMAILS = ["moderators@harbourlane.example"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    lists = ModerationLists.load()
    # Ruth's comment has a disallowed word; the pending question would be announced.
    lists.disallowed_keys = "nights"
    lists.save()
    run(SITE)
    assert by_wp_id("comment", 101).status == Comment.Status.APPROVED
    assert by_wp_id("comment", 103).status == Comment.Status.PENDING
    # The daily upkeep emails moderators about every pending comment still waiting
    # for its email: none of the imported ones waits.
    call_command("comments_maintenance", stdout=io.StringIO())
    assert mail.outbox == []


def test_deep_replies_attach_at_the_cap_and_crisis_is_flagged(at_import_time, tmp_path):
    report = run(changed_site(tmp_path, (FAMILY_CATEGORIES, DEEP_THREAD)))
    top, reply, deeper, deepest, crisis = (
        by_wp_id("comment", wp_id) for wp_id in (201, 202, 203, 204, 205)
    )
    assert (reply.parent, deeper.parent) == (top, reply)
    assert (deeper.depth, deepest.parent, deepest.depth) == (2, reply, 2)
    # Kept as WordPress had it (approved), but flagged and listed for a moderator.
    assert (crisis.status, crisis.is_urgent) == (Comment.Status.APPROVED, True)
    assert not top.is_urgent
    assert "Urgent comments" in report
    assert "comment 205 (line" in report


def test_importing_again_changes_nothing(imported):
    before = counts()
    report = run(SITE)
    assert counts() == before
    for kind, unchanged in (("posts", 5), ("pages", 2), ("topics", 4), ("comments", 5)):
        assert tally_row(report, kind)[:3] == [0, 0, unchanged]


def test_a_changed_export_updates_with_a_revision_and_adds(imported, tmp_path):
    family = by_wp_id("post", 11)
    before = counts()
    report = run(
        changed_site(
            tmp_path,
            ("Talking to your family about treatment", "Talking with your family about treatment"),
            (FAMILY_CATEGORIES, FAMILY_CATEGORIES + comment(301, 0, "This helped us a lot.")),
            ("</channel>", NEW_POST + "</channel>"),
        )
    )
    assert tally_row(report, "posts") == [1, 1, 4, 0, 1]
    assert tally_row(report, "comments") == [1, 0, 5, 1, 0]
    family.refresh_from_db()
    assert family.title == "Talking with your family about treatment"
    assert Version.objects.get_for_object(family).count() == 2
    # The unchanged ones got no new revision.
    assert Version.objects.get_for_object(by_wp_id("post", 10)).count() == 1
    after = counts()
    assert after["Article"] == before["Article"] + 1
    assert after["Comment"] == before["Comment"] + 1
    assert by_wp_id("comment", 301).article == family
    assert by_wp_id("post", 15).title == "Walking groups start in May"
    assert ImportedItem.objects.filter(kind="post", wp_id=11).count() == 1

    # The same newer export once more: nothing to do.
    again = run(tmp_path / "changed.xml")
    assert counts() == after
    assert tally_row(again, "posts") == [0, 0, 6, 0, 0]


def test_an_article_edited_here_is_not_overwritten(imported, tmp_path, time_machine):
    family = by_wp_id("post", 11)
    time_machine.move_to(datetime(2024, 4, 5, tzinfo=UTC), tick=False)
    family.title = "Our own title"
    family.save()
    report = run(
        changed_site(
            tmp_path,
            ("Talking to your family about treatment", "Talking with your family about treatment"),
        )
    )
    family.refresh_from_db()
    assert family.title == "Our own title"
    assert "post 11 (line 233): edited here since the last import" in report


def test_dry_run_writes_nothing_and_reports_the_same(at_import_time):
    before = counts()
    generation = caching.generation(*caching.PAGE_GENERATIONS)
    dry = run(SITE, "--dry-run")
    assert counts() == before
    assert caching.generation(*caching.PAGE_GENERATIONS) == generation
    assert "dry run: nothing was written" in dry
    real = run(SITE)
    assert dry.splitlines()[1:] == real.splitlines()[1:]


BAD_FILES = [
    ("bad-not-xml.xml", 8, "the file is not readable XML: not well-formed"),
    ("bad-atom.xml", 3, "the file is XML but not a WordPress export (its root is <feed>)."),
    ("bad-plain-rss.xml", 3, "the file is not a WordPress export: it has no <wp:wxr_version>."),
    ("bad-truncated.xml", 110, "the file ends inside <content:encoded> (opened on line 96)"),
    ("bad-version.xml", 6, "this is a WXR 2.0 export; only versions 1.0, 1.1, 1.2 can be read."),
    ("bad-comment-missing-parent.xml", 19, "it replies to comment 99, which is not in this post."),
    ("bad-item-without-title.xml", 14, "this post has no <title>."),
]
# Whole-file problems stop the import even when bad records may be skipped.
FILE_PROBLEMS = [case for case in BAD_FILES if not case[0].startswith("bad-item")][:5]


@pytest.mark.parametrize(("name", "line", "words"), BAD_FILES)
def test_a_bad_file_says_where_and_writes_nothing(imported, name, line, words):
    # Over an earlier import of the same site: nothing of it changes either.
    before = counts()
    with pytest.raises(CommandError) as raised:
        run(EXPORTS / name)
    message = str(raised.value)
    assert message.startswith(f"{EXPORTS / name}: Line {line}: ")
    assert words in message
    assert counts() == before


@pytest.mark.parametrize(("name", "line", "words"), FILE_PROBLEMS)
def test_skipping_bad_items_does_not_read_past_a_bad_file(name, line, words):
    before = counts()
    with pytest.raises(CommandError) as raised:
        run(EXPORTS / name, "--skip-bad-items")
    assert f"Line {line}: {words}" in str(raised.value)
    assert counts() == before


@pytest.mark.parametrize(("name", "line", "words"), BAD_FILES)
def test_the_command_exits_with_an_error_status_and_the_line(capsys, name, line, words):
    path = str(EXPORTS / name)
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "import_wordpress", path])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"CommandError: {path}: Line {line}: ")
    assert words in err


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match=r"nowhere\.xml: No such file or directory"):
        run(EXPORTS / "nowhere.xml")


def test_skip_bad_items_imports_the_rest_and_lists_what_it_left():
    report = run(EXPORTS / "bad-comment-missing-parent.xml", "--skip-bad-items")
    assert "comment 12 (line 19): it replies to comment 99, which is not in this post." in report
    assert "comment 13 (line 25): it replies to comment 12, which is left out." in report
    assert tally_row(report, "comments") == [1, 0, 0, 2, 0]
    assert ImportedItem.objects.filter(kind="post").count() == 1
    assert Comment.objects.get().body == "Making tea at eight helps me."


def test_skip_bad_items_leaves_out_posts_and_pages_that_cannot_be_read():
    report = run(EXPORTS / "bad-item-without-title.xml", "--skip-bad-items")
    assert "post 2 (line 14): this post has no <title>." in report
    assert "page 3 (line 20): this page has neither a title nor a body." in report
    assert tally_row(report, "posts") == [1, 0, 0, 1, 1]
    assert tally_row(report, "pages") == [0, 0, 0, 1, 0]
    assert list(Article.objects.values_list("title", flat=True)) == ["A good post"]
    assert not Page.objects.filter(title="").exists()


def test_a_wxr_1_0_export_imports_the_same_way(time_machine):
    time_machine.move_to(datetime(2009, 10, 2, 18, 0, tzinfo=UTC), tick=False)
    get_user_model().objects.create_user("mara", email="mara@harbourlane.example")
    report = run(EXPORTS / "site-wxr-1.0.xml")

    for kind, created in (("posts", 1), ("pages", 1), ("topics", 3), ("comments", 2)):
        assert tally_row(report, kind)[:4] == [created, 0, 0, 0]
    walking = by_wp_id("post", 5)
    assert (walking.title, walking.slug, walking.author) == (
        "Walking & talking: our Sunday group",
        "walking-and-talking",
        "Mara Quint",
    )
    assert walking.published_at == datetime(2009, 9, 27, 7, 0, tzinfo=UTC)
    assert {topic.slug for topic in walking.topics.all()} == {"walking", "habits"}
    pat, mara = by_wp_id("comment", 7), by_wp_id("comment", 8)
    assert (mara.parent, mara.author_email) == (pat, "mara@harbourlane.example")
    # WXR 1.0 lists no users: the reply by WordPress user 1 is linked to no one here,
    # although a user here has its email.
    assert mara.user is None
    assert by_wp_id("page", 2).slug == "visiting"
    # The nested category's address, with its parent's slug; no term ids, no /?cat=.
    assert LegacyAddress.objects.filter(
        old_address="/category/home-and-daily-life/walking",
        topic__slug="walking",
    ).exists()
    assert not LegacyAddress.objects.filter(old_address__startswith="/?cat=").exists()


def test_the_page_cache_is_bumped_once_at_the_end(at_import_time, monkeypatch):
    renewals = []
    set_many = cache.set_many

    def counting_set_many(data, *args, **kwargs):
        # A spy on Django's cache: each renewal of the generations is one call.
        if any(":generation:" in key for key in data):
            renewals.append(sorted(data))
        return set_many(data, *args, **kwargs)

    monkeypatch.setattr(cache, "set_many", counting_set_many)
    before = caching.generation(caching.CONTENT, caching.COMMENTS)
    import_file(SITE)
    assert len(renewals) == 1
    assert caching.generation(caching.CONTENT, caching.COMMENTS) != before


def test_deferred_bumps_wait_for_the_end_of_the_block():
    before = caching.generation(caching.CONTENT)
    with caching.deferred_bumps():
        caching.bump(caching.CONTENT)
        caching.bump(caching.CONTENT)
        assert caching.generation(caching.CONTENT) == before
    assert caching.generation(caching.CONTENT) != before


def test_a_post_in_the_bin_is_skipped_with_its_comments(at_import_time, tmp_path):
    report = run(
        changed_site(
            tmp_path,
            (
                "<wp:status><![CDATA[publish]]></wp:status>",
                "<wp:status><![CDATA[trash]]></wp:status>",
            ),
        )
    )
    assert "post 10 (line 89): in WordPress's bin" in report
    assert "comment 101 (line 144): its post was not imported" in report
    assert tally_row(report, "posts") == [4, 0, 0, 1, 2]
    assert not ImportedItem.objects.filter(kind="post", wp_id=10).exists()
    assert not Comment.objects.exists()


def test_a_comment_moderated_here_is_not_overwritten(imported, tmp_path, time_machine):
    ruth = by_wp_id("comment", 101)
    time_machine.move_to(datetime(2024, 4, 5, tzinfo=UTC), tick=False)
    ruth.move_to(Comment.Status.TRASH)
    ruth.save()
    report = run(
        changed_site(
            tmp_path,
            ("Week three here", "Week four here"),
            ("Does melatonin help?", "Does melatonin help at all?"),
        )
    )
    ruth.refresh_from_db()
    assert (ruth.status, ruth.body.startswith("Week three")) == (Comment.Status.TRASH, True)
    assert "comment 101 (line 144): moderated here since the last import" in report
    question = by_wp_id("comment", 103)
    assert question.body == "Does melatonin help at all?"
    assert tally_row(report, "comments") == [0, 1, 3, 2, 0]


def publish(*wp_ids):
    """Publish imported posts as an editor would after the review (their WordPress
    dates kept)."""
    for wp_id in wp_ids:
        Article.objects.filter(pk=by_wp_id("post", wp_id).pk).update(
            status=Article.Status.PUBLISHED, reviewer=make_reviewer(), reviewed_on=date(2024, 4, 1)
        )


def article_url(wp_id):
    return by_wp_id("post", wp_id).get_absolute_url()


def comment_feed(wp_id):
    return reverse("comments:feed", kwargs={"slug": by_wp_id("post", wp_id).slug})


def topic_url(slug):
    return Topic.objects.get(slug=slug).get_absolute_url()


@pytest.mark.parametrize(
    ("old", "target"),
    [
        ("/?p=11", lambda: article_url(11)),
        ("/2023/11/20/talking-to-your-family/", lambda: article_url(11)),
        ("/2023/11/talking-to-your-family/", lambda: article_url(11)),
        ("/talking-to-your-family/", lambda: article_url(11)),
        # A non-ASCII slug, as browsers send it.
        ("/2024/03/04/schlaf-in-den-ersten-wochen-was-sich-%C3%A4ndert/", lambda: article_url(10)),
        ("/schlaf-in-den-ersten-wochen-was-sich-%C3%A4ndert/", lambda: article_url(10)),
        # The permalink the export gave, which is not the slug's.
        ("/2024/03/04/schlaf-in-den-ersten-wochen/", lambda: article_url(10)),
        ("/2023/11/20/talking-to-your-family/feed/", lambda: comment_feed(11)),
        ("/2024/03/04/schlaf-in-den-ersten-wochen/feed/", lambda: comment_feed(10)),
        ("/?page_id=30", lambda: "/about-2/"),
        ("/?page_id=31", lambda: "/familien-ubersicht/"),
        ("/about/familien/", lambda: "/familien-ubersicht/"),
        ("/category/recovery/", lambda: topic_url("recovery")),
        ("/category/recovery/sleep-and-rest/", lambda: topic_url("sleep-and-rest")),
        ("/category/sleep-and-rest/", lambda: topic_url("sleep-and-rest")),
        ("/?cat=4", lambda: topic_url("sleep-and-rest")),
        ("/tag/family/", lambda: topic_url("family")),
        ("/tag/fr%C3%BChst%C3%BCck/", lambda: topic_url("fruhstuck")),
        ("/category/recovery/feed/", lambda: reverse("articles:topic_feed", args=["recovery"])),
        ("/comments/feed/", lambda: reverse("articles:feed")),
        ("/feed/rss2/", lambda: reverse("articles:feed")),
    ],
)
def test_old_addresses_lead_to_what_the_records_became(imported, client, old, target):
    publish(10, 11)

    response = client.get(old)

    assert (response.status_code, response["Location"]) == (301, target())


def test_old_addresses_of_drafts_wait_for_their_publication(imported, client):
    # Drafts keep their addresses for the day they are published; until then the old
    # address leads nowhere (the home page, as for any unknown ?p=).
    assert LegacyAddress.objects.filter(article=by_wp_id("post", 10)).exists()
    assert client.get("/?p=10").status_code == 200
    assert client.get("/talking-to-your-family/").status_code == 404
    publish(11)
    assert client.get("/talking-to-your-family/").status_code == 301
    # WordPress's /feed/ is this site's own feed address: it answers itself.
    assert client.get("/feed/").status_code == 200


def test_importing_again_adds_no_old_address(imported):
    before = LegacyAddress.objects.count()
    run(SITE)
    assert LegacyAddress.objects.count() == before > 0
