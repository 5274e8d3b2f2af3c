"""Routing rules as data: ordered conditions → team, priority, SLA policy, tags. First match wins."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from socialdesk.domain.assignment import AssignmentPolicy
from socialdesk.domain.classification import Classification, Intent, Thresholds, classify
from socialdesk.domain.mention import Mention
from socialdesk.domain.model import Model
from socialdesk.domain.outreach import CsatPolicy
from socialdesk.domain.priority import Priority
from socialdesk.domain.sla import (
    ALWAYS_OPEN,
    DEFAULT_ESCALATION,
    Calendar,
    ClockKind,
    EscalationPolicy,
    SlaPolicy,
)

if TYPE_CHECKING:
    from socialdesk.learning.model import RoutingModel

_REACH_ORDER = ("none", "low", "medium", "high", "influencer")
#: the rule name recorded when the safety net routes a mention
SAFETY_NET_RULE = "safety-net"


class RuleCondition(Model):
    """Every given field must hold (AND); lists mean 'any of'. An empty condition always matches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: tuple[str, ...] = ()
    brand_account: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    intent: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    tier: tuple[str, ...] = ()
    sentiment_at_most: float | None = Field(default=None, ge=-1, le=1)
    sentiment_at_least: float | None = Field(default=None, ge=-1, le=1)
    reach_at_least: Literal["none", "low", "medium", "high", "influencer"] | None = None
    followers_at_least: int | None = Field(default=None, ge=0)
    verified: bool | None = None
    engagement_at_least: int | None = Field(default=None, ge=0)
    surge: bool | None = None
    needs_response: bool | None = None
    #: intent → the least probability the model must give it (all must hold), e.g. ``{complaint: 0.6}``
    probability_at_least: dict[Intent, float] = Field(default_factory=dict)
    #: intent → the most probability the model may give it, e.g. ``{spam: 0.2}``
    probability_at_most: dict[Intent, float] = Field(default_factory=dict)

    @field_validator("probability_at_least", "probability_at_most")
    @classmethod
    def _probabilities(cls, value: dict[Intent, float]) -> dict[Intent, float]:
        if any(not 0 <= p <= 1 for p in value.values()):
            raise ValueError("probabilities lie between 0 and 1")
        return value

    def holds(self, facts: RoutingFacts) -> bool:
        """Whether the mention's facts satisfy this condition."""
        c = facts.classification
        needs_response = facts.answer_needed
        checks = (
            not self.channel or facts.channel in self.channel,
            not self.brand_account or facts.brand_account in self.brand_account,
            not self.kind or facts.kind in self.kind,
            not self.intent or c.intent.value in self.intent,
            not self.topic or bool(set(self.topic) & (set(c.topics) | set(facts.extra_topics))),
            not self.phrases or any(p.lower() in facts.text_lower for p in self.phrases),
            not self.language or c.language in self.language,
            not self.urgency or bool(set(self.urgency) & (set(c.urgency_terms) | set(facts.extra_urgency))),
            not self.tier or c.customer_tier in self.tier,
            self.sentiment_at_most is None or c.sentiment <= self.sentiment_at_most,
            self.sentiment_at_least is None or c.sentiment >= self.sentiment_at_least,
            self.reach_at_least is None
            or _REACH_ORDER.index(c.reach) >= _REACH_ORDER.index(self.reach_at_least),
            self.followers_at_least is None or (c.followers or 0) >= self.followers_at_least,
            self.verified is None or c.verified is self.verified,
            self.engagement_at_least is None or facts.engagement >= self.engagement_at_least,
            self.surge is None or facts.surge is self.surge,
            self.needs_response is None or needs_response is self.needs_response,
            all(c.probability(i.value) >= p for i, p in self.probability_at_least.items()),
            all(c.probability(i.value) <= p for i, p in self.probability_at_most.items()),
        )
        return all(checks)


class RuleAction(Model):
    """Where a matching mention goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    priority: Priority = Priority.NORMAL
    sla: str = Field(default="standard", min_length=1, max_length=64)
    tags: tuple[str, ...] = ()


class RoutingRule(Model):
    """One named, ordered rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    when: RuleCondition = Field(default_factory=RuleCondition)
    then: RuleAction


class SafetyNet(Model):
    """Risk language that reaches a human queue first, whatever the model or the rules say.

    ``terms`` names the packaged urgency file Classify reads (``config/<terms>.yaml``); a mention with
    any of ``categories`` found there, or with one of this brand's ``extra_terms`` in its text, is
    routed by ``then`` before any rule is tried.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: str = Field(default="urgency", pattern=r"^[a-z0-9_-]+$")
    categories: tuple[str, ...] = ("safety", "violence", "threat", "fraud", "legal", "privacy")
    #: category → the brand's own phrases (lower-case substrings of the text), e.g. airline safety words
    extra_terms: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    then: RuleAction = Field(
        default_factory=lambda: RuleAction(
            team="trust-safety", priority=Priority.URGENT, sla="standard", tags=("risk", "safety-net")
        )
    )

    def found(self, facts: RoutingFacts) -> tuple[str, ...]:
        """The safety-net categories present in the facts (the classification's and this brand's terms)."""
        hits = set(facts.classification.safety_net) | set(facts.classification.urgency_terms)
        hits |= {c for c, phrases in self.extra_terms.items() if any(p in facts.text_lower for p in phrases)}
        return tuple(c for c in self.categories if c in hits)


class ClassificationPolicy(Model):
    """How this brand reads the model: decision thresholds over the model file's own.

    ``thresholds: {complaint: 0.45}`` makes a mention a complaint from a complaint probability of
    0.45 (the airline policy asks for more than the model's, which was chosen on airline and retail
    tweets together); names not given keep the model's value.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds)


class SurgePolicy(Model):
    """When similar complaints pile up: counted per topic in sliding windows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_minutes: int = Field(default=15, ge=1, le=1440)
    threshold: int = Field(default=10, ge=2)
    raise_to: Priority = Priority.HIGH
    crisis_team: str = "crisis"
    incident_quiet_minutes: int = Field(default=120, ge=1)


class RoutingPolicy(Model):
    """The whole routing configuration: rules (ordered), surge, SLA targets, VIPs, reopen window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(default=1, ge=1)
    rules: tuple[RoutingRule, ...] = Field(min_length=1)
    surge: SurgePolicy = Field(default_factory=SurgePolicy)
    sla: dict[str, SlaPolicy] = Field(default_factory=lambda: {"standard": SlaPolicy()})
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    escalation: dict[str, EscalationPolicy] = Field(default_factory=dict)
    escalation_team: str = "escalations"
    vip: frozenset[str] = frozenset()
    reopen_within_days: int = Field(default=7, ge=0, le=365)
    #: a message delivered this long after it was written starts its clock on arrival (late delivery)
    late_after_minutes: int = Field(default=1440, ge=1, le=60 * 24 * 30)
    triage_team: str = "triage"
    triage_priority: Priority = Priority.NORMAL
    engagement_team: str = "engagement"
    #: risk language first, whatever the model says (None: no safety net; not recommended)
    safety_net: SafetyNet | None = Field(default_factory=SafetyNet)
    #: the brand's vocabulary: topic → phrases (lower-case substrings) that give the mention that topic
    topic_terms: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    #: decision thresholds over the model's (complaint, topic, no_reply); Classify applies them
    classification: ClassificationPolicy = Field(default_factory=ClassificationPolicy)
    #: how each team's tickets find an agent (manual unless a team says otherwise)
    assignment: AssignmentPolicy = Field(default_factory=AssignmentPolicy)
    #: the satisfaction survey after resolution (off unless enabled)
    csat: CsatPolicy = Field(default_factory=CsatPolicy)

    @model_validator(mode="before")
    @classmethod
    def _legacy_no_reply(cls, data: Any) -> Any:
        """A policy stored before ``classification.thresholds`` gave ``no_reply_at_least`` at the top."""
        if not isinstance(data, dict) or "no_reply_at_least" not in data:
            return data
        data = dict(data)
        legacy = data.pop("no_reply_at_least")
        if legacy is None:
            return data
        section = dict(data.get("classification") or {})
        thresholds = dict(section.get("thresholds") or {})
        if thresholds.get("no_reply", legacy) != legacy:
            raise ValueError("no_reply_at_least and classification.thresholds.no_reply disagree: keep one")
        thresholds["no_reply"] = legacy
        return {**data, "classification": {**section, "thresholds": thresholds}}

    @model_validator(mode="after")
    def _checks(self) -> RoutingPolicy:
        names = [rule.name for rule in self.rules]
        if len(names) != len(set(names)):
            raise ValueError("rule names must be unique")
        if self.rules[-1].when != RuleCondition():
            raise ValueError("the last rule must be a catch-all default (empty 'when')")
        slas = {rule.then.sla for rule in self.rules}
        if self.safety_net:
            slas.add(self.safety_net.then.sla)
        unknown = slas - set(self.sla)
        if unknown:
            raise ValueError(f"rules name undefined SLA policies: {sorted(unknown)}")
        for name, sla in self.sla.items():
            if sla.calendar != "24x7" and sla.calendar not in self.calendars:
                raise ValueError(f"SLA policy {name} names undefined calendar {sla.calendar}")
            if sla.escalation and sla.escalation != "standard" and sla.escalation not in self.escalation:
                raise ValueError(f"SLA policy {name} names undefined escalation policy {sla.escalation}")
        return self

    @property
    def teams(self) -> tuple[str, ...]:
        """Every team the policy names (rules, triage, engagement, escalations, crisis), sorted."""
        named = {rule.then.team for rule in self.rules} | set(self.assignment.teams)
        named |= {self.triage_team, self.engagement_team, self.escalation_team, self.surge.crisis_team}
        for escalation in self.escalation.values():
            named |= {lvl.reassign_to for lvl in escalation.levels if lvl.reassign_to} - {
                "escalations",
                "agent",
            }
        return tuple(sorted(named))

    @property
    def default_sla(self) -> str:
        """The SLA policy used when nothing names one (``standard``, or the first defined)."""
        return "standard" if "standard" in self.sla else next(iter(self.sla))

    def sla_policy(self, name: str | None) -> SlaPolicy:
        """The named SLA policy (``standard`` or the first one when the name is unknown)."""
        if name and name in self.sla:
            return self.sla[name]
        return self.sla.get("standard") or next(iter(self.sla.values()))

    def calendar(self, sla: str | None) -> Calendar:
        """The calendar an SLA policy's clock runs on."""
        name = self.sla_policy(sla).calendar
        return self.calendars.get(name, ALWAYS_OPEN)

    def escalation_policy(self, sla: str | None) -> EscalationPolicy | None:
        """How breaches of this SLA policy escalate (None: they do not)."""
        name = self.sla_policy(sla).escalation
        if name is None:
            return None
        return self.escalation.get(name, DEFAULT_ESCALATION)

    def classify(self, mention: Mention, model: RoutingModel | None = None) -> Classification:
        """Classify a mention as this policy reads the model: its VIP list and decision thresholds.

        ``model`` is the routing model to read (by default the current one).
        """
        return classify(mention, vip=self.vip, thresholds=self.classification.thresholds, model=model)

    def match(self, facts: RoutingFacts) -> RoutingRule:
        """The safety net when it catches the mention, else the first rule whose condition holds.

        The brand's ``topic_terms`` and ``safety_net.extra_terms`` are added to the facts first.
        """
        facts = self.with_brand_terms(facts)
        if self.safety_net and self.safety_net.found(facts):
            return RoutingRule(
                name=SAFETY_NET_RULE,
                description="risk language: a human sees it first, whatever the model says",
                then=self.safety_net.then,
            )
        return next(rule for rule in self.rules if rule.when.holds(facts))

    def decide(self, facts: RoutingFacts, *, incident_id: str | None = None) -> RoutingDecision:
        """Where a message goes: the safety net or the first matching rule, raised by a surge."""
        rule = self.match(facts)
        termed = self.with_brand_terms(facts)
        c = facts.classification
        priority = rule.then.priority
        tags = set(rule.then.tags)
        if facts.surge:
            priority = Priority.most_urgent(priority, self.surge.raise_to)
            tags.add("surge")
        return RoutingDecision(
            rule=rule.name,
            team=rule.then.team,
            priority=priority,
            sla=rule.then.sla,
            tags=tuple(sorted(tags)),
            spam=c.intent.value == "spam" and rule.name != SAFETY_NET_RULE,
            needs_response=termed.answer_needed,
            intent=c.intent.value,
            topic=c.topic or (termed.extra_topics[0] if termed.extra_topics else None),
            language=c.language,
            sentiment=c.sentiment,
            reach=c.reach,
            engagement=facts.engagement,
            customer_tier=c.customer_tier,
            why=(f"rule:{rule.name}", *c.signals),
            incident_id=incident_id,
        )

    def with_brand_terms(self, facts: RoutingFacts) -> RoutingFacts:
        """The facts with this policy's vocabulary applied (topics, extra urgency)."""
        text = facts.text_lower
        topics = tuple(t for t, phrases in self.topic_terms.items() if any(p in text for p in phrases))
        urgency: tuple[str, ...] = ()
        if self.safety_net:
            urgency = tuple(
                c for c, phrases in self.safety_net.extra_terms.items() if any(p in text for p in phrases)
            )
        if not topics and not urgency:
            return facts
        return facts.model_copy(
            update={
                "extra_topics": tuple(dict.fromkeys((*facts.extra_topics, *topics))),
                "extra_urgency": tuple(dict.fromkeys((*facts.extra_urgency, *urgency))),
            }
        )

    def deadline(
        self, sla: str, priority: Priority, start: datetime, kind: ClockKind = ClockKind.FIRST_RESPONSE
    ) -> datetime:
        """When the response is due, in the SLA policy's business time."""
        return self.calendar(sla).add(start, self.sla_policy(sla).target(kind, priority))


class RoutingDecision(Model):
    """Where one message goes and why: the rule's action plus what the ticket records of the message."""

    model_config = ConfigDict(frozen=True)

    rule: str
    team: str
    priority: Priority
    sla: str
    tags: tuple[str, ...] = ()
    spam: bool = False
    needs_response: bool = True
    intent: str | None = None
    topic: str | None = None
    language: str | None = None
    sentiment: float | None = None
    reach: str | None = None
    engagement: int = 0
    customer_tier: str = "standard"
    why: tuple[str, ...] = ()
    incident_id: str | None = None


class RoutingFacts(Model):
    """What the rules look at: the mention's shape, its classification, backup and the surge state."""

    model_config = ConfigDict(frozen=True)

    channel: str
    kind: str
    text_lower: str
    classification: Classification
    brand_account: str | None = None
    #: the backup the message's ticket gathered since it arrived (reposts, likes, replies by others)
    backup: int = 0
    surge: bool = False
    #: topics and urgency categories the policy's own vocabulary found (see RoutingPolicy.with_brand_terms)
    extra_topics: tuple[str, ...] = ()
    extra_urgency: tuple[str, ...] = ()

    @property
    def engagement(self) -> int:
        """Likes, reposts, replies and quotes the message has, with the backup counted since."""
        return self.classification.engagement + self.backup

    @property
    def answer_needed(self) -> bool:
        """Whether a person must answer: the classification's call (made at the policy's no-reply
        threshold), and always for a DM or a message with no text to judge."""
        return (
            self.classification.needs_response or self.kind == "direct_message" or not self.text_lower.strip()
        )

    @classmethod
    def of(
        cls, mention: Mention, classification: Classification, *, surge: bool = False, backup: int = 0
    ) -> RoutingFacts:
        """Facts for a mention."""
        return cls(
            channel=mention.channel.value,
            kind=mention.kind.value,
            text_lower=mention.text.lower(),
            classification=classification,
            brand_account=mention.brand_account,
            backup=backup,
            surge=surge,
        )
