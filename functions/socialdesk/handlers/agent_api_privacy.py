"""Agent API, privacy requests: registered on the agent API's ``app`` on the first request for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from socialdesk.bootstrap import now, services
from socialdesk.handlers.agent_api import agent_route, created, current_principal
from socialdesk.logic.privacy_requests import ErasureRecorded, ErasureRequest


@agent_route(
    "POST",
    "/privacy/erasures",
    "Record an erasure request",
    "privacy",
    400,
    ok=202,
    ok_means="Recorded; carried out from the stream.",
)
def post_erasure(request: Annotated[ErasureRequest, Body()]) -> Response[ErasureRecorded]:
    """Record a person's erasure request (admins); it is carried out from the stream."""
    from socialdesk.logic.privacy_requests import request_erasure

    recorded = request_erasure(current_principal(), request, now(), erasures=services().erasures)
    return created(202, recorded)
