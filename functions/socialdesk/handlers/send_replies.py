"""Retry-queue consumer: send again the replies whose first delivery failed with a retryable error."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from socialdesk.bootstrap import reply_service
from socialdesk.common.observability import entrypoint, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    """One queued reply; a retryable failure raises so SQS redelivers it (then its DLQ)."""
    message = json.loads(record.body)
    outcome = reply_service().retry(str(message["ticket_id"]), str(message["reply_id"]))
    metrics.add_metric(name=f"ReplyRetries_{outcome.get('status', 'unknown')}", unit="Count", value=1)


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS batch → partial-failure report."""
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
