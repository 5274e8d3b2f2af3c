"""Use cases of the agent's reply loop: reply (stops the clock, goes out on the customer's channel),
assign, resolve, reopen — and the brand's own replies seen on the platform."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.clock import start_clock, stop_clock
from socialdesk.domain.errors import Conflict, PayloadInvalid
from socialdesk.domain.mention import Mention, MentionKind
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.sla import ClockKind
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.logic.agent_queries import TicketNotFound

if TYPE_CHECKING:
    from socialdesk.channels.outbound import Delivered, OutboundReply
    from socialdesk.dal.ports import MentionRepository
    from socialdesk.dal.tickets import DynamoTicketRepository

_ATTEMPTS = 4
Sender = Callable[["OutboundReply"], "Delivered"]


class ReplyRequest(BaseModel):
    """``POST /tickets/{id}/replies`` body."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)
    private: bool | None = None  # None: the way the customer wrote (a DM is answered by DM)


class AssignRequest(BaseModel):
    """``POST /tickets/{id}/assign`` body: an agent, a team, or both."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, min_length=1, max_length=128)
    team: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")


class ResolveRequest(BaseModel):
    """``POST /tickets/{id}/resolve`` body."""

    model_config = ConfigDict(extra="forbid")

    resolution: Literal["answered", "no_reply_needed", "duplicate", "spam", "other"] = "answered"
    note: str | None = Field(default=None, max_length=2_000)


class ReplyOutcome(BaseModel):
    """What the API answers after a reply: the stored reply and its delivery."""

    reply_id: str
    ticket_id: str
    status: Literal["sent", "failed", "pending"]
    external_id: str | None = None
    error: str | None = None
    retrying: bool = False


def visible_ticket(principal: Principal, ticket_id: str, tickets: DynamoTicketRepository) -> Ticket:
    """The ticket if the caller's teams include it; 404 otherwise (whether or not it exists)."""
    ticket = tickets.get(ticket_id)
    if ticket is None or not principal.can_see_team(ticket.team):
        raise TicketNotFound("no such ticket")
    return ticket


def _latest_customer_message(
    ticket: Ticket, tickets: DynamoTicketRepository, mentions: MentionRepository
) -> Mention:
    links, _, _ = tickets.history(ticket.ticket_id)
    found = [mentions.get(link["channel"], link["external_id"]) for link in links]
    messages = sorted((m.mention for m in found if m is not None), key=lambda m: m.created_at)
    if not messages:
        raise PayloadInvalid("the ticket has no customer message to reply to")
    return messages[-1]


def record_reply(
    principal: Principal,
    ticket_id: str,
    request: ReplyRequest,
    reply_id: str,
    now: datetime,
    *,
    tickets: DynamoTicketRepository,
    mentions: MentionRepository,
) -> dict[str, Any]:
    """Store the reply and stop the response clock (one transaction); return the stored reply."""
    for _ in range(_ATTEMPTS):
        ticket = visible_ticket(principal, ticket_id, tickets)
        if ticket.status in (TicketStatus.CLOSED,):
            raise PayloadInvalid("the ticket is closed")
        target = _latest_customer_message(ticket, tickets, mentions)
        private = (
            request.private if request.private is not None else target.kind is MentionKind.DIRECT_MESSAGE
        )
        reply = {
            "reply_id": reply_id,
            "ticket_id": ticket_id,
            "author": principal.subject,
            "text": request.text,
            "channel": target.channel.value,
            "private": private,
            "in_reply_to": target.external_id,
            "recipient": target.author.id,
            "brand_account": target.brand_account,
            "source": target.source if target.channel.value == "generic" else None,
            "status": "pending",
            "attempts": 0,
            "created_at": now.isoformat(),
            "thread_key": ticket.thread_key,
        }
        stopped = stop_clock(ticket, now).model_copy(
            update={
                "assignee": ticket.assignee or principal.subject,
                "version": ticket.version + 1,
                "updated_at": max(ticket.updated_at, now),
            }
        )
        try:
            tickets.record_reply(stopped, ticket.version, reply, principal.subject, now)
        except Conflict as conflict:
            if 1 in conflict.failed:  # this reply id exists already: a retried request
                existing = tickets.reply(ticket_id, reply_id)
                if existing:
                    return existing
            continue
        return reply
    raise Conflict("the ticket kept changing; try again")


def deliver_reply(
    reply: dict[str, Any], now: datetime, *, send: Sender, tickets: DynamoTicketRepository
) -> ReplyOutcome:
    """Send a stored reply on its channel and record the outcome (sent, or failed with the reason)."""
    from socialdesk.channels.outbound import DeliveryFailed, OutboundReply

    if reply.get("status") == "sent":
        return ReplyOutcome(
            reply_id=reply["reply_id"],
            ticket_id=reply["ticket_id"],
            status="sent",
            external_id=reply.get("external_id"),
        )
    outbound = OutboundReply.model_validate({k: reply.get(k) for k in OutboundReply.model_fields})
    attempts = int(reply.get("attempts", 0)) + 1
    try:
        delivered = send(outbound)
    except DeliveryFailed as failure:
        tickets.update_reply(
            reply["ticket_id"],
            reply["reply_id"],
            {
                "status": "failed",
                "attempts": attempts,
                "last_error": failure.reason,
                "last_attempt_at": now.isoformat(),
                "retryable": failure.retryable,
            },
        )
        return ReplyOutcome(
            reply_id=reply["reply_id"],
            ticket_id=reply["ticket_id"],
            status="failed",
            error=failure.reason,
            retrying=failure.retryable,
        )
    tickets.update_reply(
        reply["ticket_id"],
        reply["reply_id"],
        {
            "status": "sent",
            "attempts": attempts,
            "external_id": delivered.external_id,
            "sent_at": now.isoformat(),
            "last_error": None,
        },
    )
    if delivered.external_id and reply.get("thread_key"):
        tickets.record_sent_message(
            reply["channel"], delivered.external_id, reply["ticket_id"], reply["thread_key"], now
        )
    return ReplyOutcome(
        reply_id=reply["reply_id"],
        ticket_id=reply["ticket_id"],
        status="sent",
        external_id=delivered.external_id,
    )


def new_reply_id(ticket_id: str, idempotency_key: str | None, subject: str) -> str:
    """Deterministic for a retried click (same key), random otherwise."""
    if idempotency_key:
        return f"R-{uuid.uuid5(uuid.NAMESPACE_URL, f'{ticket_id}/{subject}/{idempotency_key}').hex[:20]}"
    return f"R-{uuid.uuid4().hex[:20]}"


def _change(
    principal: Principal,
    ticket_id: str,
    now: datetime,
    event: str,
    details: dict[str, Any],
    tickets: DynamoTicketRepository,
    change: Callable[[Ticket], Ticket],
) -> Ticket:
    for _ in range(_ATTEMPTS):
        ticket = visible_ticket(principal, ticket_id, tickets)
        updated = change(ticket).model_copy(
            update={"version": ticket.version + 1, "updated_at": max(ticket.updated_at, now)}
        )
        try:
            written = tickets.save(
                updated,
                ticket.version,
                event,
                f"{principal.subject}-{uuid.uuid4().hex[:12]}",
                now,
                details,
                actor=principal.subject,
            )
        except Conflict:
            continue
        if written:
            return updated
    raise Conflict("the ticket kept changing; try again")


def assign(
    principal: Principal,
    ticket_id: str,
    request: AssignRequest,
    now: datetime,
    *,
    tickets: DynamoTicketRepository,
) -> Ticket:
    """Assign to an agent and/or move to a team (agents may hand over to any team)."""
    if not request.assignee and not request.team:
        raise PayloadInvalid("give an assignee, a team, or both")
    if (
        principal.role is Role.AGENT
        and request.assignee
        and request.assignee != principal.subject
        and request.team
        and request.team not in principal.teams
    ):
        raise Forbidden("agents assign people only within their own teams")

    def change(ticket: Ticket) -> Ticket:
        return ticket.model_copy(
            update={"assignee": request.assignee or ticket.assignee, "team": request.team or ticket.team}
        )

    return _change(
        principal, ticket_id, now, "TicketAssigned", request.model_dump(exclude_none=True), tickets, change
    )


def resolve(
    principal: Principal,
    ticket_id: str,
    request: ResolveRequest,
    now: datetime,
    *,
    tickets: DynamoTicketRepository,
) -> Ticket:
    """Resolve: the clock stops and the ticket leaves the due index."""

    def change(ticket: Ticket) -> Ticket:
        if ticket.status is TicketStatus.RESOLVED:
            raise PayloadInvalid("the ticket is already resolved")
        return ticket.model_copy(
            update={
                "status": TicketStatus.RESOLVED,
                "resolved_at": now,
                "resolution": request.resolution,
                "awaiting": None,
                "due_at": None,
            }
        )

    return _change(
        principal, ticket_id, now, "TicketResolved", request.model_dump(exclude_none=True), tickets, change
    )


def reopen(
    principal: Principal,
    ticket_id: str,
    now: datetime,
    *,
    tickets: DynamoTicketRepository,
    policy: RoutingPolicy,
) -> Ticket:
    """Reopen a resolved ticket: the next-response clock runs again (back in the due index)."""

    def change(ticket: Ticket) -> Ticket:
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise PayloadInvalid("only a resolved or closed ticket can be reopened")
        opened = ticket.model_copy(
            update={
                "status": TicketStatus.OPEN,
                "resolved_at": None,
                "resolution": None,
                "team": ticket.team if ticket.team != "spam" else policy.triage_team,
            }
        )
        return start_clock(opened, ClockKind.NEXT_RESPONSE, now, policy)

    return _change(principal, ticket_id, now, "TicketReopened", {}, tickets, change)


def record_brand_reply(channel: str, external_id: str, *, tickets: DynamoTicketRepository) -> str | None:
    """The brand answered on the platform itself: join the conversation's ticket and stop its clock.

    Returns the ticket id, or None when the message belongs to no ticket (a brand post, say).
    """
    from socialdesk.logic.route_mention import resolve_thread

    item = tickets.message_item(channel, external_id)
    if not item or item.get("entity") != "outbound_message":
        return None
    message = Mention.model_validate({k: v for k, v in item.items() if k in Mention.model_fields})
    ticket_id = tickets.thread_ticket(resolve_thread(tickets, message))
    if not ticket_id:
        return None
    for _ in range(_ATTEMPTS):
        ticket = tickets.get(ticket_id)
        if ticket is None:
            return None
        stopped = stop_clock(ticket, message.created_at) if ticket.awaiting else ticket
        updated = stopped.model_copy(
            update={"version": ticket.version + 1, "updated_at": max(ticket.updated_at, message.created_at)}
        )
        try:
            tickets.save(
                updated,
                ticket.version,
                "BrandRepliedOnPlatform",
                f"{channel}#{external_id}",
                message.created_at,
                {"message": f"{channel}#{external_id}"},
                actor="brand:platform",
            )
        except Conflict:
            continue
        return ticket_id
    raise Conflict("the ticket kept changing; the stream will retry")
