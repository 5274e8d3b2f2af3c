"""Scheduled entrypoint (the ``RefitSchedule`` parameter): refit the routing model from corrections."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import Field

from socialdesk.bootstrap import services
from socialdesk.common import clients
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.domain.model import Model


class RefitRun(Model):
    """The schedule's input: ``{"scheduled_time": "<aws.scheduler.scheduled-time>"}`` — the run's "now"."""

    scheduled_time: datetime
    days: int = Field(default=90, ge=1, le=3650, description="The corrections window.")
    dry_run: bool = Field(default=False, description="Evaluate, never publish.")


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One refit, as ``python -m socialdesk.tools.refit`` runs it; publishes only a better candidate."""
    from socialdesk.tools.refit import run

    run_input = RefitRun.model_validate(event)
    settings = services().settings
    if not settings.model_bucket:
        raise ValueError("MODEL_BUCKET is not set: the refit has nowhere to publish")
    outcome = run(
        dynamodb=clients.client("dynamodb"),
        s3=clients.client("s3"),
        table=settings.table_name,
        bucket=settings.model_bucket,
        now=run_input.scheduled_time,
        days=run_input.days,
        dry_run=run_input.dry_run,
        actor="refit-schedule",
    )
    metrics.add_metric(name="RefitPublished", unit="Count", value=int(outcome.published))
    metrics.add_metric(name="RefitHeldOut", unit="Count", value=outcome.held_out)
    result = dataclasses.asdict(outcome)
    logger.info("refit run", extra={"refit": result})
    return result
