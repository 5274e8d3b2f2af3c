"""Agent API, canned responses: registered on the agent API's ``app`` on the first request for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from socialdesk.bootstrap import now, services
from socialdesk.domain.canned import CannedResponse
from socialdesk.domain.model import Model
from socialdesk.handlers.agent_api import TicketId, agent_route, created, current_principal
from socialdesk.logic.canned import CannedList, CannedRequest, TicketCanned


@agent_route("GET", "/tickets/<ticket_id>/canned-responses", "Canned responses for a ticket", "canned", 404)
def get_ticket_canned(ticket_id: TicketId) -> TicketCanned:
    """The ticket's team's canned responses, placeholders filled in for this customer and agent."""
    from socialdesk.logic.canned import canned_for_ticket

    svc = services()
    return canned_for_ticket(current_principal(), ticket_id, tickets=svc.tickets, store=svc.canned)


# -- canned responses (leads manage them) -------------------------------------------------------------------
CannedId = Annotated[str, Path(pattern=r"^C-[a-z0-9]{6,40}$", description="The canned response's id.")]


class Deleted(Model):
    """What was deleted."""

    deleted: str


@agent_route("GET", "/canned-responses", "A team's canned responses", "canned", 400)
def get_canned(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> CannedList:
    """The team's canned responses and the placeholders they may use."""
    from socialdesk.logic.canned import list_canned

    return list_canned(current_principal(), team, store=services().canned)


@agent_route(
    "POST", "/canned-responses", "Create a canned response", "canned", 400, ok=201, ok_means="Created."
)
def post_canned(request: Annotated[CannedRequest, Body()]) -> Response[CannedResponse]:
    """Leads and admins of the team create one."""
    from socialdesk.logic.canned import save_canned

    return created(201, save_canned(current_principal(), None, request, now(), store=services().canned))


@agent_route("PUT", "/canned-responses/<canned_id>", "Change a canned response", "canned", 400, 404, 409)
def put_canned(canned_id: CannedId, request: Annotated[CannedRequest, Body()]) -> CannedResponse:
    """Leads and admins of the team change one (``version``: the one read; 409 when stale)."""
    from socialdesk.logic.canned import save_canned

    return save_canned(current_principal(), canned_id, request, now(), store=services().canned)


@agent_route("DELETE", "/canned-responses/<canned_id>", "Delete a canned response", "canned", 400, 404)
def delete_canned_response(
    canned_id: CannedId,
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> Deleted:
    """Leads and admins of the team delete one."""
    from socialdesk.logic.canned import delete_canned

    delete_canned(current_principal(), team, canned_id, store=services().canned)
    return Deleted(deleted=canned_id)
