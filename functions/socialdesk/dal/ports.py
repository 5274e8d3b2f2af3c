"""Ports: the storage and secret capabilities the logic depends on, as protocols."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from socialdesk.domain.mention import Channel, Mention, StoredMention
from socialdesk.domain.model import Model

if TYPE_CHECKING:  # types only: the webhook's models load with the webhook, not with every port user
    from socialdesk.domain.assignment import AgentState
    from socialdesk.domain.canned import CannedResponse
    from socialdesk.domain.incident import Incident, IncidentChange
    from socialdesk.domain.ticket import Ticket, TicketChange, TicketStatus
    from socialdesk.domain.webhook import BackupReceived


class WriteOutcome(StrEnum):
    """What one ingest write did."""

    ERASURE_REQUESTED = "erasure_requested"
    STORED = "stored"
    DUPLICATE = "duplicate"
    UPDATED = "updated"
    TOMBSTONED = "tombstoned"
    OUTBOUND = "outbound"
    BACKUP = "backup"
    IGNORED = "ignored"


class MentionRepository(Protocol):
    """Stores mentions exactly once, keyed by channel + external id."""

    def add(self, mention: Mention) -> WriteOutcome:
        """Store a new mention once: STORED, or DUPLICATE when it is already there."""
        ...

    def add_outbound(self, message: Mention) -> WriteOutcome:
        """Record the brand's own message once: OUTBOUND, or DUPLICATE."""
        ...

    def add_backup(self, backup: BackupReceived) -> WriteOutcome:
        """Record a repost, like or reaction once: BACKUP, or DUPLICATE."""
        ...

    def apply_edit(self, mention: Mention, edited_at: datetime) -> WriteOutcome:
        """Update the stored text (UPDATED), store it if new (STORED), or DUPLICATE if stale/deleted."""
        ...

    def tombstone(
        self, channel: Channel, external_id: str, deleted_at: datetime
    ) -> tuple[WriteOutcome, list[str]]:
        """Remove the content and keep the id: TOMBSTONED or DUPLICATE, with the payloads left to delete."""
        ...

    def forget_payloads(self, channel: str, external_id: str) -> None:
        """The mention's archived payloads are deleted: drop their references."""
        ...

    def raw_refs(self, ref: str) -> list[str]:
        """The archived payloads a stored mention points at."""
        ...

    def redact(self, ref: str, terms: list[str], replacement: str) -> None:
        """Replace ``terms`` in a mention's text and drop its archived payloads (erasure)."""
        ...

    def by_author(self, channel: str, author_id: str) -> list[dict[str, Any]]:
        """Keys (PK, SK) and archive refs of everything one person wrote on a channel."""
        ...

    def erase(self, key: dict[str, Any], at: datetime) -> None:
        """Remove one message's content and its author's identity."""
        ...

    def get(self, channel: str, external_id: str) -> StoredMention | None:
        """The stored mention, or None (tombstones included, with empty text)."""
        ...

    def get_many(self, refs: list[str]) -> dict[str, StoredMention]:
        """Stored mentions by ref (``<channel>#<external id>``); missing ones are left out."""
        ...

    def brand_message(self, channel: str, external_id: str) -> StoredMention | None:
        """The brand's own stored message (``OUTBOUND#``), or None."""
        ...

    def attach(self, ref: str, ticket_id: str, role: str) -> None:
        """Record which ticket a mention is on and as what (customer or context); idempotent."""
        ...


class TicketRepository(Protocol):
    """Tickets (the aggregate), earlier versions' conversation links, queues and the due index."""

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket, or None."""
        ...

    def get_many(self, ticket_ids: list[str]) -> list[Ticket]:
        """Tickets by id (missing ones left out)."""
        ...

    def save(self, change: TicketChange) -> None:
        """Store ``change`` if the ticket still has ``change.expected_version`` (or is new); else Conflict."""
        ...

    def save_all(self, changes: list[TicketChange]) -> None:
        """Store several tickets' changes atomically (all or none; Conflict when any changed)."""
        ...

    def conversation_start(self, digest: str) -> tuple[Ticket | None, str | None]:
        """(the conversation's generation-0 ticket, the ticket an earlier version linked the
        conversation to with a ``CONV#`` item), read together.

        Tickets are found by their derived ids now (``logic.conversations``); the links count for
        conversations none of whose tickets has one, and are never written.
        """
        ...

    def unlink_conversation(self, digest: str) -> None:
        """Delete the conversation's link written by an earlier version, if there is one (erasure)."""
        ...

    def queue(
        self, team: str, status: TicketStatus, limit: int = 50, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """A team's queue, most urgent first then earliest deadline, one page at a time."""
        ...

    def opened_between(self, team: str, start: datetime, end: datetime) -> list[Ticket]:
        """The team's tickets opened in [start, end), read in proportion to them (reports)."""
        ...

    def due(
        self, shard: int, now: datetime, limit: int = 100, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """Tickets of one due-index shard whose next escalation moment is at or before ``now``."""
        ...

    def events(self, ticket_id: str) -> list[dict[str, Any]]:
        """The ticket's audit trail, oldest first."""
        ...


class ReplyStore(Protocol):
    """Agents' replies and what became of their delivery."""

    def add_reply(self, reply: dict[str, Any]) -> bool:
        """Store a new reply; False when one with that id exists (a retried request)."""
        ...

    def reply(self, ticket_id: str, reply_id: str) -> dict[str, Any] | None:
        """One stored reply, or None."""
        ...

    def replies(self, ticket_id: str) -> list[dict[str, Any]]:
        """A ticket's replies, oldest first."""
        ...

    def update_reply(
        self, ticket_id: str, reply_id: str, values: dict[str, Any], *, expected_status: tuple[str, ...] = ()
    ) -> None:
        """Record a delivery step (Conflict when the reply's status is not one of ``expected_status``)."""
        ...

    def record_sent_message(self, message: Mention, ticket_id: str) -> None:
        """Remember a delivered reply as the brand's own message."""
        ...


class AgentDirectory(Protocol):
    """Each team's roster: who is online or away, their cap, when they were last given a ticket."""

    def roster(self, team: str) -> list[AgentState]:
        """Every agent known in ``team``."""
        ...

    def get(self, team: str, subject: str) -> AgentState | None:
        """One agent's state in one team, or None."""
        ...

    def put(self, state: AgentState) -> None:
        """Store an agent's state in a team (availability, cap)."""
        ...

    def assigned(self, team: str, subject: str, at: datetime) -> None:
        """Record that the agent was just given a ticket of the team (round robin reads it)."""
        ...

    def holds(self, team: str, subject: str, ticket_id: str) -> None:
        """The agent holds the open or pending ticket (idempotent)."""
        ...

    def released(self, team: str, subject: str, ticket_id: str) -> None:
        """The agent no longer holds the ticket (idempotent)."""
        ...


class CannedResponseStore(Protocol):
    """Each team's canned responses."""

    def list(self, team: str) -> list[CannedResponse]:
        """The team's canned responses, by title."""
        ...

    def get(self, team: str, canned_id: str) -> CannedResponse | None:
        """One canned response, or None."""
        ...

    def put(self, canned: CannedResponse, *, expected_version: int | None) -> None:
        """Create (``expected_version`` None) or replace it at that version; Conflict otherwise."""
        ...

    def delete(self, team: str, canned_id: str) -> None:
        """Delete it (a missing one is fine)."""
        ...


class SurgeCounter(Protocol):
    """Counts similar complaints per topic in sliding windows (once per ticket)."""

    def count(self, topic: str, ticket_id: str, at: datetime, window_minutes: int) -> tuple[float, list[str]]:
        """Count ``ticket_id`` once; return the sliding-window count and the tickets counted so far."""
        ...


class IncidentRepository(Protocol):
    """Incidents: one per surge of a topic."""

    def active(self, topic: str) -> Incident | None:
        """The topic's current incident, or None."""
        ...

    def get(self, incident_id: str) -> Incident | None:
        """An incident by id, or None."""
        ...

    def open(self, change: IncidentChange, *, replaces: str | None) -> None:
        """Store a new incident as the topic's active one; Conflict when another opened first."""
        ...

    def save(self, change: IncidentChange) -> None:
        """Store a changed incident (versioned); Conflict when it changed underneath."""
        ...

    def list_open(self, limit: int = 50) -> list[Incident]:
        """Open incidents, newest first."""
        ...

    def join(self, incident: Incident, ticket_id: str, at: datetime) -> bool:
        """The ticket is a member of the incident (once: False when it was already); the incident
        is seen at ``at``. The incident item does not grow with its members."""
        ...

    def members(self, incident: Incident) -> list[str]:
        """Every member ticket of ``incident`` (as just read): those listed when it opened, then those
        that joined."""
        ...


class EventPublisher(Protocol):
    """Delivers notifications to subscribers (the ticket-events topic)."""

    def publish_batch(self, notifications: list[dict[str, Any]]) -> list[str]:
        """Publish each notification; return the idempotency keys that failed (to retry)."""
        ...


class RawPayloadArchive(Protocol):
    """Keeps the exact bytes of every accepted delivery for a retention period."""

    def ref_for(self, channel: str, body: bytes) -> str | None:
        """The reference ``body`` is (or will be) archived under: deterministic for identical bytes.

        None: this desk keeps no payloads (``RawPayloadRetentionDays`` 0), so nothing is archived;
        what was archived before is still deleted by reference and expires on its own.
        """
        ...

    def archive(self, channel: str, body: bytes) -> str:
        """Store ``body`` and return a reference to it (idempotent for identical bytes)."""
        ...

    def delete(self, ref: str) -> None:
        """Erase an archived payload (privacy); a missing one is fine."""
        ...


class ErasureRequests(Protocol):
    """Records a person's erasure request, once; the stream then carries it out."""

    def request(
        self, request_id: str, channels: list[str], author_id: str, reason: str, at: datetime
    ) -> bool:
        """Store the request (True) unless it exists already (False)."""
        ...

    def complete(
        self, request_id: str, erased: int, at: datetime, summary: dict[str, int] | None = None
    ) -> None:
        """Mark the request done with what was erased (the person's id leaves the record)."""
        ...

    def get(self, request_id: str) -> dict[str, Any] | None:
        """The request and its status, or None."""
        ...


class SecretSource(Protocol):
    """Returns a named secret (webhook signing keys, verify tokens)."""

    def get(self, name: str) -> str | None:
        """The secret's value, or None when no such secret exists."""
        ...


class SweepPass(Model):
    """Where the sweep's pass over the table stands between runs."""

    #: the scan key to continue after (None: no pass is under way)
    cursor: dict[str, Any] | None = None
    #: when the pass under way, or else the last one, started
    started_at: datetime | None = None
    #: when the last pass ended
    finished_at: datetime | None = None


class SweepPasses(Protocol):
    """Where the sweep keeps its place."""

    def load(self) -> SweepPass:
        """The state the last run left (an empty one before the first)."""
        ...

    def save(self, state: SweepPass) -> None:
        """Keep the state for the next run."""
        ...
