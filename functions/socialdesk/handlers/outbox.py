"""Stream consumer (the outbox): each stored ticket or incident change's audit events and notifications,
and each newly queued reply's delivery.

Records are handled in stream order (powertools' BatchProcessor); a record whose storage call fails
is retried here with backoff (logic/transient.py), and only then reported, with the records after it
(not attempted): Lambda retries from it (then the dead-letter queue). The notifications of the
records handled are published together at the end, ten to a request; a record whose notification
is still unpublished after its retries is reported too. Everything here is keyed, so a retried
record is harmless: audit events are rewritten under the same keys, notifications carry the same
``idempotency_key``, and a reply is delivered under its lease at most once.
"""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from socialdesk.bootstrap import agent_picker, now, reply_service, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.items import from_attributes
from socialdesk.dal.tickets import ticket_image
from socialdesk.logic.outbox import AuditStore, NotAttempted, StreamBatch, record_change


def handle(record: dict[str, Any], audit: AuditStore) -> tuple[int, list[dict[str, Any]], int]:
    """One stream record's own work → (events recorded, notifications it owes, replies delivered); its
    audit events go to ``audit`` (the batch's, stored with the others' at the end)."""
    change = record.get("dynamodb") or {}
    new, old = change.get("NewImage") or {}, change.get("OldImage") or {}
    kinds = {_entity(new), _entity(old)}
    if not kinds & _DELIVERED:  # a mention, a raw payload, a counter…: nothing to deliver, nothing parsed
        return 0, [], 0
    image = from_attributes(new)
    before = from_attributes(old) if "ticket" in kinds else {}
    if "ticket" in kinds:
        from socialdesk.logic.assignment import track_holder

        track_holder(
            str(image.get("ticket_id") or before.get("ticket_id")),
            before or None,
            image or None,
            agents=services().agents,
        )
    entity = image.get("entity")
    if entity == "reply":
        if record.get("eventName") == "INSERT" and image.get("status") == "queued":
            reply_service().recorded(image)
            return 0, [], 1
        return 0, [], 0
    if entity in ("ticket", "incident"):
        if entity == "ticket":
            image = ticket_image(image)  # its packed fields and the change's events, as plain fields
        stored, notifications = record_change(image, audit=audit)
        if entity == "ticket" and image.get("status") == "open" and not image.get("assignee"):
            _assign(str(image["ticket_id"]), str(image.get("team") or ""))
        return stored, notifications, 0
    return 0, [], 0


#: the items whose stream records the outbox acts on (a ticket's old image moves its holder too)
_DELIVERED = frozenset({"ticket", "incident", "reply"})


def _entity(image: dict[str, Any]) -> str | None:
    """A stream image's ``entity``, read off its attribute value without parsing the image."""
    return (image.get("entity") or {}).get("S")


def _assign(ticket_id: str, team: str) -> None:
    """An open, unassigned ticket: its team's rule may give it to an available agent (audited)."""
    from socialdesk.logic.assignment import assign_if_needed

    picker = agent_picker()
    if assign_if_needed(ticket_id, now(), tickets=services().tickets, picker=picker, team=team):
        metrics.add_metric(name="TicketsAutoAssigned", unit="Count", value=1)


def record_handler(record: DynamoDBRecord, *, batch: StreamBatch[str], totals: Counter[str]) -> None:
    """One record through ``batch``; a failure raises, and the processor reports the record."""
    sequence = str(record.dynamodb.sequence_number if record.dynamodb else "")
    try:
        stored, notifications, replies = batch.run(
            sequence, partial(handle, record.raw_event, batch.audit_for(sequence))
        )
    except NotAttempted:
        raise
    except Exception:
        logger.exception("outbox record failed", extra={"sequence": sequence})
        raise
    batch.owe(sequence, notifications)
    totals.update(AuditEventsStored=stored, RepliesDeliveredFromOutbox=replies)


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream batch → partial-failure report: the records to retry (Lambda resumes at the first)."""
    batch: StreamBatch[str] = StreamBatch(services().publisher, audit=services().tickets)
    totals: Counter[str] = Counter()
    handler = partial(record_handler, batch=batch, totals=totals)
    # one processor per invocation (it holds the batch's results); a batch whose every record failed
    # is reported record by record too, and Lambda resumes from the first
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(event.get("Records", []), handler):
        processor.process()
    failures = list(processor.response()["batchItemFailures"])
    published, unpublished = batch.publish()
    if unpublished:
        logger.warning("notifications not published", extra={"records": unpublished[:10]})
        failures.extend({"itemIdentifier": sequence} for sequence in unpublished)
    metrics.add_metric(name="AuditEventsStored", unit="Count", value=totals["AuditEventsStored"])
    metrics.add_metric(name="NotificationsPublished", unit="Count", value=published)
    metrics.add_metric(
        name="RepliesDeliveredFromOutbox", unit="Count", value=totals["RepliesDeliveredFromOutbox"]
    )
    if failures:
        metrics.add_metric(name="OutboxFailures", unit="Count", value=1)
    return {"batchItemFailures": failures}
