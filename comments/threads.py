"""Assemble comment threads in Python from one query (no per-comment queries)."""

from dataclasses import dataclass, field
from html import escape

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy


@dataclass
class ThreadNode:
    comment: object
    children: list = field(default_factory=list)
    # Shown only to its author: awaiting moderation.
    is_own_pending: bool = False


def build_threads(approved, own_pending=()):
    """Return top-level ThreadNodes, oldest first, each with its replies nested.

    ``approved`` and ``own_pending`` are comments ordered oldest first. A reply
    whose parent is not shown (pending, spam, trash) is shown at the top level.
    """
    nodes = {comment.pk: ThreadNode(comment) for comment in approved}
    for comment in own_pending:
        nodes.setdefault(comment.pk, ThreadNode(comment, is_own_pending=True))
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.children if parent else roots).append(node)
    # Own pending comments were added last; keep every level in time order.
    roots.sort(key=_age)
    for node in nodes.values():
        node.children.sort(key=_age)
    return roots


def _age(node):
    return (node.comment.created_at, node.comment.pk)


# --- HTML -------------------------------------------------------------------------
#
# The thread is written here in Python rather than with one {% include %} per
# comment: the template engine spent about half of an uncached article page's CPU
# time on the 50 comments of issue #6's page. Each comment's text is rendered and
# sanitised once, when it is saved (Comment.body_html); this only wraps it. Every
# other value, reader-supplied or not, is escaped here with html.escape, what
# Django's escape filter runs (without its lazy-string wrapper, which costs more
# than the escaping on a page of 50 comments).

COMMENT_DATE_FORMAT = "F j, Y \\a\\t g:i a"


class _DateWriter:
    """Writes dates as the ``date`` filter writes ``COMMENT_DATE_FORMAT`` ("March 4,
    2026 at 9:05 p.m."), in the current time zone and language, several times
    faster: the time zone is looked up and each word translated once per page."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.words = {}

    def word(self, key, lazy_text):
        # Keyed by a plain value: a lazy string translates itself again to be hashed.
        if key not in self.words:
            self.words[key] = escape(str(lazy_text))
        return self.words[key]

    def local(self, value):
        return value.astimezone(self.zone)

    def display(self, local):
        month = self.word(local.month, MONTHS[local.month])
        noon = self.word("pm", PM) if local.hour > 11 else self.word("am", AM)
        hour = local.hour % 12 or 12
        return f"{month} {local.day}, {local.year:04d} at {hour}:{local.minute:02d} {noon}"


# The date filter's words for the time of day (translated when written out).
AM = gettext_lazy("a.m.")
PM = gettext_lazy("p.m.")


def format_comment_date(value):
    """``value`` in the current time zone as the comment thread writes it."""
    writer = _DateWriter()
    return writer.display(writer.local(value))


def render_threads(nodes, *, comments_open, site):
    """The ``<li>`` items of ``nodes`` (ThreadNodes) and their replies, as safe HTML.

    ``comments_open`` adds the Reply links; a visitor's own pending comment gets the
    "awaiting moderation" notice (and, if it was urgent, the helpline from ``site``)
    and no Reply link; a comment with a ``withdraw_url`` attribute (the visitor's
    own) gets its withdraw link.
    """
    parts = []
    dates = _DateWriter()
    for node in nodes:
        _render_node(parts, node, 0, comments_open, site, dates)
    return mark_safe("".join(parts))


def _render_node(parts, node, depth, comments_open, site, dates):
    comment = node.comment
    pk = comment.pk
    name = escape(comment.author_name)
    website = comment.website
    author = (
        f'<a href="{escape(website)}" rel="nofollow ugc noopener">{name}</a>' if website else name
    )
    local = dates.local(comment.created_at)
    pending = " comment-pending" if node.is_own_pending else ""
    parts.append(
        f'<li id="comment-{pk}" class="comment depth-{depth}{pending}">\n'
        f'  <article class="comment-body" aria-labelledby="comment-{pk}-author">\n'
        '    <header class="comment-meta">\n'
        f'      <span id="comment-{pk}-author" class="comment-author">{author}</span>\n'
        f'      <a class="comment-permalink" href="#comment-{pk}">'
        f'<time datetime="{local.isoformat()}">{dates.display(local)}</time></a>\n'
        "    </header>\n"
    )
    if node.is_own_pending:
        parts.append(
            '    <p class="comment-awaiting-moderation">Your comment is awaiting moderation.</p>\n'
        )
        if comment.is_urgent:
            parts.append(_crisis_help(site))
    # body_html was escaped and linked by render_comment_text when the comment was saved.
    parts.append(f'    <div class="comment-content">{comment.body_html}</div>\n')
    can_reply = comments_open and not node.is_own_pending
    withdraw_url = getattr(comment, "withdraw_url", "")
    if can_reply or withdraw_url:
        parts.append('    <p class="comment-actions">\n')
        if can_reply:
            parts.append(
                f'      <a class="comment-reply-link" href="?replyto={pk}#respond" '
                f'rel="nofollow" data-comment-id="{pk}" data-author-name="{name}">'
                f'Reply<span class="visually-hidden"> to {name}</span></a>\n'
            )
        if withdraw_url:
            parts.append(
                f'      <a class="comment-withdraw-link" href="{escape(withdraw_url)}">'
                "Withdraw my comment</a>\n"
            )
        parts.append("    </p>\n")
    parts.append("  </article>\n")
    if node.children:
        parts.append('  <ol class="children">\n')
        for child in node.children:
            _render_node(parts, child, depth + 1, comments_open, site, dates)
        parts.append("  </ol>\n")
    parts.append("</li>\n")


def _crisis_help(site):
    return format_html(
        '    <div class="help-box comment-crisis-help" role="note" aria-label="Help now">\n'
        "      <p>If you are thinking about hurting yourself, or you or someone near you "
        "may be overdosing, please reach out now.</p>\n"
        '      <p>Call or text <a class="helpline-number" href="tel:988">988</a> '
        "(Suicide &amp; Crisis Lifeline, 24/7).\n"
        '        {}: <a class="helpline-number" href="tel:{}">{}</a>.</p>\n'
        "{}"
        "    </div>\n",
        site.helpline_name,
        site.helpline_tel,
        site.helpline_phone,
        format_html('      <p class="emergency">{}</p>\n', site.emergency_text)
        if site.emergency_text
        else "",
    )
