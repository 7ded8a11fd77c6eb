"""Crisis language in a comment: is its author (or someone beside them) at risk now?

Pure functions over a string, so every case is testable without a database. A comment
is read sentence by sentence:

1. Normalise: accents, case and apostrophes go ("Don't" -> "dont"), leetspeak inside
   words is read as letters ("k1ll" -> "kill"), punctuation becomes spaces and a
   letter written twice or more counts once ("kiiill", "kil" and "kill" all read
   "kil"). The patterns below are squeezed the same way, so they are written in plain
   spelling.
2. Signals: curated patterns per category (explicit intent, veiled phrasing, plans and
   means, self-harm, an overdose happening now, slang), with the usual misspellings.
3. Guards: a sentence that tells the past ("two years ago", "when I was using"), mourns
   someone ("my brother died of an overdose") or asks a general question ("can you
   overdose on methadone?") takes the present risk out of the signals it would
   otherwise hold; a signal names which guards may do that. Words that put the risk
   back in the present ("tonight", "right now") keep it urgent.

Moderators' own phrases (ModerationLists.crisis_keys) are normalised the same way and
count whatever the sentence around them says: they asked for exactly those words.

Every pattern reads text in time proportional to its length (see comments/spam.py):
gaps between words are a bounded number of possessive word runs, and each pattern
starts with a plain word (a leading choice of words is split into one pattern per
word), so a run of words is scanned from few starting points.
tests/comments/test_spam_linear.py holds bodies crafted against them.
"""

import bisect
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

# Categories, as moderators and the test set name them.
INTENT = "intent"
VEILED = "veiled"
PLAN = "plan"
SELF_HARM = "self_harm"
OVERDOSE = "overdose"
SLANG = "slang"
MODERATORS_LIST = "moderators_list"

# Guards: kinds of sentence that take the present risk out of a signal.
PAST = "past"
GRIEF = "grief"
GENERAL_QUESTION = "general_question"

APOSTROPHES = re.compile("['\u2019\u2018\u02bc`\u00b4]")
# Leetspeak inside a word (between letters, or ending it): "k1ll", "su1c1de", "di3".
LEET_INSIDE = re.compile(r"(?<=[a-z])[0134578@$!|]++(?=[a-z])|(?<=[a-z])[0134@$]++(?![a-z0-9])")
LEET = str.maketrans("0134578@$!|", "oieastbasii")
# Sentences end at . ! ? ; or a blank line; a single line break is only a space.
BLANK_LINE = re.compile(r"\n[^\S\n]*+\n\s*+")
SENTENCE_END = re.compile(r"[.!?;]++")
NOT_SENTENCE_WORD = re.compile(r"[^a-z0-9?\n]++")
COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
NOT_WORD = re.compile(r"[^a-z0-9]++")
REPEATED_LETTER = re.compile(r"([a-z])\1+")
# In a pattern's source, a doubled letter that is not part of an escape (\bb stays).
REPEATED_PATTERN_LETTER = re.compile(r"(?<!\\)([a-z])\1+")

# Up to N words, for "pills [are all] lined up".
GAP = r"(?:[a-z0-9]++ ){0,%d}?"
SELF = r"my ?(?:self|slef|sef)"
OTHER = (
    r"(?:he|she|they|hes|shes|theyre|him|her|them|friend|brother|sister|son|daughter|"
    r"husband|wife|boyfriend|girlfriend|partner|mom|mum|mother|dad|father|roommate|"
    r"cousin|uncle|aunt|baby|kid|child|buddy|mate|fiance|fiancee|someone)"
)
DRUGS = (
    r"(?:pills|tablets|meds|medication|medications|oxys|bars|xanax|opioids|"
    r"sleeping pills|painkillers|insulin|heroin|fent|fentanyl|dope|percs)"
)


def _squeezed(pattern):
    """``pattern`` compiled with each doubled letter written once, as text is read."""
    return re.compile(REPEATED_PATTERN_LETTER.sub(r"\1", pattern))


@dataclass(frozen=True)
class Signal:
    category: str
    # One pattern per way the signal can start: a pattern that starts with a plain word
    # is searched for far faster than one starting with a choice of words.
    patterns: tuple
    # The guards that take the present risk out of this signal.
    unless: frozenset = frozenset()


def _signal(category, pattern, unless=(PAST,)):
    # The leading \b is checked by _matches instead, for the same speed.
    source = _squeezed(pattern.removeprefix(r"\b")).pattern
    return Signal(
        category,
        tuple(re.compile(part) for part in _split_first_choice(source)),
        frozenset(unless),
    )


def _split_first_choice(source):
    """``source`` as one pattern per alternative of the group it starts with
    ("(?:a|b) c" -> "a c", "b c"), or as itself if it starts otherwise."""
    if not source.startswith("(?:"):
        return [source]
    depth, alternatives, start = 0, [], 3
    for position, character in enumerate(source):
        if character == "(" and source[position - 1 : position] != "\\":
            depth += 1
        elif character == ")" and source[position - 1 : position] != "\\":
            depth -= 1
            if depth == 0:
                alternatives.append(source[start:position])
                rest = source[position + 1 :]
                # A quantified group ("(?:a|b)?") is not a choice of starts.
                if rest[:1] in {"?", "*", "+", "{"}:
                    return [source]
                return [f"{alternative}{rest}" for alternative in alternatives]
        elif character == "|" and depth == 1:
            alternatives.append(source[start:position])
            start = position + 1
    return [source]


SIGNALS = [
    # --- Explicit intent -----------------------------------------------------------------
    _signal(
        INTENT,
        rf"\b(?:kill|killing|end|ending|take|taking) (?:{SELF}|my (?:own )?life)\b"
        r"(?! back| laughing)",
    ),
    _signal(
        INTENT,
        rf"\b(?:shoot|shooting|hang|hanging|drown|drowning|stab|stabbing|poison|poisoning|"
        rf"gas|gassing|overdose) {SELF}\b",
    ),
    _signal(
        INTENT, r"\b(?:(?:tonight|today) is my last (?:night|day)|my last (?:night|day) alive)\b"
    ),
    _signal(
        INTENT,
        r"\b(?:want|wanna|wana|ready|deserve|wish i could|going|gonna|trying|plan|"
        r"planning|decided) (?:to )?(?:just )?(?:die|be dead)\b(?! (?:of|from|laughing))",
    ),
    _signal(INTENT, r"\b(?:dont|do not|no longer|never) (?:want|wanna) to (?:live|be alive)\b"),
    _signal(INTENT, r"\bwish (?:i|id|i had|i was|i were) (?:just )?(?:dead|die|died)\b"),
    _signal(INTENT, r"\bbetter off dead\b"),
    # Suicide and its misspellings (suicde, sucide, suiside, suicidal...), but not the
    # names of services and statistics.
    _signal(
        INTENT,
        r"\bsui?[cs]i?d(?:e|al|el|il|aly|es)?\b"
        r"(?! (?:prevention|awareness|rates?|risk|risks|statistics|hotline|lifeline|"
        r"crisis|line|research|data|survivors?|loss))",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(INTENT, r"\bthinking (?:about|of) (?:ending|killing|dying|not being here)\b"),
    _signal(
        INTENT,
        r"\b(?:should|might as well|may as well) (?:just )?(?:die|end it|kill)\b"
        r"(?! (?:of|from|laughing|for))",
    ),
    # --- Veiled phrasing -----------------------------------------------------------------
    _signal(
        VEILED,
        r"\b(?:im|i am|i feel like|i feel|ive become|i have become|ive always been|"
        r"being|feel like) (?:a |such a |just a |nothing but a |only a |the )?"
        r"(?:huge |big |total |constant )?burden\b",
    ),
    _signal(
        VEILED,
        r"\bburden (?:to|on|for) (?:everyone|everybody|my family|my (?:kids|wife|husband|"
        r"parents|mom|mum|dad|partner|children|friends)|the people|others|them all)\b",
    ),
    _signal(
        VEILED,
        r"\b(?:better|happier|easier) (?:off )?(?:without me|with me gone|when im gone|"
        r"once im gone|if i (?:was|were|wasnt|werent|was not|were not|died|disappeared|"
        r"never|left))",
    ),
    _signal(
        VEILED,
        rf"\b(?:nobody|no one|noone|no body|none of them|they|anyone) {GAP % 3}"
        r"(?:miss me|notice if i|notice when i|care if i|care when i|notice im gone|"
        r"even notice)\b",
    ),
    _signal(VEILED, r"\b(?:wouldnt|would not|wont|will not) (?:even |really )?be missed\b"),
    _signal(
        VEILED,
        rf"\b(?:sleep|asleep|close my eyes) {GAP % 3}(?:not|never) (?:to )?wake up\b",
    ),
    _signal(
        VEILED,
        rf"\b(?:hope|wish|pray|want) {GAP % 2}(?:dont|do not|wont|will not|never|not) "
        r"(?:to )?wake up\b",
    ),
    _signal(VEILED, r"\b(?:sleep|rest) forever\b"),
    _signal(
        VEILED,
        r"\b(?:want|wanna|wish i could|need|going|trying) to (?:just )?(?:disappear|vanish|"
        r"fade away|cease to exist|stop existing|not exist)\b",
    ),
    _signal(VEILED, r"\b(?:disappear|vanish) (?:forever|for good|and never come back)\b"),
    _signal(
        VEILED,
        r"\bwish i (?:could )?(?:just )?(?:didnt exist|did not exist|was never born|"
        r"had never been born|wasnt born|wasnt here|was gone)\b",
    ),
    _signal(VEILED, r"\b(?:end|ending|finish) (?:it|this) all\b"),
    _signal(
        VEILED,
        r"\b(?:end|ending|finish) (?:it|things|everything) (?:tonight|today|now|soon|"
        r"for good|this week)\b",
    ),
    _signal(
        VEILED,
        r"\b(?:want|wanna|ready|going|gonna|decided|planning) to end (?:it|things|everything)\b",
    ),
    _signal(
        VEILED,
        r"\b(?:i|il|im going to|im gonna) end (?:it|things|everything)"
        r"(?: (?:tonight|today|now|soon|for good))?(?![^\n])",
    ),
    _signal(VEILED, r"\b(?:cant|can not|cannot) (?:go on|keep going|do this anymore)\b"),
    _signal(
        VEILED, r"\b(?:no|not see a|dont see a|do not see a|cant see a|cannot see a) way out\b"
    ),
    _signal(VEILED, r"\bno point (?:anymore|any more|in anything|in trying|in going on)\b"),
    _signal(
        VEILED,
        r"\b(?:no|nothing) (?:(?:reason|point|purpose) (?:to|in|of) (?:live|living|"
        r"go on|going on|keep going|being alive|being here)|(?:left )?to live for)\b",
    ),
    _signal(VEILED, r"\b(?:tired|sick) of (?:living|being alive|existing)\b"),
    _signal(
        VEILED,
        r"\b(?:dont|do not) (?:want|wanna) to (?:exist|wake up|be here anymore|"
        r"be here any more)\b",
    ),
    _signal(VEILED, r"\b(?:world|everyone|everybody) (?:would be|is) better without me\b"),
    # --- Plans and means -----------------------------------------------------------------
    _signal(
        PLAN,
        rf"\b{DRUGS} {GAP % 3}(?:lined up|saved up|stockpiled|counted out|in front of me|"
        r"in my hand|set aside)\b",
    ),
    _signal(
        PLAN,
        rf"\b(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting) "
        rf"(?:up )?{GAP % 2}{DRUGS}\b(?! (?:for|to) (?:the )?(?:take ?back|disposal|pharmacy))",
    ),
    _signal(
        PLAN,
        rf"\benough {DRUGS} to (?:kill|end|die|not wake|do it|finish|never)\b",
    ),
    _signal(
        PLAN,
        rf"\b(?:gun|pistol|rifle|shotgun|handgun|revolver|knife|blade|razor) {GAP % 4}"
        r"(?:to my (?:head|temple|chest|throat|wrist)|in my mouth|on myself|end it)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:bought|got|loaded|holding|picked up|borrowed) (?:a |my |the |his |my dads )?"
        r"(?:gun|pistol|rifle|shotgun|handgun|revolver|rope|noose)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:gun|pistol|rifle|shotgun|handgun|revolver) (?:is |was )?(?:loaded|in my hand|"
        r"next to me|in my lap)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:drive|driving|crash|crashing|steer|steering) (?:my car |the car )?(?:into|off) "
        r"(?:a |the )?(?:tree|wall|bridge|cliff|river|lake|traffic|truck)\b",
    ),
    _signal(PLAN, r"\b(?:noose|(?:tie|tied|tying) (?:a |the )?rope)\b"),
    _signal(PLAN, r"\brope (?:is |was )?(?:tied|ready|hung|up)\b"),
    _signal(
        PLAN,
        r"\b(?:jump|jumping|leap|throw myself|going to jump) (?:off|from|in front of) "
        r"(?:a |the |that |this )?(?:bridge|roof|building|cliff|overpass|balcony|train|"
        r"ledge|car|bus|truck)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:standing|sitting|parked|waiting) (?:on|at|by|near|under) (?:the |a |that |this )?"
        r"(?:bridge|ledge|edge|tracks|railway)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:drove|drive|driving|walked|walking|going|went) to the (?:bridge|edge|cliff|"
        r"tracks)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:suicide|goodbye|farewell|final|last) (?:note|notes|letter|letters|message|"
        r"messages|post|comment|words)\b",
    ),
    _signal(
        PLAN,
        rf"\b(?:wrote|written|writing|write|left|leaving) {GAP % 3}(?:note|notes|letter|"
        r"letters) (?:for|to) (?:everyone|everybody|my family|my kids|my wife|my husband|"
        r"my parents|them all)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:goodbye|good bye|farewell) (?:everyone|everybody|all|world|forever|"
        r"cruel world|for good)\b",
    ),
    _signal(PLAN, r"\bthis is (?:my )?(?:goodbye|farewell)\b"),
    _signal(
        PLAN,
        r"\b(?:going|gonna|about|ready|plan|planning) to (?:take|swallow) (?:them all|"
        r"all of them|all (?:my|of my|the|these|those|of these|of those)|the whole|every)\b",
    ),
    _signal(
        PLAN,
        rf"\bhow many {DRUGS} (?:it would take|would it take|it takes|to (?:die|end it|"
        r"not wake|never wake))\b",
    ),
    _signal(PLAN, r"\bcheck(?:ing)? out (?:for good|permanently|early|of life)\b"),
    _signal(
        PLAN,
        r"\bgiving away (?:all )?(?:my|of my) (?:stuff|things|belongings|possessions)\b",
    ),
    _signal(
        PLAN,
        r"\b(?:wont|will not) be (?:here|around) (?:tomorrow|much longer|anymore|for long)\b",
    ),
    _signal(PLAN, r"\bby the time (?:you|anyone|someone) reads? this\b"),
    # --- Self-harm -----------------------------------------------------------------------
    _signal(
        SELF_HARM,
        rf"\b(?:want|wanna|going|gonna|urge|urges|need|might|will|il|could|keep|kept|"
        rf"started|start|been|stop|trying not|thinking about|afraid|scared|tempted) "
        rf"{GAP % 2}(?:to )?(?:hurt|harm|cut|burn|punish|starve) {SELF}\b",
    ),
    _signal(
        SELF_HARM,
        rf"\b(?:hurting|harming|cutting|burning|punishing|starving) {SELF}\b"
        r"(?! (?:some )?slack| a (?:break|slice|piece)| off)",
    ),
    _signal(SELF_HARM, rf"\b(?:hurt|cut|burned|burnt|harmed) {SELF} again\b"),
    _signal(SELF_HARM, r"\b(?:been |started |am |im )(?:cutting|self harming|harming) again\b"),
    _signal(
        SELF_HARM,
        r"\b(?:cut|cutting|slit|slitting|slice|slicing) (?:my|his|her) (?:wrists?|arms?|"
        r"thighs?)\b",
    ),
    _signal(SELF_HARM, r"\bself ?harm(?:ing|ed)?\b", unless=(PAST, GENERAL_QUESTION)),
    # --- An overdose happening now -------------------------------------------------------
    _signal(
        OVERDOSE,
        r"\b(?:im|i am|hes|he is|shes|she is|theyre|they are|is|might be|may be|"
        r"could be|think (?:im|hes|shes|theyre)) (?:[a-z0-9]++ )?(?:overdosing|oding)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        rf"\b(?:just|think (?:i|{OTHER})|(?:may|might|must) have) (?:just )?"
        r"(?:overdosed|oded|od)\b",
        unless=(PAST, GRIEF),
    ),
    _signal(
        OVERDOSE,
        r"\b(?:overdosed|oded|od) (?:tonight|today|just now|right now|an hour ago|"
        r"minutes ago)\b",
    ),
    _signal(
        OVERDOSE,
        r"\b(?:not|isnt|is not|stopped|barely|hardly|cant|can not|cannot|wont|"
        r"struggling to) (?:breathing|breathe)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(OVERDOSE, r"\bbreathing (?:is |so |really |very )?(?:slow|shallow|weird)\b"),
    _signal(
        OVERDOSE,
        r"\b(?:(?:turning|turned|gone|going) |lips (?:are |look |went |turned |turning )?|"
        r"face (?:is |looks )?)(?:kind of )?(?:blue|purple|gray|grey)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        r"\b(?:blue|purple) lips\b|\bgurgling\b|\b(?:snoring|choking) (?:sounds|noises)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        rf"\b(?:took|taken|swallowed) (?:[0-9]++|twenty|thirty|forty|fifty|a hundred) (?:of )?"
        rf"(?:my |his |her |the |those )?{DRUGS}\b",
        unless=(PAST, GRIEF),
    ),
    _signal(
        OVERDOSE,
        r"\b(?:and|but|now|still|just) (?:wont|will not|cant|isnt|is not) (?:wake|waking|"
        r"respond|responding)\b(?! up (?:early|on time|in time|before))",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        rf"\b{OTHER} {GAP % 1}(?:wont|will not|isnt|is not|not|cant|arent|wouldnt|doesnt) "
        r"(?:wake|waking|respond|responding)\b(?! me\b)",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        r"\b(?:cant|cannot|can not|couldnt|could not) (?:wake|get) (?:him|her|them|"
        r"my [a-z0-9]++) (?:up|to wake|to respond|to answer|to wake up)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(OVERDOSE, r"\bunresponsive\b", unless=(PAST, GRIEF, GENERAL_QUESTION)),
    _signal(
        OVERDOSE,
        r"\b(?:took|taken|swallowed|snorted|shot|injected|used|did|done) "
        r"(?:way |far |much )?too (?:much|many)\b",
        unless=(PAST, GRIEF, GENERAL_QUESTION),
    ),
    _signal(
        OVERDOSE,
        rf"\b(?:took|taken|swallowed) (?:a |the )?(?:(?:whole |entire |full )?(?:bottle|"
        rf"pack|box|packet|strip)\b|(?:whole )?(?:bunch|handful|lot|load) of "
        rf"(?:[a-z0-9]++ )?{DRUGS}\b)",
        unless=(PAST, GRIEF),
    ),
    _signal(
        OVERDOSE,
        rf"\b(?:took|taken|swallowed) (?:all|every one) (?:of )?(?:my|his|her|the|them)"
        rf"(?: {DRUGS})?\b",
        unless=(PAST, GRIEF),
    ),
    # --- Slang and abbreviations ---------------------------------------------------------
    # "kms" after a number is kilometres.
    _signal(SLANG, r"(?<![0-9])(?<![0-9] )\b(?:kms|kys|kmn)\b"),
    _signal(SLANG, r"\bun ?aliv(?:e|ing|ed)\b"),
    _signal(SLANG, r"\bctb\b"),
    _signal(SLANG, r"\bsewer ?slide\b"),
    _signal(SLANG, rf"\b(?:delete|erase) {SELF}\b"),
]

GUARDS = {
    PAST: _squeezed(
        r"\b(?:ago|back then|back in|years back|used to|in the past|"
        r"in (?:my )?active addiction|when i was (?:using|drinking|still using|in active|"
        r"younger|a teen|a teenager|a kid|at my worst|at rock bottom|in my addiction|sick)|"
        r"before (?:i got |getting )?(?:clean|sober|treatment|recovery)|"
        r"last (?:year|summer|winter|spring|fall|autumn|decade)|in (?:19|20)[0-9]{2}|"
        r"(?:clean|sober) (?:for|since)|(?:years|months) (?:clean|sober)|at the time|"
        r"those days|survived|recovered from|woke up in (?:the )?(?:hospital|er|icu)|"
        r"(?:was|got) revived|brought (?:me|him|her) back|saved (?:my|his|her) life|"
        r"never again|my old life|(?:i )?remember (?:when|the days|how))\b"
    ),
    GRIEF: _squeezed(
        r"\b(?:died|passed away|passed on|lost (?:him|her|them|my|our)|we lost|funeral|"
        r"memorial|rest in peace|rip|in memory|grave|death of|his death|her death|"
        r"their death|anniversary|grieving|grief)\b"
    ),
    GENERAL_QUESTION: _squeezed(
        r"\b(?:if|when|in case|whether) (?:someone|somebody|a person|anyone|people|you|"
        r"a friend|a loved one|your [a-z]++|one)\b|"
        r"\b(?:can|could|do|does|is it|are) (?:you|people|someone|a person|patients)\b|"
        r"\b(?:is there|are there|do you have|does anyone know)\b|"
        r"\b(?:how|what|which|why) (?:much|many|long|often|happens|are the|is the|causes)\b|"
        r"\bsigns of\b"
    ),
}
# Words that keep a guarded sentence in the present: the risk is now.
NOW = _squeezed(
    r"\b(?:tonight|right now|just now|at the moment|currently|(?:a few |\d+ )?"
    r"(?:minutes?|mins?|hours?) ago|an hour ago|please help|what do i do|"
    r"what should i do)\b"
)
# A general question asks about people in general, not about the writer or someone
# beside them.
PERSONAL = _squeezed(r"\b(?:i|im|me|my|myself|ive|id|il|mine|we|our|us)\b")


@dataclass(frozen=True)
class Finding:
    category: str
    # The words that matched, normalised.
    words: str


def _folded(text):
    """``text`` without accents, case or apostrophes, its leetspeak read as letters."""
    text = COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    text = APOSTROPHES.sub("", text)
    return LEET_INSIDE.sub(lambda match: match.group().translate(LEET), text)


def _words(folded):
    return REPEATED_LETTER.sub(r"\1", NOT_WORD.sub(" ", folded)).strip()


def normalise_words(text):
    """``text`` as plain lower-case words (see the module docstring, step 1)."""
    return _words(_folded(text))


def sentences(text):
    """(words, is_question) for each sentence of ``text``, normalised."""
    # Leetspeak is read first, so that "k!ll" does not end a sentence at the "!".
    text = BLANK_LINE.sub(".", _folded(text)).replace("\n", " ")
    # Each sentence on a line of its own, a question ending in "?".
    text = SENTENCE_END.sub(lambda end: "?\n" if "?" in end.group() else "\n", text)
    text = REPEATED_LETTER.sub(r"\1", NOT_SENTENCE_WORD.sub(" ", text))
    for line in text.split("\n"):
        words = line.strip(" ?")
        if words:
            yield words, line.endswith("?")


def _guards_in(words, is_question):
    found = {name for name, pattern in GUARDS.items() if pattern.search(words)}
    if GENERAL_QUESTION in found and (not is_question or PERSONAL.search(words)):
        found.discard(GENERAL_QUESTION)
    return found


@functools.lru_cache(maxsize=32)
def _phrases_pattern(phrases):
    words = sorted({normalise_words(phrase) for phrase in phrases} - {""})
    if not words:
        return None
    return re.compile(r"(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def _matches(patterns, text, line_starts):
    """(line number, match) for the first match of any of ``patterns`` on each line of
    ``text`` that starts at the start of a word."""
    found = {}
    for pattern in patterns:
        position = 0
        while (match := pattern.search(text, position)) is not None:
            start = match.start()
            if start and text[start - 1] not in " \n":
                position = start + 1
                continue
            line = bisect.bisect_right(line_starts, start) - 1
            found.setdefault(line, match)
            # On to the next line: one finding per signal and sentence is enough.
            position = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
    return sorted(found.items(), key=lambda item: item[0])


def findings(text, extra_phrases=()):
    """Every crisis signal in ``text`` that no guard of its sentence takes back, plus
    the moderators' ``extra_phrases`` found in it."""
    lines = list(sentences(text))
    # One search per pattern over all sentences, a line each, costs far less than a
    # search per pattern and sentence; no pattern matches a line break.
    joined = "\n".join(words for words, _is_question in lines)
    line_starts = list(
        itertools.accumulate((len(words) + 1 for words, _q in lines[:-1]), initial=0)
    )
    guards = {}
    found = []
    for signal in SIGNALS:
        for line, match in _matches(signal.patterns, joined, line_starts):
            if line not in guards:
                words, is_question = lines[line]
                guards[line] = set() if NOW.search(words) else _guards_in(words, is_question)
            if not signal.unless & guards[line]:
                found.append(Finding(signal.category, match.group()))
    extra = _phrases_pattern(tuple(extra_phrases))
    if extra is not None:
        found.extend(
            Finding(MODERATORS_LIST, match.group())
            for _line, match in _matches([extra], joined, line_starts)
        )
    return found


def is_crisis(text, extra_phrases=()):
    """True when ``text`` signals a crisis now (suicide, self-harm, an overdose)."""
    return bool(findings(text, extra_phrases))
