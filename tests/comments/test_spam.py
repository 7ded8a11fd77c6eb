"""The moderation policy (comments/spam.py) rule by rule, and the services feeding it."""

import pytest

from comments import services
from comments.models import Comment, ModerationLists
from comments.spam import (
    Decision,
    Policy,
    Submission,
    count_links,
    decide,
    has_contact_details,
    is_disallowed,
)
from tests.factories import make_article, make_comment

Status = Comment.Status
Rule = Comment.Rule


def default_entries(field_name):
    """The list moderators start with, as shipped in the model field's default."""
    return ModerationLists().__dict__[field_name].splitlines()


DISALLOWED = ["viagra", "spammer@example.com", "cheap-pills", "198.51.100.23", "203.0.113.0/24"]
POLICY = Policy(
    disallowed=DISALLOWED,
    moderation=default_entries("moderation_keys"),
    crisis=default_entries("crisis_keys"),
)
ORDINARY = "Thank you, this helped me understand what my brother is going through."
THREE_LINKS = "See http://a.example, https://b.example and www.c.example for more."


def decided(body=ORDINARY, policy=POLICY, **fields):
    return decide(Submission(body=body, **fields), policy)


def test_the_shipped_lists_are_not_empty_but_crisis_language_needs_no_list():
    # The tests below lean on these defaults; make sure they are really there.
    assert "for sale" in POLICY.moderation and "plug" in POLICY.moderation
    # comments/crisis.py knows crisis language; the list holds moderators' additions.
    assert POLICY.crisis == []


# --- Staff ------------------------------------------------------------------------------


def test_staff_are_approved_even_with_honeypot_links_and_disallowed_words():
    decision = decided(
        body=f"viagra {THREE_LINKS} call 555-123-4567, see you at group",
        is_staff=True,
        honeypot="filled by a robot",
        timestamp_problem="forged",
    )

    assert decision == Decision(Status.APPROVED, Rule.STAFF, is_urgent=False)


def test_a_staff_members_crisis_language_is_held_as_urgent_not_published():
    decision = decided(body="Some days I feel nobody would miss me.", is_staff=True)

    assert decision == Decision(Status.PENDING, Rule.CRISIS, is_urgent=True)


# --- 2. Honeypot and form timestamp -------------------------------------------------------


def test_a_filled_honeypot_is_spam_before_anything_else():
    decision = decided(
        body="viagra, I want to die",
        honeypot="555-0100",
        timestamp_problem="too_fast",
        has_approved_history=True,
    )

    assert decision == Decision(Status.SPAM, Rule.HONEYPOT, is_urgent=False)


def test_a_honeypot_of_only_whitespace_counts_as_empty():
    assert decided(honeypot="  \n").rule == Rule.DEFAULT


def test_a_form_sent_too_fast_is_not_spam_to_the_policy():
    # The view shows such a form again instead (tests/comments/test_views.py).
    assert decided(timestamp_problem="too_fast") == Decision(Status.PENDING, Rule.DEFAULT)


@pytest.mark.parametrize("problem", ["expired", "forged"])
def test_an_expired_or_forged_timestamp_is_spam(problem):
    decision = decided(body="viagra", timestamp_problem=problem, has_approved_history=True)

    assert decision == Decision(Status.SPAM, Rule.BAD_TIMESTAMP)


# --- 3. Disallowed words, emails and IPs --------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "Best VIAGRA prices here"},
        {"author_name": "Viagra Store"},
        {"author_email": "Spammer@Example.com"},
        {"author_url": "https://cheap-pills.example/shop"},
        {"ip_address": "198.51.100.23"},
        {"ip_address": "203.0.113.200"},
    ],
    ids=["word-in-body", "word-in-name", "email", "word-in-url", "exact-ip", "ip-in-network"],
)
def test_disallowed_entries_send_a_comment_to_spam(fields):
    fields = {"body": ORDINARY, **fields}

    assert decided(**fields) == Decision(Status.SPAM, Rule.DISALLOWED)


def test_an_ipv6_network_entry_matches_addresses_inside_it():
    policy = Policy(disallowed=["2001:db8::/32"])

    assert decided(policy=policy, ip_address="2001:db8:1::7").rule == Rule.DISALLOWED
    assert decided(policy=policy, ip_address="2001:db9::7").rule == Rule.DEFAULT
    assert decided(policy=policy, ip_address="198.51.100.23").rule == Rule.DEFAULT


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "The clinic server at 198.51.100.23 was down, 203.0.113.5 too."},
        {"author_name": "198.51.100.23"},
        {"ip_address": "198.51.100.24"},
        {"ip_address": "203.0.114.1"},
        {"ip_address": "not an address"},
    ],
    ids=["ip-as-text", "ip-as-name", "neighbour-ip", "outside-network", "garbage-ip"],
)
def test_ip_entries_match_only_the_senders_address(fields):
    fields = {"body": ORDINARY, **fields}

    assert not is_disallowed(Submission(**fields), DISALLOWED)
    assert decided(**fields).status != Status.SPAM


def test_disallowed_words_match_whole_words_only():
    assert decided(body="My cousin Viagrano recommended this page.").rule == Rule.DEFAULT


def test_disallowed_beats_crisis_moderation_and_contact_rules():
    decision = decided(body="viagra for sale, text me, I want to die")

    assert decision == Decision(Status.SPAM, Rule.DISALLOWED, is_urgent=False)


# --- 4. Held for moderation: words, links, contact details -------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "Pills FOR SALE, discreet   shipping"},
        {"body": "Try our online casino."},
        {"author_name": "Your Plug"},
        {"author_url": "https://example.org/loan"},
    ],
    ids=["phrase-in-body", "word-in-body", "word-in-name", "word-in-url"],
)
def test_moderation_words_hold_a_comment(fields):
    fields = {"body": ORDINARY, **fields}

    assert decided(**fields) == Decision(Status.PENDING, Rule.MODERATION_WORDS)


def test_moderation_words_match_whole_words_only():
    decision = decided(body="The browser plugin for the vendors' list was a loaner.")

    assert decision.rule == Rule.DEFAULT


def test_moderation_words_hold_even_a_trusted_author():
    assert decided(body="Car for sale", has_approved_history=True).rule == Rule.MODERATION_WORDS


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("No links at all.", Rule.DEFAULT),
        ("See https://a.example and www.b.example.", Rule.DEFAULT),
        (THREE_LINKS, Rule.TOO_MANY_LINKS),
    ],
    ids=["none", "exactly-max", "one-too-many"],
)
def test_more_than_max_links_hold_a_comment(body, rule):
    assert decided(body=body, has_approved_history=False) == Decision(Status.PENDING, rule)


def test_too_many_links_hold_even_a_trusted_author():
    assert decided(body=THREE_LINKS, has_approved_history=True).rule == Rule.TOO_MANY_LINKS


def test_max_links_is_configurable():
    policy = Policy(max_links=0)

    assert decided(body="Read https://a.example", policy=policy).rule == Rule.TOO_MANY_LINKS


def test_a_link_with_scheme_and_www_counts_once():
    body = "Compare https://www.samhsa.gov and https://www.nida.nih.gov."

    assert count_links("https://www.samhsa.gov") == 1
    assert decided(body=body) == Decision(Status.PENDING, Rule.DEFAULT)


CONTACT_DETAILS = [
    ("call 555-123-4567 for the good stuff", "phone-dashes"),
    ("+1 (555) 123 4567", "phone-international"),
    ("ring 07911 123456", "phone-uk-mobile"),
    ("555.123.4567", "phone-dots"),
    ("DM me for prices", "dm-me"),
    ("just text me", "text-me"),
    ("hit me up anytime", "hit-me-up"),
    ("telegram: @seller", "telegram"),
    ("whatsapp +15551234567", "whatsapp-number"),
    ("order at t.me/someone", "t-me-link"),
    ("wickr: plugdude", "wickr"),
    ("ask @the_real_plug", "at-handle"),
    ("write to helper.bob@example.com", "email"),
    ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin-legacy"),
    ("BTC bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bitcoin-bech32"),
    ("ETH 0x52908400098527886E0F7030069857D2E4169EE7", "ethereum"),
]


@pytest.mark.parametrize(
    "text", [text for text, _id in CONTACT_DETAILS], ids=[id for _text, id in CONTACT_DETAILS]
)
def test_contact_details_hold_a_comment(text):
    body = f"Good article. {text}"

    assert has_contact_details(body)
    assert decided(body=body, has_approved_history=True) == Decision(
        Status.PENDING, Rule.CONTACT_DETAILS
    )


RECOVERY_TALK = [
    ("I used from 2019 to 2024 and have been clean since.", "years"),
    ("Today is day 3 of detox and the nights are the worst.", "day-count"),
    ("I was on 2 programs before this one worked.", "small-number"),
    ("My son is 19 and started using at 15.", "ages"),
    ("Sober 1,825 days as of March 2024!", "sober-days"),
    ("Our meeting is at 7:30 on Tuesdays, room 12.", "time-and-room"),
    ("I'll reach out to my sponsor and message my mom tonight.", "reach-out"),
    ("Please contact your doctor before stopping.", "contact-your-doctor"),
]


@pytest.mark.parametrize(
    "body", [text for text, _id in RECOVERY_TALK], ids=[id for _text, id in RECOVERY_TALK]
)
def test_ordinary_recovery_talk_is_not_contact_details(body):
    assert not has_contact_details(body)
    assert decided(body=body) == Decision(Status.PENDING, Rule.DEFAULT)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "When my dad died it really hit me how much I had lost.",
            id="it-hit-me",
        ),
        pytest.param(
            "Group session: today was the hardest one so far.",
            id="session-colon",
        ),
        pytest.param(
            "My first therapy session - the one I dreaded - went fine.",
            id="session-dash",
        ),
    ],
)
def test_more_ordinary_recovery_talk_is_not_contact_details(body):
    assert not has_contact_details(body)


# --- 5. Crisis language -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Honestly I feel suicidal tonight.",
        "Some days I just want to die.",
        "I DON'T WANT TO LIVE like this anymore.",
        "My friend overdosed and he is turning blue",
        "He can\u2019t breathe, what do I do",
        "I think she took   too\nmany of them",
        "I started cutting myself again.",
    ],
    ids=[
        "suicidal",
        "want-to-die",
        "uppercase",
        "two-phrases",
        "curly-apostrophe",
        "spacing",
        "cutting-myself",
    ],
)
def test_crisis_language_is_held_and_urgent(body):
    assert decided(body=body) == Decision(Status.PENDING, Rule.CRISIS, is_urgent=True)


@pytest.mark.parametrize(
    "body", ["Some days I feel nobody would miss me", "end it all", "kms", "suicde"]
)
def test_crisis_language_beats_a_trusted_author_and_approve_by_default(body):
    policy = Policy(approve_by_default=True)

    decision = decided(body=body, policy=policy, has_approved_history=True)

    assert decision == Decision(Status.PENDING, Rule.CRISIS, is_urgent=True)


def test_crisis_language_matches_whole_words_only():
    # "turning blue" is a default phrase; "turning blueberries" is not about it.
    decision = decided(body="My kids are turning blueberries into jam, the first good day.")

    assert decision == Decision(Status.PENDING, Rule.DEFAULT, is_urgent=False)


@pytest.mark.parametrize(
    "body",
    [
        "I want to die. Please call me on 555-123-4567",
        "I want to die, my plug is gone",
        f"I want to die. {THREE_LINKS}",
    ],
    ids=["contact-details", "moderation-word", "too-many-links"],
)
def test_crisis_language_comes_before_the_rules_that_hold(body):
    # A person in crisis who leaves a phone number must not wait at the back of the queue.
    assert decided(body=body) == Decision(Status.PENDING, Rule.CRISIS, is_urgent=True)


@pytest.mark.parametrize(
    "fields",
    [{"honeypot": "x"}, {"timestamp_problem": "forged"}, {"body": "viagra, I want to die"}],
    ids=["honeypot", "forged-form", "disallowed"],
)
def test_spam_rules_still_come_before_crisis_language(fields):
    decision = decided(**{"body": "I want to die", **fields})

    assert decision.status == Status.SPAM and not decision.is_urgent


def test_moderators_phrases_count_on_top_of_the_detector():
    policy = Policy(crisis=["Blue Heron"])

    assert decided(body="Meet me at the blue heron tonight", policy=policy).is_urgent
    assert not decided(body="Meet me at the blue heron tonight").is_urgent


# --- 6. Trusted authors, 7. default -------------------------------------------------------


def test_an_author_with_approved_history_is_trusted():
    assert decided(has_approved_history=True) == Decision(Status.APPROVED, Rule.TRUSTED_AUTHOR)


def test_approved_history_counts_for_nothing_when_trust_is_off():
    policy = Policy(trust_previously_approved=False)

    decision = decided(policy=policy, has_approved_history=True)

    assert decision == Decision(Status.PENDING, Rule.DEFAULT)


def test_by_default_a_comment_waits_for_moderation():
    assert decided() == Decision(Status.PENDING, Rule.DEFAULT, is_urgent=False)


def test_a_setting_approves_by_default_but_still_holds_suspicious_comments():
    policy = Policy(approve_by_default=True)

    assert decided(policy=policy) == Decision(Status.APPROVED, Rule.DEFAULT)
    assert decided(policy=policy, body="text me").status == Status.PENDING
    assert decided(policy=policy, body="I want to die").status == Status.PENDING


# --- Services feeding the policy (database) -----------------------------------------------


@pytest.mark.django_db
def test_current_policy_starts_from_the_default_lists_and_settings(settings):
    settings.COMMENTS_MAX_LINKS = 5
    settings.COMMENTS_TRUST_PREVIOUSLY_APPROVED = False
    settings.COMMENTS_APPROVE_BY_DEFAULT = True

    policy = services.current_policy()

    assert policy == Policy(
        disallowed=[],
        moderation=default_entries("moderation_keys"),
        crisis=default_entries("crisis_keys"),
        max_links=5,
        trust_previously_approved=False,
        approve_by_default=True,
    )


@pytest.mark.django_db
def test_current_policy_sees_edits_to_the_lists_at_once():
    assert services.current_policy().disallowed == []  # now cached

    lists = ModerationLists.load()
    lists.disallowed_keys = "viagra\n\n  198.51.100.23  \n"
    lists.moderation_keys = "crypto"
    lists.crisis_keys = "no way out\r\nend it all"
    lists.save()

    policy = services.current_policy()
    assert policy.disallowed == ["viagra", "198.51.100.23"]
    assert policy.moderation == ["crypto"]
    assert policy.crisis == ["no way out", "end it all"]
    assert decide(Submission(body="I see no way out"), policy).is_urgent
    assert ModerationLists.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "email", "expected"),
    [
        ("Sam Rivera", "sam@example.org", True),
        ("sam RIVERA", "Sam@Example.ORG", True),
        ("  Sam Rivera ", " sam@example.org ", True),
        ("Sam Rivera", "someone@example.org", False),
        ("Someone Else", "sam@example.org", False),
        ("Sam Rive", "sam@example.o", False),
    ],
    ids=["same", "other-case", "padded", "other-email", "other-name", "prefixes"],
)
def test_approved_history_needs_name_and_email_of_an_approved_comment(name, email, expected):
    make_comment(make_article(), author_name="Sam Rivera", author_email="sam@example.org")

    assert services.has_approved_history(name, email) is expected


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.PENDING, Status.SPAM, Status.TRASH])
def test_comments_not_approved_are_no_history(status):
    make_comment(make_article(), author_name="Sam", author_email="sam@example.org", status=status)

    assert not services.has_approved_history("Sam", "sam@example.org")


@pytest.mark.django_db
def test_replies_attach_at_most_at_the_depth_cap(settings):
    settings.COMMENTS_MAX_DEPTH = 3
    article = make_article()
    top = make_comment(article)
    reply = make_comment(article, parent=top)
    reply_to_reply = make_comment(article, parent=reply)
    too_deep = make_comment(article, parent=reply_to_reply)  # e.g. from a larger old cap

    assert services.attach_point(None) is None
    assert services.attach_point(top) == top
    assert services.attach_point(reply) == reply
    assert services.attach_point(reply_to_reply) == reply
    assert services.attach_point(too_deep) == reply
