"""WordPress bodies to the site's Markdown: the contract the importer relies on."""

import random
import re

import pytest

from core.markdown import image_references, readable_text, render_markdown
from wordpress.convert import (
    ConvertedBody,
    ConvertedFAQ,
    ConvertedSection,
    ImageRef,
    convert_body,
    escape_markdown,
    replace_image_placeholders,
)


def block(name, html, attributes=""):
    """``html`` wrapped in a block editor comment pair, as WordPress saves it."""
    opening = f"<!-- wp:{name} {attributes}-->" if attributes else f"<!-- wp:{name} -->"
    return f"{opening}\n{html}\n<!-- /wp:{name} -->\n\n"


def paragraph(text):
    return block("paragraph", f"<p>{text}</p>")


def heading(text, level=2):
    attributes = "" if level == 2 else f'{{"level":{level}}} '
    return block("heading", f'<h{level} class="wp-block-heading">{text}</h{level}>', attributes)


# --- block editor and classic bodies ----------------------------------------------


def test_a_block_editor_body_becomes_intro_and_sections_with_no_trace_of_its_comments():
    body = (
        paragraph("Withdrawal is <strong>hard</strong>, and <em>you are not alone</em>.")
        + heading("What to expect")
        + paragraph("The first days are the hardest.")
        + block(
            "list", "<ul><li>Shaking</li><li>Sweating<ul><li>mostly at night</li></ul></li></ul>"
        )
        + block("list", '<ol start="3"><li>Third</li><li>Fourth</li></ol>', '{"ordered":true} ')
        + heading("Day one", level=3)
        + block("quote", '<blockquote class="wp-block-quote"><p>It gets better.</p></blockquote>')
        + block("separator", '<hr class="wp-block-separator has-alpha-channel-opacity"/>')
        + heading("Getting help")
        + paragraph("Call us.")
    )

    result = convert_body(body)

    assert result.intro_markdown == "Withdrawal is **hard**, and *you are not alone*."
    assert result.sections == [
        ConvertedSection(
            "What to expect",
            "The first days are the hardest.\n\n"
            "- Shaking\n- Sweating\n  - mostly at night\n\n"
            "3. Third\n4. Fourth\n\n"
            "### Day one\n\n"
            "> It gets better.\n\n"
            "---",
        ),
        ConvertedSection("Getting help", "Call us."),
    ]
    assert result.faqs == []
    assert result.notes == []
    assert "wp:" not in repr(result)


def test_a_classic_body_gets_wordpress_paragraphs_and_line_breaks():
    body = (
        "Welcome to the clinic.\n"
        "We are open every day.\n"
        "\n"
        "A second paragraph, with a <strong>bold\nword</strong>.<br />\n"
        "After a break.\n\n\n"
        "<ul>\n\t<li>One\nline two</li>\n\t<li>Two</li>\n</ul>\n"
        "Right after the list.\n"
        "<blockquote>A quote.\n\nIts second paragraph.</blockquote>"
    )

    result = convert_body(body)

    assert result.intro_markdown == (
        "Welcome to the clinic.\\\nWe are open every day.\n\n"
        "A second paragraph, with a **bold\\\nword**.\\\nAfter a break.\n\n"
        "- One\\\n  line two\n- Two\n\n"
        "Right after the list.\n\n"
        "> A quote.\n>\n> Its second paragraph."
    )
    assert result.sections == []


def test_a_classic_body_with_its_own_paragraph_tags_is_not_wrapped_twice():
    body = "<p>One.</p>\n\n<p>Two,\nstill two.</p>\n<h2>Next</h2>\n<p>Three.</p>"

    result = convert_body(body)

    assert result.intro_markdown == "One.\n\nTwo,\\\nstill two."
    assert result.sections == [ConvertedSection("Next", "Three.")]


def test_sections_start_at_each_h2_and_keep_their_lower_headings():
    body = (
        "<h2>First <em>part</em></h2>\n<p>A.</p>\n<h3>Detail</h3>\n<p>B.</p>\n"
        "<h4>Finer</h4>\n<p>C.</p>\n<h2>Second&nbsp;part</h2>\n<h2>Third</h2>\n<p>D.</p>"
    )

    result = convert_body(body)

    assert result.intro_markdown == ""
    assert result.sections == [
        ConvertedSection("First part", "A.\n\n### Detail\n\nB.\n\n#### Finer\n\nC."),
        ConvertedSection("Second part", ""),
        ConvertedSection("Third", "D."),
    ]


def test_headings_inside_group_blocks_still_start_sections():
    body = block(
        "group",
        '<div class="wp-block-group"><div class="wp-block-group__inner-container">'
        "<h2>Inside a group</h2><p>Text.</p></div></div>",
    )

    result = convert_body(body)

    assert result.sections == [ConvertedSection("Inside a group", "Text.")]


def test_a_level_one_heading_in_a_body_starts_a_section_too():
    result = convert_body("<p>Intro.</p><h1>Big title</h1><p>Text.</p>")

    assert result.sections == [ConvertedSection("Big title", "Text.")]


def test_an_empty_heading_starts_no_section():
    result = convert_body("<p>Intro.</p><h2> &nbsp; </h2><p>More.</p>")

    assert result.intro_markdown == "Intro.\n\nMore."
    assert result.sections == []


@pytest.mark.parametrize("body", ["", "   \n\n ", "<!-- wp:paragraph -->\n<!-- /wp:paragraph -->"])
def test_an_empty_body_converts_to_nothing(body):
    assert convert_body(body) == ConvertedBody()


# --- FAQs -------------------------------------------------------------------------


def test_an_faq_heading_with_h3_questions_becomes_faq_entries():
    body = (
        heading("Before you come")
        + paragraph("Bring your medicines.")
        + heading("Frequently Asked Questions (FAQ)")
        + heading("Can I have visitors?", level=3)
        + paragraph("Yes, after the first week.")
        + paragraph("Ask the nurse for <strong>times</strong>.")
        + heading("Is it <em>private</em>?", level=3)
        + block("list", "<ul><li>Yes.</li></ul>")
        + heading("Answered below?", level=3)
        + heading("Sources")
        + paragraph("Our own doctors.")
    )

    result = convert_body(body)

    assert result.sections == [
        ConvertedSection("Before you come", "Bring your medicines."),
        ConvertedSection("Sources", "Our own doctors."),
    ]
    assert result.faqs == [
        ConvertedFAQ(
            "Can I have visitors?", "Yes, after the first week.\n\nAsk the nurse for **times**."
        ),
        ConvertedFAQ("Is it private?", "- Yes."),
        ConvertedFAQ("Answered below?", ""),
    ]
    assert result.notes == ["The question “Answered below?” has no answer."]


@pytest.mark.parametrize(
    "title",
    [
        "FAQ",
        "FAQs",
        "faq:",
        "F.A.Q.",
        "Frequently asked questions",
        "FREQUENTLY ASKED QUESTIONS!",
        "Frequently Asked Questions (FAQs)",
        "Frequently asked questions about detox",
        "FAQs about alcohol withdrawal",
        "Alcohol withdrawal FAQ",
        "Common questions",
    ],
)
def test_faq_headings_are_recognised_in_their_usual_spellings(title):
    result = convert_body(f"<h2>{title}</h2><h3>Why?</h3><p>Because.</p>")

    assert result.sections == []
    assert result.faqs == [ConvertedFAQ("Why?", "Because.")]


@pytest.mark.parametrize("title", ["Questions to ask your doctor", "Faqir's story", "Asked"])
def test_other_headings_are_not_faq_parts(title):
    result = convert_body(f"<h2>{title}</h2><h3>Why?</h3><p>Because.</p>")

    assert result.sections == [ConvertedSection(title, "### Why?\n\nBecause.")]
    assert result.faqs == []


def test_an_faq_heading_without_questions_stays_a_section_and_says_so():
    result = convert_body("<h2>FAQ</h2><p><strong>Can I call?</strong> Yes.</p>")

    assert result.sections == [ConvertedSection("FAQ", "**Can I call?** Yes.")]
    assert result.faqs == []
    assert result.notes == ["“FAQ” has no questions (h3 headings) under it: it stays a section."]


def test_text_before_the_first_question_is_kept_as_a_section():
    result = convert_body("<h2>FAQs</h2><p>Answers from our nurses.</p><h3>Q?</h3><p>A.</p>")

    assert result.sections == [ConvertedSection("FAQs", "Answers from our nurses.")]
    assert result.faqs == [ConvertedFAQ("Q?", "A.")]
    assert result.notes == ["The text under “FAQs” before its first question stays a section."]


def test_details_blocks_anywhere_become_faq_entries_in_order():
    body = (
        paragraph("Intro.")
        + block(
            "details",
            '<details class="wp-block-details"><summary>How long does it last?</summary>'
            '<!-- wp:paragraph {"placeholder":"Type / to add a hidden block"} -->\n'
            "<p>About a week.</p>\n<!-- /wp:paragraph --></details>",
        )
        + heading("Treatment")
        + paragraph("Before.")
        + "<details><summary>Does it <em>hurt</em>?</summary><ul><li>Rarely.</li></ul></details>"
        + paragraph("After.")
        + "<details><p>No summary, so no question.</p></details>"
    )

    result = convert_body(body)

    assert result.intro_markdown == "Intro."
    assert result.sections == [
        ConvertedSection("Treatment", "Before.\n\nAfter.\n\nNo summary, so no question.")
    ]
    assert result.faqs == [
        ConvertedFAQ("How long does it last?", "About a week."),
        ConvertedFAQ("Does it hurt?", "- Rarely."),
    ]


def test_a_body_with_only_an_faq_has_no_intro_and_no_sections():
    body = (
        heading("FAQ")
        + heading("Where are you?", level=3)
        + paragraph("In the town centre.")
        + heading("When?", level=3)
        + paragraph("Every day.")
    )

    result = convert_body(body)

    assert result == ConvertedBody(
        faqs=[
            ConvertedFAQ("Where are you?", "In the town centre."),
            ConvertedFAQ("When?", "Every day."),
        ]
    )


def test_yoast_and_rank_math_faq_blocks_become_faq_entries():
    yoast = block(
        "yoast/faq-block",
        '<div class="schema-faq wp-block-yoast-faq-block">'
        '<div class="schema-faq-section" id="faq-question-1">'
        '<strong class="schema-faq-question">Is detox free?</strong> '
        '<p class="schema-faq-answer">Often, <em>with</em> insurance.</p> </div></div>',
        '{"questions":[]} ',
    )
    rank_math = block(
        "rank-math/faq-block",
        '<div id="rank-math-faq" class="rank-math-block"><div class="rank-math-list ">'
        '<div id="faq-question-2" class="rank-math-list-item">'
        '<h3 class="rank-math-question ">Can family visit?</h3>'
        '<div class="rank-math-answer "><p>Yes, on Sundays.</p></div></div></div></div>',
        '{"questions":[]} ',
    )

    result = convert_body(paragraph("Intro.") + yoast + rank_math)

    assert result.intro_markdown == "Intro."
    assert result.faqs == [
        ConvertedFAQ("Is detox free?", "Often, *with* insurance."),
        ConvertedFAQ("Can family visit?", "Yes, on Sundays."),
    ]


# --- pictures ---------------------------------------------------------------------


def test_image_blocks_become_placeholders_with_their_alt_caption_and_attachment():
    body = (
        paragraph("Before.")
        + block(
            "image",
            '<figure class="wp-block-image size-large">'
            '<img src="https://old.example.org/wp-content/uploads/2023/05/room-1024x683.jpg" '
            'alt="A quiet room" class="wp-image-42"/>'
            '<figcaption class="wp-element-caption">Our <em>detox</em> unit.</figcaption>'
            "</figure>",
            '{"id":42,"sizeSlug":"large"} ',
        )
        + heading("Inside")
        + paragraph('Text <img src="/wp-content/uploads/icon.png" alt=""> around.')
    )

    result = convert_body(body)

    assert result.intro_markdown == "Before.\n\n![](wp-image:0)"
    assert result.sections == [ConvertedSection("Inside", "Text\n\n![](wp-image:1)\n\naround.")]
    assert result.images == [
        ImageRef(
            index=0,
            src_url="https://old.example.org/wp-content/uploads/2023/05/room-1024x683.jpg",
            alt="A quiet room",
            caption="Our detox unit.",
            attachment_id=42,
        ),
        ImageRef(index=1, src_url="/wp-content/uploads/icon.png"),
    ]
    assert result.images[0].full_size_url == (
        "https://old.example.org/wp-content/uploads/2023/05/room.jpg"
    )
    assert result.notes == []


def test_a_picture_linked_to_a_page_loses_the_link_with_a_note():
    body = (
        '<p><a href="https://x.example/full.jpg"><img src="https://x.example/full-300x200.jpg"'
        ' alt="Full"></a></p>'
        '<p><a href="/programs/"><img src="https://x.example/banner.png" alt="Programs"></a></p>'
    )

    result = convert_body(body, base_url="https://old.example.org/")

    assert result.intro_markdown == "![](wp-image:0)\n\n![](wp-image:1)"
    assert result.notes == ["A picture's link to https://old.example.org/programs/ was left out."]


def test_pictures_in_faq_answers_are_placed_there():
    result = convert_body(
        "<details><summary>What does it look like?</summary>"
        "<p>Like this:</p><img src='https://x.example/ward.jpg' alt='The ward'></details>"
    )

    assert result.faqs == [ConvertedFAQ("What does it look like?", "Like this:\n\n![](wp-image:0)")]
    assert result.images == [
        ImageRef(index=0, src_url="https://x.example/ward.jpg", alt="The ward")
    ]


def test_the_caption_shortcode_keeps_its_text_with_the_picture():
    body = (
        '[caption id="attachment_12" align="aligncenter" width="300"]'
        '<a href="https://old.example.org/wp-content/uploads/2019/02/team.jpg">'
        '<img class="size-medium wp-image-12" src="/wp-content/uploads/2019/02/team-300x200.jpg"'
        ' alt="Our team" width="300" height="200" /></a> The team &amp; friends[/caption]\n\n'
        "Text after.\n\n"
        '[caption id="" align="alignleft" caption="From the attribute"]'
        '<img src="https://old.example.org/a.jpg" alt="" />[/caption]'
    )

    result = convert_body(body, base_url="https://old.example.org/")

    assert result.intro_markdown == "![](wp-image:0)\n\nText after.\n\n![](wp-image:1)"
    assert result.images == [
        ImageRef(
            index=0,
            src_url="https://old.example.org/wp-content/uploads/2019/02/team-300x200.jpg",
            alt="Our team",
            caption="The team & friends",
            attachment_id=12,
        ),
        ImageRef(index=1, src_url="https://old.example.org/a.jpg", caption="From the attribute"),
    ]
    assert result.notes == []


def test_gallery_blocks_give_one_placeholder_per_picture():
    body = block(
        "gallery",
        '<figure class="wp-block-gallery has-nested-images columns-2">'
        '<figure class="wp-block-image"><img src="https://x.example/1.jpg" alt="One" '
        'class="wp-image-1"/><figcaption>First</figcaption></figure>'
        '<figure class="wp-block-image"><img src="https://x.example/2.jpg" alt="Two" '
        'class="wp-image-2"/></figure>'
        '<figcaption class="blocks-gallery-caption">Our garden</figcaption></figure>',
    )

    result = convert_body(body)

    assert result.intro_markdown == "![](wp-image:0)\n\n![](wp-image:1)\n\nOur garden"
    assert [(image.alt, image.caption, image.attachment_id) for image in result.images] == [
        ("One", "First", 1),
        ("Two", "", 2),
    ]


def test_pictures_that_cannot_stand_alone_or_have_no_address_are_reported():
    body = (
        "<table><tr><th>Drug</th><th>Icon</th></tr>"
        '<tr><td>Naloxone</td><td><img src="https://x.example/n.png" alt="N"></td></tr></table>'
        '<p><img src="data:image/png;base64,AAAA" alt="inline data"></p>'
        '<p>Smile <img class="wp-smiley emoji" src="https://s.w.org/1f642.svg" alt="🙂"></p>'
    )

    result = convert_body(body)

    assert result.intro_markdown == ("| Drug | Icon |\n| --- | --- |\n| Naloxone |  |\n\nSmile 🙂")
    assert result.images == []
    assert result.notes == [
        "A picture inside a heading or a table was left out: https://x.example/n.png",
        "A picture without a web address was left out.",
    ]


def test_the_importer_swaps_placeholders_for_library_images_or_drops_them():
    result = convert_body(
        "<p>Top.</p><p><img src='https://x.example/a.jpg' alt='A [big] room_'></p>"
        "<blockquote><p>Quoted.</p><p><img src='https://x.example/b.jpg'></p></blockquote>"
        "<p>End.</p>"
    )
    library = {0: 17}

    def replacement(index):
        image = result.images[index]
        if index in library:
            return f"![{escape_markdown(image.alt)}](image:{library[index]})"
        return None

    text = replace_image_placeholders(result.intro_markdown, replacement)

    assert text == "Top.\n\n![A \\[big\\] room\\_](image:17)\n\n> Quoted.\n\nEnd."
    [reference] = image_references(text)
    assert (reference.image_id, reference.alt, reference.is_alone) == (17, "A [big] room_", True)


# --- links, embeds and hostile markup ---------------------------------------------


def test_links_keep_usable_addresses_and_relative_ones_become_absolute():
    body = (
        '<p><a href="/about/">About</a>, <a href="contact/">contact</a>, '
        '<a href="//cdn.example.org/x.pdf">leaflet</a>, <a href="#top">top</a>, '
        '<a href="mailto:help@example.org">mail</a>, <a href="tel:+15550100">call</a>, '
        '<a href="https://example.org/a b(1)" title="A title">odd</a>, '
        "<a href='https://example.org/'>https://example.org/</a>.</p>"
    )

    result = convert_body(body, base_url="https://old.example.org/blog/")

    assert result.intro_markdown == (
        "[About](https://old.example.org/about/), "
        "[contact](https://old.example.org/blog/contact/), "
        "[leaflet](https://cdn.example.org/x.pdf), [top](#top), "
        "[mail](mailto:help@example.org), [call](tel:+15550100), "
        '[odd](https://example.org/a%20b%281%29 "A title"), <https://example.org/>.'
    )
    without_base = convert_body('<p><a href="/about/">About</a></p>')
    assert without_base.intro_markdown == "[About](/about/)"


def test_embeds_frames_and_videos_become_a_line_with_a_link():
    body = (
        block(
            "embed",
            '<figure class="wp-block-embed is-type-video is-provider-youtube '
            'wp-block-embed-youtube"><div class="wp-block-embed__wrapper">\n'
            "https://www.youtube.com/watch?v=abc123\n</div>"
            "<figcaption>How detox works</figcaption></figure>",
            '{"url":"https://www.youtube.com/watch?v=abc123","type":"video"} ',
        )
        + '<iframe src="https://www.youtube-nocookie.com/embed/XYZ_9?rel=0"></iframe>'
        + '<iframe src="https://maps.example.org/embed?q=clinic" title="Map"></iframe>'
        + '<figure class="wp-block-video"><video controls src="/media/tour.mp4"></video></figure>'
        + '<iframe src="javascript:alert(1)"></iframe>'
        + "<p>https://vimeo.com/12345</p>"
        + "[embed]https://www.youtube.com/watch?v=def456[/embed]"
    )

    result = convert_body(body, base_url="https://old.example.org")

    assert result.intro_markdown == (
        "[How detox works](https://www.youtube.com/watch?v=abc123)\n\n"
        "<https://www.youtube.com/watch?v=XYZ_9>\n\n"
        "[Map](https://maps.example.org/embed?q=clinic)\n\n"
        "<https://old.example.org/media/tour.mp4>\n\n"
        "<https://vimeo.com/12345>\n\n"
        "<https://www.youtube.com/watch?v=def456>"
    )
    assert result.notes == [
        "An embed became a link to https://www.youtube.com/watch?v=abc123.",
        "An embedded frame became a link to https://www.youtube.com/watch?v=XYZ_9.",
        "An embedded frame became a link to https://maps.example.org/embed?q=clinic.",
        "A video became a link to https://old.example.org/media/tour.mp4.",
        "An embedded frame without a web address was removed.",
    ]


def test_scripts_styles_and_objects_are_removed_with_a_note():
    body = (
        "<p>Safe text.</p><script>document.cookie</script>"
        "<style>p { color: red }</style><SCRIPT src='https://evil.example/x.js'></SCRIPT>"
        "<object data='x.swf'><param name='a'>Old plugin</object>"
        "<form action='/subscribe'><label>Email <input name='e'></label></form>"
        "<!--nextpage--><p>Page two.</p>"
    )

    result = convert_body(body)

    assert result.intro_markdown == "Safe text.\n\nEmail\n\nPage two."
    assert result.notes == [
        "Removed 2 scripts.",
        "Removed 1 style sheet.",
        "Removed embedded objects (object or embed elements).",
        "Removed a form; its text was kept.",
        "The post's pages (<!--nextpage-->) were joined into one.",
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        '<p><img src="x" onerror="alert(1)">Hi</p>',
        '<p><a href="javascript:alert(1)">Hi</a></p>',
        '<p><a href="JaVaScRiPt&#x3a;alert(1)">Hi</a></p>',
        '<p><a href=" java&#x09;script:alert(1)">Hi</a></p>',
        '<p><a href="data:text/html;base64,PHNjcmlwdD4=">Hi</a></p>',
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">Hi</p>',
        "<p>Hi</p><svg onload=alert(1)><script>alert(1)</script></svg>",
        '<p>Hi<iframe srcdoc="<script>alert(1)</script>"></iframe></p>',
        "<p>Hi</p><math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    ],
)
def test_hostile_markup_leaves_nothing_that_runs(hostile):
    result = convert_body(hostile)
    text = result.intro_markdown.lower()

    assert "hi" in text
    for danger in ("javascript", "alert", "onerror", "onclick", "onload", "data:", "<script"):
        assert danger not in text
    assert all("alert" not in image.src_url for image in result.images)


@pytest.mark.parametrize("base_url", ["", "https://old.example.org/", "http://[broken"])
def test_addresses_that_cannot_be_parsed_are_dropped_not_raised(base_url):
    body = (
        '<p><a href="//[x/y">a</a> <a href="https://ok.example/">b</a></p>'
        '<p><img src="//[::1/a.jpg"></p><iframe src="//[x"></iframe>'
    )

    result = convert_body(body, base_url=base_url)

    assert result.intro_markdown == "a [b](https://ok.example/)"
    assert result.images == []


def test_a_link_without_a_usable_address_keeps_its_text_and_says_so():
    result = convert_body('<p>Please <a href="javascript:void(0)">click here</a>.</p>')

    assert result.intro_markdown == "Please click here."
    assert result.notes == ["“click here” was kept as plain text: its link had no usable address."]


def test_shortcodes_are_converted_reported_or_kept_as_text():
    body = (
        "Intro.\n\n"
        '[gallery ids="3,4,5" columns="3"]\n\n'
        '[contact-form-7 id="9" title="Contact"]\n\n'
        "[note]Keep me[/note] and [sic] and [1].\n\n"
        '[audio mp3="https://old.example.org/talk.mp3"][/audio]'
    )

    result = convert_body(body)

    assert result.intro_markdown == (
        "Intro.\n\n"
        '\\[contact-form-7 id="9" title="Contact"\\]\n\n'
        "\\[note\\]Keep me\\[/note\\] and \\[sic\\] and \\[1\\].\n\n"
        "<https://old.example.org/talk.mp3>"
    )
    assert result.notes == [
        "Shortcode [gallery] was left out (pictures 3,4,5): add them by hand.",
        "Shortcode [audio] became a link to https://old.example.org/talk.mp3.",
        "Unknown shortcode [contact-form-7] was kept as text.",
        "Unknown shortcode [note] was kept as text.",
    ]


# --- text -------------------------------------------------------------------------


def test_entities_are_decoded_and_non_ascii_text_is_kept():
    body = (
        "<h2>R&eacute;sum&eacute; &amp; &#8220;next&#8221; steps</h2>\n"
        "<p>Żółć, 日本語, café &mdash; 10&nbsp;mg &lt;b&gt; &amp;copy; AT&amp;T</p>"
    )

    result = convert_body(body)

    assert result.sections == [
        ConvertedSection(
            "Résumé & “next” steps",
            "Żółć, 日本語, café — 10\u00a0mg <b> \\&copy; AT&T",
        )
    ]
    html = render_markdown(result.sections[0].markdown)
    assert readable_text(html) == "Żółć, 日本語, café — 10 mg <b> &copy; AT&T"


def test_markdown_characters_in_text_stay_text():
    body = (
        "<p>1. Not a list, 2020. was a year</p>"
        "<p># not a heading<br>- not a bullet<br>&gt; not a quote<br>+ plus</p>"
        "<p>*stars* and _underscores_ and snake_case, [brackets](x) and `ticks` \\ ok</p>"
        "<p>__init__ and a_b_ and 2_000</p>"
        "<ul><li>1) item text</li></ul>"
        "<table><tr><th>a|b</th></tr><tr><td>c</td></tr></table>"
        "<pre><code>for x in *y*:\n    print(x)</code></pre>"
    )

    result = convert_body(body)
    html = render_markdown(result.intro_markdown)

    assert result.intro_markdown == (
        "1\\. Not a list, 2020. was a year\n\n"
        "\\# not a heading\\\n\\- not a bullet\\\n\\> not a quote\\\n\\+ plus\n\n"
        "\\*stars\\* and \\_underscores\\_ and snake_case, \\[brackets\\](x) and \\`ticks\\` "
        "\\\\ ok\n\n"
        "\\_\\_init\\_\\_ and a_b\\_ and 2_000\n\n"
        "- 1\\) item text\n\n"
        "| a\\|b |\n| --- |\n| c |\n\n"
        "```\nfor x in *y*:\n    print(x)\n```"
    )
    assert "<ol" not in html and "<h" not in html and "<blockquote" not in html
    assert "<em>" not in html and "<a " not in html
    assert readable_text(html).splitlines()[:3] == [
        "1. Not a list, 2020. was a year",
        "# not a heading",
        "- not a bullet",
    ]
    assert "__init__ and a_b_ and 2_000" in readable_text(html).splitlines()


def test_tables_definition_lists_and_code_are_kept():
    body = (
        '<figure class="wp-block-table"><table><thead><tr><th>Drug</th><th>Dose</th></tr>'
        "</thead><tbody><tr><td>Naltrexone</td><td>50 mg</td></tr></tbody></table>"
        "<figcaption>Usual doses</figcaption></figure>"
        "<dl><dt>Detox</dt><dd>Stopping safely.</dd></dl>"
        '<pre class="wp-block-code"><code>$ call 555</code></pre>'
    )

    result = convert_body(body)

    assert result.intro_markdown == (
        "| Drug | Dose |\n| --- | --- |\n| Naltrexone | 50 mg |\n\n"
        "Usual doses\n\n"
        "**Detox**\n\nStopping safely.\n\n"
        "```\n$ call 555\n```"
    )
    assert "<table>" in render_markdown(result.intro_markdown)


# --- speed ------------------------------------------------------------------------


def long_body(words_wanted=5000, sections=10):
    """A block editor body about ``words_wanted`` words long, built like a real post."""
    rng = random.Random(15)
    vocabulary = [
        "recovery", "withdrawal", "support", "family", "clinic", "sleep", "craving",
        "therapy", "doctor", "medicine", "routine", "week", "honest", "careful", "step",
        "group", "nurse", "relapse", "plan", "talk",
    ]  # fmt: skip

    def sentence():
        return " ".join(rng.choice(vocabulary) for _ in range(14)).capitalize() + "."

    def text_paragraph():
        return paragraph(
            " ".join(sentence() for _ in range(5))
            + ' See <a href="/guide/">our <em>guide</em></a>.'
        )

    parts = [text_paragraph()]
    for number in range(sections):
        parts.append(heading(f"Part {number} of the plan"))
        parts.extend(text_paragraph() for _ in range(6))
        parts.append(block("list", "<ul>" + f"<li>{sentence()}</li>" * 4 + "</ul>"))
        parts.append(
            block(
                "image",
                f'<figure class="wp-block-image"><img src="/wp-content/uploads/p{number}.jpg" '
                f'alt="Picture {number}" class="wp-image-{number}"/>'
                f"<figcaption>Caption {number}</figcaption></figure>",
            )
        )
        parts.append(heading("A closer look", level=3) + text_paragraph())
    body = "".join(parts)
    assert len(words(body)) >= words_wanted
    return body


def words(text):
    """The words of HTML or Markdown text, without its markup or comments."""
    return re.findall(r"\w+", re.sub(r"<!--.*?-->|<[^>]+>", " ", text))


def test_a_long_body_converts_whole():
    body = long_body()

    result = convert_body(body, base_url="https://old.example.org/")

    assert [section.title for section in result.sections] == [
        f"Part {number} of the plan" for number in range(10)
    ]
    assert len(result.images) == 10
    # Every word arrives: in the text, a section title or a picture's caption.
    text = "\n".join(
        [result.intro_markdown]
        + [f"{section.title}\n{section.markdown}" for section in result.sections]
        + [image.caption for image in result.images]
    )
    assert len(words(readable_text(render_markdown(text)))) == len(words(body))


# --- any input --------------------------------------------------------------------

FRAGMENTS = [
    "<a href='//[x'>",
    "<img src='//[::1/a.jpg'>",
    "<img class='wp-image-99999999999' src='/a'>",
    "<p>",
    "</p>",
    "<h2>",
    "</h2>",
    "<h3>",
    "</h3>",
    "<h1>",
    "<details>",
    "<summary>",
    "</summary>",
    "</details>",
    "<div class='schema-faq'>",
    "<div class='schema-faq-section'>",
    "<strong class='schema-faq-question'>",
    "</strong>",
    "</div>",
    "<img src='https://a/b.jpg'>",
    "<img>",
    "<a href='/x'>",
    "</a>",
    "<br>",
    "\n",
    "\n\n",
    "text",
    " FAQ ",
    "[caption]",
    "[/caption]",
    "[gallery]",
    "[video src='x']",
    "[embed]",
    "[/embed]",
    "<figure class='wp-block-embed'>",
    "</figure>",
    "<figcaption>",
    "</figcaption>",
    "<iframe src='https://y'>",
    "</iframe>",
    "<ul>",
    "<li>",
    "</li>",
    "</ul>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "<pre>",
    "</pre>",
    "<!-- wp:paragraph -->",
    "<script>",
    "</script>",
    "&amp;",
    "&",
    "<",
    ">",
    "#",
    "- ",
    "1. ",
    "*",
    "_",
    "`",
    "[",
    "]",
    "|",
    "\\",
    "<blockquote>",
    "</blockquote>",
    "<dl><dt>",
    "<dd>",
    "<video>",
    "<source src='https://v.mp4'>",
    "</video>",
    "é",
    "\u00a0",
    "<h2>Frequently asked questions</h2>",
    "<code>",
    "</code>",
    "<th>",
]


def test_any_jumble_of_markup_converts_with_every_picture_placed_once():
    rng = random.Random(15)
    for _ in range(300):
        body = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, 60)))

        base_url = rng.choice(["", "https://old.example.org/", "http://[broken"])

        result = convert_body(body, base_url=base_url)

        texts = [result.intro_markdown]
        texts += [section.markdown for section in result.sections]
        texts += [faq.answer_markdown for faq in result.faqs]
        for image in result.images:
            assert sum(text.count(image.placeholder) for text in texts) == 1, body
        for text in texts:
            render_markdown(replace_image_placeholders(text, lambda index: None))


@pytest.mark.parametrize("opening,closing", [("<div>", "</div>"), ("<ul><li>", "</li></ul>")])
def test_absurdly_deep_markup_keeps_its_text(opening, closing):
    body = opening * 3000 + "deep down" + closing * 3000

    result = convert_body(body)

    assert result.intro_markdown.endswith("deep down")
    assert result.notes == ["Markup nested too deeply was kept as plain text."]
