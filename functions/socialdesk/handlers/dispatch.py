"""Stream consumer: one route-mention execution per stream batch; erasure requests carried out here.

Records become route items built from the stream's images (the workflow never re-reads what the
stream already carries). A batch is cut into executions of at most ``MAX_INPUT_BYTES``. When an
execution cannot be started, its first record is reported failed: Lambda then retries from it, and
routing is idempotent, so records started twice are routed once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from socialdesk.bootstrap import services
from socialdesk.common import clients
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.items import from_attributes
from socialdesk.domain.mention import Mention
from socialdesk.logic.route_messages import RouteItem

#: Step Functions takes 256 KiB of input; leave room for the steps' results in the state
MAX_INPUT_BYTES = 96 * 1024


def execution_name(first_sequence: str) -> str:
    """A unique, valid execution name (≤ 80 chars) that still says which records it routes."""
    digest = hashlib.sha256(first_sequence.encode()).hexdigest()[:16]
    return f"batch-{digest}-{uuid.uuid4().hex[:16]}"


def route_item(record: dict[str, Any]) -> RouteItem | dict[str, Any] | None:
    """The route item a stream record asks for; an erasure request's image; or None (nothing to do)."""
    stream = record.get("dynamodb") or {}
    new = from_attributes(stream.get("NewImage") or {})
    old = from_attributes(stream.get("OldImage") or {})
    entity, event = new.get("entity"), record.get("eventName")
    ref = f"{new.get('channel')}#{new.get('external_id')}"
    if event == "INSERT" and entity == "erasure_request":
        return new
    if event == "INSERT" and entity == "mention" and new.get("status") == "active":
        mention = Mention.model_validate({k: v for k, v in new.items() if k in Mention.model_fields})
        return RouteItem(kind="mention", ref=ref, mention=mention, received_at=new.get("received_at"))
    if event == "INSERT" and entity == "outbound_message":
        mention = Mention.model_validate({k: v for k, v in new.items() if k in Mention.model_fields})
        return RouteItem(kind="brand_message", ref=ref, mention=mention)
    if event == "INSERT" and entity == "backup":
        return RouteItem(
            kind="backup",
            ref=ref,
            target=new.get("target"),
            backup_kind=new.get("kind"),
            count=int(new.get("count", 1)),
            at=new.get("created_at"),
        )
    if (
        event == "MODIFY"
        and entity == "mention"
        and new.get("status") == "deleted"
        and old.get("status") == "active"
    ):
        return RouteItem(
            kind="deletion",
            ref=ref,
            ticket_id=new.get("ticket_id") or old.get("ticket_id"),
            at=new.get("deleted_at"),
        )
    return None


def start_routing(items: list[RouteItem], first_sequence: str) -> None:
    """Start one route-mention execution for ``items``; any failure propagates."""
    arn = services().settings.route_state_machine_arn
    if not arn:
        raise RuntimeError("ROUTE_STATE_MACHINE_ARN is not configured")
    clients.client("stepfunctions").start_execution(
        stateMachineArn=arn,
        name=execution_name(first_sequence),
        input=json.dumps({"items": [i.model_dump(mode="json", exclude_none=True) for i in items]}),
    )


def _erase(image: dict[str, Any]) -> None:
    from socialdesk.bootstrap import now
    from socialdesk.logic.erase_person import erase_person

    svc = services()
    erased = erase_person(
        image,
        now(),
        mentions=svc.mentions,
        archive=svc.archive,
        tickets=svc.tickets,
        replies=svc.tickets,
        erasures=svc.erasures,
        corrections=svc.corrections,
    )
    metrics.add_metric(name="MessagesErased", unit="Count", value=erased)


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream batch → executions; a partial-failure report names where to resume."""
    records = event.get("Records", [])
    stored = sum(
        1
        for r in records
        if r.get("eventName") == "INSERT"
        and ((r.get("dynamodb") or {}).get("NewImage") or {}).get("entity", {}).get("S") == "mention"
    )
    if stored:  # the webhook's stored mentions, counted once per batch here rather than per delivery there
        metrics.add_metric(name="MentionsStored", unit="Count", value=stored)
    return dispatch_records(records)


def dispatch_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Route stream records (the Lambda's batch, or records read back by redrive)."""
    chunks: list[tuple[str, list[RouteItem]]] = []
    size = MAX_INPUT_BYTES
    for record in records:
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
        try:
            item = route_item(record)
            if isinstance(item, dict):
                _erase(item)
                continue
        except Exception:
            logger.exception("stream record failed", extra={"sequence": sequence})
            return _resume(chunks, sequence)
        if item is None:
            continue
        item_size = len(item.model_dump_json(exclude_none=True)) + 2
        if size + item_size > MAX_INPUT_BYTES:
            chunks.append((sequence, []))
            size = 0
        chunks[-1][1].append(item)
        size += item_size
    return _resume(chunks, None)


def _resume(chunks: list[tuple[str, list[RouteItem]]], failed_sequence: str | None) -> dict[str, Any]:
    """Start the collected executions; report the first record that must be retried, if any."""
    started = 0
    for first_sequence, items in chunks:
        try:
            start_routing(items, first_sequence)
        except Exception:
            logger.exception("could not start routing", extra={"items": len(items)})
            metrics.add_metric(name="RoutingStartFailures", unit="Count", value=1)
            return {"batchItemFailures": [{"itemIdentifier": first_sequence}]}
        started += len(items)
    metrics.add_metric(name="RoutingStarted", unit="Count", value=started)
    failures = [{"itemIdentifier": failed_sequence}] if failed_sequence else []
    return {"batchItemFailures": failures}
