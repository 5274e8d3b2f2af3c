"""Stream consumer (the outbox): each stored ticket or incident change's audit events and notifications,
and each newly queued reply's delivery.

Records are handled in stream order; a record whose storage or publish call fails is retried here
with backoff (logic/transient.py), and only then reported: Lambda retries from it (then the
dead-letter queue). Everything here is keyed, so a retried record is
harmless: audit events are rewritten under the same keys, notifications carry the same
``idempotency_key``, and a reply is delivered under its lease at most once.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from socialdesk.bootstrap import agent_picker, now, reply_service, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.items import from_attributes
from socialdesk.dal.tickets import ticket_image
from socialdesk.logic.outbox import deliver_change
from socialdesk.logic.transient import TransientRetry


def handle(record: dict[str, Any]) -> tuple[int, int, int]:
    """One stream record → (events stored, notifications published, replies delivered)."""
    image = from_attributes((record.get("dynamodb") or {}).get("NewImage") or {})
    entity = image.get("entity")
    if entity == "reply":
        if record.get("eventName") == "INSERT" and image.get("status") == "queued":
            reply_service().recorded(image)
            return 0, 0, 1
        return 0, 0, 0
    if entity in ("ticket", "incident"):
        if entity == "ticket":
            image = ticket_image(image)  # its packed fields and the change's events, as plain fields
        svc = services()
        stored, published = deliver_change(image, audit=svc.tickets, publisher=svc.publisher)
        if entity == "ticket" and image.get("status") == "open" and not image.get("assignee"):
            _assign(str(image["ticket_id"]), str(image.get("team") or ""))
        return stored, published, 0
    return 0, 0, 0


def _assign(ticket_id: str, team: str) -> None:
    """An open, unassigned ticket: its team's rule may give it to an available agent (audited)."""
    from socialdesk.domain.assignment import AssignmentMode
    from socialdesk.logic.assignment import assign_if_needed

    picker = agent_picker()
    if picker.policy.assignment.for_team(team).mode is AssignmentMode.MANUAL:
        return
    if assign_if_needed(ticket_id, now(), tickets=services().tickets, picker=picker):
        metrics.add_metric(name="TicketsAutoAssigned", unit="Count", value=1)


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream batch → partial-failure report naming the first record to retry."""
    totals = [0, 0, 0]
    failure: list[dict[str, str]] = []
    retry = TransientRetry()  # a fault retries its record here before the stream retries the rest
    for record in event.get("Records", []):
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
        try:
            for i, n in enumerate(retry.run(partial(handle, record))):
                totals[i] += n
        except Exception:
            logger.exception("outbox record failed", extra={"sequence": sequence})
            failure = [{"itemIdentifier": sequence}]
            break
    metrics.add_metric(name="AuditEventsStored", unit="Count", value=totals[0])
    metrics.add_metric(name="NotificationsPublished", unit="Count", value=totals[1])
    metrics.add_metric(name="RepliesDeliveredFromOutbox", unit="Count", value=totals[2])
    if failure:
        metrics.add_metric(name="OutboxFailures", unit="Count", value=1)
    return {"batchItemFailures": failure}
