"""Use case: the satisfaction survey after resolution, on the customer's channel where it may go."""

from __future__ import annotations

import uuid
from datetime import datetime

from socialdesk.dal.ports import MentionRepository, ReplyStore, TicketRepository
from socialdesk.domain.access import Principal, Role
from socialdesk.domain.errors import DomainError
from socialdesk.domain.outreach import may_start
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.respond import ReplyRequest, ResolveRequest, record_reply, resolve

#: the survey is sent as the desk, whichever agent resolved the ticket
SURVEYOR = Principal(subject="system:csat", teams=frozenset(), role=Role.ADMIN)


def survey_refusal(ticket: Ticket, now: datetime, policy: RoutingPolicy) -> str | None:
    """Why no survey may go to this ticket's customer now (None: it may)."""
    if not policy.csat.enabled:
        return "the policy does not enable surveys"
    if ticket.status is not TicketStatus.RESOLVED:
        return "the ticket is not resolved"
    if ticket.channel not in policy.csat.channels:
        return f"surveys are not sent on {ticket.channel}"
    if not ticket.private and ticket.channel != "generic":
        return "a public conversation gets no survey (it would be a public post)"
    permission = may_start(
        ticket.channel,
        now=now,
        last_customer_message_at=ticket.last_customer_message_at,
        has_dm_conversation=True,
        template=None,
        survey=True,
    )
    return None if permission.allowed else permission.reason


def send_survey(
    ticket: Ticket,
    now: datetime,
    *,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
    policy: RoutingPolicy,
) -> str | None:
    """Queue the survey (delivered from the stream like any reply) and await its answer on the ticket.

    Returns the reason when no survey was sent.
    """
    refused = survey_refusal(ticket, now, policy)
    if refused:
        return refused
    stamp = ticket.resolved_at.isoformat() if ticket.resolved_at else now.isoformat()
    reply_id = f"R-{uuid.uuid5(uuid.NAMESPACE_URL, f'{ticket.ticket_id}/csat/{stamp}').hex[:20]}"

    def attempt() -> None:
        current = tickets.get(ticket.ticket_id)
        if current is not None and current.status is TicketStatus.RESOLVED:
            tickets.save(current.request_csat(reply_id, now))

    retry_on_conflict(attempt, what="survey")
    try:
        record_reply(
            SURVEYOR,
            ticket.ticket_id,
            ReplyRequest(text=policy.csat.text, private=True),
            reply_id,
            now,
            tickets=tickets,
            replies=replies,
            mentions=mentions,
            kind="survey",
        )
    except DomainError as error:  # the customer deleted their messages, the text is too long...
        return error.reason
    return None


def resolve_with_survey(
    principal: Principal,
    ticket_id: str,
    request: ResolveRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
    policy: RoutingPolicy,
) -> Ticket:
    """Resolve the ticket, then (``request.survey``) send the survey where the policy and channel allow."""
    resolved = resolve(principal, ticket_id, request, now, tickets=tickets, policy=policy)
    if not request.survey or send_survey(
        resolved, now, tickets=tickets, replies=replies, mentions=mentions, policy=policy
    ):
        return resolved
    return tickets.get(ticket_id) or resolved
