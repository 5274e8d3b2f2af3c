"""Stream consumer: route each newly stored customer mention; stop the clock on the brand's own replies."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from socialdesk.bootstrap import services
from socialdesk.common import clients
from socialdesk.common.observability import entrypoint, logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def execution_name(channel: str, external_id: str) -> str:
    """A unique, valid execution name (≤ 80 chars) that still says which mention it routes."""
    digest = hashlib.sha256(f"{channel}#{external_id}".encode()).hexdigest()[:20]
    return f"{channel[:12]}-{digest}-{uuid.uuid4().hex[:12]}"


def start_routing(channel: str, external_id: str) -> str:
    """Start one route-mention execution; any failure propagates so the record is retried."""
    arn = services().settings.route_state_machine_arn
    if not arn:
        raise RuntimeError("ROUTE_STATE_MACHINE_ARN is not configured")
    response = clients.client("stepfunctions").start_execution(
        stateMachineArn=arn,
        name=execution_name(channel, external_id),
        input=json.dumps({"mention": {"channel": channel, "external_id": external_id}}),
    )
    return str(response["executionArn"])


@tracer.capture_method
def record_handler(record: DynamoDBRecord) -> None:
    """Route a mention INSERT (the event source mapping filters the rest; checked again here)."""
    image = record.dynamodb.new_image if record.dynamodb else None
    if record.event_name is None or record.event_name.name != "INSERT" or not image:
        return
    if image.get("entity") == "erasure_request":
        from socialdesk.bootstrap import now
        from socialdesk.logic.erase_person import erase_person

        svc = services()
        erased = erase_person(
            image,
            now(),
            mentions=svc.mentions,
            archive=svc.archive,
            tickets=svc.tickets,
            erasures=svc.erasures,
        )
        metrics.add_metric(name="MessagesErased", unit="Count", value=erased)
        return
    if image.get("entity") == "outbound_message":
        from socialdesk.logic.respond import record_brand_reply

        ticket = record_brand_reply(
            str(image["channel"]), str(image["external_id"]), tickets=services().tickets
        )
        metrics.add_metric(name="BrandRepliesSeen", unit="Count", value=1 if ticket else 0)
        return
    if image.get("entity") != "mention" or image.get("status") != "active":
        return
    start_routing(str(image["channel"]), str(image["external_id"]))
    metrics.add_metric(name="RoutingStarted", unit="Count", value=1)


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """DynamoDB stream batch → partial-failure report (failed records are retried, then bisected)."""
    result: dict[str, Any] = process_partial_response(  # type: ignore[assignment]
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    failures = len(result.get("batchItemFailures", []))
    if failures:
        metrics.add_metric(name="RoutingStartFailures", unit="Count", value=failures)
        logger.warning("some records failed to start routing", extra={"failed": failures})
    return result
