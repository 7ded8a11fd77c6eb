"""A made-up WordPress export (WXR 1.2) of a realistic size, and how fast it is read.

``generate_export(posts=1000, comments=20000, seed=1)`` returns the file as bytes, the
same bytes for the same arguments: posts in every status with block-editor bodies
(sections, a details-block FAQ, an image), categories and tags listed in the channel
and on each post, featured images, a few pages, and comments spread unevenly over the
posts, a third of them replies, in every status WordPress exports, with pingbacks.

Run as a script, it reports how long ``read_export`` takes on such a file and its peak
memory; ``--out`` writes the file instead, and ``--read`` measures a written file in a
fresh process, where the high-water mark of the resident set means something:

    .venv/bin/python scripts/generate_wxr.py --posts 1000 --comments 20000
    .venv/bin/python scripts/generate_wxr.py --out /tmp/export.xml
    .venv/bin/python scripts/generate_wxr.py --read /tmp/export.xml
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr  # nosec B406 # writes XML, parses none

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HOME = "https://old.recovery.example"
WORDS = [
    "sleep",
    "evening",
    "craving",
    "family",
    "walk",
    "doctor",
    "breathing",
    "routine",
    "meeting",
    "friend",
    "appetite",
    "water",
    "patience",
    "relapse",
    "support",
    "group",
    "morning",
    "tea",
    "journal",
    "anxiety",
    "kindness",
    "weekend",
    "counsellor",
    "medicine",
    "honesty",
    "small",
    "steps",
    "rest",
    "exercise",
    "music",
    "garden",
    "phone",
    "call",
]
CATEGORIES = [
    ("recovery", "Recovery", ""),
    ("alcohol", "Alcohol", "recovery"),
    ("opioids", "Opioids", "recovery"),
    ("families", "Families & friends", ""),
    ("health", "Health", ""),
    ("sleep", "Sleep", "health"),
    ("nutrition", "Nutrition", "health"),
    ("news", "News from the house", ""),
]
TAGS = [(word, word.capitalize()) for word in WORDS[:30]] + [
    ("fr%c3%bchst%c3%bcck", "Frühstück"),
    ("gen%c3%a8se", "Genèse"),
]
# Roughly how often WordPress sites hold each status; comments the same.
POST_STATUSES = ["publish"] * 90 + ["draft"] * 5 + ["future"] * 2 + ["private"] * 2 + ["pending"]
COMMENT_STATUSES = ["1"] * 85 + ["0"] * 10 + ["trash"] * 5


def cdata(text):
    # As WordPress's wxr_cdata(): a "]]>" inside the text would end the section early.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng, words=12):
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def block_body(rng, attachment_id):
    parts = [f"<!-- wp:paragraph -->\n<p>{sentence(rng, 20)}</p>\n<!-- /wp:paragraph -->"]
    for _ in range(rng.randint(2, 5)):
        parts.append(
            f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{sentence(rng, 4)}</h2>\n'
            "<!-- /wp:heading -->"
        )
        parts += [
            f"<!-- wp:paragraph -->\n<p>{sentence(rng, 25)}</p>\n<!-- /wp:paragraph -->"
            for _ in range(rng.randint(1, 4))
        ]
    if attachment_id:
        parts.append(
            f'<!-- wp:image {{"id":{attachment_id}}} -->\n<figure class="wp-block-image">'
            f'<img src="{HOME}/wp-content/uploads/2024/01/photo-{attachment_id}.jpg" '
            f'alt="" class="wp-image-{attachment_id}"/></figure>\n<!-- /wp:image -->'
        )
    for _ in range(rng.randint(0, 3)):
        parts.append(
            f'<!-- wp:details -->\n<details class="wp-block-details"><summary>'
            f"{sentence(rng, 6)[:-1]}?</summary><!-- wp:paragraph -->\n"
            f"<p>{sentence(rng, 15)}</p>\n<!-- /wp:paragraph --></details>\n<!-- /wp:details -->"
        )
    return "\n\n".join(parts)


def wp_date(value):
    return value.strftime("%Y-%m-%d %H:%M:%S")


def item(*, wp_id, post_type, title, slug, status, date, body, extra=(), parent=0):
    local = wp_date(date + timedelta(hours=1))
    gmt = "0000-00-00 00:00:00" if status == "draft" else wp_date(date)
    return [
        "\t<item>",
        f"\t\t<title>{cdata(title)}</title>",
        f"\t\t<link>{HOME}/?p={wp_id}</link>",
        f"\t\t<dc:creator>{cdata('editor')}</dc:creator>",
        f'\t\t<guid isPermaLink="false">{HOME}/?p={wp_id}</guid>',
        f"\t\t<content:encoded>{cdata(body)}</content:encoded>",
        f"\t\t<excerpt:encoded>{cdata('')}</excerpt:encoded>",
        f"\t\t<wp:post_id>{wp_id}</wp:post_id>",
        f"\t\t<wp:post_date>{cdata(local)}</wp:post_date>",
        f"\t\t<wp:post_date_gmt>{cdata(gmt)}</wp:post_date_gmt>",
        f"\t\t<wp:comment_status>{cdata('open')}</wp:comment_status>",
        f"\t\t<wp:post_name>{cdata(slug)}</wp:post_name>",
        f"\t\t<wp:status>{cdata(status)}</wp:status>",
        f"\t\t<wp:post_parent>{parent}</wp:post_parent>",
        "\t\t<wp:menu_order>0</wp:menu_order>",
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>",
        f"\t\t<wp:post_password>{cdata('')}</wp:post_password>",
        "\t\t<wp:is_sticky>0</wp:is_sticky>",
        *extra,
        "\t</item>",
    ]


def postmeta(key, value):
    return (
        f"\t\t<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
    )


def comment(rng, *, wp_id, parent, date):
    kind = "pingback" if rng.random() < 0.02 and not parent else "comment"
    name = rng.choice(["Sam", "Alex", "Robin", "Kim", "Noor", "Jo", "Ana", "Chris"])
    return [
        "\t\t<wp:comment>",
        f"\t\t\t<wp:comment_id>{wp_id}</wp:comment_id>",
        f"\t\t\t<wp:comment_author>{cdata(name)}</wp:comment_author>",
        f"\t\t\t<wp:comment_author_email>{cdata(f'{name.lower()}{wp_id}@mail.example')}"
        "</wp:comment_author_email>",
        "\t\t\t<wp:comment_author_url></wp:comment_author_url>",
        f"\t\t\t<wp:comment_author_IP>{cdata(f'192.0.2.{wp_id % 250}')}</wp:comment_author_IP>",
        f"\t\t\t<wp:comment_date>{cdata(wp_date(date + timedelta(hours=1)))}</wp:comment_date>",
        f"\t\t\t<wp:comment_date_gmt>{cdata(wp_date(date))}</wp:comment_date_gmt>",
        f"\t\t\t<wp:comment_content>{cdata(sentence(rng, rng.randint(8, 60)))}"
        "</wp:comment_content>",
        f"\t\t\t<wp:comment_approved>{cdata(rng.choice(COMMENT_STATUSES))}</wp:comment_approved>",
        f"\t\t\t<wp:comment_type>{cdata(kind)}</wp:comment_type>",
        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>",
        "\t\t\t<wp:comment_user_id>0</wp:comment_user_id>",
        "\t\t</wp:comment>",
    ]


def generate_export(posts=1000, comments=20000, seed=1):
    """A WXR 1.2 file of ``posts`` posts and ``comments`` comments, as bytes."""
    rng = random.Random(seed)  # nosec B311 # made-up content, the same for a seed
    lines = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:wp="http://wordpress.org/export/1.2/">',
        "<channel>",
        "\t<title>Generated recovery site</title>",
        f"\t<link>{HOME}</link>",
        "\t<wp:wxr_version>1.2</wp:wxr_version>",
        f"\t<wp:base_site_url>{HOME}</wp:base_site_url>",
        f"\t<wp:base_blog_url>{HOME}</wp:base_blog_url>",
        "\t<wp:author><wp:author_id>1</wp:author_id>"
        f"<wp:author_login>{cdata('editor')}</wp:author_login>"
        f"<wp:author_email>{cdata('editor@recovery.example')}</wp:author_email>"
        f"<wp:author_display_name>{cdata('The editor')}</wp:author_display_name>"
        "</wp:author>",
    ]
    for term_id, (slug, name, parent) in enumerate(CATEGORIES, start=1):
        lines.append(
            f"\t<wp:category><wp:term_id>{term_id}</wp:term_id>"
            f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
            f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(escape(name))}</wp:cat_name></wp:category>"
        )
    for term_id, (slug, name) in enumerate(TAGS, start=100):
        lines.append(
            f"\t<wp:tag><wp:term_id>{term_id}</wp:term_id><wp:tag_slug>{cdata(slug)}"
            f"</wp:tag_slug><wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>"
        )

    # Comments go mostly to a few popular posts, as on real sites.
    weights = [1 / (rank + 1) for rank in range(posts)]
    per_post = [0] * posts
    for index in rng.choices(range(posts), weights=weights, k=comments):
        per_post[index] += 1

    start = datetime(2016, 1, 1, 8, tzinfo=UTC)
    comment_id = 1
    for number in range(posts):
        post_id = 10 + 2 * number
        attachment_id = post_id + 1 if rng.random() < 0.6 else 0
        date = start + timedelta(days=number * 3, minutes=rng.randint(0, 600))
        status = rng.choice(POST_STATUSES)
        title = sentence(rng, rng.randint(3, 8))[:-1]
        slug = "" if status == "draft" else f"{'-'.join(title.lower().split())}-{post_id}"
        extra = []
        for slug_, name, _parent in rng.sample(CATEGORIES, rng.randint(1, 2)):
            extra.append(
                f'\t\t<category domain="category" nicename={quoteattr(slug_)}>'
                f"{cdata(escape(name))}</category>"
            )
        for slug_, name in rng.sample(TAGS, rng.randint(0, 4)):
            extra.append(
                f'\t\t<category domain="post_tag" nicename={quoteattr(slug_)}>'
                f"{cdata(name)}</category>"
            )
        if attachment_id:
            extra.append(postmeta("_thumbnail_id", str(attachment_id)))
            lines += item(
                wp_id=attachment_id,
                post_type="attachment",
                title=f"photo-{attachment_id}",
                slug=f"photo-{attachment_id}",
                status="inherit",
                date=date,
                body="",
                parent=post_id,
                extra=[
                    f"\t\t<wp:attachment_url>{cdata(f'{HOME}/wp-content/uploads/2024/01/photo-{attachment_id}.jpg')}"
                    "</wp:attachment_url>",
                    postmeta("_wp_attached_file", f"2024/01/photo-{attachment_id}.jpg"),
                    postmeta("_wp_attachment_image_alt", sentence(rng, 6)),
                ],
            )
        ids = []
        for _ in range(per_post[number]):
            parent = rng.choice(ids) if ids and rng.random() < 0.35 else 0
            when = date + timedelta(hours=1 + len(ids) * 3)
            extra += comment(rng, wp_id=comment_id, parent=parent, date=when)
            ids.append(comment_id)
            comment_id += 1
        lines += item(
            wp_id=post_id,
            post_type="post",
            title=title,
            slug=slug,
            status=status,
            date=date,
            body=block_body(rng, attachment_id),
            extra=extra,
        )
    for number in range(max(1, posts // 50)):
        lines += item(
            wp_id=100_000 + number,
            post_type="page",
            title=f"Page {number}",
            slug=f"page-{number}",
            status="publish",
            date=start,
            body=f"<p>{sentence(rng, 30)}</p>",
        )
    lines += ["</channel>", "</rss>", ""]
    return "\n".join(lines).encode()


def measure(path):
    """Read ``path`` twice: once timed, once under tracemalloc for the peak."""
    from wordpress.wxr import read_export

    started = time.perf_counter()
    export = read_export(path)
    seconds = time.perf_counter() - started
    high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    comment_count = sum(len(post.comments) for post in export.posts)
    del export
    tracemalloc.start()
    export = read_export(path)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(  # noqa: T201 (a command-line report)
        f"{path.stat().st_size / 1e6:.1f} MB, {len(export.posts)} posts, "
        f"{comment_count} comments: read in {seconds:.2f} s; Python allocations "
        f"{kept / 1e6:.0f} MB kept (the records), {peak / 1e6:.0f} MB at the peak; "
        f"process high-water mark {high_water / 1e3:.0f} MB"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the file there and stop")
    parser.add_argument("--read", help="measure reading this file (in a fresh process)")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery_site.settings")
    import django

    django.setup()
    if options.read:
        measure(Path(options.read))
        return
    data = generate_export(posts=options.posts, comments=options.comments, seed=options.seed)
    if options.out:
        Path(options.out).write_bytes(data)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xml"
        path.write_bytes(data)
        del data
        measure(path)


if __name__ == "__main__":
    main()
