"""Use cases of canned responses: leads manage a team's saved replies; agents use them on a ticket."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import ConfigDict, Field

from socialdesk.dal.ports import CannedResponseStore, TicketRepository
from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.canned import PLACEHOLDERS, CannedResponse, render
from socialdesk.domain.errors import NotFound, PayloadInvalid
from socialdesk.domain.model import Model
from socialdesk.logic.respond import visible_ticket


class CannedNotFound(NotFound):
    """No such canned response in the team (404)."""


class CannedRequest(Model):
    """``POST /canned-responses`` / ``PUT /canned-responses/{id}`` body."""

    model_config = ConfigDict(extra="forbid")

    team: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(
        min_length=1,
        max_length=10_000,
        description="Placeholders: {{customer.name}}, {{customer.handle}}, {{ticket.id}}, {{agent.name}}.",
    )
    version: int | None = Field(default=None, ge=1, description="PUT: the version you read (409 if stale).")


class CannedList(Model):
    """A team's canned responses, and the placeholders their text may use."""

    team: str
    responses: list[CannedResponse]
    placeholders: dict[str, str] = PLACEHOLDERS


class RenderedCanned(Model):
    """A canned response filled in for one ticket, ready for the reply box."""

    canned_id: str
    title: str
    text: str


class TicketCanned(Model):
    """The canned responses of a ticket's team, rendered for it."""

    ticket_id: str
    team: str
    responses: list[RenderedCanned]


def _lead_of(principal: Principal, team: str) -> None:
    if principal.role is Role.AGENT:
        raise Forbidden("leads and admins manage canned responses")
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")


def list_canned(principal: Principal, team: str, *, store: CannedResponseStore) -> CannedList:
    """The team's canned responses (anyone in the team)."""
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")
    return CannedList(team=team, responses=store.list(team))


def save_canned(
    principal: Principal,
    canned_id: str | None,
    request: CannedRequest,
    now: datetime,
    *,
    store: CannedResponseStore,
) -> CannedResponse:
    """Create (``canned_id`` None) or replace a canned response (leads of the team; versioned)."""
    _lead_of(principal, request.team)
    if canned_id is None:
        created = CannedResponse(
            canned_id=f"C-{uuid.uuid4().hex[:12]}",
            team=request.team,
            title=request.title,
            text=request.text,
            updated_by=principal.subject,
            updated_at=now,
        )
        store.put(created, expected_version=None)
        return created
    current = store.get(request.team, canned_id)
    if current is None:
        raise CannedNotFound("no such canned response")
    if request.version is None:
        raise PayloadInvalid("version is required: the version you read")
    updated = current.model_copy(
        update={
            "title": request.title,
            "text": request.text,
            "version": request.version + 1,
            "updated_by": principal.subject,
            "updated_at": now,
        }
    )
    store.put(CannedResponse.model_validate(updated.model_dump()), expected_version=request.version)
    return updated


def delete_canned(principal: Principal, team: str, canned_id: str, *, store: CannedResponseStore) -> None:
    """Delete a canned response (leads of the team)."""
    _lead_of(principal, team)
    if store.get(team, canned_id) is None:
        raise CannedNotFound("no such canned response")
    store.delete(team, canned_id)


def canned_for_ticket(
    principal: Principal, ticket_id: str, *, tickets: TicketRepository, store: CannedResponseStore
) -> TicketCanned:
    """The ticket's team's canned responses with the customer, ticket and agent filled in."""
    ticket = visible_ticket(principal, ticket_id, tickets)
    customer = ticket.customer
    values = {
        "customer.name": customer.name or (f"@{customer.handle}" if customer.handle else "there"),
        "customer.handle": f"@{customer.handle}" if customer.handle else (customer.name or ""),
        "ticket.id": ticket.ticket_id,
        "agent.name": principal.subject,
    }
    return TicketCanned(
        ticket_id=ticket.ticket_id,
        team=ticket.team,
        responses=[
            RenderedCanned(canned_id=c.canned_id, title=c.title, text=render(c.text, values))
            for c in store.list(ticket.team)
        ],
    )
