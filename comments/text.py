"""Comment text is plain text: escaped, paragraphs kept, web addresses linked."""

import re

from django.utils.html import escape, format_html

URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address.
TRAILING_PUNCTUATION = ".,;:!?)]}"


def _linked(paragraph):
    """Escape ``paragraph``, turning each web address in it into a link."""
    parts, position = [], 0
    for match in URL.finditer(paragraph):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        parts.append(escape(paragraph[position : match.start()]))
        parts.append(format_html('<a href="{}" rel="nofollow ugc noopener">{}</a>', url, url))
        position = match.start() + len(url)
    parts.append(escape(paragraph[position:]))
    return "".join(parts)


def render_comment_text(text):
    """Return safe HTML for a reader's plain-text comment: <p> per paragraph, <br> per line."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "\n".join(
        "<p>" + _linked(paragraph.strip()).replace("\n", "<br>") + "</p>"
        for paragraph in paragraphs
        if paragraph.strip()
    )
