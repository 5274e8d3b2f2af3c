"""Classify a mention for routing: intent, complaint, sentiment, language, urgency, topic, reach, tier.

Pure Python (stdlib + pydantic), no I/O and no model download. Three layers:

1. A VADER-style valence lexicon (negation within the clause, boosters, ALL CAPS, "but", "!"
   emphasis, emoji and emoticons, hashtags) — on its own it finds under half of the complaints.
2. Customer-service rules that general lexicons miss: failure phrases ("on hold", "still waiting",
   "lost my bag", "delayed", "cancelled", "refund", "no one answers", "#fail", "again"), effort and
   broken promises ("I was told", "been trying", "supposed to"), sarcasm ("thanks for nothing",
   "great job" next to a failure), complaint-shaped questions ("why is my flight ...?"), urgency
   (outage, fraud, safety, legal, churn, health, threat, privacy) and topics.
3. A linear complaint score over those features: ``COMPLAINT_WEIGHTS`` were fitted (logistic
   regression, rounded) on the even-tweet_id *dev* half of the airline sentiment data only, and
   ``COMPLAINT_CUTOFF`` chosen there; ``benchmarks/classification.py`` reports the odd (test) half.

Speed: every regex is compiled at import. A rule's regex only runs when the text has a word start
matching one of the rule's literal heads (derived from the parsed pattern), so a mention costs about
a hundred microseconds in CPython.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from socialdesk.domain.mention import Author, Engagement, Mention


class Intent(StrEnum):
    """Why the customer wrote, as far as routing cares."""

    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    SPAM = "spam"
    OTHER = "other"


SentimentLabel = Literal["negative", "neutral", "positive"]
Reach = Literal["none", "low", "medium", "high", "influencer"]


class Classification(BaseModel):
    """What the Classify step knows about one mention (the input of the routing rules)."""

    model_config = ConfigDict(frozen=True)

    intent: Intent
    is_complaint: bool
    #: -1 (very negative) .. 1 (very positive), VADER's compound scale
    sentiment: float
    sentiment_label: SentimentLabel
    #: ISO 639-1, or "und" when unknown
    language: str
    #: canonical urgency categories found: outage, fraud, safety, legal, cancel, health, threat, privacy
    urgency_terms: tuple[str, ...] = ()
    #: the primary topic key (most matches, ties broken by TOPIC_PRIORITY), None when nothing matched
    topic: str | None = None
    topics: tuple[str, ...] = ()
    reach: Reach = "none"
    followers: int | None = None
    verified: bool = False
    #: likes + reposts + replies + quotes (None counted as 0)
    engagement: int = 0
    customer_tier: str = "standard"
    needs_response: bool = True
    #: short human-readable reasons ("word:worst", "on hold", "sarcasm", "urgency:fraud", ...)
    signals: tuple[str, ...] = ()


# ==================================================================================================
# Reach, tier, engagement
# ==================================================================================================

#: followers at or above each threshold reach that level (below REACH_LOW, or unknown: "none")
REACH_LOW = 1
REACH_MEDIUM = 1_000
REACH_HIGH = 10_000
REACH_INFLUENCER = 100_000
REACH_LEVELS: tuple[Reach, ...] = ("none", "low", "medium", "high", "influencer")
_REACH_THRESHOLDS = (REACH_LOW, REACH_MEDIUM, REACH_HIGH, REACH_INFLUENCER)

TIER_VIP = "vip"
TIER_STANDARD = "standard"


def reach_of(followers: int | None, verified: bool) -> Reach:
    """Reach level from the follower count; a verified account moves up one level."""
    count = followers or 0
    level = sum(count >= threshold for threshold in _REACH_THRESHOLDS)
    if verified:
        level = min(level + 1, len(REACH_LEVELS) - 1)
    return REACH_LEVELS[level]


def engagement_total(engagement: Engagement) -> int:
    """Likes + reposts + replies + quotes, a missing count being 0."""
    return (
        (engagement.likes or 0)
        + (engagement.reposts or 0)
        + (engagement.replies or 0)
        + (engagement.quotes or 0)
    )


@functools.lru_cache(maxsize=64)
def _vip_keys(vip: frozenset[str]) -> frozenset[str]:
    return frozenset(key.strip().lstrip("@").lower() for key in vip)


def customer_tier(author: Author, vip: frozenset[str]) -> str:
    """ "vip" when the author's handle or id is in ``vip`` (case-insensitive, "@" optional)."""
    if not vip:
        return TIER_STANDARD
    keys = _vip_keys(vip)
    for value in (author.handle, author.id):
        if value and value.lstrip("@").lower() in keys:
            return TIER_VIP
    return TIER_STANDARD


# ==================================================================================================
# Valence lexicon (general English on VADER's -4..4 scale, plus a few words of es/fr/de/pt/it/nl)
# ==================================================================================================


def _words(valence: float, words: str) -> dict[str, float]:
    return dict.fromkeys(words.split(), valence)


LEXICON: dict[str, float] = {
    **_words(
        -3.0,
        "worst horrible horrid terrible awful atrocious appalling disgusting disgraceful pathetic abysmal "
        "dreadful horrendous horrific outrageous outraged outrage unacceptable ridiculous furious livid "
        "fuming hate hated hates hating despise loathe detest sucks suck sucked sucky shit shitty crap "
        "crappy crappiest fuck fucking fucked wtf scam scammed scammers fraud nightmare disaster "
        "disastrous incompetent incompetence useless worthless inexcusable shameful bullshit disgusted "
        "appalled horrified devastated heartbroken unprofessional lousy debacle fiasco shambles "
        "clusterfuck shitshow bs fml garbage trash rubbish inept ripoff inhumane cruel abuse abusive "
        "harassed discriminated racist sexist bitch asshole pésimo pésima horrible nul nulle "
        "honteux inadmissible scandaleux katastrophe unverschämt schrecklich péssimo vergogna schifo "
        "vreselijk",
    ),
    **_words(
        -2.5,
        "rude rudeness disrespectful disrespected humiliated humiliating infuriating infuriated enraged "
        "angry anger pissed frustrated frustrating frustration frustrate disappointed disappointing "
        "disappoint disappointment miserable bad worse badly fail failed fails failing failure unhelpful "
        "cheated liar liars lying lied lies robbed stolen theft ruined ruin destroyed filthy unsafe stupid "
        "idiots idiot morons moron clowns absurd insane dishonest misleading shocking lame mediocre subpar "
        "poorly embarrassed embarrassing insult insulting insulted offensive unresponsive dissatisfied "
        "unusable unbearable intolerable condescending greedy greed gouging unsanitary distraught "
        "traumatic tanked screwup hostile",
    ),
    **_words(
        -2.0,
        "poor unhappy upset upsetting sad annoyed annoying annoy annoyance irritated irritating irritate "
        "mad broken damaged hassle mess messed chaos chaotic waste wasted wasting stranded helpless "
        "clueless careless negligent negligence lazy ignored ignoring abandoned neglected regret "
        "regretting complaint complain unfair unreliable dirty gross smelly overpriced misled deceived "
        "hurt pain painful scared dangerous panic hopeless pointless hell crash crashed ugh argh grr wth "
        "damn dammit sadly shame unbelievable sick inconvenienced stressful stressed exhausted anxious "
        "worried offended unorganized disorganized apathetic uncaring unanswered unresolved unsatisfied "
        "displeased defective faulty inadequate misinformation misinformed miscommunication blunder "
        "unfriendly impolite arrogant snotty dismissive patronizing yelled yelling screamed bogus sketchy "
        "shady dodgy laughable crummy janky junk worsen stinks stink ass distressing farce scandal "
        "moldy inconsiderate threatened threatening leaked breach malo mala peor mauvais schlecht slecht",
    ),
    **_words(
        -1.5,
        "lost lose losing missing problem problems trouble stuck slow slowness inconvenience inconvenient "
        "confusing confusion worry worrying stress uncomfortable cramped error errors glitch wrong smh "
        "yikes afraid fault blame impossible unfortunately unable fake shocked meh sigh boo crying cry "
        "tears expensive stunned ordeal disrupt disrupted disruption incorrect inaccurate headache "
        "nuisance bitter boring lacking lack insufficient mistake problematic nervous rough overcrowded "
        "stale screw snarky shouting joke",
    ),
    **_words(
        -1.0,
        "issue issues confused tired forgotten unclear risk bored pricey noisy bland sour miss sarcastic "
        "concerned concerning interrupted invalid oversight unavailable freezing circus",
    ),
    **_words(-0.5, "sorry"),
    **_words(
        3.0,
        "love loved loves amazing awesome excellent fantastic wonderful outstanding superb brilliant "
        "phenomenal exceptional fabulous terrific stellar marvelous marvellous delighted thrilled ecstatic "
        "awesomeness perfection delightful impeccable flawless excelente genial génial fantástico toll "
        "fantastisch geweldig ótimo ottimo",
    ),
    **_words(
        2.5,
        "loving incredible perfect best grateful thankful kudos bravo hero heroes rockstar beautiful "
        "gorgeous lovely happy great greatest congrats congratulations legend legendary jackpot sweetest "
        "nicest friendliest delicious",
    ),
    **_words(
        2.0,
        "appreciate appreciated appreciative impressed impressive pleasant pleasantly pleased pleasure "
        "enjoy enjoyed enjoying enjoyable glad fav helpful friendly courteous fun favorite favourite yay "
        "woohoo win winning wins success successful blessed caring kind generous attentive accommodating "
        "gracious props seamless good nice super exceeded painless effortless classy refreshing excited "
        "exciting relaxing tasty yummy honored proud dependable bueno buena bon bonne gut goed buono",
    ),
    **_words(
        1.5,
        "thanks thank thx thnx tks polite professional smooth smoothly comfortable comfy easy easiest "
        "efficient reliable better recommend sweet relieved relief lucky resolved solved helped cheers "
        "shoutout rock rocks rocked improved spacious roomy worthwhile valuable loyal respect affordable "
        "fastest gracias merci danke obrigado obrigada grazie bedankt",
    ),
    **_words(
        1.0, "cool quick fast clean fixed ty welcome prompt promptly luck wow safe worth trust free bonus"
    ),
    **_words(0.5, "fine ok okay kindly"),
    **_words(0.0, "goods kinda"),
}

#: emoji and emoticons (looked up as single tokens)
EMOJI: dict[str, float] = {
    **_words(-3.0, "😡 🤬 😠 💩 🖕"),
    **_words(-2.0, "😤 😞 😢 😭 👎 😩 😫 😣 😖 ☹ 😔 😟 😿 💔 :( :-( :'( D:"),
    **_words(-1.5, "🙄 😒 🙁 😑 😕 :/ :-/ -_-"),
    **_words(3.0, "❤ ♥ 💕 💖 💙 💜 💚 💛 🧡 😍 🥰 💗 💓 <3"),
    **_words(2.0, "😊 😀 😃 😄 😁 👍 👏 🙌 🎉 😘 🤗 ☺ 😎 :) :-) :D :-D ;) ;-) =)"),
    **_words(1.0, "🙂 🙏 ✨ 💯 😉"),
}

#: words that intensify (+) or soften (-) the next sentiment word, VADER's 0.293 step
BOOSTERS: dict[str, float] = {
    **_words(
        0.293,
        "very really so extremely totally absolutely completely incredibly truly utterly such most highly "
        "deeply especially entirely hugely seriously super fucking freaking damn insanely terribly "
        "ridiculously beyond way too",
    ),
    **_words(-0.293, "slightly somewhat kinda sorta barely hardly marginally little bit"),
}

NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "nowhere",
        "cannot",
        "hardly",
        "rarely",
        "ain't",
        "aint",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "hadn't",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "hadnt",
        "nope",
        "nein",
        "nicht",
        "kein",
        "keine",
        "pas",
        "jamais",
        "nunca",
        "nada",
        "niente",
        "mai",
        "nao",
        "não",
        "niet",
    ]
)

#: VADER: a negated word flips and shrinks; emphasis per "!" and per "?" beyond the first
_NEGATION_SCALAR = -0.74
_CAPS_INCREMENT = 0.733
_EXCLAIM_INCREMENT = 0.292
_QUESTION_INCREMENT = 0.18
_VADER_ALPHA = 15.0
#: words past these (or past punctuation) are out of a negator's reach
_CLAUSE_BREAKS = frozenset({"but", "and", "so", "because"})
_CLAUSE_PUNCTUATION = frozenset(".,;:!?")
_STEM_SUFFIXES = ("'s", "ness", "ing", "ed", "es", "ly", "s", "d", "er", "est")
#: a typographic apostrophe, read as a plain one
_RIGHT_QUOTE = "\u2019"

_HASHTAG_NEGATIVE_RE = re.compile(
    r"fail|worst|suck|never|disappoint|awful|terrible|horrible|shame|fraud|scam|angry|furious|ripoff|"
    r"unhappy|frustrat|poor|hate|joke|stranded|wtf|fml|smh|boycott|nothanks|ugh|badservice|notcool|"
    r"unacceptable|ridiculous|pathetic|nightmare|disaster|epicfail|nothappy|neveragain|onhold|delay|"
    r"cancel|stuck|bad|worse|rude|waste|pissed|lost|broke|wait|no2|notimpressed|why|help"
)
_HASHTAG_POSITIVE_RE = re.compile(r"love|best|great|awesome|thank|happy|amazing|kudos|excellent|wonderful")

_TOKEN_RE = re.compile(
    r"https?://\S+|www\.\S+|pic\.twitter\.com/\S+"  # links
    r"|[:;=][-']?[()dDpP/\\|]|<3|D:|-_-"  # emoticons
    r"|[@#]?\w[\w']*"  # words, @handles, #hashtags
    r"|[!?]+"  # punctuation runs
    r"|[^\w\s]",  # any other single symbol (emoji included)
)


def _compound(score: float) -> float:
    """VADER's normalisation of a valence sum into -1..1."""
    return score / math.sqrt(score * score + _VADER_ALPHA)


@functools.lru_cache(maxsize=8192)
def _word_valence(word: str) -> float | None:
    value = LEXICON.get(word)
    if value is not None:
        return value
    if word.startswith("#"):
        bare = word[1:]
        value = LEXICON.get(bare)
        if value is not None:
            return value
        if _HASHTAG_NEGATIVE_RE.search(bare):
            return -2.0
        if _HASHTAG_POSITIVE_RE.search(bare):
            return 2.0
        return None
    value = EMOJI.get(word)
    if value is not None or len(word) <= 4:
        return value
    # cheap stemming: "annoys" → "annoy", "angering" → "anger", "insulted" → "insult", "rudely" → "rude"
    for suffix in _STEM_SUFFIXES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            value = LEXICON.get(stem)
            if value is None and len(stem) > 2:
                value = LEXICON.get(stem + "e")
            if value is not None:
                return value
    return None


def _is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def _negator_before(words: list[str], i: int) -> int:
    """Index of a negator up to three words before ``i`` within the same clause, else -1."""
    for j in range(i - 1, max(-1, i - 4), -1):
        word = words[j]
        if word in _CLAUSE_BREAKS or word[0] in _CLAUSE_PUNCTUATION:
            return -1
        if _is_negator(word):
            return j
    return -1


def _boost(words: list[str], i: int, value: float) -> float:
    """VADER's booster: the nearest intensifier up to three words before, fading with distance."""
    for distance, scale in ((1, 1.0), (2, 0.95), (3, 0.9)):
        j = i - distance
        if j < 0:
            break
        boost = BOOSTERS.get(words[j])
        if boost is not None:
            return value + boost * scale if value > 0 else value - boost * scale
    return value


class _Lexical:
    """VADER-style scan of one text: valences with negation, boosters, caps, "but" and emphasis."""

    __slots__ = ("negated_negative", "negated_positive", "negative", "negator", "positive", "score", "words")

    def __init__(self, words: list[str], raw_words: list[str], shouting: bool) -> None:
        valences: list[float] = []
        scored: list[str] = []
        but_index = -1
        negators: set[int] = set()
        softened: set[int] = set()  # negators that only turn a negative word ("not bad")
        self.negated_positive = self.negated_negative = False
        exclaims = questions = 0
        for i, word in enumerate(words):
            if word[0] in "!?":
                exclaims += word.count("!")
                questions += word.count("?")
                continue
            if _is_negator(word):
                negators.add(i)
            elif word == "but" and but_index < 0:
                but_index = len(valences)
            value = _word_valence(word)
            if value is None:
                continue
            raw = raw_words[i]
            if shouting and len(raw) > 1 and raw.isupper():
                value += _CAPS_INCREMENT if value > 0 else -_CAPS_INCREMENT
            value = _boost(words, i, value)
            negator = _negator_before(words, i)
            if negator >= 0:
                if value > 0:
                    self.negated_positive = True
                else:
                    self.negated_negative = True
                    softened.add(negator)
                value *= _NEGATION_SCALAR
            valences.append(value)
            scored.append(word)
        if but_index >= 0:  # what follows "but" counts more than what precedes it
            valences = [v * 0.5 for v in valences[:but_index]] + [v * 1.5 for v in valences[but_index:]]
        #: a negation that is not "not bad": the plain "not", "never", "no one" of a complaint
        self.negator = bool(negators - softened)
        self.positive = sum(v for v in valences if v > 0)
        self.negative = sum(v for v in valences if v < 0)
        emphasis = min(exclaims, 4) * _EXCLAIM_INCREMENT
        if questions > 1:
            emphasis += min(questions * _QUESTION_INCREMENT, 0.96)
        if self.positive + self.negative > 0:
            self.positive += emphasis
        elif self.positive + self.negative < 0:
            self.negative -= emphasis
        self.score = self.positive + self.negative
        ranked = sorted(zip(valences, scored, strict=True))
        self.words = tuple(w for v, w in ranked[:2] if v <= -1.5) + tuple(
            w for v, w in ranked[::-1][:2] if v >= 1.5
        )


def _tokenize(text: str) -> tuple[list[str], list[str]]:
    """(lower-cased, as-written) words, emoji and punctuation runs; links and @handles dropped."""
    raw = [t for t in _TOKEN_RE.findall(text) if not t.startswith(("http", "www.", "pic.twitter", "@"))]
    return [t.lower() for t in raw], raw


def _mostly_caps(letters: str) -> bool:
    return bool(letters) and sum(map(str.isupper, letters)) > 0.8 * len(letters)


def lexicon_sentiment(text: str) -> float:
    """The plain lexicon's compound score in [-1, 1], without any customer-service rule (a baseline)."""
    text = text.replace(_RIGHT_QUOTE, "'")
    words, raw = _tokenize(text)
    letters = "".join(filter(str.isalpha, text))
    return _compound(_Lexical(words, raw, shouting=not _mostly_caps(letters)).score)


# ==================================================================================================
# Rules: word-start regexes gated by their literal heads
# ==================================================================================================
# Python's re tries every alternative at every word start, so a few dozen rules cost ~2 µs each per
# mention. Each rule therefore carries the set of 1-5 character prefixes its matches can start with
# (read off the parsed pattern, conservatively); one set intersection with the prefixes found at the
# text's word starts leaves the handful of rules worth running. When the heads cannot be derived
# (a pattern starting with \w, or another Python), the rule simply always runs.

_HEAD_LENGTH = 5
_Heads = set[tuple[str, bool]]  # (prefix, whether what follows may still extend it)
#: at each word start, its 5-, 4-, 3-, 2- and 1-character prefixes (nested lookahead groups)
_WORD_START_RE = re.compile(r"(?<!\w)(?=(((((.).?).?).?).?))", re.DOTALL)


def _phrases(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile alternatives that must each start at a word start (not after a word character)."""
    return re.compile(rf"(?<!\w)(?:{pattern})", flags)


def _heads_of_sequence(items: list[tuple[object, object]]) -> _Heads | None:
    from re import _constants as sre  # type: ignore[attr-defined]  # private, stable since 3.11; import-time only

    state: _Heads = {("", True)}
    for op, av in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue
        step = _heads_of_item(op, av)
        grown: _Heads = set()
        for prefix, open_ in state:
            if not open_ or len(prefix) >= _HEAD_LENGTH or step is None:
                grown.add((prefix[:_HEAD_LENGTH], False))
                continue
            for more, more_open in step:
                joined = prefix + more
                grown.add((joined[:_HEAD_LENGTH], more_open and len(joined) < _HEAD_LENGTH))
        state = grown
        if not any(open_ for _, open_ in state):
            break
    return state


def _heads_of_item(op: object, av: object) -> _Heads | None:
    from re import _constants as sre  # type: ignore[attr-defined]

    if op is sre.LITERAL:
        return {(chr(av), True)}  # type: ignore[arg-type]
    if op is sre.IN:
        chars: _Heads = set()
        for kind, value in av:  # type: ignore[attr-defined]
            if kind is sre.LITERAL:
                chars.add((chr(value), True))
            elif kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
                chars.update((digit, True) for digit in "0123456789")
            else:
                return None
        return chars
    if op is sre.SUBPATTERN:
        return _heads_of_sequence(list(av[3]))  # type: ignore[index]
    if op is sre.BRANCH:
        union: _Heads = set()
        for alternative in av[1]:  # type: ignore[index]
            heads = _heads_of_sequence(list(alternative))
            if heads is None:
                return None
            union |= heads
        return union
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low: int = av[0]  # type: ignore[index]
        high: int = av[1]  # type: ignore[index]
        body: Any = av[2]  # type: ignore[index]
        heads = _heads_of_sequence(list(body))
        if heads is None:
            return None
        repeated = {(prefix, open_ and high == 1) for prefix, open_ in heads}
        if low == 0:
            repeated.add(("", True))
        return repeated
    return None


def literal_heads(pattern: str) -> frozenset[str] | None:
    """The 1-5 character prefixes every match of ``pattern`` starts with, or None when unknown."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # private, stable since 3.11; import-time only

        state = _heads_of_sequence(list(_parser.parse(pattern)))
    except (ImportError, AttributeError, TypeError, ValueError):  # another Python: no gating
        return None
    if state is None:
        return None
    heads = frozenset(prefix for prefix, _ in state)
    return None if "" in heads else heads


def _word_starts(lowered: str) -> set[str]:
    """Every 1- to 5-character string that starts where no word character precedes it."""
    return set(itertools.chain.from_iterable(_WORD_START_RE.findall(lowered)))


class _Rule:
    """A named word-start regex plus the literal heads that gate it."""

    __slots__ = ("heads", "name", "regex")

    def __init__(self, name: str, pattern: str, flags: int = 0) -> None:
        self.name = name
        self.regex = _phrases(pattern, flags)
        self.heads = literal_heads(pattern)

    def may_match(self, starts: set[str]) -> bool:
        return self.heads is None or not self.heads.isdisjoint(starts)

    def search(self, lowered: str, starts: set[str]) -> re.Match[str] | None:
        return self.regex.search(lowered) if self.may_match(starts) else None


class _RuleSet:
    """Rules indexed by their heads: one set intersection finds the few that may match a text."""

    __slots__ = ("always", "by_head", "heads", "rules")

    def __init__(self, rules: dict[str, str]) -> None:
        self.rules = tuple(_Rule(name, pattern) for name, pattern in rules.items())
        self.always = tuple(i for i, rule in enumerate(self.rules) if rule.heads is None)
        self.by_head: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for head in rule.heads or ():
                self.by_head.setdefault(head, []).append(i)
        self.heads = frozenset(self.by_head)

    def candidates(self, starts: set[str]) -> list[_Rule]:
        """The rules, in declaration order, that may match a text with these word starts."""
        found = set(self.always)
        for head in self.heads.intersection(starts):
            found.update(self.by_head[head])
        return [self.rules[i] for i in sorted(found)]

    def matching(self, lowered: str, starts: set[str]) -> list[str]:
        """Names of the rules that match, in declaration order."""
        return [rule.name for rule in self.candidates(starts) if rule.regex.search(lowered)]


# ==================================================================================================
# Urgency and topics
# ==================================================================================================

URGENCY_PATTERNS: dict[str, str] = {
    "outage": r"\boutage\b|\b(?:site|website|app|system|service|server|network|platform|portal|"
    r"internet|wifi|checkout|payments?) (?:is |are |was |has |went |keeps? |seems )?(?:down|offline|"
    r"crash\w*|unavailable|broken|not (?:working|loading))\b|\bdown for (?:everyone|hours|days)\b|"
    r"\b(?:500|502|503|504) error\b|\bservice unavailable\b",
    "fraud": r"\bfraud\w*|\bscam\w*|\bunauthori[sz]ed\b|\bphishing\b|\bidentity theft\b|\bstolen "
    r"(?:card|identity|account|money|points|miles)\b|\bhacked\b|\bcharges? i (?:didn'?t|did not) "
    r"make\b|\bfake (?:account|page|website|site|profile)\b",
    "safety": r"\bunsafe\b|\bsafety\b|\bdanger\w*|\binjur\w*|\bfire\b|\bsmoke\b|\bemergency\b|"
    r"\baccident\b|\bturbulence\b|\bcrash landing\b|\bhazard\w*|\bexplod\w*|\bcarbon monoxide\b|"
    r"\bgas leak\b|\bcollaps\w*|\bbleeding\b|\belectric shock\b|\bchoking\b|\brecall\b",
    "legal": r"\blawyers?\b|\battorneys?\b|\bsue\b|\bsuing\b|\blawsuit\b|\blegal action\b|"
    r"\bsmall claims\b|\bbbb\b|\bbetter business bureau\b|\bdot complaint\b|\bconsumer protection\b|"
    r"\bombudsman\b|\bregulator\b|\bclass action\b|\bcourt\b|\bfile a complaint with\b|\bfaa\b",
    "cancel": r"\bcancel+(?:ing|ed)? (?:my|our|the) (?:account|subscription|membership|plan|contract|"
    r"service|card|credit card|loyalty|rewards)\b|\bclose (?:my|our) account\b|\bswitching (?:to|"
    r"providers|airlines|banks)\b|\btaking my business elsewhere\b|\bnever (?:fly|flying|use|using|"
    r"buy|buying|book|booking|shop|order|ordering) (?:with |from )?(?:you|u|\w+) (?:again|ever)\b|"
    r"\blost (?:a|another) customer\b|\b(?:done|through) with (?:you|u|this (?:company|airline))\b",
    "health": r"\ballerg\w*|\banaphyla\w*|\bfood poisoning\b|\bhospital\w*|\bmedical\b|\bmedic\w*|"
    r"\bambulance\b|\binsulin\b|\bdiabet\w*|\bseizure\b|\bheart attack\b|\bpregnan\w*|\bwheelchair\b"
    r"|\bdisabilit\w*|\bepipen\b|\bill\b|\bsick\b|\bvomit\w*|\bpassed out\b",
    "threat": r"\bkill\b|\bbomb\w*|\bshoot\b|\bgun\b|\bi will hurt\b|\bburn (?:it|this|your)\b|"
    r"\bsuicid\w*|\bkill myself\b|\bend my life\b|\bself[- ]harm\b|\bthreat\w*",
    "privacy": r"\bdata breach\b|\bbreach\b|\bmy (?:personal )?(?:data|information|details|info) "
    r"(?:was|were|has been|have been|is|are) (?:leaked|exposed|shared|sold|stolen)\b|\bleaked\b|"
    r"\bgdpr\b|\bdox+\w*|\bprivacy\b|\bpersonal (?:data|information)\b|\bdelete my (?:data|account "
    r"data|information)\b",
}

TOPIC_PATTERNS: dict[str, str] = {
    "fraud": URGENCY_PATTERNS["fraud"],
    "safety": URGENCY_PATTERNS["safety"],
    "privacy": URGENCY_PATTERNS["privacy"],
    "cancellation": r"\bcancel+(?:ed|ing|ation|ations|s)?\b|\bcanceled\b|\bcancelad[oa]\b|\bannulé\w*|"
    r"\bgestrichen\b|\bstorniert\b|\bcancellat[oa]\b|\bgeannuleerd\b",
    "delay": r"\bdelay\w*|\blate\b|\bbehind schedule\b|\bmissed (?:my |our |the )?(?:connect\w*|flight)|"
    r"\bmisconnect\w*|\btarmac\b|\bwaiting (?:at|on|in) the (?:gate|plane|runway)\b",
    "baggage": r"\bbags?\b|\bmaletas?\b|\bvalises?\b|\bkoffer\b|\bgepäck\b|\bvaligi[ae]\b|\bequipaje\b|"
    r"\bbagag(?:em|e|li[oa])\b|\bbaggage\b|\bluggage\b|\bsuitcases?\b|\bcarry[- ]?ons?\b|\bstroller\b|"
    r"\bcar ?seat\b|\blost and found\b",
    "refund": r"\brefund\w*|\breembolso\b|\bremboursement\b|\berstattung\b|\brimborso\b|\breimburs\w*|"
    r"\bmoney back\b|\bcompensat\w*|\bvouchers?\b|\bcredit back\b",
    "payment": r"\bcharged?\b|\bcharges\b|\bpayments?\b|\bbill(?:ed|ing)?\b|\bcredit card\b|"
    r"\bdebit card\b|\bfees?\b|\binvoice\w*|\bovercharg\w*|\bpaypal\b|\btransaction\w*|\bpaid\b",
    "booking": r"\bbook(?:ed|ing|ings)?\b|\breservations?\b|\brebook\w*|\bitinerar\w*|\btickets?\b|"
    r"\bconfirmation (?:number|code|email)\b|\bupgrad\w*|\bseat (?:assignment|selection)\b|"
    r"\bchange (?:my|our) (?:flight|reservation|booking|seat|ticket)\b|\bstandby\b",
    "customer_service": r"\bcustomer (?:service|care|support|relations)\b|\bon hold\b|\bhung up\b|"
    r"\bcall (?:center|centre|back)\b|\bagents?\b|\brepresentatives?\b|\breps?\b|\bstaff\b|"
    r"\bemployees?\b|\bno (?:response|reply|answer)\b|\brude\b|\bsupport\b|\bhotline\b|\bphone\b|"
    r"\bcrew\b|\bflight attendants?\b|\bmanager\b|\bsupervisor\b|\blines?\b|\bqueue\b",
    "app_outage": r"\bapp\b|\bwebsite\b|\bsite\b|\bonline\b|\blog ?in page\b|\bcheck[- ]?in online\b|"
    r"\bmobile\b|\bbrowser\b|\bcrash\w*|\berror\b|\bglitch\w*|\bbug\b|\bnot loading\b|\boutage\b|"
    r"\bserver\b|\bsystem (?:is )?down\b|\bwifi\b|\bwi-fi\b",
    "delivery": r"\bdeliver\w*|\bpackages?\b|\bparcels?\b|\bshipp\w*|\bshipment\b|\bcourier\b|"
    r"\btracking\b|\bdispatch\w*|\barriv\w* damaged\b|\bnever arrived\b|\border (?:hasn'?t|has not|"
    r"never|still)\b|\bwhere(?:'s| is) my order\b",
    "product_quality": r"\bdefect\w*|\bfaulty\b|\bbroken\b|\bbroke\b|\bdamaged?\b|\bquality\b|"
    r"\bstopped working\b|\bdoesn'?t work\b|\bmalfunction\w*|\bdirty\b|\bfilthy\b|\bsmell\w*|"
    r"\bstale\b|\bcold food\b|\bexpired\b|\bmold\w*|\bcracked\b|\btorn\b|\bripped\b|\bleak(?:s|ing|y)\b",
    "account_access": r"\blog ?in\b|\blog(?:ged)? (?:me )?out\b|\bsign ?in\b|\bpasswords?\b|"
    r"\blocked out\b|\baccount (?:locked|suspended|disabled|blocked)\b|\b2fa\b|\btwo[- ]factor\b|"
    r"\bverification code\b|\breset (?:my )?password\b|\bcan'?t (?:access|get into) (?:my )?account\b|"
    r"\busername\b|\bmileage ?plus\b|\bfrequent flyer (?:account|number)\b",
}

#: urgency categories that are themselves a complaint (safety and health may be a question)
_COMPLAINT_URGENCY = frozenset({"outage", "fraud", "legal", "cancel", "threat", "privacy"})

#: tie-break order for the primary topic: the more specific and the more urgent first
TOPIC_PRIORITY: tuple[str, ...] = (
    "fraud",
    "safety",
    "privacy",
    "cancellation",
    "baggage",
    "refund",
    "delay",
    "payment",
    "account_access",
    "app_outage",
    "delivery",
    "product_quality",
    "booking",
    "customer_service",
)


_URGENCY_RULES = _RuleSet(URGENCY_PATTERNS)
_TOPIC_RULES = _RuleSet(TOPIC_PATTERNS)

# ==================================================================================================
# Customer-service rules and cues; each fires at most once and adds its COMPLAINT_WEIGHTS entry
# ==================================================================================================

_NUM = r"(?:\d+|an?|one|two|three|four|five|six|several|many|multiple|few)"

#: (signal, pattern); signals double as the keys of COMPLAINT_WEIGHTS
SERVICE_RULES: tuple[tuple[str, str], ...] = (
    # waiting and being ignored
    (
        "on hold",
        r"\bon hold\b|\bhold (?:times?|music)\b|\bhung up\b|\bhang(?:s|ing)? up\b|\bdisconnected\b",
    ),
    (
        "still waiting",
        r"\bstill (?:no|not|nothing|waiting|haven'?t|hasn'?t|have ?n[o']|stuck|on|sitting|missing|"
        r"can'?t|unable|without|trying|no word)\b|\b(?:been|keep|kept) waiting\b|\bwaiting (?:for|on) "
        r"(?:an? |my |our |the )?(?:hours?|days?|weeks?|ever|response|reply|answer|call|refund|bags?)",
    ),
    ("waited hours", rf"\b{_NUM}\+? ?(?:hours?|hrs?|days?|weeks?|mins?|minutes?)\b(?! ago)"),
    (
        "no response",
        r"\bno (?:one|body)\b|\bnobody\b|\bno (?:response|reply|replies|answer|call ?back|help|"
        r"assistance|info|information|updates?|explanation|communication|word|notice|apology|"
        r"compensation|accountability|record|idea|clue|way|show|food|water|seats?|agents?|staff|crew|"
        r"pilot|gate)\b(?! (?:needed|necessary|required))|\b(?:never|didn'?t|haven'?t|hasn'?t|did not|"
        r"have not|has not) (?:yet )?(?:got|gotten|received|heard|arrived|showed|come|came|responded|"
        r"replied|answered|called|been "
        r"(?:contacted|helped|refunded|delivered|located|found|returned|processed|resolved|fixed))\b",
    ),
    (
        "nobody helps",
        r"\bnadie\b|\bpersonne ne\b|\bne \w+ personne\b|\bniemand\b|\bnessuno\b|\bningu[eé]m\b|"
        r"\bsin respuesta\b|\bsans réponse\b|\bkeine antwort\b|\bnessuna risposta\b|\bsem resposta\b|"
        r"\bgeen (?:antwoord|reactie)\b",
    ),
    ("ignored", r"\bignor(?:ed|ing|e)\b|\bleft (?:us|me) (?:stranded|stuck|waiting|hanging)\b"),
    # service failures
    (
        "lost bag",
        r"\b(?:lost|missing|damaged|broken|destroyed|delayed|misplaced|where(?:'s| is| are)) (?:my|our|"
        r"the|a|his|her)? ?(?:\w+ )?(?:bags?|luggage|suitcases?|baggage|stroller|car ?seat|package|"
        r"parcel|order)\b|\b(?:bags?|luggage|baggage|suitcases?) (?:is |are |was |were |has |have )?"
        r"(?:still )?(?:lost|missing|damaged|broken|not here|didn'?t (?:make|arrive)|never)",
    ),
    (
        "delayed",
        r"\bdelay(?:ed|s|ing)?\b|\blate\b(?! (?:night|evening|afternoon|morning|january|february|march|"
        r"april|may|june|july|august|september|october|november|december))|\bbehind schedule\b|"
        r"\bmissed (?:my |our |the )?(?:connect\w*|flight|meeting|appointment)|\bmisconnect|\bretras[oa]\b|"
        r"\bretard\b|\bverspät\w*|\bin ritardo\b|\batrasad[oa]\b|\bvertraagd\b|\bvertraging\b",
    ),
    (
        "cancelled",
        r"\bcancel+(?:ed|ing|ation|ations)?\b|\bcanceled\b|\bcancelad[oa]\b|\bannulé\w*|"
        r"\bgestrichen\b|\bstorniert\b|\bannullat[oa]\b|\bcancellat[oa]\b|\bgeannuleerd\b",
    ),
    (
        "cancellation risk",
        r"\b(?:be|being|get|gets|getting|will|going to|gonna|likely|chances?|expect\w*|anticipat\w*|"
        r"possibl\w*|might|may|if) (?:\w+ )?(?:cancel|canceled|cancelled|delayed)\b",
    ),
    ("stranded", r"\bstranded\b|\bstuck\b|\bsleep(?:ing)? (?:in|at) the airport\b|\bovernight\b"),
    (
        "refund",
        r"\brefund\w*|\breimburs\w*|\bmoney back\b|\bcompensat\w*|\bcharged (?:me )?(?:twice|again|"
        r"double|extra)|\bdouble charged\b|\breembolso\b|\bremboursement\b|\berstattung\b|\brimborso\b|"
        r"\bterugbetaling\b|\bovercharg\w*|\bchargeback|\bfile a claim\b|\bclaim "
        r"(?:number|form)\b",
    ),
    (
        "not working",
        r"\b(?:not|isn'?t|doesn'?t|don'?t|won'?t|wasn'?t|never|stopped) (?:work(?:ing|s)?|load(?:ing)?|"
        r"letting me|let me|accept\w*|open(?:ing)?|respond\w*|show(?:ing)?|function\w*)\b"
        r"|\b(?:can'?t|cannot|couldn'?t|unable to) (?:even )?(?:get|find|check|book|change|log|sign|"
        r"access|reach|call|speak|talk|use|make|print|pay|select|cancel|rebook|see|load|connect|add)\b",
    ),
    (
        "bad service",
        r"\b(?:customer service|service|support|staff|agents?|crew|attendants?|reps?|representatives?|"
        r"employees?|pilots?|manager|experience|airline|company) (?:is|are|was|were) (?:so |very |"
        r"really |extremely )?(?:bad|poor|terrible|awful|rude|horrible|useless|lacking|nonexistent|"
        r"non-existent|a joke|slow)|\b(?:poor|bad|terrible|awful|horrible|lousy|no|zero|non-?existent)"
        r" (?:customer )?(?:service|support|communication|help)\b",
    ),
    (
        "repeat failure",
        r"\b(?:yet )?again\b|\bevery (?:single )?time\b|\b(?:second|third|fourth|2nd|3rd|4th) time\b"
        r"|\b(?:twice|three times|multiple times|several times|countless)\b",
    ),
    (
        "exasperation",
        r"\bseriously\s*[?!.,]|\breally\s*\?|\b(?:are you kidding|you'?re kidding|come on|how (?:hard|"
        r"difficult) is it|what (?:a|the) (?:joke|hell|heck)|this is (?:ridiculous|insane|absurd|a joke|"
        r"unacceptable|crazy|beyond)|so much for|what is going on|what'?s going on|explain (?:to me )?why|"
        r"get it together|step it up|do better|fix (?:it|this)|no excuse|not (?:ok|okay|acceptable|"
        r"cool|happy|impressed|good enough)|fed up|had enough|last time|never again|never (?:fly|use|"
        r"book|buy|recommend)|won'?t be (?:flying|using|booking|buying)|lost a customer|switching to|"
        r"let (?:me|us) down|letting (?:\w+ )?down)\b",
    ),
    (
        "need help",
        r"\b(?:help|assist) (?:me|us)\b|\bneed (?:help|assistance|someone|an answer|to speak|to talk|"
        r"a (?:human|person|real person))|\b(?:real|actual|live) (?:person|human)\b|\bspeak (?:to|with)"
        r" (?:a|an|someone|somebody|anyone|the)\b",
    ),
    (
        "rude staff",
        r"\b(?:rude|unhelpful|unprofessional|nasty|condescending|incompetent|clueless) (?:\w+ )?"
        r"(?:agents?|staff|crew|attendants?|employees?|reps?|people|lady|guy|man|woman|gate agent)",
    ),
    ("#fail", r"#\w*fail\w*|#\w*(?:sucks|worst|never\w*|unhappy|angry|disappointed)\b"),
    (
        "service failure",
        r"\boverbooked\b|\boversold\b|\bbumped\b|\bdiverted\b|\bmechanical\b|\bmaintenance\b|"
        r"\btarmac\b|\bsat on the (?:plane|runway)\b|\bwrong (?:\w+ )?(?:item|order|size|charge|"
        r"amount|information|info|gate)\b|\bbroke (?:down)?\b|\bout of stock\b|\bno longer\b|"
        r"\bran out of\b|\brun out of\b",
    ),
    # what customers say after the service failed them: effort, broken promises, refusals
    (
        "was told",
        r"\b(?:was|were|been|got|get|being|am|keep getting) told\b|\bthey told (?:me|us)\b|"
        r"\btold (?:me|us) (?:to|that|i|we|it)\b",
    ),
    (
        "kept trying",
        r"\b(?:been|keep|kept|still|spent \w+(?: \w+)?) trying\b|\btried (?:to|calling|multiple|"
        r"several|twice|again|everything)\b",
    ),
    (
        "customer effort",
        r"\b(?:i|we|i'?ve|we'?ve|i have|we have) (?:already )?(?:called|emailed|dm'?d|messaged|tweeted|"
        r"contacted|spoke|talked|filed|submitted|sent)\b|\bcall(?:ed|ing|s)\b|\bphone calls?\b",
    ),
    ("refused", r"\brefus\w+|\bdenied\b|\bwon'?t (?:let|allow|give|refund|help|honou?r)\b"),
    ("broken promise", r"\bsupposed to\b|\bshould (?:have|'ve)\b|\bwas meant to\b|\bpromised\b"),
    ("not even", r"\b(?:not|n't|can'?t|cannot) even\b|\beven (?:though|after|when)\b"),
)

_SERVICE_RULES = _RuleSet(dict(SERVICE_RULES))

#: praise that is ironic when the message also reports a failure
_SARCASM = _Rule(
    "sarcasm",
    r"\b(?:great|good|nice|awesome|fantastic|amazing|excellent|wonderful|stellar) (?:job|work|going|"
    r"one|way to|(?:customer )?service)\b|\bwell done\b|\bway to go\b(?! (?:from|to)\b)|"
    r"\blove (?:how|that|when|it when|being|waiting|sitting|spending|the fact)\b|"
    r"\bjust (?:great|perfect|wonderful|awesome|lovely|fantastic)\b|\bso (?:much )?fun\b|"
    r"\bthanks? (?:you )?(?:a lot|a bunch|a ton|so much for)\b|"
    r"\bappreciate (?:it|that)\b|\bthanks again\b",
)
#: sarcasm whatever the context
_SURE_SARCASM = _Rule(
    "sure sarcasm",
    r"\bthanks? (?:you )?for (?:nothing|ruining|wasting|losing|ignoring|cancel\w*|delay\w*|strand\w*|"
    r"leaving (?:me|us)|charging|breaking|damaging|making (?:me|us|my|our) (?:miss|wait|late|sit|"
    r"stand|sleep)|the (?:\w+ )?(?:delay|wait|headache|hassle|runaround|trouble|bs|bullshit|"
    r"miserable|terrible|horrible|awful|worst))\b|#not\b|#sarcasm\b|\byeah right\b|\bsure(?:ly)? "
    r"(?:is|was) fun\b|\bthanks?(?: you)?\W*(?:not|no)\b|\bcan'?t wait to never\b|\bnot\b.{0,20}"
    r"\bthanks to (?:you|u)\b",
)
#: gratitude that stays sincere next to a failure ("kudos to the crew despite the delay")
_GENUINE = _Rule(
    "genuine",
    r"\bkudos\b|\bthanks to\b|\bshout ?out\b|\bin spite of\b|\bdespite\b|\bkeep up\b|\bprops\b|"
    r"\braises?\b|\bmade (?:my|her|his|our) day\b",
)
#: failure rules strong enough to make a compliment ironic
_STRONG_FAILURES = frozenset(
    {
        "on hold",
        "still waiting",
        "waited hours",
        "no response",
        "ignored",
        "lost bag",
        "delayed",
        "cancelled",
        "stranded",
        "bad service",
        "rude staff",
        "#fail",
        "service failure",
        "refused",
    }
)

#: explicit gratitude / praise without irony
_PRAISE = _Rule(
    "praise",
    r"\b(?:thank(?:s| you)|thx|ty|cheers|kudos|shout ?out|props|appreciate|grateful|thankful)\b|"
    r"\b(?:love|loved|loving) (?:you|u|this|it|your|the|flying|my)\b|\b(?:great|excellent|amazing|"
    r"awesome|fantastic|wonderful|outstanding|friendly|fast|quick|helpful) (?:service|crew|staff|"
    r"job|flight|experience|support|team|people|agent|pilot|help)\b|\byou (?:rock|guys rock|are the "
    r"best|'re the best|re the best|are awesome|'re awesome|made my day)\b",
)
_PRAISE_EMOJI_RE = re.compile(r"[❤♥💕💖💙💜💚💛😍🥰👏🙌🎉]")

_NO_REPLY_RE = _phrases(
    r"\bno (?:need (?:to|for a) (?:reply|respond|response|answer)|reply (?:needed|necessary|required)|"
    r"response (?:needed|necessary|required))\b|\bnot a complaint\b|\bno complaints?\b|"
    r"\b(?:don'?t|do not) (?:need to |have to )?(?:reply|respond)\b",
    re.IGNORECASE,
)

_QUESTION = _Rule(
    "question",
    r"^(?:how|what|when|where|why|who|which)(?:'s| (?:is|are|was|were|do|does|did|can|could|would|"
    r"will|should|has|have|long|much|many|about|if))\b|^(?:can|could|would|will|is|are|do|does|did|"
    r"should|may|has|have) (?:you|u|i|we|someone|anyone|there|it|this|my|the|they)\b|^any (?:way|"
    r"update|news|word|idea|chance|info)\b|\bhow (?:do|can|does|would|should) (?:i|we|you)\b|"
    r"\b(?:can|could|would|will) (?:you|u|someone|anyone) (?:please |pls )?(?:help|tell|check|"
    r"confirm|let|send|look|explain|advise|fix|change|update|dm|assist|provide|give)\b|\bis there "
    r"(?:a|an|any)\b|\banyone know\b|\bwondering\b|\bplease (?:advise|confirm|let me know|tell)\b|"
    r"\blet me know\b|\bi (?:need|want) to know\b",
)
_LEADING_HANDLES_RE = re.compile(r"^(?:\W*@\w+)+[\s:,.-]*")

#: a question that carries its own complaint: "why is my flight delayed?"
_NEGATIVE_QUESTION = _Rule(
    "negative question",
    r"\bwhy (?:is|are|was|were|does|do|did|can'?t|won'?t|would|isn'?t|aren'?t|haven'?t|hasn'?t|"
    r"didn'?t|doesn'?t|don'?t|wasn'?t|should|on earth|the hell|not|no|has|have|am|must|it|must|"
    r"wouldn'?t|couldn'?t)\b|\bhow (?:come|many (?:more|times)|is it (?:possible|acceptable|ok))\b|"
    r"\bwhere(?:'s| is) (?:my|our|the) (?:bag|luggage|refund|money|order|package|flight|plane|crew|"
    r"agent|pilot)|\bwhat (?:happened|is going on|'s going on|the)\b|\bwhen (?:will|are|is) (?:my|"
    r"our|the|i|we|you)\b.{0,40}\b(?:refund|bag|luggage|money|back|fixed|respond|answer|call)",
)

#: asking how to do something: the question of a customer who is not (yet) unhappy
_INFO_REQUEST = _Rule(
    "info request",
    r"\bhow (?:do|can|would|should) (?:i|we)\b|\b(?:can|could|may) (?:i|we)\b|\bis it possible\b|"
    r"\bdo you (?:have|offer|allow|know|sell|fly|accept)\b|\bwhat (?:is|are) (?:the|your)\b|"
    r"\bwhere can (?:i|we)\b|\bi(?: would|'d)? (?:want|like|need) to (?:know|add|change|book|buy|"
    r"upgrade|get|check|order|bring)\b|\bis there (?:a|an|any)\b",
)
_REQUEST = _Rule("request", r"\b(?:please|pls|plz)\b")
_DM = _Rule("dm", r"\bdm\b|\bdirect message\b|\bfollow (?:me|back)\b|\bprivate message\b")
_ALL_CAPS_WORDS_RE = re.compile(r"\b[A-Z]{3,}\b")
_REPEATED_PUNCT_RE = re.compile(r"[!?]{2,}")

#: The complaint score: the lexicon sums per valence point, every other feature once when present.
#: Fitted by L2 logistic regression on the airline dev split (even tweet_id), rounded to 0.1; set by
#: hand, by analogy, where the airline data has (almost) no examples: the fraud, privacy, delivery,
#: payment and account topics, "urgent", "nobody helps" (non-English), "ignored", "rude staff",
#: "sarcasm", "ALL CAPS", "repeated punctuation", "request" and "cancellation risk".
COMPLAINT_WEIGHTS: dict[str, float] = {
    "lexicon-": 0.6,
    "lexicon+": 0.4,
    "on hold": -1.4,
    "still waiting": -1.3,
    "waited hours": -1.7,
    "no response": -0.8,
    "ignored": -0.7,
    "nobody helps": -1.5,
    "lost bag": -0.2,
    "delayed": -1.0,
    "cancelled": -0.7,
    "cancellation risk": 0.1,
    "stranded": -0.6,
    "refund": -0.7,
    "not working": -0.1,
    "bad service": -0.6,
    "repeat failure": -1.0,
    "exasperation": -1.4,
    "need help": -0.3,
    "rude staff": -0.5,
    "#fail": -0.7,
    "service failure": -0.7,
    "was told": -0.7,
    "kept trying": -1.0,
    "customer effort": -0.4,
    "refused": -0.7,
    "broken promise": -0.8,
    "not even": -0.7,
    "negation": -1.3,
    "question mark": 0.3,
    "interrogative": 0.3,
    "negative question": -1.5,
    "request": 0.0,
    "info request": 0.7,
    "dm": 0.7,
    "link": 0.8,
    "praise": 1.1,
    "sarcasm": -0.5,
    "urgent": -1.0,
    "ALL CAPS": -0.3,
    "caps": 0.3,
    "repeated punctuation": -0.1,
    "topic:fraud": -1.0,
    "topic:safety": -0.1,
    "topic:privacy": -1.0,
    "topic:cancellation": -0.6,
    "topic:baggage": -1.3,
    "topic:refund": 0.2,
    "topic:delay": -0.7,
    "topic:payment": -0.5,
    "topic:account_access": -0.5,
    "topic:app_outage": -0.5,
    "topic:delivery": -1.0,
    "topic:product_quality": -1.3,
    "topic:booking": 0.0,
    "topic:customer_service": -1.2,
}
#: features that describe how the message is put rather than what it feels: not in ``sentiment``
STRUCTURAL_FEATURES = frozenset(
    {"negation", "question mark", "interrogative", "info request", "request", "dm", "link"}
) | {"topic:" + t for t in TOPIC_PRIORITY}
#: features that explain nothing on their own in the demo's "why" column
_SILENT_FEATURES = frozenset({"lexicon-", "lexicon+", "negation", "urgent"}) | {
    "topic:" + t for t in TOPIC_PRIORITY
}

#: a mention whose complaint score is at or below this is a complaint (chosen on the dev split)
COMPLAINT_CUTOFF = -0.6
#: sentiment at or below minus this is "negative", at or above it "positive" (VADER's convention)
SENTIMENT_NEUTRAL_BAND = 0.05
#: a mention that is neither complaint nor question and this positive counts as praise
PRAISE_SENTIMENT = 0.3
#: a review's star rating (0..5) moves the score by this much: ≤ 2 down, ≥ 4 up
RATING_SHIFT = 2.5

# ==================================================================================================
# Spam
# ==================================================================================================

SPAM_THRESHOLD = 3.0

#: brand-spam phrases, one gated rule per family
SPAM_PATTERNS: dict[str, str] = {
    "crypto": r"\b(?:bitcoin|btc|crypto\w*|ethereum|eth|nfts?|airdrop|forex|binance|usdt|dogecoin|"
    r"memecoin)\b|#(?:crypto\w*|nft\w*|bitcoin|airdrop)\b|\b\d+x (?:returns?|profit)\b|\bdouble your\b|"
    r"\bguaranteed (?:profit|returns?|income)\b|\binvest(?:ment)? (?:opportunity|platform)\b",
    "adult": r"\b(?:onlyfans|viagra|casino|betting|porn|xxx|nudes?|escort)\b|\bsugar (?:daddy|mommy)\b|"
    r"\bhot (?:singles|girls)\b",
    "follow": r"\b(?:follow (?:for|4) follow|follow ?back|f4f|l4l|like (?:for|4) like|gain (?:\d+ )?"
    r"followers|free followers|buy followers|followers? (?:fast|free|cheap))\b|#(?:followback|f4f|"
    r"teamfollowback|followtrain)\b",
    "giveaway": r"\b(?:giveaways?|sweepstakes?)\b|#giveaway\b|\bwin (?:a |an )?(?:free|\$|£|€|iphone|ipad|"
    r"gift ?card|cash|prize)|\byou(?:'ve| have)? won\b|\bclaim (?:your|my|the)? ?(?:prize|reward|gift|free|"
    r"bonus|airdrop|tokens?)\b|\bfree (?:iphone|gift ?cards?|money|cash|tokens?|followers|likes)\b|"
    r"\bretweet to win\b|\brt to win\b",
    "promo": r"\b(?:dm|inbox|message) me (?:for|now|to)\b|\bdm (?:for|me for) (?:promo|collab|business|"
    r"more|info)\b|\bcheck (?:out )?my (?:profile|bio|page|channel|link|store|shop)\b|\blink in (?:my )?"
    r"bio\b|\bclick (?:the |this |my )?link\b|\b(?:promo|discount|coupon) code\b|\bbuy now\b|"
    r"\blimited (?:time )?offer\b|\bact now\b|\bhurry\b|\bwhats ?app me\b|\btelegram\b",
    "money": r"\bearn (?:\$|£|€)?\d+|\b(?:make|earn) money (?:online|fast|from home)\b|\bwork from home\b|"
    r"\bpassive income\b|\bcash ?app\b",
}
_SPAM_RULES = _RuleSet(SPAM_PATTERNS)
_CLICKBAIT_RE = _phrases(
    r"\b(?:BREAKING|WOW|SHOCKING|PROOF|WATCH|MUST SEE|VIRAL|EXPOSED|LEAKED|URGENT)\b|\byou won'?t "
    r"believe\b|\bwhat happens next\b|\bgoes viral\b"
)
_LINK_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*")
_HASHTAG_RE = re.compile(r"(?<!\w)#\w+")
_HANDLE_RE = re.compile(r"(?<!\w)@\w+")
_REPEATED_CHAR_RE = re.compile(r"(\w)\1{4,}|([^\w\s])\2{5,}")


def _has_link(lowered: str) -> bool:
    return "http" in lowered or "www." in lowered or "pic.twitter" in lowered


def _spam(text: str, lowered: str, starts: set[str], relevance: int) -> tuple[bool, list[str]]:
    """Whether a mention is spam, and why. ``relevance`` counts its service failures and topics."""
    signals: list[str] = []
    score = 0.0
    phrases: set[str] = set()
    for rule in _SPAM_RULES.candidates(starts):
        phrases.update(m.group(0) for m in rule.regex.finditer(lowered))
    if phrases:
        score += 2.0 + min(len(phrases) - 1, 2)
        signals.append("spam:" + min(phrases))
    if _has_link(lowered):
        score += 0.5 * min(len(_LINK_RE.findall(lowered)), 2)
    if text.count("#") >= 3:
        hashtags = len(_HASHTAG_RE.findall(text))
        if hashtags >= 3:
            score += 1.0 + 0.25 * min(hashtags - 3, 4)
            signals.append(f"{hashtags} hashtags")
    if text.count("@") >= 4:
        handles = len(_HANDLE_RE.findall(text))
        if handles >= 4:
            score += 1.0
            signals.append(f"{handles} mentions")
    score -= 1.5 * min(relevance, 2)  # talking about the service is what spam does not do
    if score >= SPAM_THRESHOLD - 1.5:  # the weak cues can only tip a mention that is close already
        if _REPEATED_CHAR_RE.search(text):
            score += 0.5
            signals.append("repeated characters")
        if _CLICKBAIT_RE.search(text):
            score += 1.0
            signals.append("clickbait")
    return score >= SPAM_THRESHOLD, signals


# ==================================================================================================
# Language (function words per language, each word's vote split between the languages sharing it)
# ==================================================================================================

_LANGUAGE_WORDS: dict[str, str] = {
    "en": "the and is are was were you your to of in it that this for with on my me have has not but "
    "what why how when where can will just get got please thanks thank be been would could there they "
    "their our we from at an or so do does did don't i'm it's i you're can't didn't any all about "
    "after again still now today flight time hours help great good a as if by up out u ur he she his "
    "her its who which than then too very more only also some one off like yes lol really sure new "
    "need know think want way thing day back over into no am us them him being going doing should "
    "never ever done made make take told said say see send let lost still yet because why who whom "
    "this those these here guys customer service love best worst bad sucks nice cool thx pls",
    "es": "el la los las que de del y en es un una por para con no mi mis su pero como más muy está "
    "están estoy tengo hola gracias vuelo ya hay me se lo le nos qué porque cuando ser fue son "
    "tiene aún todavía hasta desde nada también ayuda equipaje servicio cliente retraso cancelado "
    "reembolso nadie horas",
    "fr": "le la les des et est une un du de pour avec pas je vous mon ma mes ce cette sur dans qui "
    "que mais très bonjour merci vol il elle nous ne plus au aux été suis avez c'est j'ai n'est "
    "toujours depuis rien aussi aide bagage votre vos client avion retard annulé remboursement aucun "
    "personne",
    "de": "der die das und ist ich nicht ein eine mit den dem zu für auf sie wir es von bei mein "
    "meine ihr ihre noch war sind habe hat aber auch danke bitte flug kein keine schon wie was "
    "warum wann immer seit nichts hilfe gepäck heute kundenservice verspätet verspätung gestrichen "
    "erstattung niemand warte stunden",
    "pt": "o a os as que de do da dos das e é um uma por para com não meu minha seu sua mas como "
    "mais muito está estou tenho obrigado obrigada olá voo já há no na nos nas você vocês isso "
    "ainda desde nada também ajuda bagagem serviço atraso cancelado reembolso ninguém horas",
    "it": "il lo la gli le che di del della e è un una per con non mio mia suo sua ma come più "
    "molto sono ho grazie ciao volo già ci questo questa anche perché quando sei siete ancora "
    "niente aiuto bagaglio servizio ritardo cancellato rimborso nessuno ore",
    "nl": "de het een en is van ik niet met voor op zijn je mijn maar ook nog wat waarom wanneer bij "
    "dit dat er we hebben heb bedankt dank vlucht geen wel jullie al naar hoe alweer bagage "
    "vertraging geannuleerd terugbetaling niemand uur klantenservice",
}


def _language_votes() -> dict[str, tuple[tuple[str, float], ...]]:
    owners: dict[str, list[str]] = {}
    for language, words in _LANGUAGE_WORDS.items():
        for word in set(words.split()):
            owners.setdefault(word, []).append(language)
    return {word: tuple((lang, 1.0 / len(langs)) for lang in langs) for word, langs in owners.items()}


_LANGUAGE_VOTES = _language_votes()
_LANGUAGE_CHARS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r"[ñ¿¡]"), "es", 2.0),
    (re.compile(r"[ãõ]"), "pt", 2.0),
    (re.compile(r"[ß]"), "de", 2.0),
    (re.compile(r"[äöü]"), "de", 1.0),
    (re.compile(r"[œêèùç]"), "fr", 1.0),
    (re.compile(r"[ìò]"), "it", 1.0),
    (re.compile(r"\w+ij|ij\w+"), "nl", 0.5),
)
_ACCENTED_RE = re.compile(r"[ñ¿¡ãõßäöüœêèùçìò]|\wij|ij\w")
_SCRIPTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0900-\u097f]"), "hi"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"),
    (re.compile(r"[\u0400-\u04ff]"), "ru"),
)
_NON_LATIN_RE = re.compile("|".join(pattern.pattern for pattern, _ in _SCRIPTS))
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_LATIN_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
LANGUAGE_MIN_SCORE = 1.0
LANGUAGE_MARGIN = 1.5


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` from function words and letters, or "und" when unclear.

    Covers en, es, fr, de, pt, it and nl by word profile, and a few non-Latin scripts by range.
    """
    text = text.replace(_RIGHT_QUOTE, "'")
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
    return _language_of_words(_tokenize(text)[0], text.lower())


def _language_of_words(words: list[str], lowered: str) -> str:
    if _NON_LATIN_RE.search(lowered):
        for pattern, language in _SCRIPTS:
            if pattern.search(lowered):
                return language
    scores: dict[str, float] = {}
    for word in words:
        for language, vote in _LANGUAGE_VOTES.get(word[1:] if word[0] == "#" else word, ()):
            scores[language] = scores.get(language, 0.0) + vote
    if _ACCENTED_RE.search(lowered):
        for pattern, language, weight in _LANGUAGE_CHARS:
            if pattern.search(lowered):
                scores[language] = scores.get(language, 0.0) + weight
    if not scores:
        return "und"
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < LANGUAGE_MIN_SCORE or score < runner_up * LANGUAGE_MARGIN:
        return "und"
    return best


#: platform codes that predate ISO 639-1's current ones (X still sends some)
_LEGACY_LANGUAGE_CODES = {"in": "id", "iw": "he", "ji": "yi"}


def _given_language(language: str | None) -> str | None:
    """The platform's language tag as ISO 639-1, or None when absent, "und" or not a language."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    if len(primary) != 2 or not primary.isalpha():  # "und", X's "qme"/"zxx", ...
        return None
    return _LEGACY_LANGUAGE_CODES.get(primary, primary)


# ==================================================================================================
# classify
# ==================================================================================================


class _Evidence:
    """Everything read off one text: the complaint features and what intent and routing need."""

    __slots__ = (
        "features",
        "lexical",
        "praise",
        "question",
        "service_hits",
        "starts",
        "topic",
        "topics",
        "urgency",
        "words",
    )

    def __init__(self, text: str, lowered: str) -> None:
        self.words, raw_words = _tokenize(text)
        letters = "".join(filter(str.isalpha, text))
        all_caps = _mostly_caps(letters)
        self.lexical = _Lexical(self.words, raw_words, shouting=not all_caps)
        self.starts = _word_starts(lowered)
        self.features: dict[str, float] = {}
        self._lexicon_features()
        self._service_features(lowered)
        self._tone_features(text, lowered)
        self._shape_features(text, lowered, letters, all_caps)
        self._urgency_and_topics(lowered)

    def _lexicon_features(self) -> None:
        lexical, features = self.lexical, self.features
        if lexical.negative:
            features["lexicon-"] = lexical.negative
        if lexical.positive:
            features["lexicon+"] = lexical.positive
        if lexical.negator:
            features["negation"] = 1.0

    def _service_features(self, lowered: str) -> None:
        self.service_hits = 0
        for name in _SERVICE_RULES.matching(lowered, self.starts):
            self.features[name] = 1.0
            if COMPLAINT_WEIGHTS[name] < 0:
                self.service_hits += 1

    def _tone_features(self, text: str, lowered: str) -> None:
        """Praise, or sarcasm: praise that a failure (or a sure-fire phrase) turns ironic."""
        starts, features = self.starts, self.features
        negative_context = self.lexical.negative <= -2.0 or not _STRONG_FAILURES.isdisjoint(features)
        self.praise = bool(_PRAISE.search(lowered, starts) or _PRAISE_EMOJI_RE.search(text))
        if _SURE_SARCASM.search(lowered, starts) or (
            negative_context and _SARCASM.search(lowered, starts) and not _GENUINE.search(lowered, starts)
        ):
            features["sarcasm"] = 1.0
            features.pop("lexicon+", None)  # the warm words were ironic
            self.praise = False
        elif self.praise:
            features["praise"] = 1.0

    def _shape_features(self, text: str, lowered: str, letters: str, all_caps: bool) -> None:
        """Question shape, requests, DMs, links, shouting."""
        starts, features = self.starts, self.features
        self.question = "?" in text or (
            _QUESTION.may_match(starts)
            and _QUESTION.regex.search(_LEADING_HANDLES_RE.sub("", lowered)) is not None
        )
        if self.question:
            features["question mark" if "?" in text else "interrogative"] = 1.0
            if _NEGATIVE_QUESTION.search(lowered, starts):
                features["negative question"] = 1.0
        for rule in (_INFO_REQUEST, _REQUEST, _DM):
            if rule.search(lowered, starts):
                features[rule.name] = 1.0
        if _has_link(lowered) and _LINK_RE.search(lowered):
            features["link"] = 1.0
        if all_caps and len(letters) >= 12:
            features["ALL CAPS"] = 1.0
        elif len(_ALL_CAPS_WORDS_RE.findall(text)) >= 2:
            features["caps"] = 1.0
        if _REPEATED_PUNCT_RE.search(text):
            features["repeated punctuation"] = 1.0

    def _urgency_and_topics(self, lowered: str) -> None:
        self.urgency = tuple(_URGENCY_RULES.matching(lowered, self.starts))
        if not _COMPLAINT_URGENCY.isdisjoint(self.urgency):
            self.features["urgent"] = 1.0
        counts: dict[str, int] = {}
        for rule in _TOPIC_RULES.candidates(self.starts):
            count = len(rule.regex.findall(lowered))
            if count:
                counts[rule.name] = count
        self.topics = tuple(t for t in TOPIC_PRIORITY if t in counts)
        self.topic = max(self.topics, key=counts.__getitem__) if self.topics else None
        for name in self.topics:
            self.features["topic:" + name] = 1.0

    def scores(self) -> tuple[float, float]:
        """(complaint score, sentiment valence sum): the weighted features, all / non-structural."""
        weights = COMPLAINT_WEIGHTS
        score = sentiment = 0.0
        for name, value in self.features.items():
            weighted = weights[name] * value
            score += weighted
            if name not in STRUCTURAL_FEATURES:
                sentiment += weighted
        return score, sentiment

    def signals(self) -> list[str]:
        lexical = self.lexical
        signals = [f"word:{word}" for word in lexical.words]
        if lexical.negated_negative:
            signals.append("negation+negative")
        if lexical.negated_positive:
            signals.append("negation+positive")
        signals.extend(name for name in self.features if name not in _SILENT_FEATURES)
        signals.extend(f"urgency:{term}" for term in self.urgency)
        return signals


def _text_of(mention: Mention) -> str:
    text = mention.text or ""
    if mention.title:
        text = f"{mention.title}. {text}"
    return text.replace(_RIGHT_QUOTE, "'")


def _no_reply_wanted(lowered: str) -> bool:
    return ("repl" in lowered or "respon" in lowered or "complain" in lowered) and bool(
        _NO_REPLY_RE.search(lowered)
    )


def _label(sentiment: float, is_complaint: bool) -> SentimentLabel:
    if is_complaint or sentiment <= -SENTIMENT_NEUTRAL_BAND:
        return "negative"
    return "positive" if sentiment >= SENTIMENT_NEUTRAL_BAND else "neutral"


def _intent(is_spam: bool, is_complaint: bool, evidence: _Evidence, sentiment: float) -> Intent:
    if is_spam:
        return Intent.SPAM
    if is_complaint:
        return Intent.COMPLAINT
    if evidence.question:
        return Intent.QUESTION
    if evidence.praise or sentiment >= PRAISE_SENTIMENT:
        return Intent.PRAISE
    return Intent.OTHER


def _needs_response(intent: Intent, label: SentimentLabel, urgent: bool, no_reply: bool) -> bool:
    """Spam, pure praise and "no reply needed" chatter need none; urgency always does."""
    if intent is Intent.SPAM:
        return False
    if intent is Intent.PRAISE:
        return urgent
    if intent is Intent.QUESTION:
        return True
    if intent is Intent.COMPLAINT:
        return urgent or not no_reply
    return urgent or (label == "negative" and not no_reply)


def classify(mention: Mention, *, vip: frozenset[str] = frozenset()) -> Classification:
    """Classify one mention for routing.

    Parameters
    ----------
    mention
        The normalised mention (a review's title is read with its text, its rating taken into account).
    vip
        Author handles or ids of VIP customers, compared case-insensitively (a leading "@" is ignored).
    """
    text = _text_of(mention)
    lowered = text.lower()
    no_reply = _no_reply_wanted(lowered)
    if no_reply:  # "no reply needed" is neither a negation nor a "no reply" complaint
        text = _NO_REPLY_RE.sub(" ", text)
        lowered = text.lower()
    evidence = _Evidence(text, lowered)
    score, valence = evidence.scores()
    signals = evidence.signals()

    rating = mention.rating
    if rating is not None and 0 <= rating <= 5 and (rating <= 2 or rating >= 4):
        shift = RATING_SHIFT if rating >= 4 else -RATING_SHIFT
        score += shift
        valence += shift
        signals.append(f"rating {rating:g}")

    sentiment = round(_compound(valence), 4)
    is_complaint = score <= COMPLAINT_CUTOFF
    if is_complaint and evidence.service_hits == 0 and sentiment >= PRAISE_SENTIMENT:
        is_complaint = False  # warm words and no failure: "not bad at all, the crew was lovely"
    is_spam, spam_signals = _spam(
        text, lowered, evidence.starts, evidence.service_hits + (1 if evidence.topics else 0)
    )
    if is_spam and is_complaint and evidence.service_hits:
        is_spam = False  # a real failure with a promo word in it
    if is_spam:
        signals.extend(spam_signals)
        is_complaint = False

    intent = _intent(is_spam, is_complaint, evidence, sentiment)
    label = _label(sentiment, is_complaint)
    needs_response = _needs_response(intent, label, bool(evidence.urgency), no_reply)
    if no_reply and not needs_response:
        signals.append("no reply needed")

    author = mention.author
    verified = bool(author.verified)
    return Classification(
        intent=intent,
        is_complaint=is_complaint,
        sentiment=sentiment,
        sentiment_label=label,
        language=_given_language(mention.language) or _language_of_words(evidence.words, lowered),
        urgency_terms=evidence.urgency,
        topic=evidence.topic,
        topics=evidence.topics,
        reach=reach_of(author.followers, verified),
        followers=author.followers,
        verified=verified,
        engagement=engagement_total(mention.engagement),
        customer_tier=customer_tier(author, vip),
        needs_response=needs_response,
        signals=tuple(dict.fromkeys(signals)),
    )
