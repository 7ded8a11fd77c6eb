"""A WordPress post body (``content:encoded``) to the Markdown this site stores.

Pure: no database, no files, no network. ``convert_body(html, base_url=...)`` takes a
body written in the block editor (``<!-- wp:paragraph -->`` comments around HTML) or
in the classic editor (bare paragraphs separated by blank lines, which WordPress turns
into ``<p>`` and ``<br>`` on display, as its ``wpautop`` does; the same rule is applied
here) and returns a ``ConvertedBody``.

The body is sanitised with nh3 before anything else reads it (scripts, styles,
event handlers and addresses other than http, https, mailto and tel go), then
markdownify writes the Markdown. What the importer gets:

``intro_markdown``
    Everything before the first ``h2``; the importer decides where it goes (a first
    section, or the summary).
``sections``
    One ``ConvertedSection(title, markdown)`` per ``h2`` (an ``h1`` in a body counts
    as one), in order. ``title`` is plain text; ``h3``-``h6`` inside stay Markdown
    headings (the site's renderer places them under the section's own heading).
``faqs``
    ``ConvertedFAQ(question, answer_markdown)``, in the order they appear: the ``h3``
    questions under an ``h2`` named like "FAQ", "FAQs" or "Frequently asked
    questions" (the heading itself is dropped: the site titles the FAQ part), every
    ``<details>`` with a ``<summary>`` (the block editor's details block), and Yoast
    and Rank Math FAQ blocks. Text under an FAQ heading before its first question,
    or an FAQ heading with no question at all, stays a section (with a note).
``images``
    The site shows only library pictures, so no picture is written as a Markdown
    image. Each becomes a paragraph of its own holding exactly the token
    ``![](wp-image:N)`` (``ImageRef.placeholder``), where ``N`` is the picture's
    ``ImageRef.index`` in ``images``; each token appears once, in the intro, a
    section or an FAQ answer (possibly inside a list item or a quote). The importer
    replaces every token, with ``replace_image_placeholders``: by
    ``![description](image:ID)`` once the picture is in the library (the description
    passed through ``escape_markdown``), or by nothing (and a line in its report).
    ``ImageRef`` holds the address (absolute when a base URL was given, otherwise as
    written; ``full_size_url`` drops WordPress's ``-300x200`` size suffix), the alt
    text, the caption (from a ``<figcaption>`` or a ``[caption]`` shortcode) and the
    attachment id WordPress wrote in the ``wp-image-ID`` class, if any.
``notes``
    Plain sentences for the import report about what did not come across as it
    was: removed scripts and frames, embeds turned into links, shortcodes left out
    or kept as text, pictures that could not be kept.

Links keep http, https, mailto and tel addresses; relative ones are made absolute
against ``base_url`` when one is given (without one they stay relative, which on this
site reach the redirects from the old addresses). Embeds (YouTube and the like),
frames, videos and audio become a line with a link. Entities are decoded and
non-ASCII text is kept as it is. Any input converts, however broken or deeply nested.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import nh3
from bs4 import BeautifulSoup, NavigableString, Tag
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markdownify import ATX, BACKSLASH, MarkdownConverter

from core.markdown import ALLOWED_TAGS, ALLOWED_URL_SCHEMES

PICTURE_SCHEMES = {"http", "https"}
PLACEHOLDER = re.compile(r"!\[\]\(wp-image:(\d+)\)")


@dataclass
class ConvertedSection:
    title: str
    markdown: str


@dataclass
class ConvertedFAQ:
    question: str
    answer_markdown: str


@dataclass
class ImageRef:
    """A picture of the body, standing in the Markdown as ``placeholder``."""

    index: int
    src_url: str
    alt: str = ""
    caption: str = ""
    attachment_id: int | None = None

    @property
    def placeholder(self):
        return f"![](wp-image:{self.index})"

    @property
    def full_size_url(self):
        """``src_url`` without the ``-300x200`` size WordPress adds to resized copies."""
        return _RESIZED_COPY.sub(r"\1", self.src_url)


@dataclass
class ConvertedBody:
    intro_markdown: str = ""
    sections: list[ConvertedSection] = field(default_factory=list)
    faqs: list[ConvertedFAQ] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def replace_image_placeholders(markdown: str, replacement: Callable[[int], str | None]) -> str:
    """Return ``markdown`` with each ``![](wp-image:N)`` replaced by ``replacement(N)``;
    a token whose replacement is None or empty goes, with its paragraph."""
    lines = []
    for line in markdown.split("\n"):
        replaced = PLACEHOLDER.sub(lambda match: replacement(int(match.group(1))) or "", line)
        if replaced != line and not replaced.strip(" \t>"):
            # The token was the whole paragraph (maybe in a quote or a list item): its
            # line goes, and so does the blank line that separated it.
            if lines and not lines[-1].strip(" \t>"):
                lines.pop()
            continue
        lines.append(replaced)
    return _tidy("\n".join(lines))


def escape_markdown(text: str) -> str:
    """Return ``text`` with the characters Markdown would read as markup escaped, for
    text written inside a line (such as a picture's description)."""
    return _INLINE_SPECIAL.sub(r"\\\g<0>", text)


def convert_body(body: str, *, base_url: str = "") -> ConvertedBody:
    """Return the ``ConvertedBody`` of a WordPress post body (HTML, block or classic)."""
    return _Conversion(base_url).run(body or "")


# --- what the raw body holds ------------------------------------------------------

_BLOCK_EDITOR = re.compile(r"<!--\s*/?wp:")
_RESIZED_COPY = re.compile(r"-\d+x\d+(\.[A-Za-z0-9]+)$")
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]]+))""")
_CAPTION = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_CAPTION_PICTURE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
_GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
_EMBED = re.compile(r"\[embed\b[^\]]*\](.*?)\[/embed\]", re.S | re.I)
_MEDIA = re.compile(r"\[(audio|video|playlist)\b([^\]]*)\](?:[^\[]*\[/\1\])?", re.I)
_SHORTCODE = re.compile(r"\[([a-zA-Z][\w-]*)(\s[^\[\]]*?)?(/?)\]")
_NEXT_PAGE = re.compile(r"<!--\s*nextpage\s*-->", re.I)
# Counted before sanitising, so the report can say what nh3 took out.
_REMOVED_MARKUP = (
    (re.compile(r"<script\b", re.I), "script"),
    (re.compile(r"<style\b", re.I), "style"),
    (re.compile(r"<(?:object|embed|applet)\b", re.I), "object"),
    (re.compile(r"<form\b", re.I), "form"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "handler"),
)

# What the sanitiser keeps for the conversion: the site's tags, plus what the
# conversion reads and then rewrites (section headings, pictures, embeds, FAQ blocks).
_KEPT_TAGS = ALLOWED_TAGS | {
    "h1",
    "h2",
    "article",
    "audio",
    "b",
    "caption",
    "cite",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "i",
    "iframe",
    "img",
    "kbd",
    "q",
    "s",
    "samp",
    "section",
    "source",
    "strike",
    "summary",
    "tfoot",
    "video",
}
_KEPT_ATTRIBUTES = {
    # Classes only steer the conversion (embeds, FAQ blocks, attachment ids); none
    # reaches the Markdown.
    "*": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt"},
    "iframe": {"src", "title"},
    "video": {"src"},
    "audio": {"src"},
    "source": {"src"},
    "ol": {"start"},
    "td": {"colspan"},
    "th": {"colspan"},
}
_DROPPED_WITH_CONTENT = {"script", "style", "template", "object", "svg", "math"}

# Tags that end a paragraph in WordPress's wpautop.
_AUTOP_BLOCKS = {
    "address",
    "article",
    "blockquote",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
# Where wpautop writes paragraphs even around a single line of text.
_PARAGRAPH_CONTAINERS = {"article", "blockquote", "details", "div", "section"}
# Where a single line of text stays bare, and only blank lines make paragraphs.
_LINE_CONTAINERS = {
    "caption",
    "dd",
    "dt",
    "figcaption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "p",
    "summary",
    "td",
    "th",
}
_NESTED_BLOCKS = {"dl", "figure", "ol", "table", "tbody", "tfoot", "thead", "tr", "ul"}
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_AROUND_BLANK_LINE = re.compile(r"[ \t]*\n\n[ \t]*")

_WRAPPERS = ["div", "section", "article"]
# Far deeper than any editor nests (a list in a quote in a column is five levels).
_MAX_DEPTH = 40
_SECTION_HEADINGS = {"h1", "h2"}
_FAQ_TITLE = re.compile(
    r"(?:.+ )?(?:faqs?|f a q(?: s)?|frequently asked questions|common questions)"
    r"|(?:faqs?|frequently asked questions)(?: faqs?)?(?: (?:about|on|for|of) .+)?"
)
_VIDEO_PAGES = (
    (
        re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)"),
        "https://www.youtube.com/watch?v={}",
    ),
    (re.compile(r"^https?://player\.vimeo\.com/video/(\d+)"), "https://vimeo.com/{}"),
)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+")
_URL_ALONE = re.compile(r"^\s*(https?://[^\s<>\"]+)\s*$")

# Markdown's own characters in text, escaped so text stays text. An underscore between
# two letters or digits never makes emphasis, so snake_case stays readable.
_INLINE_SPECIAL = re.compile(r"[\\`*\[\]]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)")
# What starts a list, a quote, a heading or a fence at the start of a line.
_LINE_START = r"^([ \t]*)(>|~{3,}|#{1,6}(?=[ \t]|$)|[-+=]+(?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))"
_LINE_STARTS = re.compile(_LINE_START, re.M)
_FIRST_LINE_START = re.compile(_LINE_START)


def _escape_line_start(match):
    indent, marker = match.groups()
    if marker[0].isdigit():
        return f"{indent}{marker[:-1]}\\{marker[-1]}"
    return f"{indent}\\{marker}"


def _tidy(markdown):
    """Markdown without trailing spaces or runs of blank lines, trimmed."""
    lines = [line.rstrip() for line in markdown.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _plain(tag):
    """The text of a heading or question: one line, whitespace collapsed."""
    for br in tag.find_all("br"):
        br.replace_with(" ")
    return " ".join(tag.get_text().split())


def _classes(tag):
    return set(tag.get("class") or ())


def _is_faq_title(title):
    normalised = " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())
    return bool(_FAQ_TITLE.fullmatch(normalised))


def _is_faq_block(tag):
    return bool(_classes(tag) & {"schema-faq", "rank-math-block", "rank-math-faq"})


def _is_structural(tag):
    """Whether ``tag`` starts a section or holds FAQ entries (so is read on its own)."""
    return isinstance(tag, Tag) and (
        tag.name in _SECTION_HEADINGS or tag.name == "details" or _is_faq_block(tag)
    )


def _attributes(text):
    return {
        match.group(1).lower(): html.unescape(next(g for g in match.groups()[1:] if g is not None))
        for match in _ATTRIBUTE.finditer(text or "")
    }


class _Converter(MarkdownConverter):
    """markdownify, writing this site's Markdown: pictures as placeholders, only
    usable links, and Markdown's own characters in text escaped."""

    def __init__(self, conversion):
        super().__init__(
            heading_style=ATX,
            bullets="-",
            newline_style=BACKSLASH,
            table_infer_header=True,
            escape_asterisks=False,
            escape_underscores=False,
            escape_misc=False,
        )
        self.conversion = conversion

    def escape(self, text, parent_tags):
        if not text:
            return ""
        text = escape_markdown(text)
        if "td" in parent_tags or "th" in parent_tags:
            text = text.replace("|", r"\|")
        return text

    def convert_p(self, el, text, parent_tags):
        # A paragraph holds blank lines only around a picture token or a link line.
        text = _AROUND_BLANK_LINE.sub("\n\n", text)
        return super().convert_p(el, _LINE_STARTS.sub(_escape_line_start, text), parent_tags)

    def convert_li(self, el, text, parent_tags):
        first = next((child for child in el.children if _has_text(child)), None)
        if isinstance(first, NavigableString):
            # Only the first line: later ones may be a nested list's own items.
            text = _FIRST_LINE_START.sub(_escape_line_start, text.lstrip())
        return super().convert_li(el, text, parent_tags)

    def convert_br(self, el, text, parent_tags):
        # A break at the edge of a paragraph breaks nothing, and Markdown would show
        # its backslash.
        if not _has_content(el, "previous_sibling") or not _has_content(el, "next_sibling"):
            return text
        return super().convert_br(el, text, parent_tags)

    def convert_a(self, el, text, parent_tags):
        if el.find("img"):
            # The picture stands alone; its link (usually to the full size) goes.
            href = self.conversion.url(el.get("href"))
            if href and not _RESIZED_COPY.sub(r"\1", href).lower().endswith(
                (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
            ):
                self.conversion.note(_("A picture's link to %(url)s was left out.") % {"url": href})
            return text
        href = self.conversion.url(el.get("href"))
        if not href:
            if text.strip() and "_noformat" not in parent_tags:
                self.conversion.note(
                    _("“%(text)s” was kept as plain text: its link had no usable address.")
                    % {"text": " ".join(el.get_text().split())}
                )
            return text
        el["href"] = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        return self.conversion.picture(el, parent_tags)

    def convert_dt(self, el, text, parent_tags):
        text = " ".join(text.split())
        return f"\n\n**{text}**\n\n" if text else ""

    def convert_dd(self, el, text, parent_tags):
        return f"\n\n{text.strip()}\n\n" if text.strip() else ""

    convert_dl = MarkdownConverter.convert_div
    convert_details = MarkdownConverter.convert_div
    convert_summary = convert_dt
    convert_strike = MarkdownConverter.convert_s


def _has_content(el, direction):
    """Whether anything but breaks and white space lies before or after ``el`` (a
    ``direction`` sibling) in its paragraph, looking out of inline elements."""
    while el is not None:
        sibling = getattr(el, direction)
        while sibling is not None:
            if isinstance(sibling, Tag) and sibling.name != "br":
                return True
            if isinstance(sibling, NavigableString) and sibling.strip():
                return True
            sibling = getattr(sibling, direction)
        el = el.parent
        if el is None or el.name in _AUTOP_BLOCKS or el.name == "[document]":
            return False
    return False


class _Conversion:
    """One body's conversion: its notes and pictures, gathered as it goes."""

    def __init__(self, base_url):
        try:
            self.base_scheme = urlsplit(base_url or "").scheme.lower()
        except ValueError:
            self.base_scheme = ""
        # A base URL that is not a web address cannot resolve anything: ignored.
        self.base_url = base_url if self.base_scheme in PICTURE_SCHEMES else ""
        self.base_scheme = self.base_scheme if self.base_url else "https"
        self.notes = []
        self.images = []
        self.converter = _Converter(self)

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def url(self, value, schemes=ALLOWED_URL_SCHEMES):
        """``value`` made absolute against the base URL, or None if unusable."""
        value = (value or "").strip()
        if not value:
            return None
        if value.startswith("#"):
            return value
        try:
            if value.startswith("//"):
                value = f"{self.base_scheme}:{value}"
            elif self.base_url:
                value = urljoin(self.base_url, value)
            scheme = urlsplit(value).scheme.lower()
        except ValueError:
            # Such as a broken IPv6 host ("//[x").
            return None
        if not scheme:
            return value
        return value if scheme in schemes else None

    # --- the steps ----------------------------------------------------------------

    def run(self, body):
        if not body.strip():
            return ConvertedBody()
        is_classic = not _BLOCK_EDITOR.search(body)
        self.note_removed_markup(body)
        body = self.expand_shortcodes(body)
        clean = nh3.clean(
            body,
            tags=_KEPT_TAGS,
            clean_content_tags=_DROPPED_WITH_CONTENT,
            attributes=_KEPT_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            link_rel=None,
        )
        soup = self.soup = BeautifulSoup(clean, "html.parser")
        self.flatten_deep_markup(soup)
        if is_classic:
            self.autop(soup, wrap_single=True)
        self.replace_media(soup)
        self.attach_captions(soup)
        return self.split(soup)

    def flatten_deep_markup(self, soup):
        """Keep only the text of elements nested deeper than any real post goes, so the
        conversion's recursion stays far from Python's limit."""
        stack = [(soup, 0)]
        while stack:
            tag, depth = stack.pop()
            for child in tag.find_all(True, recursive=False):
                if depth + 1 < _MAX_DEPTH:
                    stack.append((child, depth + 1))
                else:
                    child.replace_with(NavigableString(child.get_text()))
                    self.note(_("Markup nested too deeply was kept as plain text."))

    def note_removed_markup(self, body):
        counts = {kind: len(pattern.findall(body)) for pattern, kind in _REMOVED_MARKUP}
        if counts["script"]:
            self.note(
                ngettext(
                    "Removed %(count)d script.", "Removed %(count)d scripts.", counts["script"]
                )
                % {"count": counts["script"]}
            )
        if counts["style"]:
            self.note(
                ngettext(
                    "Removed %(count)d style sheet.",
                    "Removed %(count)d style sheets.",
                    counts["style"],
                )
                % {"count": counts["style"]}
            )
        if counts["object"]:
            self.note(_("Removed embedded objects (object or embed elements)."))
        if counts["form"]:
            self.note(_("Removed a form; its text was kept."))
        if counts["handler"]:
            self.note(_("Removed event handler attributes (such as onclick)."))
        if _NEXT_PAGE.search(body):
            self.note(_("The post's pages (<!--nextpage-->) were joined into one."))

    def expand_shortcodes(self, body):
        """Turn the shortcodes WordPress ships into HTML, and report the others."""
        body = _CAPTION.sub(self.caption_shortcode, body)
        body = _GALLERY.sub(self.gallery_shortcode, body)
        body = _EMBED.sub(lambda match: _link_line(html.unescape(match.group(1).strip())), body)
        body = _MEDIA.sub(self.media_shortcode, body)
        for match in _SHORTCODE.finditer(body):
            name, attributes, closing = match.group(1), match.group(2) or "", match.group(3)
            if "=" in attributes or closing or f"[/{name}]" in body:
                self.note(_("Unknown shortcode [%(name)s] was kept as text.") % {"name": name})
        return body

    def caption_shortcode(self, match):
        attributes = _attributes(match.group(2))
        inner = _CAPTION_PICTURE.match(match.group(3))
        if not inner:
            self.note(_("Shortcode [caption] without a picture: its text was kept."))
            return match.group(3)
        caption = attributes.get("caption") or inner.group(2).strip()
        return f"<figure>{inner.group(1)}<figcaption>{caption}</figcaption></figure>"

    def gallery_shortcode(self, match):
        ids = _attributes(match.group(1)).get("ids", "")
        if ids:
            self.note(
                _("Shortcode [gallery] was left out (pictures %(ids)s): add them by hand.")
                % {"ids": ids}
            )
        else:
            self.note(_("Shortcode [gallery] was left out: add its pictures by hand."))
        return ""

    def media_shortcode(self, match):
        name, attributes = match.group(1).lower(), _attributes(match.group(2))
        source = attributes.get("src") or next(
            (value for key, value in attributes.items() if key in _MEDIA_FORMATS), ""
        )
        if source:
            self.note(
                _("Shortcode [%(name)s] became a link to %(url)s.") % {"name": name, "url": source}
            )
            return _link_line(source)
        self.note(_("Shortcode [%(name)s] was left out.") % {"name": name})
        return ""

    def autop(self, container, wrap_single):
        """WordPress's paragraph rule for classic bodies: blank lines separate
        paragraphs and a single line break is a ``<br>``, outside block elements."""
        runs, run = [], []
        for child in list(container.children):
            if isinstance(child, Tag) and child.name in _AUTOP_BLOCKS:
                if run:
                    runs.append(run)
                    run = []
                if child.name in _PARAGRAPH_CONTAINERS:
                    self.autop(child, wrap_single=True)
                elif child.name in _LINE_CONTAINERS or child.name in _NESTED_BLOCKS:
                    self.autop(child, wrap_single=False)
            else:
                run.append(child)
        if run:
            runs.append(run)
        for run in runs:
            self.wrap_paragraphs(self.soup, container, run, wrap_single)

    def wrap_paragraphs(self, soup, container, run, wrap_single):
        paragraphs = [[]]
        for node in run:
            if isinstance(node, NavigableString) and _BLANK_LINE.search(node):
                replacements = []
                for number, piece in enumerate(_BLANK_LINE.split(str(node))):
                    if number:
                        paragraphs.append([])
                    if piece:
                        replacements.append(NavigableString(piece))
                        paragraphs[-1].append(replacements[-1])
                if replacements:
                    node.replace_with(*replacements)
                else:
                    node.extract()
            else:
                paragraphs[-1].append(node)
        if container.name in _NESTED_BLOCKS:
            # Only white space between a list's items or a table's rows.
            return
        paragraphs = [nodes for nodes in paragraphs if any(map(_has_text, nodes))]
        for nodes in paragraphs:
            if len(paragraphs) > 1 or wrap_single:
                paragraph = soup.new_tag("p")
                nodes[0].insert_before(paragraph)
                for node in nodes:
                    paragraph.append(node.extract())
            _breaks_from_newlines(soup, nodes)

    def replace_media(self, soup):
        """Embeds, frames, videos and audio become a paragraph with a link."""
        for figure in soup.find_all("figure", class_="wp-block-embed"):
            if figure.decomposed or figure.parent is None:
                continue
            caption = figure.find("figcaption")
            text = " ".join(caption.get_text().split()) if caption else ""
            if caption:
                caption.decompose()
            link = figure.find("a", href=True)
            frame = figure.find("iframe", src=True)
            written = _URL_IN_TEXT.search(figure.get_text())
            if link:
                address = link["href"]
            elif written:
                address = written.group(0)
            else:
                address = frame["src"] if frame else ""
            self.replace_with_link(soup, figure, address, text, _EMBED_KIND)
        for frame in soup.find_all(["iframe", "video", "audio"]):
            if frame.decomposed or frame.parent is None:
                # Gone with an embed or a frame around it.
                continue
            address = frame.get("src")
            if not address:
                source = frame.find("source", src=True)
                address = source["src"] if source else ""
            self.replace_with_link(soup, frame, address, frame.get("title", ""), frame.name)
        for paragraph in soup.find_all("p"):
            # WordPress shows an address alone on a line as an embed.
            if len(paragraph.contents) == 1 and isinstance(paragraph.contents[0], NavigableString):
                match = _URL_ALONE.match(paragraph.contents[0])
                if match:
                    link = soup.new_tag("a", href=match.group(1))
                    link.string = match.group(1)
                    paragraph.contents[0].replace_with(link)

    def replace_with_link(self, soup, tag, address, text, kind):
        url = self.url(address, PICTURE_SCHEMES)
        if not url or not urlsplit(url).scheme:
            tag.decompose()
            self.note(_MEDIA_REMOVED[kind]())
            return
        for pattern, page in _VIDEO_PAGES:
            match = pattern.match(url)
            if match:
                url = page.format(match.group(1))
        paragraph = soup.new_tag("p")
        link = soup.new_tag("a", href=url)
        link.string = text or url
        paragraph.append(link)
        tag.replace_with(paragraph)
        self.note(_MEDIA_LINKED[kind]() % {"url": url})

    def attach_captions(self, soup):
        """A figure's caption goes with its one picture, not into the text."""
        for figure in soup.find_all("figure"):
            caption = figure.find("figcaption", recursive=False)
            pictures = figure.find_all("img")
            if caption and len(pictures) == 1:
                pictures[0][_CAPTION_ATTRIBUTE] = " ".join(caption.get_text().split())
                caption.decompose()

    def picture(self, img, parent_tags):
        alt = " ".join((img.get("alt") or "").split())
        if _classes(img) & {"wp-smiley", "emoji"}:
            return self.converter.escape(alt, parent_tags)
        url = self.url(img.get("src"), PICTURE_SCHEMES)
        if not url:
            self.note(_("A picture without a web address was left out."))
            return ""
        if "_inline" in parent_tags:
            self.note(
                _("A picture inside a heading or a table was left out: %(url)s") % {"url": url}
            )
            return ""
        image = ImageRef(
            index=len(self.images),
            src_url=url,
            alt=alt,
            caption=img.get(_CAPTION_ATTRIBUTE, ""),
            attachment_id=next(
                (
                    int(match.group(1))
                    for match in map(_ATTACHMENT.fullmatch, _classes(img))
                    if match
                ),
                None,
            ),
        )
        self.images.append(image)
        return f"\n\n{image.placeholder}\n\n"

    # --- sections and FAQs ----------------------------------------------------------

    def split(self, soup):
        """Cut the body at its section headings and take out its FAQ entries."""
        for wrapper in soup.find_all(_WRAPPERS):
            # Group and column blocks must not hide a section heading or an FAQ block.
            if not _is_structural(wrapper) and wrapper.find(_is_structural):
                wrapper.unwrap()
        intro = []
        parts = []
        current = intro
        faq_heading = None
        for node in list(soup.children):
            if not isinstance(node, Tag):
                current.append(node)
            elif node.name in _SECTION_HEADINGS:
                title = _plain(node)
                if not title:
                    continue
                part = _Part("faq heading" if _is_faq_title(title) else "section", title)
                faq_heading = part if part.kind == "faq heading" else None
                parts.append(part)
                current = part.nodes
            elif node.name == "h3" and faq_heading is not None and _plain(node):
                parts.append(_Part("question", _plain(node)))
                faq_heading.questions += 1
                current = parts[-1].nodes
            elif node.name == "details" or _is_faq_block(node):
                found = self.faq_blocks(node)
                if not found:
                    current.append(node)
                parts.extend(found)
                if faq_heading is not None:
                    faq_heading.questions += len(found)
            else:
                current.append(node)

        result = ConvertedBody(intro_markdown=self.markdown(intro))
        for part in parts:
            markdown = self.markdown(part.nodes)
            if part.kind == "question":
                if not markdown:
                    self.note(
                        _("The question “%(question)s” has no answer.") % {"question": part.title}
                    )
                result.faqs.append(ConvertedFAQ(part.title, markdown))
                continue
            if part.kind == "faq heading":
                if not part.questions:
                    self.note(
                        _(
                            "“%(title)s” has no questions (h3 headings) under it: it stays a "
                            "section."
                        )
                        % {"title": part.title}
                    )
                elif markdown:
                    self.note(
                        _("The text under “%(title)s” before its first question stays a section.")
                        % {"title": part.title}
                    )
                else:
                    continue
            result.sections.append(ConvertedSection(part.title, markdown))
        result.images = self.images
        result.notes = self.notes
        return result

    def faq_blocks(self, block):
        """The questions of a details block, or of a Yoast or Rank Math FAQ block."""
        if block.name == "details":
            summary = block.find("summary", recursive=False)
            if summary is None or not _plain(summary):
                return []
            question = _plain(summary)
            summary.decompose()
            return [_Part("question", question, list(block.children))]
        found = []
        for item in block.find_all(class_=["schema-faq-section", "rank-math-list-item"]):
            question = item.find(class_=["schema-faq-question", "rank-math-question"])
            answer = item.find(class_=["schema-faq-answer", "rank-math-answer"])
            if question is not None and _plain(question):
                found.append(_Part("question", _plain(question), [answer] if answer else []))
        return found

    def markdown(self, nodes):
        document = BeautifulSoup("", "html.parser")
        for node in nodes:
            document.append(node.extract())
        return _tidy(self.converter.convert_soup(document))


@dataclass
class _Part:
    """A piece of the body being cut up: "section", "faq heading" or "question"."""

    kind: str
    title: str
    nodes: list = field(default_factory=list)
    questions: int = 0


_CAPTION_ATTRIBUTE = "data-caption"
_ATTACHMENT = re.compile(r"wp-image-(\d{1,10})")
_MEDIA_FORMATS = {"mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv", "wmv", "flv"}
_EMBED_KIND = "embed"
# Whole sentences per kind, so each can be translated as a sentence.
_MEDIA_LINKED = {
    _EMBED_KIND: lambda: _("An embed became a link to %(url)s."),
    "iframe": lambda: _("An embedded frame became a link to %(url)s."),
    "video": lambda: _("A video became a link to %(url)s."),
    "audio": lambda: _("An audio player became a link to %(url)s."),
}
_MEDIA_REMOVED = {
    _EMBED_KIND: lambda: _("An embed without a web address was removed."),
    "iframe": lambda: _("An embedded frame without a web address was removed."),
    "video": lambda: _("A video without a web address was removed."),
    "audio": lambda: _("An audio player without a web address was removed."),
}


def _has_text(node):
    return not isinstance(node, NavigableString) or bool(node.strip())


def _breaks_from_newlines(soup, nodes):
    """Trim a paragraph's edges and turn the line breaks inside it into ``<br>``."""
    strings = []
    for node in nodes:
        if isinstance(node, NavigableString):
            strings.append(node)
        else:
            strings.extend(node.find_all(string=True))
    for string in strings:
        text = str(string)
        if string is nodes[0]:
            text = text.lstrip()
        if string is nodes[-1]:
            text = text.rstrip()
        if "\n" in text:
            replacements = []
            lines = text.split("\n")
            for number, line in enumerate(lines):
                if number and not (number == 1 and not lines[0] and _after_break(string)):
                    replacements.append(soup.new_tag("br"))
                line = line.lstrip(" \t") if number else line
                line = line.rstrip(" \t") if number < len(lines) - 1 else line
                if line:
                    replacements.append(NavigableString(line))
            string.replace_with(*replacements)
        elif text != string:
            if text:
                string.replace_with(NavigableString(text))
            else:
                string.extract()


def _after_break(string):
    """Whether ``string`` follows a ``<br>`` (WordPress adds none for its newline)."""
    previous = string.previous_sibling
    return isinstance(previous, Tag) and previous.name == "br"


def _link_line(url):
    escaped = html.escape(url, quote=True)
    return f'\n\n<p><a href="{escaped}">{escaped}</a></p>\n\n'
