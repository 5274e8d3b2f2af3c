"""Use cases of assignment: choose an agent for a ticket, give new tickets one, agents going away."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from socialdesk.dal.ports import AgentDirectory, TicketRepository
from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.assignment import (
    AgentState,
    AssignmentMode,
    Availability,
    choose_agent,
    held_counts,
    holder,
)
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.queues import team_tickets

ASSIGNER = "system:assignment"


@dataclass
class AgentPicker:
    """Chooses the agent a team's assignment rule gives the next ticket to (the port escalation calls)."""

    agents: AgentDirectory
    tickets: TicketRepository
    policy: RoutingPolicy

    def pick(
        self,
        team: str,
        at: datetime,
        *,
        exclude: Iterable[str | None] = (),
        roster: list[AgentState] | None = None,
    ) -> str | None:
        """An available agent of ``team`` under its rule (None: manual, or nobody available).

        The open tickets each agent holds are on the roster (one query; ``roster``: the one
        :meth:`online_roster` just read), so a pick costs the same with 10 tickets waiting or 10,000.
        Once the ticket is stored with the agent, :meth:`given`.
        """
        roster = self.online_roster(team) if roster is None else roster
        if roster is None:
            return None
        rule = self.policy.assignment.for_team(team)
        chosen = choose_agent(rule, roster, held_counts(roster), exclude=exclude)
        if chosen is not None:
            self.agents.assigned(team, chosen, at)
        return chosen

    def online_roster(self, team: str) -> list[AgentState] | None:
        """``team``'s roster when the team assigns automatically and someone in it is online, else None."""
        if self.policy.assignment.for_team(team).mode is AssignmentMode.MANUAL:
            return None
        roster = self.agents.roster(team)
        return roster if any(a.availability is Availability.ONLINE for a in roster) else None

    def given(self, ticket: Ticket) -> None:
        """A ticket was stored with the agent :meth:`pick` chose: they hold it now, so the next pick
        counts it (the ticket's change, through the outbox, records the same again, harmlessly)."""
        held = holder(ticket.status.value, ticket.team, ticket.assignee)
        if held is not None:
            self.agents.holds(*held, ticket.ticket_id)


def track_holder(
    ticket_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    agents: AgentDirectory,
) -> None:
    """A stored ticket change (its item before and after; None: none) moves the ticket between the
    agents who hold it: the one it left no longer does, the one it reached does. Each is a set
    operation, so a redelivered change changes nothing more; the outbox calls it for every change."""

    def held(item: Mapping[str, Any] | None) -> tuple[str, str] | None:
        return holder(item.get("status"), item.get("team"), item.get("assignee")) if item else None

    old, new = held(before), held(after)
    if old == new:
        return
    if old is not None:
        agents.released(*old, ticket_id)
    if new is not None:
        agents.holds(*new, ticket_id)


def needs_agent(ticket: Ticket, policy: RoutingPolicy) -> bool:
    """An open, unassigned ticket in a team that assigns automatically."""
    return (
        ticket.status is TicketStatus.OPEN
        and ticket.assignee is None
        and policy.assignment.for_team(ticket.team).mode is not AssignmentMode.MANUAL
    )


def assign_if_needed(
    ticket_id: str,
    now: datetime,
    *,
    tickets: TicketRepository,
    picker: AgentPicker,
    team: str | None = None,
) -> str | None:
    """Give an open, unassigned ticket of an automatic team to an agent; returns who (or None).

    ``team``: the team the ticket was in when its change was stored (the outbox knows it): when
    nobody of that team is online, the ticket is not read at all (a desk at night reads nothing).
    """

    def attempt() -> str | None:
        roster = picker.online_roster(team) if team else None
        if team and roster is None:
            return None
        ticket = tickets.get(ticket_id)
        if ticket is None or not needs_agent(ticket, picker.policy):
            return None
        agent = picker.pick(ticket.team, now, roster=roster if ticket.team == team else None)
        if agent is None:
            return None
        mode = picker.policy.assignment.for_team(ticket.team).mode.value
        change = ticket.assign(agent, ASSIGNER, now, reason=mode)
        tickets.save(change)
        picker.given(change.ticket)
        return agent

    return retry_on_conflict(attempt, what="assignment")


class AvailabilityChange(Model):
    """``PUT /agents/{subject}/availability`` body."""

    model_config = ConfigDict(extra="forbid")

    status: Availability = Field(description="online: takes new tickets; away: takes none (and hands over).")
    cap: int | None = Field(
        default=None, ge=0, le=1000, description="Most open tickets per team for this agent (leads only)."
    )
    teams: tuple[str, ...] | None = Field(
        default=None, description="The teams this applies to (default: every team in the token)."
    )


class AgentView(Model):
    """An agent in a team: availability, cap, open tickets, when last given one."""

    subject: str
    team: str
    availability: Availability
    cap: int | None = None
    limit: int
    open_tickets: int = 0
    last_assigned_at: datetime | None = None
    updated_at: datetime | None = None


class Roster(Model):
    """A team's agents and its assignment rule."""

    team: str
    mode: Literal["manual", "round_robin", "least_open"]
    max_open_per_agent: int
    agents: list[AgentView]


class AvailabilityChanged(Model):
    """What an availability change did: the agent's state per team, and the tickets handed over (going
    away) or given out (coming online: the team's waiting tickets), ticket id → agent."""

    agents: list[AgentView]
    reassigned: dict[str, str | None] = {}


def roster(
    principal: Principal,
    team: str,
    *,
    agents: AgentDirectory,
    tickets: TicketRepository,
    policy: RoutingPolicy,
) -> Roster:
    """A team's roster with each agent's open tickets (agents of the team, leads, admins)."""
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")
    rule = policy.assignment.for_team(team)
    members = agents.roster(team)
    counts = held_counts(members)
    return Roster(
        team=team,
        mode=rule.mode.value,
        max_open_per_agent=rule.max_open_per_agent,
        agents=[
            _view(a, rule.max_open_per_agent if a.cap is None else a.limit(rule), counts) for a in members
        ],
    )


def set_availability(
    principal: Principal,
    subject: str,
    change: AvailabilityChange,
    now: datetime,
    *,
    agents: AgentDirectory,
    tickets: TicketRepository,
    picker: AgentPicker,
) -> AvailabilityChanged:
    """An agent goes online or away (themself, or a lead for an agent of their teams).

    Going away hands the agent's open tickets to another available agent under each team's rule, or
    back to the queue unassigned; every handover is audited on its ticket.
    """
    subject = principal.subject if subject == "me" else subject
    own = subject == principal.subject
    if not own and principal.role is Role.AGENT:
        raise Forbidden("agents change only their own availability")
    if change.cap is not None and principal.role is Role.AGENT:
        raise Forbidden("only leads and admins set a cap")
    teams = sorted(change.teams or principal.teams)
    if not teams:
        raise PayloadInvalid("name the teams (the token names none)")
    refused = [t for t in teams if not principal.can_see_team(t)]
    if refused:
        raise Forbidden(f"the token does not include team {refused[0]}")
    states, reassigned = [], {}
    for team in teams:
        current = agents.get(team, subject)
        state = AgentState(
            subject=subject,
            team=team,
            availability=change.status,
            cap=change.cap if change.cap is not None else (current.cap if current else None),
            last_assigned_at=current.last_assigned_at if current else None,
            updated_at=now,
            updated_by=principal.subject,
        )
        agents.put(state)
        states.append(state)
        rule = picker.policy.assignment.for_team(team)
        if change.status is Availability.AWAY and rule.reassign_when_away:
            reassigned.update(_hand_over(subject, team, now, tickets=tickets, picker=picker))
        elif change.status is Availability.ONLINE and rule.mode is not AssignmentMode.MANUAL:
            reassigned.update(_distribute_waiting(team, now, tickets=tickets, picker=picker))
    counts = {team: held_counts(agents.roster(team)) for team in teams}
    return AvailabilityChanged(
        agents=[_view(s, s.limit(picker.policy.assignment.for_team(s.team)), counts[s.team]) for s in states],
        reassigned=reassigned,
    )


def _hand_over(
    subject: str, team: str, now: datetime, *, tickets: TicketRepository, picker: AgentPicker
) -> dict[str, str | None]:
    moved: dict[str, str | None] = {}
    for ticket in team_tickets(tickets, team, (TicketStatus.OPEN,)):
        if ticket.assignee != subject:
            continue

        def attempt(ticket_id: str = ticket.ticket_id) -> str | None:
            current = tickets.get(ticket_id)
            if current is None or current.assignee != subject:
                return None
            agent = picker.pick(team, now, exclude=[subject])
            change = current.assign(agent, ASSIGNER, now, reason=f"{subject} went away")
            tickets.save(change)
            picker.given(change.ticket)
            return agent

        moved[ticket.ticket_id] = retry_on_conflict(attempt, what="handover")
    return moved


def _distribute_waiting(
    team: str, now: datetime, *, tickets: TicketRepository, picker: AgentPicker
) -> dict[str, str | None]:
    """Someone came online: the team's open, unassigned tickets (most urgent first) find agents."""
    given: dict[str, str | None] = {}
    for ticket in team_tickets(tickets, team, (TicketStatus.OPEN,)):
        if ticket.assignee is not None:
            continue
        agent = assign_if_needed(ticket.ticket_id, now, tickets=tickets, picker=picker)
        if agent is None:
            break  # everyone is at their cap
        given[ticket.ticket_id] = agent
    return given


def _view(state: AgentState, limit: int, counts: Mapping[str, int]) -> AgentView:
    return AgentView(
        subject=state.subject,
        team=state.team,
        availability=state.availability,
        cap=state.cap,
        limit=limit,
        open_tickets=counts.get(state.subject, 0),
        last_assigned_at=state.last_assigned_at,
        updated_at=state.updated_at,
    )
