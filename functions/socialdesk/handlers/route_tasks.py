"""Step Functions task entrypoints of route-mention: Classify, Thread, Assign, Triage.

Each parses the execution state (pydantic), calls one use case and returns its result; domain
errors propagate so the state machine's Retry/Catch can match them by name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from socialdesk.bootstrap import services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.logic.route_mention import (
    Assigned,
    Classified,
    MentionRef,
    Threaded,
    assign_ticket,
    classify_mention,
    thread_mention,
    triage_ticket,
)


class RouteState(BaseModel):
    """The route-mention execution state, as each task receives it."""

    model_config = ConfigDict(extra="ignore")

    mention: MentionRef
    classified: Classified | None = None
    thread: Threaded | None = None
    assignment: Assigned | None = None
    error: dict[str, Any] | None = None


def _state(event: dict[str, Any]) -> RouteState:
    state = RouteState.model_validate(event)
    logger.append_keys(mention=state.mention.ref)
    return state


@entrypoint
def classify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Classify step."""
    state = _state(event)
    svc = services()
    result = classify_mention(state.mention, tickets=svc.tickets, policy=svc.policies.routing_policy())
    if result.classification:
        metrics.add_metric(name=f"Intent_{result.classification.intent.value}", unit="Count", value=1)
    return result.model_dump(mode="json")


@entrypoint
def thread(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Thread step."""
    state = _state(event)
    svc = services()
    result = thread_mention(state.mention, tickets=svc.tickets, policy=svc.policies.routing_policy())
    metrics.add_metric(name=f"Thread_{result.action.value}", unit="Count", value=1)
    return result.model_dump(mode="json")


@entrypoint
def assign(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Assign step."""
    state = _state(event)
    if state.classified is None or state.classified.classification is None or state.thread is None:
        raise ValueError("Assign needs the Classify and Thread results in the state")
    svc = services()
    result = assign_ticket(
        state.mention,
        state.classified.classification,
        state.thread,
        tickets=svc.tickets,
        surge=svc.surge,
        policy=svc.policies.routing_policy(),
    )
    metrics.add_metric(name="TicketsRouted", unit="Count", value=1)
    if result.incident_opened:
        metrics.add_metric(name="IncidentsOpened", unit="Count", value=1)
    crisis_team = svc.policies.routing_policy().surge.crisis_team
    return {**result.model_dump(mode="json"), "crisis_team": crisis_team}


@entrypoint
def triage(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Triage step (every Catch lands here)."""
    state = _state(event)
    error = state.error or {}
    svc = services()
    result = triage_ticket(
        state.mention,
        str(error.get("Error", "Unknown")),
        str(error.get("Cause", "")),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    metrics.add_metric(name="TicketsTriaged", unit="Count", value=1)
    logger.warning("mention triaged", extra={"ticket_id": result.ticket_id, "error": error.get("Error")})
    return result.model_dump(mode="json")
