"""Every moderation rule reads a comment in time proportional to its length, whatever
the comment holds: bodies crafted against each rule's pattern (long runs that almost
match, from many starting points) cost about what ordinary text of that size does.

Timed in the process's CPU time against a bound far above linear work (a few
milliseconds here) and far below what a quadratic pattern spends on these bodies
(seconds), so a busy machine does not make it flaky."""

import time

import pytest

from comments.crisis import findings
from comments.spam import (
    CONTACT_PATTERNS,
    URL_IN_TEXT,
    Policy,
    Submission,
    contains_any,
    count_links,
    decide,
    has_contact_details,
)

# Twice the longest comment the form takes.
SIZE = 20_000
CPU_SECONDS_BOUND = 0.25


def repeat(unit, tail=""):
    """``unit`` repeated to at least SIZE characters, then ``tail``."""
    return unit * -(-SIZE // len(unit)) + tail


# (body, what it is aimed at)
ADVERSARIAL_BODIES = [
    (repeat("1 ", "a"), "phone: spaced digits glued to a letter"),
    (repeat("1.", "a"), "phone and email: dotted digits"),
    (repeat("1 -", "a"), "phone: two separators"),
    (repeat("1   "), "phone: three separators"),
    (repeat("+1 ("), "phone: plus and brackets"),
    ("1 2 3 4 5 6 7 8 " + repeat("9", "a"), "phone: a glued run after spaced digits"),
    (repeat("1.1.1.1 "), "phone: IPv4 addresses"),
    (repeat("1", "a"), "phone and wallets: a long run of digits"),
    ("telegram" + repeat(" ", "x"), "messaging: spaces after an app name"),
    ("whatsapp id" + repeat(" ", "x"), "messaging: spaces after id"),
    ("snap :" + repeat(" ", "x"), "messaging: spaces after the colon"),
    (repeat("telegram "), "messaging: app names"),
    (repeat("tg id "), "messaging: app names and ids"),
    (repeat("text" + " " * 50), "dm me: spaces after the verb"),
    ("hit" + repeat(" ", "me"), "hit me up: spaces"),
    (repeat("hit me "), "hit me up: repeated"),
    ("reach me" + repeat(" ", "x"), "reach me at: spaces"),
    (repeat("t.me/"), "t.me links"),
    (repeat("05" + "a" * 63 + " "), "session ids one short"),
    (repeat("@"), "handles: at signs"),
    ("@a" + repeat("."), "handles: dots"),
    (repeat("a."), "email: dotted words"),
    (repeat("a+"), "email: plus signs"),
    (repeat("a@"), "email: at signs"),
    ("a@" + repeat("b"), "email: a domain without a dot"),
    ("a@b" + repeat("-"), "email: dashes in the domain"),
    ("a@" + repeat("b.", "-"), "email: dotted domain ending in a dash"),
    (repeat("a", "@") + repeat("b"), "email: long local part and domain"),
    (repeat("bc1" + "q" * 61 + " "), "wallets: bech32 one too long"),
    (repeat("0x" + "a" * 39 + " "), "wallets: ethereum one short"),
    (repeat("4A" + "a" * 92 + " "), "wallets: monero one short"),
    (repeat("T" + "a" * 32 + " "), "wallets: tron one short"),
    (repeat("www."), "links: www."),
    (repeat("http://"), "links: schemes"),
    (repeat("https:/"), "links: broken schemes"),
    (repeat("a "), "phrases: short words"),
    (repeat("cheap "), "phrases: prefixes of a listed phrase"),
    (repeat("\u2019"), "phrases: apostrophes to fold"),
    (repeat("\n"), "crisis: line breaks"),
    (repeat("\n \n"), "crisis: blank lines"),
    (repeat("a1"), "crisis: leetspeak"),
    (repeat("a!"), "crisis: leetspeak that could end sentences"),
    (repeat("ab"), "crisis: one long word"),
    (repeat("xkill myself"), "crisis: matches inside words"),
    (repeat("pills "), "crisis: a word before a gap"),
    ("pills " + repeat("ab "), "crisis: a gap over many words"),
    (repeat("nobody would "), "crisis: almost 'nobody would miss me'"),
    (repeat("hope i "), "crisis: almost 'hope I don't wake up'"),
    (repeat("he "), "crisis: subjects without a verb"),
    (repeat("took too "), "crisis: almost 'took too much'"),
    (repeat("1 kms "), "crisis: kilometres"),
    (repeat("suici"), "crisis: almost 'suicide'"),
    (repeat("ago tonight "), "crisis: guards and present words"),
]

PHRASES = ["cheap pills", "buy now", "call me", "i want to die", "can't go on"]


def _contact_rule(pattern):
    def rule(body):
        return pattern.search(body)

    return rule


RULES = {
    **{
        f"contact pattern {pattern.pattern!r}": _contact_rule(p)
        for p in CONTACT_PATTERNS
        for pattern in [p]
    },
    "contact details": has_contact_details,
    "links": count_links,
    "link pattern": URL_IN_TEXT.findall,
    "phrases": lambda body: contains_any(body, PHRASES),
    "crisis language": lambda body: findings(body, PHRASES),
    "whole policy": lambda body: decide(
        Submission(body=body, author_name=body[:100], author_url=body[:200]),
        Policy(disallowed=PHRASES, moderation=PHRASES, crisis=PHRASES),
    ),
}


def cpu_seconds(rule, body):
    start = time.process_time()
    rule(body)
    return time.process_time() - start


@pytest.mark.parametrize(
    "body",
    [body for body, _aim in ADVERSARIAL_BODIES],
    ids=[aim for _body, aim in ADVERSARIAL_BODIES],
)
def test_every_rule_reads_a_crafted_body_in_linear_time(body):
    assert len(body) >= SIZE

    slow = {
        name: cost
        for name, rule in RULES.items()
        if (cost := cpu_seconds(rule, body)) > CPU_SECONDS_BOUND
    }

    assert slow == {}


def test_the_bound_is_far_above_the_work_on_an_ordinary_body():
    ordinary = repeat("I have been clean for two years and this page helped my family. ")

    costs = {name: cpu_seconds(rule, ordinary) for name, rule in RULES.items()}

    assert max(costs.values()) < CPU_SECONDS_BOUND / 10, costs
