"""Scheduled entrypoint (and ``redrive --sweep``): find and repair every inconsistent state, report it."""

from __future__ import annotations

from typing import Any

from socialdesk.bootstrap import now, reply_service, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.table import Table
from socialdesk.domain.errors import Conflict


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One sweep over the table; the report says what it repaired."""
    from socialdesk.common import clients
    from socialdesk.handlers.dispatch import dispatch_records
    from socialdesk.logic.outbox import deliver_change
    from socialdesk.logic.sweep import sweep

    svc = services()
    table = Table(clients.client("dynamodb"), svc.settings.table_name, "sweep")

    def route(items: list[dict[str, Any]]) -> int:
        records = [_as_stream_record(item, n) for n, item in enumerate(items)]
        failed = dispatch_records(records)["batchItemFailures"]
        return len(items) if not failed else 0

    def retry(ticket_id: str, reply_id: str) -> None:
        try:
            reply_service().retry(ticket_id, reply_id, from_queue=False)
        except Conflict:
            return

    def redeliver(item: dict[str, Any]) -> None:
        deliver_change(item, audit=svc.tickets, publisher=svc.publisher)

    report = sweep(
        table.scan(),
        now(),
        route=route,
        repairs=svc.tickets,
        redeliver=redeliver,
        mentions=svc.mentions,
        archive=svc.archive,
        retry_reply=retry,
    )
    for name, value in report.model_dump().items():
        metrics.add_metric(name=f"Sweep_{name}", unit="Count", value=value)
    logger.warning("sweep", extra=report.model_dump()) if report.repaired else logger.info(
        "sweep", extra=report.model_dump()
    )
    return {**report.model_dump(), "repaired": report.repaired}


def _as_stream_record(mention: dict[str, Any], n: int) -> dict[str, Any]:
    """The stream record that routes a stored message: its insert, or (deleted) its deletion."""
    from socialdesk.dal.items import to_attributes

    image = {"NewImage": to_attributes(mention), "SequenceNumber": f"sweep-{n}"}
    if mention.get("status") == "deleted":
        return {
            "eventName": "MODIFY",
            "dynamodb": {**image, "OldImage": to_attributes({**mention, "status": "active"})},
        }
    return {"eventName": "INSERT", "dynamodb": image}
