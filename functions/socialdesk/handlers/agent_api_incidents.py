"""Agent API, incidents: registered on the agent API's ``app`` on the first request for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from socialdesk.bootstrap import now, services
from socialdesk.domain.incident import Incident
from socialdesk.domain.model import Model
from socialdesk.handlers.agent_api import agent_route, created, current_principal
from socialdesk.logic.incidents import IncidentReplyOutcome, IncidentReplyRequest, IncidentView
from socialdesk.logic.respond import ResolveRequest

IncidentId = Annotated[str, Path(min_length=1, max_length=200, description="The incident id (`INC-…`).")]


class IncidentList(Model):
    """Open incidents the caller can see, newest first."""

    incidents: list[Incident]


@agent_route("GET", "/incidents", "Open incidents", "incidents")
def get_incidents() -> IncidentList:
    """Open incidents the caller can see, newest first."""
    from socialdesk.logic.incidents import list_incidents

    return IncidentList(incidents=list_incidents(current_principal(), incidents=services().incidents))


@agent_route("GET", "/incidents/<incident_id>", "An incident with its tickets", "incidents", 404)
def get_incident(incident_id: IncidentId) -> IncidentView:
    """An incident with its tickets, counts and first/last seen."""
    from socialdesk.logic.incidents import show_incident

    svc = services()
    return show_incident(current_principal(), incident_id, incidents=svc.incidents, tickets=svc.tickets)


@agent_route(
    "POST",
    "/incidents/<incident_id>/replies",
    "One reply to every linked customer",
    "incidents",
    400,
    404,
    ok=202,
    ok_means="One reply queued per linked customer.",
)
def post_incident_reply(
    incident_id: IncidentId,
    request: Annotated[IncidentReplyRequest, Body()],
    idempotency_key: Annotated[
        str, Header(min_length=1, max_length=200, description="Required: it makes the reply go out once.")
    ],
) -> Response[IncidentReplyOutcome]:
    """One text to every linked customer, each on their own channel, once each."""
    from socialdesk.logic.incidents import reply_to_incident

    svc = services()
    outcome = reply_to_incident(
        current_principal(),
        incident_id,
        request,
        idempotency_key,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        replies=svc.tickets,
        mentions=svc.mentions,
    )
    return created(202, outcome)


@agent_route(
    "POST",
    "/incidents/<incident_id>/resolve",
    "Resolve an incident and its tickets",
    "incidents",
    400,
    404,
    409,
)
def post_incident_resolve(
    incident_id: IncidentId, request: Annotated[ResolveRequest | None, Body()] = None
) -> Incident:
    """Resolve the incident and its open tickets."""
    from socialdesk.logic.incidents import resolve_incident

    svc = services()
    return resolve_incident(
        current_principal(),
        incident_id,
        (request or ResolveRequest()).resolution,
        now(),
        incidents=svc.incidents,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
