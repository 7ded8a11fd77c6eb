"""Markdown to safe HTML, done once when a row is saved (never per request).

markdown-it-py renders CommonMark with raw HTML switched off; nh3 then keeps only
the tags and attributes an article body needs, so nothing an editor pastes can
carry a script, a style or an event handler onto the page.

Pictures come from the image library only, written ``![description](image:42)`` in
a paragraph of their own. nh3 allows no ``<img>``: such a paragraph is replaced by a
random placeholder before sanitising, and the placeholder by the trusted
``<figure>`` markup (from a template, see ``articles.models.render_body``) after it,
so nothing an editor writes reaches the picture's attributes but escaped alt text.
"""

import re
import secrets
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Section headings are <h2> on the page and the title is the only <h1>, so any
# heading written inside a body starts at <h3>.
LOWEST_BODY_HEADING = 3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(
    ["table", "strikethrough", "replacements", "smartquotes"]
)


# The address of a picture in the image library, by its number.
LIBRARY_TARGET = re.compile(r"^image:([1-9][0-9]{0,9})$")
BREAKS = {"softbreak", "hardbreak"}


@dataclass(frozen=True)
class ImageReference:
    """A Markdown image in a text: where, what it points at, and how it is written.

    ``line`` counts from 1 in the text; ``image_id`` is the library number, or None
    when the image points anywhere else; ``is_alone`` is whether it is the only
    thing in its paragraph (a ``<figure>`` cannot sit inside a sentence).
    """

    line: int
    alt: str
    target: str
    image_id: int | None
    is_alone: bool


def _images(tokens, env):
    """Yield (inline token, ImageReference) for every image in parsed ``tokens``."""
    block_line = 0
    for index, token in enumerate(tokens):
        if token.map:
            block_line = token.map[0]
        if token.type != "inline" or not token.children:
            continue
        in_paragraph = index > 0 and tokens[index - 1].type == "paragraph_open"
        content = [
            child for child in token.children if child.content.strip() or child.type != "text"
        ]
        breaks = 0
        for child in token.children:
            if child.type in BREAKS:
                breaks += 1
            if child.type != "image":
                continue
            target = str(child.attrs.get("src", ""))
            match = LIBRARY_TARGET.match(target)
            yield (
                token,
                ImageReference(
                    line=block_line + breaks + 1,
                    alt=_markdown.renderer.renderInlineAsText(
                        child.children or [], _markdown.options, env
                    ).strip(),
                    target=target,
                    image_id=int(match.group(1)) if match else None,
                    is_alone=in_paragraph and content == [child],
                ),
            )


def image_references(text: str) -> list[ImageReference]:
    """Return the Markdown images in ``text``, in order (none for empty text)."""
    if not text or not text.strip():
        return []
    env = {}
    return [reference for _token, reference in _images(_markdown.parse(text, env), env)]


def render_markdown(text: str, figure=None, *, top_heading: int = LOWEST_BODY_HEADING) -> str:
    """Return sanitised HTML for the Markdown ``text`` (empty string for empty text).

    ``figure(reference)`` returns the trusted markup for an ``ImageReference`` that
    is alone in its paragraph, or None; any other image is dropped by nh3.
    ``top_heading`` is the highest heading level the text may use: a page whose only
    other heading is its <h1> title (a site page) passes 2.
    """
    if not text or not text.strip():
        return ""
    env = {}
    tokens = _markdown.parse(text, env)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = max(int(token.tag[1]), top_heading)
            token.tag = f"h{level}"
    figures = {}
    if figure is not None:
        prefix = f"figure-{secrets.token_hex(8)}-"
        for token, reference in list(_images(tokens, env)):
            markup = figure(reference) if reference.is_alone else None
            if markup is not None:
                key = f"{prefix}{len(figures)}"
                figures[key] = markup
                token.children = [Token("text", "", 0, content=key)]
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS | {f"h{level}" for level in range(top_heading, 7)},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    for key, markup in figures.items():
        # The paragraph's <p>, or nothing in a tight list item.
        html = html.replace(f"<p>{key}</p>", markup).replace(key, markup)
    return html.strip()


def count_words(text: str) -> int:
    """Return the number of words in ``text`` (Markdown source is close enough)."""
    return len(text.split())


# Elements whose text stands on a line of its own in ``readable_text``.
_BLOCKS = {
    "blockquote",
    "br",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "p",
    "pre",
    "tr",
}
# Controls other than line breaks: search marks its highlights with two of them.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.figure_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self.figure_depth += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure_depth = max(0, self.figure_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.figure_depth:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """Return the text readers see in sanitised ``html``: no markup, entities decoded,
    each paragraph, list item or heading on a line of its own, pictures left out."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    text = _CONTROLS.sub(" ", "".join(collector.parts))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
