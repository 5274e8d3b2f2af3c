"""Scheduled entrypoint (EventBridge Scheduler, rate(1 minute)): escalate tickets whose level is due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.bootstrap import agent_picker, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.tickets import DUE_SHARDS
from socialdesk.domain.model import Model
from socialdesk.logic.escalate_overdue import escalate_overdue


class ScheduledRun(Model):
    """The schedule's input: ``{"scheduled_time": "<aws.scheduler.scheduled-time>"}`` — the run's "now"."""

    scheduled_time: datetime


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One escalation run; deterministic for a given scheduled time (replayable)."""
    run_input = ScheduledRun.model_validate(event)
    svc = services()
    picker = agent_picker()
    run = escalate_overdue(
        run_input.scheduled_time,
        tickets=svc.tickets,
        policy=picker.policy,
        shards=DUE_SHARDS,
        millis_left=context.get_remaining_time_in_millis,
        picker=picker,
    )
    for name, count in run.escalations.items():
        metrics.add_metric(name=f"Escalations_{name}", unit="Count", value=count)
    metrics.add_metric(name="Breaches", unit="Count", value=run.breaches)
    metrics.add_metric(name="Warnings", unit="Count", value=run.warnings)
    metrics.add_metric(name="ResolutionBreaches", unit="Count", value=run.resolution_breaches)
    metrics.add_metric(name="DueBacklog", unit="Count", value=run.tickets_read)
    metrics.add_metric(name="EscalationsDeferred", unit="Count", value=run.failed)
    for lag in run.lag_seconds:
        metrics.add_metric(name="EscalationLag", unit="Seconds", value=lag)
    logger.info(
        "escalation run",
        extra={
            "now": run.now.isoformat(),
            "read": run.tickets_read,
            "escalations": dict(run.escalations),
            "stopped_early": run.stopped_early,
        },
    )
    return {
        "now": run.now.isoformat(),
        "tickets_read": run.tickets_read,
        "escalations": dict(run.escalations),
        "warnings": run.warnings,
        "breaches": run.breaches,
        "resolution_breaches": run.resolution_breaches,
        "unchanged": run.unchanged,
        "deferred": run.failed,
        "stopped_early": run.stopped_early,
        "max_lag_seconds": max(run.lag_seconds, default=0.0),
    }
