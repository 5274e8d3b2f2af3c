"""Agent API, proactive follow-up: registered on the agent API's ``app`` on the first request for it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from socialdesk.bootstrap import now, services
from socialdesk.handlers.agent_api import agent_route, created, current_principal
from socialdesk.logic.outreach import OutreachOutcome, OutreachRequest


@agent_route(
    "POST",
    "/outreach",
    "Start a conversation with a customer",
    "outreach",
    400,
    ok=202,
    ok_means="Queued on the customer's conversation (sent from the stream).",
)
def post_outreach(request: Annotated[OutreachRequest, Body()]) -> Response[OutreachOutcome]:
    """A follow-up after a sale or a fixed incident, where the platform allows it (422 with the reason)."""
    from socialdesk.logic.outreach import start_outreach

    svc = services()
    outcome = start_outreach(
        current_principal(),
        request,
        now(),
        tickets=svc.tickets,
        replies=svc.tickets,
        policy=svc.policies.routing_policy(),
    )
    return created(202, outcome)
