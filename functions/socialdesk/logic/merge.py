"""Use case: merge two tickets of the same customer; the loser closes and redirects to the winner."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from socialdesk.dal.ports import TicketRepository
from socialdesk.domain.access import Principal
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketStateError
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.respond import ReplyRefused, TicketConflict, visible_ticket


class MergeRequest(Model):
    """``POST /tickets/{id}/merge`` body: the ticket this one joins."""

    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=128, description="The ticket that stays (the winner).")


def merge(
    principal: Principal,
    ticket_id: str,
    request: MergeRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    policy: RoutingPolicy,
) -> Ticket:
    """Merge ``ticket_id`` into ``request.into``: both the caller's, the same customer on the same channel.

    The winner takes the messages (its replies and audit trail show the loser's too), the earlier
    clocks and the more urgent priority; the loser closes as ``merged`` and redirects there (a new
    message in its conversation joins the winner). Both writes are one transaction.
    """

    def attempt() -> Ticket:
        loser = visible_ticket(principal, ticket_id, tickets)
        winner = visible_ticket(principal, request.into, tickets)
        if (
            loser.channel != winner.channel
            or loser.customer.key is None
            or (loser.customer.key != winner.customer.key)
        ):
            raise ReplyRefused(
                f"{ticket_id} and {request.into} are not the same customer on the same channel; "
                "only one customer's tickets merge"
            )
        try:
            lost = loser.merge_into(winner, principal.subject, now)
            won = winner.absorb(loser, principal.subject, now, policy)
        except TicketStateError as error:
            raise TicketConflict(str(error)) from None
        tickets.save_all([lost, won])
        return won.ticket

    return retry_on_conflict(attempt, what="merge")
