"""Reading WordPress export files: every field of the records, and every bad file.

The export files in exports/ are made for these tests (our own invented site); line
numbers asserted below are lines of those files.
"""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.generate_wxr import generate_export
from wordpress.wxr import (
    Attachment,
    Author,
    CommentStatus,
    SkippedItem,
    Term,
    WXRError,
    read_export,
)

EXPORTS = Path(__file__).parent / "exports"


@pytest.fixture(scope="module")
def site():
    return read_export(EXPORTS / "site-wxr-1.2.xml")


def by_id(records):
    return {record.wp_id: record for record in records}


def wxr(*items, version="1.2", channel=""):
    """A small WXR file around item elements, as bytes; the first item is on line 7."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        f' xmlns:wp="http://wordpress.org/export/{version}/">\n'
        "<channel>\n"
        "<title>Harbour Lane Recovery</title>\n"
        f"<wp:wxr_version>{version}</wp:wxr_version>\n"
        f"{channel}\n"
    )
    return (head + "".join(items) + "</channel>\n</rss>\n").encode()


def post(wp_id, *comments, title="A post", post_type="post", date="2024-01-01 10:00:00"):
    """An <item> of seven lines plus six per comment."""
    return (
        "<item>\n"
        f"<title>{title}</title>\n"
        "<content:encoded><![CDATA[<p>Body.</p>]]></content:encoded>\n"
        f"<wp:post_id>{wp_id}</wp:post_id>\n"
        f"<wp:post_type>{post_type}</wp:post_type>\n"
        f"<wp:post_date>{date}</wp:post_date>\n" + "".join(comments) + "</item>\n"
    )


def comment(wp_id, parent=0, approved="1", date="2024-01-02 10:00:00"):
    return (
        "<wp:comment>\n"
        f"<wp:comment_id>{wp_id}</wp:comment_id>\n"
        f"<wp:comment_parent>{parent}</wp:comment_parent>\n"
        f"<wp:comment_approved>{approved}</wp:comment_approved>\n"
        f"<wp:comment_date>{date}</wp:comment_date>\n"
        "</wp:comment>\n"
    )


def read_bytes(data, **options):
    return read_export(io.BytesIO(data), **options)


# The channel: site, authors, terms.


def test_the_channel_names_the_version_the_site_and_its_home_address(site):
    assert site.version == "1.2"
    assert site.site_title == "Harbour Lane Recovery"
    # wp:base_blog_url (the home address, which old links start with), not the
    # WordPress folder of wp:base_site_url.
    assert site.base_url == "https://old.harbourlane.example"
    assert site.skipped == ()


def test_every_author_is_read(site):
    assert site.authors == (
        Author(
            wp_id=1,
            login="mara",
            email="mara@harbourlane.example",
            display_name="Mara Quint",
            first_name="Mara",
            last_name="Quint",
        ),
        Author(
            wp_id=2,
            login="jonas",
            email="jonas@harbourlane.example",
            display_name="Jonas Öberg-Lind",
            first_name="Jonas",
            last_name="Öberg-Lind",
        ),
    )


def test_terms_listed_twice_become_one_each_with_decoded_slugs_and_parents(site):
    # "recovery" is both a wp:category and a wp:term, "sleep-and-rest" is named twice
    # on a post, the tag's slug is percent-encoded, "family" is only named on a post;
    # the menu and the post format are not categories or tags.
    assert site.terms == (
        Term(taxonomy="category", slug="recovery", name="Recovery", wp_id=3),
        Term(
            taxonomy="category",
            slug="sleep-and-rest",
            name="Sleep & rest",
            parent="recovery",
            description="Why nights are hard at first.",
            wp_id=4,
        ),
        Term(taxonomy="post_tag", slug="frühstück", name="Frühstück", wp_id=7),
        Term(taxonomy="post_tag", slug="family", name="Family"),
    )


def test_items_of_other_types_are_counted_not_read(site):
    assert site.other_post_types == {"nav_menu_item": 1}
    assert 40 not in by_id(site.posts + site.pages + site.attachments)


# Posts and pages.


def test_a_published_block_editor_post_has_every_field(site):
    posts = by_id(site.posts)
    assert list(posts) == [10, 11, 12, 13, 14]
    item = posts[10]

    assert item.post_type == "post"
    assert item.title == "Schlaf in den ersten Wochen: was sich ändert"
    assert item.slug == "schlaf-in-den-ersten-wochen-was-sich-ändert"
    assert item.status == "publish"
    assert item.date == datetime(2024, 3, 4, 10, 30)
    assert item.date_gmt == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert item.modified == datetime(2024, 3, 5, 11, 0)
    assert item.modified_gmt == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert item.author == "mara"
    assert item.excerpt == "Sleep is often poor at first, and it improves."
    assert item.link == "https://old.harbourlane.example/2024/03/04/schlaf-in-den-ersten-wochen/"
    assert item.guid == "https://old.harbourlane.example/?p=10"
    assert item.parent_id is None
    assert item.menu_order == 0
    assert item.comments_open is True
    assert item.password == ""
    assert item.is_sticky is True
    assert item.line == 89
    # The body stays WordPress's HTML, block comments and all: converting it is the
    # importer's business.
    assert item.content.startswith("<!-- wp:paragraph -->\n<p>Many people sleep badly")
    assert '<details class="wp-block-details"><summary>Will I ever sleep' in item.content
    assert item.content.endswith("<!-- /wp:details -->")


def test_a_posts_terms_are_the_channels_terms_once_each(site):
    item = by_id(site.posts)[10]

    assert [(term.taxonomy, term.slug) for term in item.terms] == [
        ("category", "sleep-and-rest"),
        ("post_tag", "frühstück"),
    ]
    # The same records as the channel's, with the parent only the channel knows.
    assert item.terms[0] is site.terms[1]
    assert item.terms[0].parent == "recovery"


def test_postmeta_keeps_the_first_value_of_each_key(site):
    item = by_id(site.posts)[10]

    assert item.postmeta == {"_thumbnail_id": "20", "reading_time": "4"}
    assert item.thumbnail_id == 20


def test_the_featured_image_is_the_attachment_with_its_file_and_alt_text(site):
    image = site.featured_image(by_id(site.posts)[10])

    assert image == Attachment(
        wp_id=20,
        title="walk-at-sunrise",
        url="https://old.harbourlane.example/wp-content/uploads/2024/03/walk-at-sunrise.jpg",
        file="2024/03/walk-at-sunrise.jpg",
        alt="A gravel path along a river, early light through the trees",
        caption="The river path behind the house.",
        parent_id=10,
        line=58,
    )
    assert site.attachments == (image,)
    assert site.featured_image(by_id(site.posts)[11]) is None


def test_a_classic_post_keeps_its_html_with_the_faq_part(site):
    item = by_id(site.posts)[11]

    assert item.content.startswith("<p>Telling the people close to you")
    assert "<h2>Frequently asked questions</h2>\n<h3>Should children be told?</h3>" in (
        item.content
    )
    assert item.excerpt == ""
    assert item.comments_open is False
    assert item.is_sticky is False
    assert [term.slug for term in item.terms] == ["recovery", "family"]


def test_a_draft_without_title_slug_or_gmt_date_is_read(site):
    # WordPress saves untitled drafts and writes a zero GMT date until publication.
    draft = by_id(site.posts)[12]

    assert draft.status == "draft"
    assert draft.title == ""
    assert draft.slug == ""
    assert draft.content == "<p>Notes for a piece on cravings in the evening.</p>"
    assert draft.date == datetime(2024, 3, 10, 16, 45)
    assert draft.date_gmt is None
    assert draft.modified_gmt == datetime(2024, 3, 10, 15, 45, tzinfo=UTC)
    assert draft.terms == ()
    assert draft.comments == ()


def test_scheduled_and_private_posts_keep_their_status_and_dates(site):
    posts = by_id(site.posts)

    assert posts[13].status == "future"
    assert posts[13].date_gmt == datetime(2024, 4, 20, 8, 0, tzinfo=UTC)
    # Exports without modification dates (older WordPress) leave them unset.
    assert posts[13].modified is None
    assert posts[14].status == "private"
    assert posts[14].line == 313


def test_pages_keep_their_parent_order_and_decoded_titles_and_slugs(site):
    pages = by_id(site.pages)

    assert list(pages) == [30, 31]
    assert pages[30].post_type == "page"
    assert pages[30].title == "About the house"
    assert pages[30].menu_order == 1
    assert pages[31].title == "Families & friends"
    assert pages[31].slug == "familien-übersicht"
    assert pages[31].parent_id == 30
    assert pages[31].menu_order == 2


# Comments.


def test_every_comment_field_is_read(site):
    first, reply = by_id(site.posts)[10].comments[:2]

    assert first.wp_id == 101
    assert first.author == "Ruth"
    assert first.author_email == "ruth@mail.example"
    assert first.author_url == "https://ruth.example/"
    assert first.author_ip == "192.0.2.10"
    # WordPress's exporter leaves the browser out.
    assert first.user_agent == ""
    assert first.date == datetime(2024, 3, 4, 12, 0)
    assert first.date_gmt == datetime(2024, 3, 4, 11, 0, tzinfo=UTC)
    assert first.content.startswith("Week three here")
    assert first.status == CommentStatus.APPROVED
    assert first.type == "comment"
    assert first.parent_id is None
    assert first.user_id is None
    assert first.meta == {"akismet_result": "false"}
    assert first.line == 144

    assert reply.parent_id == 101
    assert reply.user_id == 2
    assert reply.author == "Jonas Öberg-Lind"
    # An empty comment_type is a plain comment.
    assert reply.type == "comment"
    assert reply.line == 162


def test_threads_and_every_exported_status_are_kept_with_a_reply_under_the_bin(site):
    comments = by_id(site.posts)[10].comments

    assert [(c.wp_id, c.parent_id, c.status, c.type) for c in comments] == [
        (101, None, CommentStatus.APPROVED, "comment"),
        (102, 101, CommentStatus.APPROVED, "comment"),
        (103, None, CommentStatus.PENDING, "comment"),
        (104, None, CommentStatus.TRASH, "comment"),
        (105, 104, CommentStatus.APPROVED, "comment"),
        (106, None, CommentStatus.APPROVED, "pingback"),
    ]
    assert comments[5].author == "Quiet Harbour Blog » Reading list"


@pytest.mark.parametrize(
    ("approved", "status"),
    [
        ("1", CommentStatus.APPROVED),
        ("0", CommentStatus.PENDING),
        ("trash", CommentStatus.TRASH),
        ("post-trashed", CommentStatus.TRASH),
        ("spam", CommentStatus.SPAM),
    ],
)
def test_wordpress_comment_states_map_to_statuses(approved, status):
    export = read_bytes(wxr(post(1, comment(5, approved=approved))))

    assert export.posts[0].comments[0].status == status


def test_a_browser_is_read_when_another_exporter_wrote_one():
    agent = "Mozilla/5.0 (X11; Linux x86_64)"
    data = wxr(
        post(
            1,
            comment(5).replace(
                "</wp:comment>", f"<wp:comment_agent>{agent}</wp:comment_agent></wp:comment>"
            ),
        )
    )

    assert read_bytes(data).posts[0].comments[0].user_agent == agent


# WXR 1.1 and other ways in.


def test_a_wxr_1_1_export_reads_the_same_way():
    export = read_export(EXPORTS / "site-wxr-1.1.xml")

    assert export.version == "1.1"
    assert export.base_url == "http://harbourlane.example"
    assert [term.slug for term in export.terms] == ["walking", "habits"]
    (item,) = export.posts
    # Older exports escape titles as entities instead of using CDATA.
    assert item.title == "Walking & talking: our Sunday group"
    assert item.slug == "walking-and-talking"
    assert item.date_gmt == datetime(2015, 6, 7, 7, 0, tzinfo=UTC)
    assert item.content.startswith("Every Sunday at nine")
    assert [term.slug for term in item.terms] == ["walking", "habits"]
    (only,) = item.comments
    assert (only.wp_id, only.type, only.status, only.line) == (
        7,
        "comment",
        CommentStatus.APPROVED,
        43,
    )


def test_a_wxr_1_0_export_reads_the_same_way():
    export = read_export(EXPORTS / "site-wxr-1.0.xml")

    assert export.version == "1.0"
    assert export.base_url == "http://harbourlane.example"
    # WXR 1.0 lists no users, and has no term ids.
    assert export.authors == ()
    # It names a category's parent by its name, later versions by its slug.
    assert export.terms == (
        Term(taxonomy="category", slug="home-and-daily-life", name="Home & daily life"),
        Term(taxonomy="category", slug="walking", name="Walking", parent="home-and-daily-life"),
        Term(taxonomy="post_tag", slug="habits", name="Habits"),
    )
    (item,) = export.posts
    assert item.title == "Walking & talking: our Sunday group"
    # The author's display name where later versions write the login.
    assert item.author == "Mara Quint"
    assert item.date_gmt == datetime(2009, 9, 27, 7, 0, tzinfo=UTC)
    assert item.terms == export.terms[1:]
    assert [(c.wp_id, c.parent_id, c.user_id) for c in item.comments] == [
        (7, None, None),
        (8, 7, 1),
    ]
    (page,) = export.pages
    assert (page.wp_id, page.slug, page.terms) == (2, "visiting", ())


def test_wxr_1_0_tags_and_categories_without_slugs_make_one_term_each():
    # WXR 1.0 named tags "tag" and listed each category a second time without a slug.
    item = post(1).replace(
        "</item>",
        '<category domain="tag" nicename="habits">Habits</category>\n'
        "<category>Habits</category>\n</item>",
    )

    export = read_bytes(wxr(item, version="1.0"))

    assert export.terms == (Term(taxonomy="post_tag", slug="habits", name="Habits"),)
    assert export.posts[0].terms == export.terms


def test_an_open_file_reads_like_a_path():
    with open(EXPORTS / "site-wxr-1.2.xml", "rb") as stream:
        export = read_export(stream)

    assert [item.wp_id for item in export.posts] == [10, 11, 12, 13, 14]


def test_a_byte_order_mark_and_blank_lines_before_the_declaration_are_skipped_and_counted():
    # A theme that prints a newline before the export is a common WordPress fault.
    data = b"\xef\xbb\xbf\n\n" + (EXPORTS / "bad-not-xml.xml").read_bytes()

    with pytest.raises(WXRError) as raised:
        read_bytes(data)

    assert raised.value.code == "not_xml"
    assert raised.value.line == 10


# Bad files: the file-level problems raise whatever the mode.


@pytest.mark.parametrize("skip_bad_items", [False, True])
@pytest.mark.parametrize(
    ("name", "code", "line", "words"),
    [
        ("bad-not-xml.xml", "not_xml", 8, "not readable XML"),
        ("bad-plain-rss.xml", "not_wxr", 3, "<wp:wxr_version>"),
        ("bad-atom.xml", "not_wxr", 3, "its root is <feed>"),
        ("bad-version.xml", "version", 6, "WXR 2.0"),
        ("bad-truncated.xml", "truncated", 110, "<content:encoded> (opened on line 96)"),
    ],
)
def test_a_file_that_is_no_readable_export_raises_with_its_line(
    name, code, line, words, skip_bad_items
):
    with pytest.raises(WXRError) as raised:
        read_export(EXPORTS / name, skip_bad_items=skip_bad_items)

    assert raised.value.code == code
    assert raised.value.line == line
    assert str(raised.value).startswith(f"Line {line}: ")
    assert words in str(raised.value)


def test_a_file_cut_inside_a_tag_is_truncated():
    whole = (EXPORTS / "site-wxr-1.2.xml").read_bytes()
    cut = whole[: whole.index(b"<wp:comment_id>105") + 7]

    with pytest.raises(WXRError) as raised:
        read_bytes(cut)

    assert raised.value.code == "truncated"
    assert raised.value.line == cut.count(b"\n") + 1 == 205
    assert "<wp:comment> (opened on line 204)" in str(raised.value)


def test_an_empty_file_is_not_xml():
    with pytest.raises(WXRError) as raised:
        read_bytes(b"\n  \n")

    assert (raised.value.code, raised.value.line) == ("not_xml", 1)


def test_entity_declarations_are_refused():
    # An entity-expansion bomb: defusedxml stops it before any expansion.
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<rss><channel/></rss>\n'
    )

    with pytest.raises(WXRError) as raised:
        read_bytes(data)

    assert raised.value.code == "not_xml"
    assert raised.value.line == 3


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_supported_version_reads(version):
    assert read_bytes(wxr(post(1), version=version)).version == version


# Bad records: raise by default, left out and listed with skip_bad_items.


def test_an_item_without_a_title_raises_with_its_line():
    with pytest.raises(WXRError) as raised:
        read_export(EXPORTS / "bad-item-without-title.xml")

    assert raised.value.code == "bad_item"
    assert raised.value.line == 14
    assert str(raised.value) == "Line 14: this post has no <title>."


def test_skipping_leaves_out_items_without_a_title_or_with_nothing_at_all():
    export = read_export(EXPORTS / "bad-item-without-title.xml", skip_bad_items=True)

    assert [item.wp_id for item in export.posts] == [1]
    assert export.pages == ()
    assert export.skipped == (
        SkippedItem(line=14, kind="post", wp_id=2, reason="this post has no <title>."),
        SkippedItem(
            line=20, kind="page", wp_id=3, reason="this page has neither a title nor a body."
        ),
    )


def test_a_comment_whose_parent_is_missing_raises_with_its_line():
    with pytest.raises(WXRError) as raised:
        read_export(EXPORTS / "bad-comment-missing-parent.xml")

    assert raised.value.code == "bad_item"
    assert str(raised.value) == "Line 19: it replies to comment 99, which is not in this post."


def test_skipping_leaves_out_the_orphan_comment_and_its_replies():
    export = read_export(EXPORTS / "bad-comment-missing-parent.xml", skip_bad_items=True)

    (item,) = export.posts
    assert [c.wp_id for c in item.comments] == [11]
    assert export.skipped == (
        SkippedItem(
            line=19,
            kind="comment",
            wp_id=12,
            reason="it replies to comment 99, which is not in this post.",
        ),
        SkippedItem(
            line=25, kind="comment", wp_id=13, reason="it replies to comment 12, which is left out."
        ),
    )


def test_a_parent_comment_later_in_the_file_is_fine():
    export = read_bytes(wxr(post(1, comment(6, parent=7), comment(7))))

    assert [(c.wp_id, c.parent_id) for c in export.posts[0].comments] == [(6, 7), (7, None)]


def test_a_loop_of_parent_comments_is_bad():
    data = wxr(post(1, comment(5), comment(6, parent=7), comment(7, parent=6)))

    export = read_bytes(data, skip_bad_items=True)

    assert [c.wp_id for c in export.posts[0].comments] == [5]
    assert [(s.line, s.wp_id) for s in export.skipped] == [(19, 6), (25, 7)]
    assert {s.reason for s in export.skipped} == {
        "its chain of parent comments loops back on itself."
    }


@pytest.mark.parametrize(
    ("items", "line", "kind", "wp_id", "reason"),
    [
        (
            [post(1), post(1, title="Again")],
            14,
            "post",
            1,
            "the id 1 is already used by the item on line 7.",
        ),
        ([post("x")], 7, "post", None, "this item has no readable <wp:post_id>."),
        ([post(1, post_type="")], 7, "item", 1, "this item has no <wp:post_type>."),
        (
            [post(1, comment(5), comment(6), post_type="")],
            7,
            "item",
            1,
            "this item has no <wp:post_type>. Its 2 comments are left out with it.",
        ),
        ([post(1, date="yesterday")], 7, "post", 1, "the date 'yesterday' cannot be read."),
        (
            [post(1, comment(5, approved="maybe"))],
            13,
            "comment",
            5,
            "this comment's status 'maybe' is not one WordPress uses.",
        ),
        (
            [post(1, comment(5)), post(2, comment(5))],
            26,
            "comment",
            5,
            "the comment id 5 is already used on line 13.",
        ),
        (
            [post(1, comment(5, date="2024-13-45 10:00:00"))],
            13,
            "comment",
            5,
            "the date '2024-13-45 10:00:00' cannot be read.",
        ),
    ],
)
def test_other_unreadable_records_raise_or_are_skipped(items, line, kind, wp_id, reason):
    data = wxr(*items)

    with pytest.raises(WXRError) as raised:
        read_bytes(data)
    assert (raised.value.code, raised.value.line, raised.value.problem) == (
        "bad_item",
        line,
        reason,
    )

    export = read_bytes(data, skip_bad_items=True)
    assert export.skipped == (SkippedItem(line=line, kind=kind, wp_id=wp_id, reason=reason),)


def test_a_bad_author_or_term_is_a_bad_record():
    channel = (
        "<wp:author><wp:author_id>3</wp:author_id></wp:author>\n"
        "<wp:tag><wp:term_id>8</wp:term_id><wp:tag_name>No slug</wp:tag_name></wp:tag>"
    )

    export = read_bytes(wxr(post(1), channel=channel), skip_bad_items=True)

    assert export.authors == ()
    assert export.terms == ()
    assert export.skipped == (
        SkippedItem(line=6, kind="author", wp_id=3, reason="this author has no <wp:author_login>."),
        SkippedItem(line=7, kind="term", wp_id=8, reason="this term has no slug."),
    )


# The benchmark file.


def test_the_generated_export_reads_back_with_its_threads_statuses_and_terms():
    data = generate_export(posts=40, comments=400, seed=3)

    assert data == generate_export(posts=40, comments=400, seed=3)
    export = read_bytes(data)
    comments = [c for item in export.posts for c in item.comments]
    assert len(export.posts) == 40
    assert len(comments) == 400
    assert {c.status for c in comments} == {
        CommentStatus.APPROVED,
        CommentStatus.PENDING,
        CommentStatus.TRASH,
    }
    assert any(c.parent_id for c in comments)
    assert any(c.type == "pingback" for c in comments)
    assert {item.status for item in export.posts} >= {"publish", "draft"}
    assert any(export.featured_image(item) for item in export.posts)
    assert {term.taxonomy for term in export.terms} == {"category", "post_tag"}
    assert export.skipped == ()
