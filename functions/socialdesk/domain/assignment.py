"""Assignment policy: per team manual, round robin or least-open among available agents, with a cap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from socialdesk.domain.model import Model

__all__ = [
    "AgentState",
    "AssignmentMode",
    "AssignmentPolicy",
    "Availability",
    "TeamAssignment",
    "choose_agent",
]

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class AssignmentMode(StrEnum):
    """How a team's new tickets find an agent."""

    MANUAL = "manual"  # agents take tickets from the queue (or a lead assigns them)
    ROUND_ROBIN = "round_robin"  # the available agent assigned longest ago
    LEAST_OPEN = "least_open"  # the available agent with the fewest open tickets


class Availability(StrEnum):
    """Whether an agent takes new tickets."""

    ONLINE = "online"
    AWAY = "away"


class TeamAssignment(Model):
    """One team's assignment rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: AssignmentMode = AssignmentMode.MANUAL
    #: an agent at this many open (or pending) tickets of the team gets no more (their own cap may be lower)
    max_open_per_agent: int = Field(default=10, ge=1, le=1000)
    #: when an agent goes away, their open tickets go to another available agent (or back to the queue)
    reassign_when_away: bool = True


class AssignmentPolicy(Model):
    """Every team's rule (``teams``), and the rule of teams not listed (``default``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: TeamAssignment = Field(default_factory=TeamAssignment)
    teams: dict[str, TeamAssignment] = Field(default_factory=dict)

    def for_team(self, team: str) -> TeamAssignment:
        """The rule that applies to ``team``."""
        return self.teams.get(team, self.default)


class AgentState(Model):
    """One agent in one team's roster: availability, own cap, when they were last given a ticket."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=128)
    team: str
    availability: Availability = Availability.ONLINE
    #: the agent's own cap (None: the team's ``max_open_per_agent``)
    cap: int | None = Field(default=None, ge=0, le=1000)
    last_assigned_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    #: the team's open and pending tickets the agent holds (kept from each ticket change, so counting
    #: them reads the roster, not the team's queue)
    open_tickets: frozenset[str] = frozenset()

    def limit(self, rule: TeamAssignment) -> int:
        """The most open tickets this agent takes in the team."""
        return rule.max_open_per_agent if self.cap is None else min(self.cap, rule.max_open_per_agent)


def held_counts(roster: Iterable[AgentState]) -> dict[str, int]:
    """Open and pending tickets per agent of a roster."""
    return {agent.subject: len(agent.open_tickets) for agent in roster}


def holder(status: str | None, team: str | None, assignee: str | None) -> tuple[str, str] | None:
    """Who holds a ticket in this state, as (team, agent): its assignee while it is open or pending."""
    return (team, assignee) if team and assignee and status in ("open", "pending") else None


def choose_agent(
    rule: TeamAssignment,
    roster: Iterable[AgentState],
    open_counts: Mapping[str, int],
    *,
    exclude: Iterable[str | None] = (),
) -> str | None:
    """The agent who gets the next ticket under ``rule`` (None: manual, or nobody is available).

    Available means online, not excluded, and under their cap. Round robin takes the one assigned
    longest ago (never assigned first); least-open the one with the fewest open tickets, then the
    one assigned longest ago. Ties break on the subject, so the choice is deterministic.
    """
    if rule.mode is AssignmentMode.MANUAL:
        return None
    skip = {e for e in exclude if e}
    eligible = [
        agent
        for agent in roster
        if agent.availability is Availability.ONLINE
        and agent.subject not in skip
        and open_counts.get(agent.subject, 0) < agent.limit(rule)
    ]
    if not eligible:
        return None

    def waited(agent: AgentState) -> tuple[datetime, str]:
        return (agent.last_assigned_at or _NEVER, agent.subject)

    if rule.mode is AssignmentMode.LEAST_OPEN:
        return min(eligible, key=lambda a: (open_counts.get(a.subject, 0), *waited(a))).subject
    return min(eligible, key=waited).subject
