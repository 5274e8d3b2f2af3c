"""In-memory fakes of the ports, with the same conditional-write semantics as the DynamoDB adapters.

Use-case tests run on these (fast, no moto); the moto end-to-end tests cover the adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from socialdesk.dal.ports import WriteOutcome
from socialdesk.domain.assignment import AgentState
from socialdesk.domain.canned import CannedResponse
from socialdesk.domain.errors import Conflict
from socialdesk.domain.incident import Incident, IncidentChange
from socialdesk.domain.mention import Channel, Mention, MentionStatus, StoredMention
from socialdesk.domain.ticket import Ticket, TicketChange, TicketEvent, TicketStatus, conversation_ticket_id

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeMentions:
    """Mentions and the brand's messages, keyed like the table (``<channel>#<external id>``)."""

    def __init__(self) -> None:
        self.stored: dict[str, StoredMention] = {}
        self.brand: dict[str, StoredMention] = {}

    def add(self, mention: Mention, received_at: datetime | None = None) -> WriteOutcome:
        if mention.ref in self.stored:
            return WriteOutcome.DUPLICATE
        self.stored[mention.ref] = StoredMention(
            mention=mention, received_at=received_at or mention.created_at
        )
        return WriteOutcome.STORED

    def add_outbound(self, message: Mention) -> WriteOutcome:
        if message.ref in self.brand:
            return WriteOutcome.DUPLICATE
        self.brand[message.ref] = StoredMention(mention=message, received_at=message.created_at)
        return WriteOutcome.OUTBOUND

    def get(self, channel: str, external_id: str) -> StoredMention | None:
        return self.stored.get(f"{channel}#{external_id}")

    def get_many(self, refs: list[str]) -> dict[str, StoredMention]:
        return {ref: self.stored[ref] for ref in refs if ref in self.stored}

    def brand_message(self, channel: str, external_id: str) -> StoredMention | None:
        return self.brand.get(f"{channel}#{external_id}")

    def attach(self, ref: str, ticket_id: str, role: str) -> None:
        stored = self.stored[ref]
        if stored.ticket_id is None:
            self.stored[ref] = stored.model_copy(update={"ticket_id": ticket_id, "role": role})

    def delete(self, channel: Channel, external_id: str, at: datetime) -> StoredMention:
        ref = f"{channel.value}#{external_id}"
        stored = self.stored[ref]
        gone = stored.mention.model_copy(update={"text": ""})
        self.stored[ref] = stored.model_copy(
            update={"mention": gone, "status": MentionStatus.DELETED, "deleted_at": at}
        )
        return self.stored[ref]

    # the ingest-side methods the fakes never need
    def apply_edit(self, mention: Mention, edited_at: datetime) -> WriteOutcome:
        raise NotImplementedError

    def tombstone(self, channel: Channel, external_id: str, deleted_at: datetime) -> Any:
        raise NotImplementedError

    def by_author(self, channel: str, author_id: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def erase(self, key: dict[str, Any], at: datetime) -> None:
        raise NotImplementedError


class FakeTickets:
    """Tickets with versioned and conditional writes, the outbox, and earlier versions' conversation
    links (``links``: tests seed them; nothing writes them)."""

    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.links: dict[str, str] = {}
        self.audit: dict[str, list[TicketEvent]] = {}
        self.outbox: list[tuple[str, TicketEvent]] = []
        self.stored_replies: dict[tuple[str, str], dict[str, Any]] = {}
        self.sent_messages: list[tuple[Mention, str]] = []
        #: called before every write, to inject a race (tests set it)
        self.before_write: Callable[[str], None] | None = None

    def get(self, ticket_id: str) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def get_many(self, ticket_ids: list[str]) -> list[Ticket]:
        return [self.tickets[t] for t in dict.fromkeys(ticket_ids) if t in self.tickets]

    def save(self, change: TicketChange) -> None:
        if not change.changed:
            return
        if self.before_write:
            self.before_write(change.ticket.ticket_id)
        self._check(change)
        self._store(change)

    def save_all(self, changes: list[TicketChange]) -> None:
        if self.before_write:
            for change in changes:
                self.before_write(change.ticket.ticket_id)
        for change in changes:
            self._check(change)
        for change in changes:
            self._store(change)

    def _check(self, change: TicketChange) -> None:
        ticket = change.ticket
        stored = self.tickets.get(ticket.ticket_id)
        if change.expected_version is None and stored is not None:
            raise Conflict(f"ticket {ticket.ticket_id} exists")
        if change.expected_version is not None and (
            stored is None or stored.version != change.expected_version
        ):
            raise Conflict(f"ticket {ticket.ticket_id} changed")

    def _store(self, change: TicketChange) -> None:
        ticket = change.ticket
        self.tickets[ticket.ticket_id] = ticket
        self.audit.setdefault(ticket.ticket_id, []).extend(change.events)
        self.outbox.extend((ticket.ticket_id, e) for e in change.events if e.notify)

    def conversation_start(self, digest: str) -> tuple[Ticket | None, str | None]:
        return self.get(conversation_ticket_id(digest, 0)), self.links.get(digest)

    def unlink_conversation(self, digest: str) -> None:
        self.links.pop(digest, None)

    def opened_between(self, team: str, start: datetime, end: datetime) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.team == team and start <= t.created_at < end]

    def queue(self, team: str, status: TicketStatus, limit: int = 50, cursor: Any = None) -> Any:
        found = sorted(
            (t for t in self.tickets.values() if t.team == team and t.status is status),
            key=lambda t: (t.priority.rank, t.deadline or datetime.max.replace(tzinfo=UTC), t.ticket_id),
        )
        return found[:limit], None

    def due(self, shard: int, now: datetime, limit: int = 100, cursor: Any = None) -> Any:
        if shard:
            return [], None
        found = sorted(
            (t for t in self.tickets.values() if t.due_at and t.due_at <= now), key=lambda t: t.due_at
        )
        return found[:limit], None

    def events(self, ticket_id: str) -> list[dict[str, Any]]:
        return [e.model_dump(mode="json") for e in self.audit.get(ticket_id, [])]

    # -- replies (the DynamoDB adapter is also the ReplyStore) ------------------------------------
    def add_reply(self, reply: dict[str, Any]) -> bool:
        key = (reply["ticket_id"], reply["reply_id"])
        if key in self.stored_replies:
            return False
        self.stored_replies[key] = dict(reply)
        return True

    def reply(self, ticket_id: str, reply_id: str) -> dict[str, Any] | None:
        found = self.stored_replies.get((ticket_id, reply_id))
        return dict(found) if found else None

    def replies(self, ticket_id: str) -> list[dict[str, Any]]:
        found = [dict(r) for (t, _), r in self.stored_replies.items() if t == ticket_id]
        return sorted(found, key=lambda r: r.get("created_at", ""))

    def update_reply(
        self, ticket_id: str, reply_id: str, values: dict[str, Any], *, expected_status: tuple[str, ...] = ()
    ) -> None:
        stored = self.stored_replies.get((ticket_id, reply_id))
        if stored is None or (expected_status and stored.get("status") not in expected_status):
            raise Conflict("the reply changed underneath")
        for key, value in values.items():
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value

    def record_sent_message(self, message: Mention, ticket_id: str) -> None:
        if all(m.ref != message.ref for m, _ in self.sent_messages):  # a conditional put, as in DynamoDB
            self.sent_messages.append((message, ticket_id))

    # -- test helpers ----------------------------------------------------------------------------
    def types(self, ticket_id: str) -> list[str]:
        """The audited event types of a ticket, in order."""
        return [e.type for e in self.audit.get(ticket_id, [])]

    def of_customer(self, handle: str) -> list[Ticket]:
        """The tickets whose customer has this handle."""
        return [t for t in self.tickets.values() if t.customer.handle == handle]


class FakeSurge:
    """Counts each ticket once per topic and fixed window (the adapter reads two windows as a slide)."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, int], list[str]] = {}

    def count(self, topic: str, ticket_id: str, at: datetime, window_minutes: int) -> tuple[float, list[str]]:
        start = int(at.timestamp()) // (window_minutes * 60)
        members = self.windows.setdefault((topic, start), [])
        if ticket_id not in members:
            members.append(ticket_id)
        previous = self.windows.get((topic, start - 1), [])
        elapsed = (at.timestamp() / 60 % window_minutes) / window_minutes
        return len(members) + len(previous) * (1 - elapsed), [*previous, *members]


class FakeIncidents:
    """Incidents with one active pointer per topic (conditional), versioned saves."""

    def __init__(self) -> None:
        self.by_id: dict[str, Incident] = {}
        self.active_ids: dict[str, str] = {}
        self.outbox: list[TicketEvent] = []
        self.joined: dict[str, list[str]] = {}

    def active(self, topic: str) -> Incident | None:
        found = self.active_ids.get(topic)
        return self.by_id.get(found) if found else None

    def get(self, incident_id: str) -> Incident | None:
        return self.by_id.get(incident_id)

    def open(self, change: IncidentChange, *, replaces: str | None) -> None:
        incident = change.incident
        if self.active_ids.get(incident.topic) != replaces:
            raise Conflict("another incident opened first")
        self.active_ids[incident.topic] = incident.incident_id
        self.by_id[incident.incident_id] = incident
        self.outbox.extend(e for e in change.events if e.notify)

    def save(self, change: IncidentChange) -> None:
        stored = self.by_id.get(change.incident.incident_id)
        if stored is None or stored.version != change.expected_version:
            raise Conflict("incident changed")
        self.by_id[change.incident.incident_id] = change.incident
        self.outbox.extend(e for e in change.events if e.notify)

    def list_open(self, limit: int = 50) -> list[Incident]:
        return [i for i in self.by_id.values() if i.status.value == "open"][:limit]

    def join(self, incident: Incident, ticket_id: str, at: datetime) -> bool:
        joined = self.joined.setdefault(incident.incident_id, [])
        if ticket_id in incident.tickets or ticket_id in joined:
            return False
        joined.append(ticket_id)
        stored = self.by_id[incident.incident_id]
        if incident.seen_long_ago(at) and stored.last_seen < at:
            self.by_id[incident.incident_id] = stored.model_copy(
                update={"last_seen": at, "version": stored.version + 1}
            )
        return True

    def members(self, incident: Incident) -> list[str]:
        return list(dict.fromkeys([*incident.tickets, *self.joined.get(incident.incident_id, [])]))


class FakeAgents:
    """Team rosters keyed (team, subject)."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], AgentState] = {}

    def roster(self, team: str) -> list[AgentState]:
        return sorted((a for (t, _), a in self.states.items() if t == team), key=lambda a: a.subject)

    def get(self, team: str, subject: str) -> AgentState | None:
        return self.states.get((team, subject))

    def put(self, state: AgentState) -> None:
        current = self.states.get((state.team, state.subject))
        held = current.open_tickets if current else frozenset()
        self.states[(state.team, state.subject)] = state.model_copy(update={"open_tickets": held})

    def assigned(self, team: str, subject: str, at: datetime) -> None:
        state = self.states.get((team, subject))
        if state is not None:
            self.states[(team, subject)] = state.model_copy(update={"last_assigned_at": at})

    def holds(self, team: str, subject: str, ticket_id: str) -> None:
        self._held(team, subject, lambda held: held | {ticket_id})

    def released(self, team: str, subject: str, ticket_id: str) -> None:
        self._held(team, subject, lambda held: held - {ticket_id})

    def _held(self, team: str, subject: str, change: Any) -> None:
        state = self.states.get((team, subject))
        if state is not None:  # as the adapter: an agent not in the roster holds nothing
            self.states[(team, subject)] = state.model_copy(
                update={"open_tickets": change(state.open_tickets)}
            )

    def online(self, team: str, *subjects: str, cap: int | None = None) -> None:
        """Test helper: put ``subjects`` online in ``team``."""
        for subject in subjects:
            self.put(AgentState(subject=subject, team=team, cap=cap, updated_at=NOW, updated_by=subject))


class FakeCanned:
    """Canned responses keyed (team, id), versioned like the adapter."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], CannedResponse] = {}

    def list(self, team: str) -> list[CannedResponse]:
        return sorted((c for (t, _), c in self.items.items() if t == team), key=lambda c: c.title)

    def get(self, team: str, canned_id: str) -> CannedResponse | None:
        return self.items.get((team, canned_id))

    def put(self, canned: CannedResponse, *, expected_version: int | None) -> None:
        stored = self.items.get((canned.team, canned.canned_id))
        if (stored is None) != (expected_version is None) or (
            stored is not None and stored.version != expected_version
        ):
            raise Conflict("the canned response changed")
        self.items[(canned.team, canned.canned_id)] = canned

    def delete(self, team: str, canned_id: str) -> None:
        self.items.pop((team, canned_id), None)


class FakePublisher:
    """The ticket-events topic as SnsTicketEvents uses it: requests of 10 entries, failures by key.

    ``refuse[key] = n`` refuses that entry ``n`` times; a request whose number (0, 1, ...) is in
    ``down`` fails whole (then, like the adapter, its entries and every later one are not published).
    """

    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.published: list[str] = []
        self.refuse: dict[str, int] = {}
        self.down: set[int] = set()
        self._sent = 0

    def publish_batch(self, notifications: list[dict[str, Any]]) -> list[str]:
        keys = [str(n["idempotency_key"]) for n in notifications]
        failed: list[str] = []
        for start in range(0, len(keys), 10):
            self._sent += 1
            if self._sent - 1 in self.down:
                return failed + keys[start:]
            chunk = keys[start : start + 10]
            self.requests.append(chunk)
            for key in chunk:
                if self.refuse.get(key, 0) > 0:
                    self.refuse[key] -= 1
                    failed.append(key)
                else:
                    self.published.append(key)
        return failed


class FakeAudit:
    """A ticket's audit trail: each change's events under (ticket, version), rewritten on a retry."""

    def __init__(self) -> None:
        self.trail: dict[tuple[str, int], list[str]] = {}
        self.writes = 0

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        self.writes += 1
        self.trail[(ticket_id, version)] = [e.type for e in events]

    def record_many(self, changes: Any) -> None:
        self.writes += 1
        for ticket_id, version, events in changes:
            self.trail[(ticket_id, version)] = [e.type for e in events]
