"""Assemble comment threads from one query (no per-comment queries); the markup is
templates/comments/includes/thread.html."""

from dataclasses import dataclass, field


@dataclass
class ThreadNode:
    comment: object
    children: list = field(default_factory=list)
    # Shown only to its author: awaiting moderation.
    is_own_pending: bool = False
    # The author's private link to withdraw it ("" for everyone else).
    withdraw_url: str = ""


def build_threads(approved, own_pending=(), withdraw_urls=None):
    """Return top-level ThreadNodes, oldest first, each with its replies nested.

    ``approved`` and ``own_pending`` are comments ordered oldest first;
    ``withdraw_urls`` maps the reader's own comments' ids to their withdraw links.
    A reply whose parent is not shown (pending, spam, trash) is shown at the top level.
    """
    withdraw_urls = withdraw_urls or {}
    nodes = {
        comment.pk: ThreadNode(comment, withdraw_url=withdraw_urls.get(comment.pk, ""))
        for comment in approved
    }
    for comment in own_pending:
        nodes.setdefault(
            comment.pk,
            ThreadNode(
                comment, is_own_pending=True, withdraw_url=withdraw_urls.get(comment.pk, "")
            ),
        )
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
