"""Routing rules as data: ordered conditions → team, priority, SLA policy, tags. First match wins."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialdesk.domain.assignment import AssignmentPolicy
from socialdesk.domain.classification import Classification
from socialdesk.domain.mention import Mention
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

_REACH_ORDER = ("none", "low", "medium", "high", "influencer")


class RuleCondition(BaseModel):
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

    def holds(self, facts: RoutingFacts) -> bool:
        """Whether the mention's facts satisfy this condition."""
        c = facts.classification
        checks = (
            not self.channel or facts.channel in self.channel,
            not self.brand_account or facts.brand_account in self.brand_account,
            not self.kind or facts.kind in self.kind,
            not self.intent or c.intent.value in self.intent,
            not self.topic or bool(set(self.topic) & set(c.topics)),
            not self.phrases or any(p.lower() in facts.text_lower for p in self.phrases),
            not self.language or c.language in self.language,
            not self.urgency or bool(set(self.urgency) & set(c.urgency_terms)),
            not self.tier or c.customer_tier in self.tier,
            self.sentiment_at_most is None or c.sentiment <= self.sentiment_at_most,
            self.sentiment_at_least is None or c.sentiment >= self.sentiment_at_least,
            self.reach_at_least is None
            or _REACH_ORDER.index(c.reach) >= _REACH_ORDER.index(self.reach_at_least),
            self.followers_at_least is None or (c.followers or 0) >= self.followers_at_least,
            self.verified is None or c.verified is self.verified,
            self.engagement_at_least is None or facts.engagement >= self.engagement_at_least,
            self.surge is None or facts.surge is self.surge,
            self.needs_response is None or facts.needs_response is self.needs_response,
        )
        return all(checks)


class RuleAction(BaseModel):
    """Where a matching mention goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    priority: Priority = Priority.NORMAL
    sla: str = Field(default="standard", min_length=1, max_length=64)
    tags: tuple[str, ...] = ()


class RoutingRule(BaseModel):
    """One named, ordered rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    when: RuleCondition = Field(default_factory=RuleCondition)
    then: RuleAction


class SurgePolicy(BaseModel):
    """When similar complaints pile up: counted per topic in sliding windows."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_minutes: int = Field(default=15, ge=1, le=1440)
    threshold: int = Field(default=10, ge=2)
    raise_to: Priority = Priority.HIGH
    crisis_team: str = "crisis"
    incident_quiet_minutes: int = Field(default=120, ge=1)


class RoutingPolicy(BaseModel):
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
    #: how each team's tickets find an agent (manual unless a team says otherwise)
    assignment: AssignmentPolicy = Field(default_factory=AssignmentPolicy)
    #: the satisfaction survey after resolution (off unless enabled)
    csat: CsatPolicy = Field(default_factory=CsatPolicy)

    @model_validator(mode="after")
    def _checks(self) -> RoutingPolicy:
        names = [rule.name for rule in self.rules]
        if len(names) != len(set(names)):
            raise ValueError("rule names must be unique")
        if self.rules[-1].when != RuleCondition():
            raise ValueError("the last rule must be a catch-all default (empty 'when')")
        unknown = {rule.then.sla for rule in self.rules} - set(self.sla)
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

    def match(self, facts: RoutingFacts) -> RoutingRule:
        """The first rule whose condition holds (the last rule always does)."""
        return next(rule for rule in self.rules if rule.when.holds(facts))

    def decide(self, facts: RoutingFacts, *, incident_id: str | None = None) -> RoutingDecision:
        """Where a message with these facts goes: the first matching rule, raised by a surge."""
        rule = self.match(facts)
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
            spam=c.intent.value == "spam",
            needs_response=facts.needs_response,
            intent=c.intent.value,
            topic=c.topic,
            language=c.language,
            sentiment=c.sentiment,
            reach=c.reach,
            engagement=facts.engagement,
            customer_tier=c.customer_tier,
            why=(f"rule:{rule.name}", *c.signals),
            incident_id=incident_id,
        )

    def deadline(
        self, sla: str, priority: Priority, start: datetime, kind: ClockKind = ClockKind.FIRST_RESPONSE
    ) -> datetime:
        """When the response is due, in the SLA policy's business time."""
        return self.calendar(sla).add(start, self.sla_policy(sla).target(kind, priority))


class RoutingDecision(BaseModel):
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


class RoutingFacts(BaseModel):
    """What the rules look at: the mention's shape, its classification, backup and the surge state."""

    model_config = ConfigDict(frozen=True)

    channel: str
    kind: str
    text_lower: str
    classification: Classification
    brand_account: str | None = None
    #: the message's own engagement plus the backup its ticket gathered since
    backup: int = 0
    surge: bool = False

    @property
    def engagement(self) -> int:
        """Likes, reposts, replies and quotes the message has, with the backup counted since."""
        return self.classification.engagement + self.backup

    @property
    def needs_response(self) -> bool:
        """Whether a person must answer: always for a DM, and for a message with no text to judge."""
        private = self.kind == "direct_message"
        return self.classification.needs_response or private or not self.text_lower.strip()

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
