"""Agent API, routing corrections: registered on the agent API's ``app`` on the first request for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from socialdesk.bootstrap import now, services
from socialdesk.domain.correction import Correction
from socialdesk.handlers.agent_api import TicketId, agent_route, created, current_principal
from socialdesk.logic.record_correction import CorrectionRequest


@agent_route(
    "POST",
    "/tickets/<ticket_id>/corrections",
    "Correct the routing (teaches the model)",
    "tickets",
    400,
    404,
    ok=201,
    ok_means="Stored as a labelled example; a repeat answers with the correction stored first.",
)
def post_correction(
    ticket_id: TicketId, request: Annotated[CorrectionRequest, Body()]
) -> Response[Correction]:
    """Keep the agent's correction (intent, team, spam, not spam) as a labelled example for the next refit.

    The ticket itself does not change (move it with `/assign`; a move is kept as a team correction).
    422 when the correction contradicts itself (an intent correction without an intent, "not spam" as
    spam) or names a team the policy does not.
    """
    from socialdesk.logic.record_correction import correct_routing

    svc = services()
    correction = correct_routing(
        current_principal(),
        ticket_id,
        request,
        now(),
        tickets=svc.tickets,
        mentions=svc.mentions,
        store=svc.corrections,
        teams=svc.policies.routing_policy().teams,
    )
    return created(201, correction)
