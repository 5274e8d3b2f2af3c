"""Step Functions task entrypoints of route-messages: Classify, Route, Triage (each for a whole batch).

Each parses the execution state (pydantic), calls one use case and returns its result; storage
faults and lost races propagate by name so the state machine's Retry can match them.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pydantic import ConfigDict

from socialdesk.bootstrap import router
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.domain.classification import Classification
from socialdesk.domain.model import Model
from socialdesk.logic.route_messages import BatchRouted, FailedItem, RouteItem
from socialdesk.logic.transient import TransientRetry


class RouteState(Model):
    """The route-messages execution state, as each task receives it."""

    model_config = ConfigDict(extra="ignore")

    items: list[RouteItem]
    classified: dict[str, Classification] | None = None
    routed: BatchRouted | None = None
    error: dict[str, Any] | None = None


class TriageState(Model):
    """Triage's input: the items routing could not handle, or the whole batch after a failed step."""

    model_config = ConfigDict(extra="ignore")

    failed: list[FailedItem] | None = None
    items: list[RouteItem] | None = None
    error: dict[str, Any] | None = None


@entrypoint
def classify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Classify step: every customer message of the batch."""
    state = RouteState.model_validate(event)
    routing = router()
    found = {
        item.ref: routing.classify(item.mention).model_dump(mode="json")
        for item in state.items
        if item.kind == "mention" and item.mention is not None
    }
    return found


@entrypoint
def route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Route step: each item to its customer's conversation (idempotent; retried as a whole)."""
    state = RouteState.model_validate(event)
    result = router().route_batch(state.items, state.classified)
    for action in {o.action for o in result.outcomes}:
        metrics.add_metric(
            name=f"Routed_{action}", unit="Count", value=sum(o.action == action for o in result.outcomes)
        )
    if result.failed:
        metrics.add_metric(name="RoutingFailures", unit="Count", value=len(result.failed))
    return result.model_dump(mode="json")


@entrypoint
def triage(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Triage step: the failed items (or the whole batch) go to their conversation's ticket in triage."""
    state = TriageState.model_validate(event)
    error = state.error or {}
    failed = state.failed or [
        FailedItem(
            item=item, error=str(error.get("Error", "Unknown")), cause=str(error.get("Cause", ""))[:500]
        )
        for item in state.items or []
    ]
    routing = router()
    retry = TransientRetry()
    outcomes = [retry.run(partial(routing.triage, f.item, f.error, f.cause)) for f in failed]
    triaged = sum(o.action == "triaged" for o in outcomes)
    metrics.add_metric(name="TicketsTriaged", unit="Count", value=triaged)
    logger.warning(
        "messages triaged", extra={"triaged": triaged, "errors": sorted({f.error for f in failed})}
    )
    return {"outcomes": [o.model_dump(mode="json") for o in outcomes]}
