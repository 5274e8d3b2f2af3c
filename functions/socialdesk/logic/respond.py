"""Use cases of the agent's reply loop: reply to the ticket's customer, deliver it once, and the desk's
other actions (assign, move, resolve, reopen).

A reply always answers one of the ticket customer's own messages (``in_reply_to``, or their latest),
from the brand account they wrote to. It is recorded first (``queued``), then delivered under a
lease (``sending``), so that two senders never post it twice; the clock stops only when the
platform accepted it. A call whose outcome is unknown (the platform may have posted it) is never
resent blindly: it is marked ``unknown`` on the ticket and alarmed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field

from socialdesk.dal.ports import MentionRepository, ReplyStore, TicketRepository
from socialdesk.domain.access import Principal
from socialdesk.domain.errors import Conflict, NotFound, StateConflict, Unprocessable
from socialdesk.domain.mention import Mention, MentionKind
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketChange, TicketStateError, TicketStatus
from socialdesk.logic.conflicts import retry_on_conflict

if TYPE_CHECKING:
    from socialdesk.channels.outbound import Delivered, OutboundReply

Sender = Callable[["OutboundReply"], "Delivered"]
#: asks the platform whether a reply was posted (None: not there); raises NoLookup where it cannot
Lookup = Callable[["OutboundReply"], "Delivered | None"]
#: how long a sender holds a reply before another may take it over (longer than any platform call)
LEASE = timedelta(seconds=60)
#: how long after an unknown outcome the platform has to show the message before it is resent
SETTLE = timedelta(seconds=60)
#: the longest reply each channel takes, public and private (None: the channel has no such mode)
REPLY_LIMITS: dict[str, dict[bool, int | None]] = {
    "x": {False: 280, True: 10_000},
    "facebook": {False: 8_000, True: 2_000},
    "messenger": {False: None, True: 2_000},
    "instagram": {False: 2_200, True: 1_000},
    "whatsapp": {False: None, True: 4_096},
    "generic": {False: 10_000, True: 10_000},
}


def _stripped(value: str) -> str:
    if not value.strip():
        raise ValueError("text must not be blank")
    return value.strip()


#: text that is not only whitespace (stored stripped)
NonBlank = Annotated[str, AfterValidator(_stripped)]


class TicketNotFound(NotFound):
    """No such ticket, or not one of the caller's teams (the API does not tell which: 404)."""


class ReplyRefused(Unprocessable):
    """The reply cannot be sent as asked (HTTP 422): not the customer's message, too long, wrong mode."""

    code = "reply_refused"


class TicketConflict(StateConflict):
    """The ticket's state does not allow this now (HTTP 409): closed, withdrawn, a deleted message."""


class ReplyRequest(Model):
    """``POST /tickets/{id}/replies`` body."""

    model_config = ConfigDict(extra="forbid")

    text: NonBlank = Field(
        min_length=1, max_length=10_000, description="The reply text (the channel's limit applies)."
    )
    private: bool | None = Field(
        default=None, description="DM the customer instead of answering publicly; default: as they wrote."
    )
    in_reply_to: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="External id of the customer's message to answer (default: their latest).",
    )


class AssignRequest(Model):
    """``POST /tickets/{id}/assign`` body: an agent, a team, or both."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, min_length=1, max_length=128)
    team: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")


class ResolveRequest(Model):
    """``POST /tickets/{id}/resolve`` body."""

    model_config = ConfigDict(extra="forbid")

    resolution: Literal["answered", "no_reply_needed", "duplicate", "spam", "other"] = "answered"
    note: str | None = Field(default=None, max_length=2_000)
    survey: bool = Field(
        default=True,
        description="Send the satisfaction survey when the policy enables it and the channel allows it.",
    )


class NoteRequest(Model):
    """``POST /tickets/{id}/notes`` body: an internal note, never sent to the customer."""

    model_config = ConfigDict(extra="forbid")

    text: NonBlank = Field(min_length=1, max_length=5_000)


class NoteView(Model):
    """An internal note: who wrote what, when (from the audit trail)."""

    note_id: str
    ticket_id: str
    author: str
    text: str
    created_at: datetime


class ReplyOutcome(Model):
    """What the API answers after a reply: the stored reply and its delivery so far."""

    reply_id: str
    ticket_id: str
    status: Literal["queued", "sending", "sent", "failed", "unknown"]
    in_reply_to: str | None = None
    external_id: str | None = None
    error: str | None = None
    retrying: bool = False

    @classmethod
    def of(cls, reply: dict[str, Any]) -> ReplyOutcome:
        """The outcome a stored reply stands at."""
        return cls(
            reply_id=reply["reply_id"],
            ticket_id=reply["ticket_id"],
            status=reply.get("status", "queued"),
            in_reply_to=reply.get("in_reply_to"),
            external_id=reply.get("external_id"),
            error=reply.get("last_error"),
            # a reply another attempt is sending is checked again after its lease, in case that
            # sender died: the desk, not the agent, finishes it
            retrying=reply.get("status") == "sending"
            or (bool(reply.get("retryable")) and reply.get("status") in ("failed", "unknown")),
        )


def visible_ticket(principal: Principal, ticket_id: str, tickets: TicketRepository) -> Ticket:
    """The ticket if the caller's teams include it; 404 otherwise (whether or not it exists)."""
    ticket = tickets.get(ticket_id)
    if ticket is None or not principal.can_see_team(ticket.team):
        raise TicketNotFound("no such ticket")
    return ticket


def reply_target(ticket: Ticket, in_reply_to: str | None, mentions: MentionRepository) -> Mention:
    """The customer's message a reply answers: the one named (it must be theirs) or their latest."""
    if in_reply_to is not None:
        ref = f"{ticket.channel}#{in_reply_to}"
        mine = next((m for m in ticket.customer_messages if m.ref == ref), None)
        if mine is None:
            context = any(m.ref == ref for m in ticket.messages)
            why = (
                "is another person's message in the thread (context)" if context else "is not on this ticket"
            )
            raise ReplyRefused(f"in_reply_to {in_reply_to} {why}; a reply answers the ticket's customer")
        if mine.deleted:
            raise TicketConflict(f"the customer deleted message {in_reply_to}")
        chosen = mine
    else:
        latest = ticket.latest_customer_message()
        if latest is None:
            raise TicketConflict("the customer deleted every message of this ticket")
        chosen = latest
    channel, _, external_id = chosen.ref.partition("#")
    stored = mentions.get(channel, external_id)
    if stored is None or stored.deleted:
        raise TicketConflict(f"the customer deleted message {external_id}")
    return stored.mention


def record_reply(
    principal: Principal,
    ticket_id: str,
    request: ReplyRequest,
    reply_id: str,
    now: datetime,
    *,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
    kind: Literal["reply", "survey", "outreach"] = "reply",
    inline: bool = False,
) -> dict[str, Any]:
    """Validate and store the reply (``queued``); a retried request returns the stored one unchanged.

    ``kind`` is ``survey`` for the satisfaction survey after resolution (its delivery stops no clock).
    ``inline``: the caller delivers it at once (an agent's reply); the outbox then only checks on it
    later instead of racing the caller to send it.
    """
    existing = replies.reply(ticket_id, reply_id)
    if existing is not None:
        visible_ticket(principal, ticket_id, tickets)
        return existing
    ticket = visible_ticket(principal, ticket_id, tickets)
    if ticket.status is TicketStatus.CLOSED:
        raise TicketConflict(
            f"the ticket is closed ({ticket.close_reason.value if ticket.close_reason else 'closed'})"
        )
    target = reply_target(ticket, request.in_reply_to, mentions)
    private = request.private if request.private is not None else target.kind is MentionKind.DIRECT_MESSAGE
    limit = REPLY_LIMITS.get(target.channel.value, {}).get(private)
    if limit is None:
        mode = "private" if private else "public"
        raise ReplyRefused(f"{target.channel.value} has no {mode} replies")
    if len(request.text) > limit:
        raise ReplyRefused(
            f"the reply is {len(request.text)} characters; {target.channel.value} takes {limit}"
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
        "recipient_label": ticket.customer.label,
        "brand_account": target.brand_account,
        "source": target.source if target.channel.value == "generic" else None,
        "thread_root": ticket.thread_root,
        "status": "queued",
        "attempts": 0,
        "created_at": now.isoformat(),
        "kind": kind,
        "inline": inline or None,
    }
    if not replies.add_reply(reply):
        stored = replies.reply(ticket_id, reply_id)
        if stored is not None:
            return stored
    return reply


def deliver_reply(
    reply: dict[str, Any],
    now: datetime,
    *,
    send: Sender,
    tickets: TicketRepository,
    replies: ReplyStore,
    policy: RoutingPolicy,
    lookup: Lookup | None = None,
) -> ReplyOutcome:
    """Send a stored reply once, under a lease, and record what happened.

    - ``sent``: the platform accepted it; the ticket's clock stops; the sent message is remembered.
    - ``failed``: refused (not retryable: the clock keeps running, the ticket shows why) or failed
      before reaching the platform (retryable: the caller queues a retry).
    - ``unknown``: the request went out and no answer came back. It is never resent blindly: where
      the platform can be asked (``lookup``: X, Facebook and Instagram comment replies; a generic
      source dedupes on the reply id), a retry first looks for it and records it as sent when found,
      or resends once the platform has had :data:`SETTLE` to show it; elsewhere it stays ``unknown``
      on the ticket (alarmed) for an agent to decide.
    - another sender holds the lease: nothing is sent; the current state is returned.
    """
    from socialdesk.channels.outbound import DeliveryFailed, NoLookup, OutboundReply

    status = str(reply.get("status", "queued"))
    outbound = OutboundReply.model_validate(
        {k: reply.get(k) for k in OutboundReply.model_fields if reply.get(k) is not None}
    )
    if status == "sent":  # delivered; what follows delivery may have failed after the record
        _after_delivery(reply, tickets, replies, policy)
        return ReplyOutcome.of(reply)
    if status == "failed" and not reply.get("retryable"):
        return ReplyOutcome.of(reply)
    lease = reply.get("lease_until")
    if status == "sending" and lease and datetime.fromisoformat(lease) > now:
        return ReplyOutcome.of(reply)
    if status == "sending":  # its sender died mid-call (the lease ran out): the outcome is unknown
        from socialdesk.channels.outbound import can_look_up

        values = {
            "status": "unknown",
            "retryable": can_look_up(outbound),
            "last_attempt_at": lease or now.isoformat(),
            "last_error": "the sender stopped before recording the platform's answer",
            "lease_until": None,
        }
        try:
            replies.update_reply(reply["ticket_id"], reply["reply_id"], values, expected_status=("sending",))
        except Conflict:
            return ReplyOutcome.of(replies.reply(reply["ticket_id"], reply["reply_id"]) or reply)
        reply, status = {**reply, **values}, "unknown"
    if status == "unknown":
        if lookup is None or not reply.get("retryable"):
            return ReplyOutcome.of(reply)
        try:
            found = lookup(outbound)
        except (NoLookup, DeliveryFailed):
            return ReplyOutcome.of(reply)  # still unknown; the retry comes back later
        if found is not None:
            return _delivered(reply, found, now, tickets, replies, policy, expected=(status,))
        attempted = datetime.fromisoformat(str(reply.get("last_attempt_at") or now.isoformat()))
        if now - attempted < SETTLE:
            return ReplyOutcome.of(reply)  # not visible yet: ask again later
    attempts = int(reply.get("attempts", 0)) + 1
    try:
        replies.update_reply(
            reply["ticket_id"],
            reply["reply_id"],
            {"status": "sending", "attempts": attempts, "lease_until": (now + LEASE).isoformat()},
            expected_status=(status,),
        )
    except Conflict:  # another sender took it first
        current = replies.reply(reply["ticket_id"], reply["reply_id"]) or reply
        return ReplyOutcome.of(current)
    try:
        delivered = send(outbound)
    except DeliveryFailed as failure:
        from socialdesk.channels.outbound import can_look_up

        values = {
            "status": "unknown" if failure.unknown else "failed",
            "last_error": failure.reason,
            "last_attempt_at": now.isoformat(),
            # an unknown outcome is retried only where the platform can be asked first
            "retryable": can_look_up(outbound) if failure.unknown else failure.retryable,
            "lease_until": None,
        }
        replies.update_reply(reply["ticket_id"], reply["reply_id"], values, expected_status=("sending",))
        return ReplyOutcome.of({**reply, **values})
    return _delivered(reply, delivered, now, tickets, replies, policy, expected=("sending",))


def _delivered(
    reply: dict[str, Any],
    delivered: Delivered,
    now: datetime,
    tickets: TicketRepository,
    replies: ReplyStore,
    policy: RoutingPolicy,
    *,
    expected: tuple[str, ...],
) -> ReplyOutcome:
    values = {
        "status": "sent",
        "external_id": delivered.external_id,
        "endpoint": delivered.endpoint,
        "sent_at": now.isoformat(),
        "last_error": None,
        "lease_until": None,
        "retryable": None,
    }
    replies.update_reply(reply["ticket_id"], reply["reply_id"], values, expected_status=expected)
    reply = {**reply, **values}
    _after_delivery(reply, tickets, replies, policy)
    return ReplyOutcome.of(reply)


def _after_delivery(
    reply: dict[str, Any], tickets: TicketRepository, replies: ReplyStore, policy: RoutingPolicy
) -> None:
    """What follows a delivered reply, each step idempotent so that any later attempt (the agent's
    retry, the retry queue, the sweep) completes what a fault interrupted: the ticket's clock stops
    once per reply, and the sent message is remembered once."""
    at = datetime.fromisoformat(str(reply["sent_at"]))
    if reply.get("kind") != "survey":  # a survey follows a resolution: there is no clock to stop

        def attempt() -> None:
            ticket = tickets.get(reply["ticket_id"])
            if ticket is None:
                return
            author = str(reply.get("author", "agent"))
            tickets.save(ticket.reply_delivered(reply["reply_id"], at, author, policy))

        retry_on_conflict(attempt, what="reply delivery")
    if reply.get("external_id"):
        replies.record_sent_message(_sent_message(reply, str(reply["external_id"]), at), reply["ticket_id"])


def _sent_message(reply: dict[str, Any], external_id: str, at: datetime) -> Mention:
    from socialdesk.domain.mention import Author, Channel, Direction

    private = bool(reply.get("private"))
    return Mention(
        channel=Channel(reply["channel"]),
        external_id=external_id,
        kind=MentionKind.DIRECT_MESSAGE if private else MentionKind.REPLY,
        direction=Direction.OUTBOUND,
        source="socialdesk",
        thread_root_id=f"dm:{reply['recipient']}"
        if private and reply.get("recipient")
        else reply.get("thread_root"),
        parent_id=reply.get("in_reply_to"),
        author=Author(id=reply.get("brand_account")),
        created_at=at,
        brand_account=reply.get("brand_account"),
    )


def new_reply_id(ticket_id: str, idempotency_key: str | None, subject: str) -> str:
    """Deterministic for a retried click (same key), random otherwise."""
    if idempotency_key:
        return f"R-{uuid.uuid5(uuid.NAMESPACE_URL, f'{ticket_id}/{subject}/{idempotency_key}').hex[:20]}"
    return f"R-{uuid.uuid4().hex[:20]}"


# -- the desk's other actions ---------------------------------------------------------------------------
def change_ticket(
    principal: Principal,
    ticket_id: str,
    tickets: TicketRepository,
    change: Callable[[Ticket], TicketChange],
) -> Ticket:
    """Apply an agent's action to a visible ticket (re-read and re-applied on a lost race)."""

    def attempt() -> Ticket:
        ticket = visible_ticket(principal, ticket_id, tickets)
        try:
            result = change(ticket)
        except TicketStateError as error:
            raise TicketConflict(str(error)) from None
        tickets.save(result)
        return result.ticket

    return retry_on_conflict(attempt, what="ticket")


def assign(
    principal: Principal,
    ticket_id: str,
    request: AssignRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    policy: RoutingPolicy,
) -> Ticket:
    """Assign to an agent and/or move to a team (agents may hand over to any team)."""
    from socialdesk.domain.access import Forbidden, Role

    if not request.assignee and not request.team:
        raise ReplyRefused("give an assignee, a team, or both")
    if (
        principal.role is Role.AGENT
        and request.assignee
        and request.assignee != principal.subject
        and not request.team
    ):
        ticket = visible_ticket(principal, ticket_id, tickets)
        if ticket.team not in principal.teams:
            raise Forbidden("agents assign people only within their own teams")

    def change(ticket: Ticket) -> TicketChange:
        moved = (
            ticket.move(request.team, principal.subject, now, policy, "agent")
            if request.team
            else TicketChange(ticket=ticket, expected_version=ticket.version)
        )
        if not request.assignee:
            return moved
        return moved.then(lambda t: t.assign(request.assignee, principal.subject, now, reason="agent"))

    return change_ticket(principal, ticket_id, tickets, change)


def resolve(
    principal: Principal,
    ticket_id: str,
    request: ResolveRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    policy: RoutingPolicy,
) -> Ticket:
    """Resolve: both clocks stop and the ticket leaves the due index."""
    return change_ticket(
        principal, ticket_id, tickets, lambda t: t.resolve(request.resolution, principal.subject, now, policy)
    )


def add_note(
    principal: Principal, ticket_id: str, request: NoteRequest, now: datetime, *, tickets: TicketRepository
) -> NoteView:
    """An internal note on a visible ticket: stored with the ticket's audit trail, never sent out."""
    note_id = f"N-{uuid.uuid4().hex[:16]}"
    change_ticket(
        principal, ticket_id, tickets, lambda t: t.add_note(note_id, request.text, principal.subject, now)
    )
    return NoteView(
        note_id=note_id, ticket_id=ticket_id, author=principal.subject, text=request.text, created_at=now
    )


def reopen(
    principal: Principal, ticket_id: str, now: datetime, *, tickets: TicketRepository, policy: RoutingPolicy
) -> Ticket:
    """Reopen a resolved or closed ticket: the next-response clock runs again."""
    return change_ticket(principal, ticket_id, tickets, lambda t: t.reopen(principal.subject, now, policy))
