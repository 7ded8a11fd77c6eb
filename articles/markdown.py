"""Markdown to safe HTML, done once when a row is saved (never per request).

markdown-it-py renders CommonMark with raw HTML switched off; nh3 then keeps only
the tags and attributes an article body needs, so nothing an editor pastes can
carry a script, a style or an event handler onto the page.
"""

import nh3
from markdown_it import MarkdownIt

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


def render_markdown(text: str) -> str:
    """Return sanitised HTML for the Markdown ``text`` (empty string for empty text)."""
    if not text or not text.strip():
        return ""
    tokens = _markdown.parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = max(int(token.tag[1]), LOWEST_BODY_HEADING)
            token.tag = f"h{level}"
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def count_words(text: str) -> int:
    """Return the number of words in ``text`` (Markdown source is close enough)."""
    return len(text.split())
