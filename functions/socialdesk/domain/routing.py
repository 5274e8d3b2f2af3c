"""Routing rules as data: ordered conditions → team, priority, SLA policy, tags. First match wins."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialdesk.domain.classification import Classification
from socialdesk.domain.mention import Mention
from socialdesk.domain.sla import (
    ALWAYS_OPEN,
    DEFAULT_ESCALATION,
    Calendar,
    ClockKind,
    EscalationPolicy,
    SlaPolicy,
)
from socialdesk.domain.ticket import Priority

_REACH_ORDER = ("none", "low", "medium", "high", "influencer")


class RuleCondition(BaseModel):
    """Every given field must hold (AND); lists mean 'any of'. An empty condition always matches."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: tuple[str, ...] = ()
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
            self.engagement_at_least is None or c.engagement >= self.engagement_at_least,
            self.surge is None or facts.surge is self.surge,
            self.needs_response is None or c.needs_response is self.needs_response,
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
    triage_team: str = "triage"
    engagement_team: str = "engagement"

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

    def deadline(
        self, sla: str, priority: Priority, start: datetime, kind: ClockKind = ClockKind.FIRST_RESPONSE
    ) -> datetime:
        """When the response is due, in the SLA policy's business time."""
        return self.calendar(sla).add(start, self.sla_policy(sla).target(kind, priority))


class RoutingFacts(BaseModel):
    """What the rules look at: the mention's shape, its classification and the surge state."""

    model_config = ConfigDict(frozen=True)

    channel: str
    kind: str
    text_lower: str
    classification: Classification
    surge: bool = False

    @classmethod
    def of(cls, mention: Mention, classification: Classification, *, surge: bool = False) -> RoutingFacts:
        """Facts for a mention."""
        return cls(
            channel=mention.channel.value,
            kind=mention.kind.value,
            text_lower=mention.text.lower(),
            classification=classification,
            surge=surge,
        )
