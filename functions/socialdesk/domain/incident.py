"""Incidents: many similar complaints at once are one incident, owned by the crisis team, answered once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from socialdesk.domain.model import Model
from socialdesk.domain.ticket import TicketEvent

#: how many ticket ids an incident item lists: the complaints counted when it opened (the surge's
#: threshold; later members are items of their own, so the incident item does not grow with a surge)
MAX_LISTED_TICKETS = 200
#: how stale an incident's ``last_seen`` may be before a member's join writes it (quiet is minutes)
SEEN_EVERY_SECONDS = 60


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
    #: the tickets counted when it opened (later members: the repository's ``members``)
    tickets: tuple[str, ...] = ()
    #: the members when it opened (a view counts them all)
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

    def seen_long_ago(self, at: datetime) -> bool:
        """Whether a member joining at ``at`` should move ``last_seen`` (kept to the minute)."""
        return (at - self.last_seen).total_seconds() >= SEEN_EVERY_SECONDS

    def earlier_members_joined(self) -> IncidentChange:
        """The tickets counted before the threshold have joined: no later message needs to look again."""
        if self.earlier_joined:
            return IncidentChange(incident=self, expected_version=self.version)
        incident = self.model_copy(update={"earlier_joined": True, "version": self.version + 1})
        return IncidentChange(incident=incident, expected_version=self.version)

    def resolve(
        self, resolution: str, actor: str, at: datetime, members: int | None = None
    ) -> IncidentChange:
        """The desk resolves the incident (its tickets are resolved with it); ``members``: how many
        tickets it has in the end (its count said how many it opened with)."""
        if self.status is IncidentStatus.RESOLVED:
            return IncidentChange(incident=self, expected_version=self.version)
        incident = self.model_copy(
            update={
                "status": IncidentStatus.RESOLVED,
                "resolved_at": at,
                "resolution": resolution,
                "ticket_count": self.ticket_count if members is None else members,
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
