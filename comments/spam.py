"""The moderation policy: which status a new comment gets, and why.

Pure functions over plain values, so every rule is testable without a request or a
database. The rules run in order and the first that decides wins:

1. honeypot filled, expired or forged form       -> spam    (staff skip 1 and 2)
2. disallowed word, email or IP                  -> spam
3. crisis language (comments/crisis.py, plus the
   moderators' own phrases)                      -> pending, urgent
4. staff users                                   -> approved
5. moderation word, too many links, contact
   details (phone, messaging handle, wallet)     -> pending
6. name and email of an approved commenter       -> approved (if trusted)
7. otherwise                                     -> pending (or approved by setting)

Crisis language is looked for in every comment, whoever writes it, before any rule
that publishes: a comment that may come from a person in danger is read by a
moderator first, never published by a rule. A form sent faster than a person writes
is not a rule here: the view shows it again to be sent once more (comments/views.py).
"""

import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import crisis
from .models import Comment

Status = Comment.Status
Rule = Comment.Rule

# A web address: with a scheme, or starting with www. (counted once either way).
URL_IN_TEXT = re.compile(r"(?:https?://|(?<![/\w.])www\.)\S+", re.IGNORECASE)

# How drug sellers and scammers ask to be contacted off-site.
#
# Every pattern reads a comment in time proportional to its length, so a crafted
# comment cannot tie up a worker: no run of characters can be shared out between two
# neighbouring quantifiers in many ways (a possessive ``*+`` never gives characters
# back), and a long run is scanned from one starting point, not from each of its
# characters. tests/comments/test_spam_linear.py holds bodies crafted against each.
CONTACT_PATTERNS = [
    # Phone numbers: nine or more digits, maybe with spaces, dots, dashes, brackets
    # (but not an IPv4 address).
    re.compile(r"(?<![\w.])(?!\d{1,3}(?:\.\d{1,3}){3}\b)\+?(?:\d[\s().-]{0,2}){9,}\d?(?!\w)"),
    # "DM me", "text me", "message me", "hit me up", "reach me at ..."
    re.compile(r"\b(?:dm|pm|inbox|text|message|msg)\s+(?:me|us)\b", re.IGNORECASE),
    re.compile(r"\b(?:hit\s+(?:me|us)\s+up|hmu)\b", re.IGNORECASE),
    re.compile(r"\b(?:reach|contact)\s+(?:me|us)\s+(?:at|on|via)\b", re.IGNORECASE),
    # Messaging apps with a handle or number after them.
    re.compile(
        r"\b(?:whats\s?app|telegram|tg|wickr|signal|snap(?:chat)?|kik|threema|"
        r"discord|wechat|insta(?:gram)?|skype)\b\s*+(?:(?:id|handle|user(?:name)?|me)\s*+)?"
        r"[:@=-]\s*+@?\w{3,}",
        re.IGNORECASE,
    ),
    re.compile(r"(?:t\.me|wa\.me|signal\.me|wickr\.me)/\w+", re.IGNORECASE),
    # A Session messenger id.
    re.compile(r"\b05[0-9a-f]{64}\b", re.IGNORECASE),
    # A bare @handle.
    re.compile(r"(?<![\w.])@[A-Za-z_][\w.]{3,}"),
    # Email addresses written in the text, found from their last word character before
    # the @ (not from every place the part before it could start).
    re.compile(r"\w[.+-]*+@[\w-]++\.[\w.-]*\w"),
    # Crypto wallets: Bitcoin (legacy and bech32), Ethereum, Monero, Tron.
    re.compile(r"\b(?:bc1[ac-hj-np-z02-9]{25,60}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b"),
    re.compile(r"\b0x[a-fA-F0-9]{40}\b"),
    re.compile(r"\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b"),
    re.compile(r"\bT[1-9A-HJ-NP-Za-km-z]{33}\b"),
]


# Timestamp problems that make a comment spam without a word to its sender: a form
# replayed days later, or one whose signature was made up.
BAD_TIMESTAMPS = {"expired", "forged"}


@dataclass(frozen=True)
class Submission:
    """What the policy looks at: the comment and facts gathered about its sending."""

    body: str
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    ip_address: str | None = None
    is_staff: bool = False
    honeypot: str = ""
    # "expired" or "forged" when the signed form timestamp did not check out.
    timestamp_problem: str | None = None
    # Name and email both match an already approved comment. May be a function
    # returning it (a database query), called only if the policy gets to rule 6.
    has_approved_history: bool | Callable[[], bool] = False


@dataclass(frozen=True)
class Policy:
    """The configurable parts: settings plus the lists moderators edit."""

    disallowed: list = field(default_factory=list)
    moderation: list = field(default_factory=list)
    # Moderators' own crisis phrases, on top of what comments/crisis.py finds.
    crisis: list = field(default_factory=list)
    max_links: int = 2
    trust_previously_approved: bool = True
    approve_by_default: bool = False


@dataclass(frozen=True)
class Decision:
    status: str
    rule: str
    is_urgent: bool = False


def decide(submission: Submission, policy: Policy) -> Decision:
    """Apply the moderation policy to ``submission``; return the first rule's decision."""
    if not submission.is_staff:
        if submission.honeypot.strip():
            return Decision(Status.SPAM, Rule.HONEYPOT)
        if submission.timestamp_problem in BAD_TIMESTAMPS:
            return Decision(Status.SPAM, Rule.BAD_TIMESTAMP)
        if is_disallowed(submission, policy.disallowed):
            return Decision(Status.SPAM, Rule.DISALLOWED)
    if crisis.is_crisis(submission.body, policy.crisis):
        return Decision(Status.PENDING, Rule.CRISIS, is_urgent=True)
    if submission.is_staff:
        return Decision(Status.APPROVED, Rule.STAFF)

    if contains_any(_all_text(submission), policy.moderation):
        return Decision(Status.PENDING, Rule.MODERATION_WORDS)
    if count_links(submission.body) > policy.max_links:
        return Decision(Status.PENDING, Rule.TOO_MANY_LINKS)
    if has_contact_details(submission.body):
        return Decision(Status.PENDING, Rule.CONTACT_DETAILS)
    if policy.trust_previously_approved and _has_approved_history(submission):
        return Decision(Status.APPROVED, Rule.TRUSTED_AUTHOR)
    status = Status.APPROVED if policy.approve_by_default else Status.PENDING
    return Decision(status, Rule.DEFAULT)


def _has_approved_history(submission):
    known = submission.has_approved_history
    return bool(known() if callable(known) else known)


def _all_text(submission):
    return "\n".join(
        [submission.body, submission.author_name, submission.author_email, submission.author_url]
    )


def _fold(text):
    return " ".join(text.casefold().replace("\u2019", "'").split())


# The lists change only when a moderator edits them, so each version is compiled
# once per process (keyed by its content, so an edit is picked up at once).
@functools.lru_cache(maxsize=32)
def _phrase_pattern(phrases):
    """One regex matching any of ``phrases`` as whole words, or None for no phrase."""
    folded = sorted({_fold(phrase) for phrase in phrases} - {""})
    if not folded:
        return None
    alternatives = "|".join(re.escape(phrase) for phrase in folded)
    # The engine tries every alternative at every position, so this matches exactly
    # where one of the phrases, searched for alone, would.
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def contains_any(text, phrases):
    """True when ``text`` contains one of ``phrases`` as whole words, ignoring case."""
    pattern = _phrase_pattern(tuple(phrases))
    return pattern is not None and pattern.search(_fold(text)) is not None


@functools.lru_cache(maxsize=32)
def _split_disallowed(entries):
    """``entries`` as (IP networks, words and email addresses)."""
    networks, words = [], []
    for entry in entries:
        network = _parse_network(entry)
        if network is not None:
            networks.append(network)
        else:
            words.append(entry)
    return tuple(networks), tuple(words)


def is_disallowed(submission, entries):
    """True when an entry matches the IP exactly (or its network) or appears anywhere."""
    networks, words = _split_disallowed(tuple(entries))
    ip = _parse_ip(submission.ip_address)
    if ip is not None and any(ip in network for network in networks):
        return True
    return contains_any(_all_text(submission), words)


def count_links(text):
    return len(URL_IN_TEXT.findall(text))


def has_contact_details(text):
    return any(pattern.search(text) for pattern in CONTACT_PATTERNS)


def _parse_ip(value):
    try:
        return ipaddress.ip_address(value) if value else None
    except ValueError:
        return None


def _parse_network(entry):
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        return None
