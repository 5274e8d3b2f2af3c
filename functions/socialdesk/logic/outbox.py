"""Use case: deliver what a stored change recorded — its audit events, its notifications, its replies.

The table's stream hands every ticket and incident write (with the events of that change) to this
use case. Delivery is at least once: audit events land under deterministic keys, notifications
carry an ``idempotency_key`` (``<event>:<id>:<version>:<n>``) subscribers dedupe on, and a failed
publish fails the record, which the stream retries (then its dead-letter queue, then redrive).
The stream consumer collects each record's audit events and notifications as it goes, then stores
the whole batch's events together (BatchWriteItem, 25 items to a request, not one request a record)
and publishes its notifications (:func:`publish_all`), ten to a request; a record whose events could
not be stored publishes nothing and is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from socialdesk.dal.ports import EventPublisher
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.ticket import TicketEvent
from socialdesk.logic.transient import TRANSIENT, TransientRetry

#: what names a record (a stream sequence number)
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class AuditStore(Protocol):
    """Where a ticket's audit trail lives."""

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        """Store a change's events under deterministic keys."""
        ...


class BatchAuditStore(AuditStore, Protocol):
    """An audit trail that stores many changes' events in one go."""

    def record_many(self, changes: Sequence[tuple[str, int, list[TicketEvent]]]) -> None:
        """Store the events of several changes ``(ticket id, version, events)``, each under its key."""
        ...


class _Collected:
    """An audit store that keeps a record's changes for the batch to store together."""

    def __init__(self, into: list[tuple[str, int, list[TicketEvent]]]) -> None:
        self._into = into

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        self._into.append((ticket_id, version, events))


def _clock(value: Any) -> str:
    if not value:
        return "no deadline"
    moment = datetime.fromisoformat(str(value)).astimezone(UTC)
    return f"due {moment.strftime('%H:%M UTC')}"


def notification(
    entity: str, state: dict[str, Any], event: TicketEvent, version: int, index: int
) -> dict[str, Any]:
    """What subscribers get for one event: ids, team, priority, what happened; never who wrote what."""
    entity_id = state.get("ticket_id") or state.get("incident_id") or "?"
    details = event.details
    team = details.get("team") or details.get("to_team") or state.get("team")
    response = state.get("response") or {}
    base = {
        "event": event.type,
        "at": event.at.isoformat(),
        f"{entity}_id": entity_id,
        "team": team,
        "priority": state.get("priority"),
        "channel": state.get("channel"),
        "incident_id": state.get("incident_id"),
        "audience": details.get("audience") or [],
        "details": {k: v for k, v in details.items() if k not in {"why", "audience"}},
        "idempotency_key": f"{event.type}:{entity_id}:{version}:{index}",
    }
    if entity == "ticket":
        what = state.get("intent") or "message"
        topic = f" about {state['topic']}" if state.get("topic") else ""
        base["deadline"] = response.get("deadline")
        base["summary"] = (
            f"[{state.get('priority')}] ticket {entity_id} on {state.get('channel')}: {what}{topic} — "
            f"{event.type} → {team}, {_clock(response.get('deadline'))}"
        )
    else:
        base["summary"] = (
            f"{event.type}: incident {entity_id} ({state.get('topic')}), "
            f"{state.get('ticket_count', 0)} tickets"
        )
    return base


def record_change(image: dict[str, Any], *, audit: AuditStore) -> tuple[int, list[dict[str, Any]]]:
    """Store the audit events of one stored ticket or incident change; return them counted and the
    notifications the change owes (not yet published)."""
    entity = str(image.get("entity"))
    events = [TicketEvent.model_validate(e) for e in image.get("changes") or []]
    if not events:
        return 0, []
    version = int(image.get("version", 1))
    if entity == "ticket":
        audit.record_events(str(image["ticket_id"]), version, events)
    notifications = [
        notification(entity, image, event, version, i) for i, event in enumerate(events) if event.notify
    ]
    return len(events), notifications


def publish_all(
    pending: Mapping[K, Sequence[dict[str, Any]]],
    *,
    publisher: EventPublisher,
    retry: TransientRetry | None = None,
) -> tuple[int, list[K]]:
    """Publish the notifications of many records together; return (published, records not delivered).

    One list of entries for the whole batch, so the publisher fills its requests (ten entries each)
    across records. A notification two records owe (one idempotency key) is published once. Entries
    that fail are published again, only they, under ``retry``; a record any of whose notifications is
    still unpublished then is in the answer (in ``pending``'s order): its caller retries the record,
    and subscribers dedupe what the retry publishes again by ``idempotency_key``.
    """
    unique = {n["idempotency_key"]: n for notes in pending.values() for n in notes}
    remaining = list(unique.values())

    def attempt() -> None:
        nonlocal remaining
        if not remaining:
            return
        failed = set(publisher.publish_batch(remaining))
        remaining = [n for n in remaining if n["idempotency_key"] in failed]
        if remaining:
            raise StorageUnavailable(f"{len(remaining)} notifications were not published")

    with suppress(StorageUnavailable):  # what is still unpublished is answered, not raised
        (retry or TransientRetry(attempts=1)).run(attempt)
    unpublished = {n["idempotency_key"] for n in remaining}
    failed_records = [
        record for record, notes in pending.items() if any(n["idempotency_key"] in unpublished for n in notes)
    ]
    return len(unique) - len(unpublished), failed_records


class NotAttempted(Exception):
    """A record after one that failed: the stream retries from the failed one, this one included."""


class StreamBatch(Generic[K]):
    """One stream batch through the outbox: each record's own work in order, then all its notifications.

    A record's work (its audit events, a reply's delivery, an assignment) is retried on transient
    faults (:class:`TransientRetry`, one budget for the batch); once a record fails, the ones after it
    are not attempted (the stream retries from the failed one, so their work would be done twice).
    The notifications the records owe wait for :meth:`publish`, which publishes them together.

    Parameters
    ----------
    publisher
        The ticket-events topic.
    retry
        The invocation's retry (a new one by default).
    audit
        The audit trail the records' events are stored in together, before the publish (see
        :meth:`audit_for`).
    """

    def __init__(
        self, publisher: EventPublisher, audit: BatchAuditStore, retry: TransientRetry | None = None
    ) -> None:
        self.publisher = publisher
        self.retry = retry or TransientRetry()
        self.audit = audit
        self.owed: dict[K, list[dict[str, Any]]] = {}
        self.events: dict[K, list[tuple[str, int, list[TicketEvent]]]] = {}
        self._failed: K | None = None
        self._stopped = False

    def audit_for(self, record: K) -> AuditStore:
        """The audit store ``record``'s work writes to: its events wait for :meth:`publish`."""
        return _Collected(self.events.setdefault(record, []))

    def run(self, record: K, work: Callable[[], T]) -> T:
        """``work()`` for ``record``, retried on transient faults; raises if it or an earlier one failed."""
        if self._stopped:
            raise NotAttempted(f"record {record} follows {self._failed}, which failed")
        try:
            return self.retry.run(work)
        except Exception:
            self._stopped, self._failed = True, record
            raise

    def owe(self, record: K, notifications: list[dict[str, Any]]) -> None:
        """What ``record`` must publish before it counts as delivered."""
        if notifications:
            self.owed[record] = notifications

    def publish(self) -> tuple[int, list[K]]:
        """Store every record's events, then publish every owed notification; return (published,
        records to retry): those whose events could not be stored (their notifications wait for the
        retry), then those whose notifications did not all go out."""
        unstored = self._store_events()
        owed = {record: notes for record, notes in self.owed.items() if record not in unstored}
        published, unpublished = publish_all(owed, publisher=self.publisher, retry=self.retry)
        return published, [*unstored, *unpublished]

    def _store_events(self) -> list[K]:
        """Store the collected events in one go (retried); the records whose events are not stored."""
        changes = [change for record_changes in self.events.values() for change in record_changes]
        if not changes:
            return []
        store = self.audit
        try:
            self.retry.run(lambda: store.record_many(changes))
        except TRANSIENT:
            return [record for record, record_changes in self.events.items() if record_changes]
        return []


def deliver_change(image: dict[str, Any], *, audit: AuditStore, publisher: EventPublisher) -> tuple[int, int]:
    """Store the audit events and publish the notifications of one stored ticket or incident change.

    Returns (events stored, notifications published). Raises StorageUnavailable when a notification
    could not be published (the caller retries the change; the keys make the retry harmless).
    """
    stored, notifications = record_change(image, audit=audit)
    published, failed = publish_all({"change": notifications}, publisher=publisher)
    if failed:
        raise StorageUnavailable(f"{len(notifications) - published} notifications were not published")
    return stored, published
