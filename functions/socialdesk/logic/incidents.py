"""Use cases of incidents: list and show them, answer every linked customer once, resolve them all."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from socialdesk.dal.ports import IncidentRepository, MentionRepository, ReplyStore, TicketRepository
from socialdesk.domain.access import Principal, Role
from socialdesk.domain.errors import NotFound, StateConflict, Unprocessable
from socialdesk.domain.incident import Incident, IncidentStatus
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.respond import NonBlank, ReplyRequest, record_reply, visible_ticket


class IncidentNotFound(NotFound):
    """No such incident, or not one the caller's teams can see (404)."""


class IncidentTicket(Model):
    """A ticket of an incident, as the incident view lists it."""

    ticket_id: str
    team: str
    status: TicketStatus
    priority: str
    channel: str
    customer: str


class IncidentView(Model):
    """An incident with its tickets and counts."""

    incident: Incident
    tickets: tuple[IncidentTicket, ...]
    by_status: dict[str, int]
    by_channel: dict[str, int]
    first_seen: datetime
    last_seen: datetime


class IncidentReplyRequest(Model):
    """``POST /incidents/{id}/replies`` body: one text for every linked customer."""

    model_config = ConfigDict(extra="forbid")

    text: NonBlank = Field(min_length=1, max_length=2_000)


class IncidentReplyOutcome(Model):
    """What an incident reply did: a reply queued per ticket (each sent once, on its own channel)."""

    incident_id: str
    queued: int
    already: int
    skipped: dict[str, str] = {}
    status: Literal["queued"] = "queued"


def can_see(principal: Principal, incident: Incident) -> bool:
    """Admins and leads see every incident; agents those of their teams (the crisis team's)."""
    return principal.role in (Role.ADMIN, Role.LEAD) or incident.team in principal.teams


def list_incidents(principal: Principal, *, incidents: IncidentRepository) -> list[Incident]:
    """Open incidents the caller can see, newest first."""
    return [i for i in incidents.list_open() if can_see(principal, i)]


def show_incident(
    principal: Principal, incident_id: str, *, incidents: IncidentRepository, tickets: TicketRepository
) -> IncidentView:
    """One incident with its tickets (404 when the caller cannot see it)."""
    incident = _visible(principal, incident_id, incidents)
    linked = _tickets(incident, tickets, incidents)
    by_status: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for ticket in linked:
        by_status[ticket.status.value] = by_status.get(ticket.status.value, 0) + 1
        by_channel[ticket.channel] = by_channel.get(ticket.channel, 0) + 1
    return IncidentView(
        incident=incident,
        tickets=tuple(
            IncidentTicket(
                ticket_id=t.ticket_id,
                team=t.team,
                status=t.status,
                priority=t.priority.value,
                channel=t.channel,
                customer=t.customer.label,
            )
            for t in linked
        ),
        by_status=by_status,
        by_channel=by_channel,
        first_seen=incident.opened_at,
        last_seen=incident.last_seen,
    )


def reply_to_incident(
    principal: Principal,
    incident_id: str,
    request: IncidentReplyRequest,
    key: str,
    now: datetime,
    *,
    incidents: IncidentRepository,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
) -> IncidentReplyOutcome:
    """Queue one reply per linked customer, on their own channel, once each (the key makes it idempotent).

    Each reply is delivered from the table's stream like any other and stops its ticket's clock when
    the platform accepts it. Tickets closed or withdrawn are skipped, with the reason.
    """
    incident = _visible(principal, incident_id, incidents)
    # the incident's visibility is what authorises answering its tickets, whatever their team
    acting = Principal(subject=principal.subject, teams=frozenset(), role=Role.ADMIN)
    queued, already, skipped = 0, 0, {}
    for ticket in _tickets(incident, tickets, incidents):
        if ticket.status is TicketStatus.CLOSED:
            skipped[ticket.ticket_id] = f"closed ({ticket.close_reason.value if ticket.close_reason else ''})"
            continue
        reply_id = f"R-{uuid.uuid5(uuid.NAMESPACE_URL, f'{incident_id}/{ticket.ticket_id}/{key}').hex[:20]}"
        if replies.reply(ticket.ticket_id, reply_id) is not None:
            already += 1
            continue
        try:
            record_reply(
                acting,
                ticket.ticket_id,
                ReplyRequest(text=request.text),
                reply_id,
                now,
                tickets=tickets,
                replies=replies,
                mentions=mentions,
            )
        except (StateConflict, NotFound, Unprocessable) as error:  # closed, deleted, too long
            skipped[ticket.ticket_id] = error.reason
            continue
        queued += 1
    return IncidentReplyOutcome(incident_id=incident_id, queued=queued, already=already, skipped=skipped)


def resolve_incident(
    principal: Principal,
    incident_id: str,
    resolution: str,
    now: datetime,
    *,
    incidents: IncidentRepository,
    tickets: TicketRepository,
    policy: RoutingPolicy,
) -> Incident:
    """Resolve the incident and every one of its open tickets."""

    members: list[str] = []

    def attempt() -> Incident:
        incident = _visible(principal, incident_id, incidents)
        members[:] = incidents.members(incident)
        change = incident.resolve(resolution, principal.subject, now, members=len(members))
        if change.events:
            incidents.save(change)
        return change.incident

    resolved = retry_on_conflict(attempt, what="incident")
    for ticket_id in members:

        def close(ticket_id: str = ticket_id) -> None:
            ticket = tickets.get(ticket_id)
            if ticket is not None and ticket.is_active:
                tickets.save(ticket.resolve(f"incident:{resolution}", principal.subject, now, policy))

        retry_on_conflict(close, what="ticket")
    return resolved


def _visible(principal: Principal, incident_id: str, incidents: IncidentRepository) -> Incident:
    incident = incidents.get(incident_id)
    if incident is None or not can_see(principal, incident):
        raise IncidentNotFound("no such incident")
    return incident


def _tickets(incident: Incident, tickets: TicketRepository, incidents: IncidentRepository) -> list[Ticket]:
    members = incidents.members(incident)
    found = {t.ticket_id: t for t in tickets.get_many(members)}
    return [found[t] for t in members if t in found]


__all__ = [
    "IncidentReplyOutcome",
    "IncidentReplyRequest",
    "IncidentStatus",
    "IncidentView",
    "list_incidents",
    "reply_to_incident",
    "resolve_incident",
    "show_incident",
    "visible_ticket",
]
