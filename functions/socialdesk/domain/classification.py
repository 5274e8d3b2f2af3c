"""Classify a mention for routing: a trained model's intent probabilities and topics, plus data-driven facts.

The intent (complaint, question, praise, spam, other) and the topics come from the routing model
(:mod:`socialdesk.learning`), a versioned file trained by ``make train``. Everything hand-written
that still earns its place is data: urgency terms (the safety net) in ``config/urgency.yaml`` and
language profiles in ``config/languages.yaml``. Reach, tier and engagement are arithmetic on the
mention. No I/O beyond reading those packaged files once, and no network.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field

from socialdesk.domain.mention import Author, Engagement, Mention
from socialdesk.domain.model import Model

if TYPE_CHECKING:
    from socialdesk.learning.model import RoutingModel


class Intent(StrEnum):
    """Why the customer wrote, as far as routing cares."""

    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    SPAM = "spam"
    OTHER = "other"


SentimentLabel = Literal["negative", "neutral", "positive"]
Reach = Literal["none", "low", "medium", "high", "influencer"]

#: intents that may need no reply, when the model is confident of them
NO_REPLY_INTENTS = frozenset({Intent.PRAISE, Intent.SPAM, Intent.OTHER})
#: languages the shipped model was trained to read
MODEL_LANGUAGES = frozenset({"en", "es", "fr", "de", "pt", "it", "und"})
#: decision defaults when a model file carries none
DEFAULT_THRESHOLDS = {"complaint": 0.5, "topic": 0.5, "no_reply": 0.8, "rating_odds": 3.0}
SENTIMENT_NEUTRAL_BAND = 0.25


class Thresholds(Model):
    """Decision thresholds a routing policy sets over the model's own (``None``: the model's).

    Each is a probability: ``complaint`` is the least complaint probability that makes a mention a
    complaint and ``topic`` the least that gives it a topic (both strictly between 0 and 1);
    ``no_reply`` is how sure the model must be of praise, spam or chatter before a mention needs no
    reply (above 0, at most 1: 1 means every mention needs a reply). Unknown names are refused, so a
    typo cannot pass silently.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    complaint: float | None = Field(default=None, gt=0, lt=1)
    topic: float | None = Field(default=None, gt=0, lt=1)
    no_reply: float | None = Field(default=None, gt=0, le=1)

    def over(self, defaults: dict[str, float]) -> dict[str, float]:
        """``defaults`` with every threshold set here in their place."""
        given = {
            name: value for name in type(self).model_fields if (value := getattr(self, name)) is not None
        }
        return {**defaults, **given}


#: no override: the model's thresholds as they are
MODEL_THRESHOLDS = Thresholds()


def decision_thresholds(model: RoutingModel, overrides: Thresholds = MODEL_THRESHOLDS) -> dict[str, float]:
    """The thresholds a decision uses: the defaults, then the model file's, then a policy's ``overrides``."""
    return overrides.over({**DEFAULT_THRESHOLDS, **model.thresholds})


class Classification(Model):
    """What the Classify step knows about one mention (the input of the routing rules)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    intent: Intent
    is_complaint: bool
    #: -1 (surely a complaint) .. 1 (surely praise): P(praise) - P(complaint)
    sentiment: float
    sentiment_label: SentimentLabel
    #: ISO 639-1, or "und" when unknown
    language: str
    #: urgency categories whose terms occur: safety, violence, threat, fraud, legal, privacy, health,
    #: outage, cancel (config/urgency.yaml)
    urgency_terms: tuple[str, ...] = ()
    #: the most probable topic, None when no topic passed its threshold
    topic: str | None = None
    topics: tuple[str, ...] = ()
    reach: Reach = "none"
    followers: int | None = None
    verified: bool = False
    #: likes + reposts + replies + quotes (None counted as 0)
    engagement: int = 0
    customer_tier: str = "standard"
    needs_response: bool = True
    #: short human-readable reasons ("model:routing-…", "safety-net:fraud", "language:ja", ...)
    signals: tuple[str, ...] = ()
    #: calibrated probability per intent (they sum to 1); empty for a hand-built classification
    probabilities: dict[str, float] = Field(default_factory=dict)
    #: which model version classified it
    model_version: str | None = None
    #: urgency categories of the safety net that were found (a human sees it, whatever the model says)
    safety_net: tuple[str, ...] = ()
    #: False when the model could not read the text (a language or script it was not trained on)
    understood: bool = True

    def probability(self, intent: str) -> float:
        """The model's probability of ``intent`` (1/0 from the intent when none was recorded)."""
        if self.probabilities:
            return self.probabilities.get(intent, 0.0)
        return 1.0 if self.intent.value == intent else 0.0


def needs_response(
    intent: Intent, confidence: float, risk: tuple[str, ...], understood: bool, no_reply_at_least: float
) -> bool:
    """False only for an understood, risk-free praise/spam/other the model is confident enough of."""
    if risk or not understood or intent not in NO_REPLY_INTENTS:
        return True
    return confidence < no_reply_at_least


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
# Urgency, language
# ==================================================================================================


def find_urgency(text: str, words: list[str] | None = None) -> tuple[str, ...]:
    """The urgency categories (``config/urgency.yaml``) whose terms occur in ``text``."""
    from socialdesk.learning.runtime import urgency_terms

    matcher, _ = urgency_terms()
    return matcher.categories(text, words)


def safety_net_categories() -> frozenset[str]:
    """The urgency categories that always reach a human queue (the data file's ``safety_net``)."""
    from socialdesk.learning.runtime import urgency_terms

    return urgency_terms()[1]


def detect_language(text: str, words: list[str] | None = None) -> str:
    """ISO 639-1 code of ``text`` (``config/languages.yaml``), or "und" when unclear."""
    from socialdesk.learning.runtime import language_profiles

    return language_profiles().detect(text, words)


# ==================================================================================================
# classify
# ==================================================================================================


def _text_of(mention: Mention) -> str:
    text = mention.text or ""
    if mention.title:
        text = f"{mention.title}. {text}"
    return text


def _with_rating(probs: dict[str, float], rating: float | None, odds: float) -> tuple[dict[str, float], bool]:
    """A review's stars as evidence: ≤ 2 multiplies the complaint odds by ``odds``, ≥ 4 the praise odds."""
    if rating is None or not 0 <= rating <= 5 or 2 < rating < 4:
        return probs, False
    favoured = "praise" if rating >= 4 else "complaint"
    boosted = {k: p * odds if k == favoured else p for k, p in probs.items()}
    total = sum(boosted.values())
    return {k: p / total for k, p in boosted.items()}, True


def decide_intent(probs: dict[str, float], complaint_at: float, risk: bool = False) -> Intent:
    """Complaint when its probability reaches the threshold, else the most probable other intent.

    A mention that trips the safety net is never spam (spam is closed without a human).
    """
    if probs.get("complaint", 0.0) >= complaint_at:
        return Intent.COMPLAINT
    candidates = {k: p for k, p in probs.items() if k != "complaint" and not (risk and k == "spam")}
    return Intent(max(candidates, key=candidates.__getitem__))


def _sentiment(probs: dict[str, float], is_complaint: bool) -> tuple[float, SentimentLabel]:
    score = round(probs.get("praise", 0.0) - probs.get("complaint", 0.0), 4)
    if is_complaint or score <= -SENTIMENT_NEUTRAL_BAND:
        return score, "negative"
    return score, "positive" if score >= SENTIMENT_NEUTRAL_BAND else "neutral"


def classify(
    mention: Mention,
    *,
    vip: frozenset[str] = frozenset(),
    thresholds: Thresholds = MODEL_THRESHOLDS,
    model: RoutingModel | None = None,
) -> Classification:
    """Classify one mention for routing.

    Parameters
    ----------
    mention
        The normalised mention (a review's title is read with its text, its rating taken into account).
    vip
        Author handles or ids of VIP customers, compared case-insensitively (a leading "@" is ignored).
    thresholds
        The routing policy's decision thresholds (``classification.thresholds``), each in place of the
        model's; by default the model's own.
    model
        The routing model; by default the current one (the registry's, else the packaged file).

    Returns
    -------
    Classification
        Intent with its calibrated probabilities, topics, urgency and safety net, language, reach,
        tier, engagement and whether a human must answer.
    """
    # the routing model and its term lists load with the first classification, not at init
    from socialdesk.learning.language import given_language
    from socialdesk.learning.runtime import current_model
    from socialdesk.learning.terms import words_of

    model = model or current_model()
    at = decision_thresholds(model, thresholds)
    text = _text_of(mention)
    prediction = model.predict(text)
    probs, rated = _with_rating(prediction.intents, mention.rating, at["rating_odds"])
    words = words_of(text)
    urgency = find_urgency(text, words)
    risk = tuple(c for c in urgency if c in safety_net_categories())
    language = given_language(mention.language) or detect_language(text, words)
    understood = prediction.evidence > 0 and language in MODEL_LANGUAGES

    intent = decide_intent(probs, at["complaint"], bool(risk))
    is_complaint = intent is Intent.COMPLAINT
    sentiment, label = _sentiment(probs, is_complaint)
    ranked = sorted(
        (t for t, p in prediction.topics.items() if p >= at["topic"]),
        key=lambda t: -prediction.topics[t],
    )
    topics = tuple(dict.fromkeys([*ranked, *(c for c in risk if c in model.topics)]))

    signals = [f"model:{model.version}", f"p({intent.value})={probs[intent.value]:.2f}"]
    signals.extend(f"urgency:{c}" for c in urgency)
    signals.extend(f"safety-net:{c}" for c in risk)
    if not understood:
        signals.append(f"language:{language}")
    if rated:
        signals.append(f"rating {mention.rating:g}")

    author = mention.author
    verified = bool(author.verified)
    # every value is built here from trusted parts: construct without re-validating (about 20 µs)
    return Classification.model_construct(
        intent=intent,
        is_complaint=is_complaint,
        sentiment=sentiment,
        sentiment_label=label,
        language=language,
        urgency_terms=urgency,
        topic=topics[0] if topics else None,
        topics=topics,
        reach=reach_of(author.followers, verified),
        followers=author.followers,
        verified=verified,
        engagement=engagement_total(mention.engagement),
        customer_tier=customer_tier(author, vip),
        needs_response=needs_response(intent, probs[intent.value], risk, understood, at["no_reply"]),
        signals=tuple(signals),
        probabilities={k: round(p, 4) for k, p in probs.items()},
        model_version=model.version,
        safety_net=risk,
        understood=understood,
    )
