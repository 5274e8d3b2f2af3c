"""Use cases behind the agent API's reads: a team's queue, one ticket with its conversation, a mention."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from socialdesk.dal.ports import MentionRepository, ReplyStore, TicketRepository
from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.errors import MentionNotFound, PayloadInvalid
from socialdesk.domain.mention import StoredMention
from socialdesk.domain.model import Model
from socialdesk.domain.ticket import MessageRole, Ticket, TicketStatus
from socialdesk.logic.respond import REPLY_LIMITS, NoteView, TicketNotFound

#: the keys a queue cursor may hold (the table's and the queue index's)
_CURSOR_KEYS = {"PK", "SK", "queue_pk", "queue_sk"}


class QueuePage(Model):
    """One page of a team's queue, most urgent first, then earliest deadline."""

    model_config = ConfigDict(frozen=True)

    team: str
    status: TicketStatus
    tickets: tuple[Ticket, ...]
    next_cursor: str | None = None


class TicketEventView(Model):
    """One audit entry: what changed, who or what did it, when."""

    type: str
    at: datetime | None = None
    actor: str | None = None
    details: dict[str, Any] = {}


class MessageView(Model):
    """A message on the ticket: the customer's own, someone else's in the thread (context), the brand's."""

    ref: str
    external_id: str
    role: MessageRole
    is_customer: bool
    author: str | None = None
    text: str = ""
    kind: str | None = None
    created_at: datetime
    deleted: bool = False
    permalink: str | None = None
    attachments: int = 0


class ReplyView(Model):
    """An agent's reply: what it answered, to whom, and what became of its delivery."""

    model_config = ConfigDict(extra="ignore")

    reply_id: str
    author: str
    text: str
    channel: str
    private: bool
    status: str
    kind: str = "reply"
    in_reply_to: str | None = None
    recipient_label: str | None = None
    created_at: datetime
    attempts: int = 0
    external_id: str | None = None
    endpoint: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


class TicketView(Model):
    """A ticket with its conversation (oldest first), its replies, its audit trail, and reply limits."""

    ticket: Ticket
    messages: tuple[MessageView, ...]
    replies: tuple[ReplyView, ...] = ()
    events: tuple[TicketEventView, ...] = ()
    notes: tuple[NoteView, ...] = ()
    reply_limits: dict[str, int | None] = {}


def list_queue(
    principal: Principal,
    team: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
    *,
    tickets: TicketRepository,
) -> QueuePage:
    """A team's queue; agents may only list their own teams."""
    if not team:
        if len(principal.teams) != 1:
            raise PayloadInvalid("team is required (the token names several teams or none)")
        team = next(iter(principal.teams))
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")
    try:
        wanted = TicketStatus(status or TicketStatus.OPEN.value)
    except ValueError:
        raise PayloadInvalid(f"status must be one of {[s.value for s in TicketStatus]}") from None
    if not 1 <= limit <= 100:
        raise PayloadInvalid("limit must be between 1 and 100")
    found, last = tickets.queue(team, wanted, limit, decode_cursor(cursor))
    return QueuePage(team=team, status=wanted, tickets=tuple(found), next_cursor=encode_cursor(last))


def show_ticket(
    principal: Principal,
    ticket_id: str,
    *,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
) -> TicketView:
    """One ticket, if it belongs to one of the caller's teams (404 otherwise, even if it exists)."""
    ticket = tickets.get(ticket_id)
    if ticket is None or not principal.can_see_team(ticket.team):
        raise TicketNotFound("no such ticket")
    stored = mentions.get_many([m.ref for m in ticket.messages if m.role is not MessageRole.BRAND])
    customer_key = ticket.customer.key
    views = []
    for message in ticket.messages:
        found = stored.get(message.ref)
        if found is None and message.role is MessageRole.BRAND:
            channel, _, external_id = message.ref.partition("#")
            found = mentions.brand_message(channel, external_id)
        views.append(
            _message_view(message.ref, message.role, message.at, message.deleted, found, customer_key)
        )
    merged = (ticket_id, *ticket.merged_from)  # a merged ticket's replies and audit trail show here too
    audit = sorted(
        (
            TicketEventView(
                type=e.get("type", "?"), at=e.get("at"), actor=e.get("actor"), details=e.get("details") or {}
            )
            for tid in merged
            for e in tickets.events(tid)
        ),
        key=lambda e: e.at.isoformat() if e.at else "",
    )
    notes = [
        NoteView(
            note_id=str(e.details.get("note_id", "")),
            ticket_id=ticket_id,
            author=e.actor or "?",
            text=str(e.details.get("text", "")),
            created_at=e.at,
        )
        for e in audit
        if e.type == "NoteAdded" and e.at is not None
    ]
    sent = sorted(
        (ReplyView.model_validate(r) for tid in merged for r in replies.replies(tid)),
        key=lambda r: r.created_at,
    )
    limits = REPLY_LIMITS.get(ticket.channel, {})
    return TicketView(
        ticket=ticket,
        messages=tuple(views),
        replies=tuple(sent),
        events=tuple(audit),
        notes=tuple(notes),
        reply_limits={"public": limits.get(False), "private": limits.get(True)},
    )


def _message_view(
    ref: str,
    role: MessageRole,
    at: datetime,
    deleted: bool,
    found: StoredMention | None,
    customer: str | None,
) -> MessageView:
    external_id = ref.partition("#")[2]
    if found is None:
        return MessageView(
            ref=ref,
            external_id=external_id,
            role=role,
            is_customer=role is MessageRole.CUSTOMER,
            created_at=at,
            deleted=True,
        )
    mention = found.mention
    author = mention.author
    return MessageView(
        ref=ref,
        external_id=external_id,
        role=role,
        is_customer=role is MessageRole.CUSTOMER,
        author=f"@{author.handle}" if author.handle else author.name,
        text="" if found.deleted or deleted else mention.text,
        kind=mention.kind.value,
        created_at=mention.created_at,
        deleted=found.deleted or deleted,
        permalink=mention.permalink,
        attachments=len(mention.attachments),
    )


def visible_mention(
    principal: Principal, stored: StoredMention | None, ticket: Ticket | None
) -> StoredMention:
    """A mention, readable only through a ticket the caller can see (admins see every one)."""
    if stored is None:
        raise MentionNotFound("no such mention")
    if principal.role is Role.ADMIN:
        return stored
    if ticket is None or not principal.can_see_team(ticket.team):
        raise MentionNotFound("no such mention")
    return stored


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The key a cursor stands for; anything this API did not hand out is a 400."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, RecursionError):
        raise PayloadInvalid("cursor is not one this API returned") from None
    valid = (
        isinstance(key, dict)
        and set(key) <= _CURSOR_KEYS
        and {"PK", "SK"} <= set(key)
        and all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and len(v["S"]) < 512
            for v in key.values()
        )
    )
    if not valid:
        raise PayloadInvalid("cursor is not one this API returned")
    return key
