"""Use cases behind the agent API's reads: a team's queue, one ticket with its mentions and audit trail."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from socialdesk.domain.access import Forbidden, Principal
from socialdesk.domain.errors import MentionNotFound, PayloadInvalid
from socialdesk.domain.mention import Mention, StoredMention
from socialdesk.domain.ticket import Ticket, TicketStatus

if TYPE_CHECKING:
    from socialdesk.dal.ports import MentionRepository
    from socialdesk.dal.tickets import DynamoTicketRepository


class TicketNotFound(MentionNotFound):
    """No such ticket, or not one of the caller's teams (the API does not tell which: 404)."""


class QueuePage(BaseModel):
    """One page of a team's queue, most urgent first, then earliest deadline."""

    model_config = ConfigDict(frozen=True)

    team: str
    status: TicketStatus
    tickets: tuple[Ticket, ...]
    next_cursor: str | None = None


class TicketEvent(BaseModel):
    """One audit entry: what changed, who or what did it, when."""

    type: str
    at: datetime | None = None
    actor: str | None = None
    details: dict[str, Any] = {}


class Reply(BaseModel):
    """An agent's reply and what became of its delivery."""

    model_config = ConfigDict(extra="ignore")

    reply_id: str
    author: str
    text: str
    channel: str
    private: bool
    status: str
    created_at: datetime
    attempts: int = 0
    external_id: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


class TicketView(BaseModel):
    """A ticket with its mentions (oldest first), its replies and its audit trail."""

    ticket: Ticket
    mentions: tuple[Mention, ...]
    events: tuple[TicketEvent, ...]
    replies: tuple[Reply, ...] = ()


def list_queue(
    principal: Principal,
    team: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
    *,
    tickets: DynamoTicketRepository,
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
    found, last = tickets.queue(team, wanted, limit, _decode(cursor))
    return QueuePage(team=team, status=wanted, tickets=tuple(found), next_cursor=_encode(last))


def show_ticket(
    principal: Principal, ticket_id: str, *, tickets: DynamoTicketRepository, mentions: MentionRepository
) -> TicketView:
    """One ticket, if it belongs to one of the caller's teams (404 otherwise, even if it exists)."""
    ticket = tickets.get(ticket_id)
    if ticket is None or not principal.can_see_team(ticket.team):
        raise TicketNotFound("no such ticket")
    links, events, replies = tickets.history(ticket_id)
    found = [mentions.get(link["channel"], link["external_id"]) for link in links]
    ordered = sorted((m.mention for m in found if m is not None), key=lambda m: m.created_at)
    audit = [
        TicketEvent(
            type=e.get("type", "?"),
            at=e.get("at"),
            actor=e.get("actor"),
            details={k: v for k, v in e.items() if k not in {"PK", "SK", "entity", "type", "at", "actor"}},
        )
        for e in events
    ]
    return TicketView(
        ticket=ticket,
        mentions=tuple(ordered),
        events=tuple(audit),
        replies=tuple(Reply.model_validate(r) for r in replies),
    )


def visible_mention(
    principal: Principal, stored: StoredMention | None, ticket_team: str | None
) -> StoredMention:
    """The mention, unless it sits on a ticket of a team the caller cannot see."""
    if stored is None or (ticket_team is not None and not principal.can_see_team(ticket_team)):
        raise MentionNotFound("no such mention")
    return stored


def _encode(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        raise PayloadInvalid("cursor is not one this API returned") from None
    if not isinstance(key, dict):
        raise PayloadInvalid("cursor is not one this API returned")
    return key
