"""Scheduled entrypoint (and ``redrive --sweep``): find and repair every inconsistent state, report it.

A run sweeps as much of the table as its time allows and keeps its place (``logic/sweep.sweep_run``):
the schedule's next run continues the pass, and a pass starts at most once per ``SWEEP_PASS_HOURS``.
The event may say ``{"start": "from_start"}`` (a new pass now) or ``{"start": "resume"}`` (continue,
or start one now): the operator's ``redrive --sweep`` invokes runs until its pass is done.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import ValidationError

from socialdesk.bootstrap import now, reply_service, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.table import Table
from socialdesk.domain.errors import Conflict, PayloadInvalid
from socialdesk.domain.model import Model

#: what a run keeps in hand when it stops reading (the last page's repairs, and the state's write)
RESERVE_MS = 120_000


class SweepRequest(Model):
    """A run's event: the schedule sends ``{}``."""

    start: Literal["schedule", "resume", "from_start"] = "schedule"


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One run of the sweep; the report says what it repaired and whether the pass is done."""
    from socialdesk.common import clients
    from socialdesk.dal.sweep_passes import DynamoSweepPasses
    from socialdesk.handlers.dispatch import dispatch_records
    from socialdesk.logic.outbox import deliver_change
    from socialdesk.logic.sweep import sweep_run

    try:
        request = SweepRequest.model_validate(event or {})
    except ValidationError as error:
        raise PayloadInvalid(
            f"a sweep event is {{}} or names its start: {error.errors()[0]['msg']}"
        ) from None
    svc = services()
    dynamodb = clients.client("dynamodb")
    table = Table(dynamodb, svc.settings.table_name, "sweep")

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

    run = sweep_run(
        table.scan_pages,
        DynamoSweepPasses(dynamodb, svc.settings.table_name),
        now(),
        out_of_time=lambda: context.get_remaining_time_in_millis() < RESERVE_MS,
        pass_every=timedelta(hours=svc.settings.sweep_pass_hours),
        start=request.start,
        route=route,
        repairs=svc.tickets,
        redeliver=redeliver,
        mentions=svc.mentions,
        archive=svc.archive,
        retry_reply=retry,
        agents=svc.agents,
    )
    report = run.report
    for name, value in report.model_dump().items():
        metrics.add_metric(name=f"Sweep_{name}", unit="Count", value=value)
    outcome = {"pass_complete": run.pass_complete, "skipped": run.skipped}
    logger.warning("sweep", extra={**report.model_dump(), **outcome}) if report.repaired else logger.info(
        "sweep", extra={**report.model_dump(), **outcome}
    )
    return {**report.model_dump(), "repaired": report.repaired, **outcome}


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
