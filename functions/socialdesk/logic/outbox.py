"""Use case: deliver what a stored change recorded — its audit events, its notifications, its replies.

The table's stream hands every ticket and incident write (with the events of that change) to this
use case. Delivery is at least once: audit events land under deterministic keys, notifications
carry an ``idempotency_key`` (``<event>:<id>:<version>:<n>``) subscribers dedupe on, and a failed
publish fails the record, which the stream retries (then its dead-letter queue, then redrive).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from socialdesk.dal.ports import EventPublisher
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.ticket import TicketEvent


class AuditStore(Protocol):
    """Where a ticket's audit trail lives."""

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        """Store a change's events under deterministic keys."""
        ...


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


def deliver_change(image: dict[str, Any], *, audit: AuditStore, publisher: EventPublisher) -> tuple[int, int]:
    """Store the audit events and publish the notifications of one stored ticket or incident change.

    Returns (events stored, notifications published). Raises StorageUnavailable when a notification
    could not be published (the stream retries the record; the keys make the retry harmless).
    """
    entity = str(image.get("entity"))
    events = [TicketEvent.model_validate(e) for e in image.get("changes") or []]
    if not events:
        return 0, 0
    version = int(image.get("version", 1))
    if entity == "ticket":
        audit.record_events(str(image["ticket_id"]), version, events)
    notifications = [
        notification(entity, image, event, version, i) for i, event in enumerate(events) if event.notify
    ]
    failed = publisher.publish_batch(notifications) if notifications else []
    if failed:
        raise StorageUnavailable(f"{len(failed)} notifications were not published: {failed[:3]}")
    return len(events), len(notifications)
