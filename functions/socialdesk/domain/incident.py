"""Incidents: many similar complaints at once are one incident, owned by the crisis team, answered once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from socialdesk.domain.model import Model
from socialdesk.domain.ticket import TicketEvent

#: how many ticket ids an incident lists (a bigger one keeps counting)
MAX_LISTED_TICKETS = 5_000


class IncidentStatus(StrEnum):
    """An incident is open until the desk resolves it (resolving it resolves its tickets)."""

    OPEN = "open"
    RESOLVED = "resolved"


def incident_id_for(topic: str, opened_at: datetime) -> str:
    """A readable, unique incident id: topic, minute, a short digest."""
    stamp = opened_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
    digest = hashlib.sha256(f"{topic}{opened_at.timestamp()}".encode()).hexdigest()[:6]
    return f"INC-{topic}-{stamp}-{digest}"


class IncidentChange(Model):
    """A new incident state and its events (the outbox)."""

    model_config = ConfigDict(frozen=True)

    incident: Incident
    events: tuple[TicketEvent, ...] = ()
    expected_version: int | None = None


class Incident(Model):
    """A surge of complaints on one topic."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    topic: str
    team: str
    status: IncidentStatus = IncidentStatus.OPEN
    opened_at: datetime
    last_seen: datetime
    tickets: tuple[str, ...] = ()
    ticket_count: int = 0
    resolved_at: datetime | None = None
    resolution: str | None = None
    #: whether the complaints counted before the threshold have joined (done once, whoever finishes it)
    earlier_joined: bool = False
    version: int = Field(default=1, ge=1)

    @classmethod
    def open(
        cls, topic: str, team: str, at: datetime, tickets: list[str], threshold: int, window: int
    ) -> IncidentChange:
        """A surge crossed the threshold: the incident opens with the complaints counted so far."""
        incident = cls(
            incident_id=incident_id_for(topic, at),
            topic=topic,
            team=team,
            opened_at=at,
            last_seen=at,
            tickets=tuple(dict.fromkeys(tickets))[:MAX_LISTED_TICKETS],
            ticket_count=len(set(tickets)),
        )
        event = TicketEvent(
            type="IncidentOpened",
            at=at,
            actor="system:route-mention",
            details={
                "incident_id": incident.incident_id,
                "topic": topic,
                "team": team,
                "tickets": incident.ticket_count,
                "summary": f"Surge: at least {threshold} '{topic}' complaints within {window} min",
            },
            notify=True,
        )
        return IncidentChange(incident=incident, events=(event,))

    def is_quiet(self, at: datetime, quiet_minutes: int) -> bool:
        """No new complaint for ``quiet_minutes``: a new surge is a new incident."""
        return (at - self.last_seen).total_seconds() > quiet_minutes * 60

    def link(self, ticket_ids: list[str], at: datetime) -> IncidentChange:
        """Tickets join the incident (once each)."""
        new = [t for t in dict.fromkeys(ticket_ids) if t not in self.tickets]
        if not new and at <= self.last_seen:
            return IncidentChange(incident=self, expected_version=self.version)
        listed = (*self.tickets, *new)[:MAX_LISTED_TICKETS]
        incident = self.model_copy(
            update={
                "tickets": listed,
                "ticket_count": self.ticket_count + len(new),
                "last_seen": max(self.last_seen, at),
                "version": self.version + 1,
            }
        )
        events = (
            (
                TicketEvent(
                    type="IncidentGrew", at=at, actor="system:route-mention", details={"added": len(new)}
                ),
            )
            if new
            else ()
        )
        return IncidentChange(incident=incident, events=events, expected_version=self.version)

    def earlier_members_joined(self) -> IncidentChange:
        """The tickets counted before the threshold have joined: no later message needs to look again."""
        if self.earlier_joined:
            return IncidentChange(incident=self, expected_version=self.version)
        incident = self.model_copy(update={"earlier_joined": True, "version": self.version + 1})
        return IncidentChange(incident=incident, expected_version=self.version)

    def resolve(self, resolution: str, actor: str, at: datetime) -> IncidentChange:
        """The desk resolves the incident (its tickets are resolved with it)."""
        if self.status is IncidentStatus.RESOLVED:
            return IncidentChange(incident=self, expected_version=self.version)
        incident = self.model_copy(
            update={
                "status": IncidentStatus.RESOLVED,
                "resolved_at": at,
                "resolution": resolution,
                "version": self.version + 1,
            }
        )
        event = TicketEvent(
            type="IncidentResolved",
            at=at,
            actor=actor,
            details={"incident_id": self.incident_id},
            notify=True,
        )
        return IncidentChange(incident=incident, events=(event,), expected_version=self.version)
