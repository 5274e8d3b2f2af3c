"""Use case: an agent corrected a routed ticket (intent, team, spam) — keep it as a labelled example.

Two ways in: the agent says so (``POST /tickets/{id}/corrections``, :func:`correct_routing`), or the
agent's own desk action says it (:func:`learning_from`): moving a ticket to another team, resolving
it as spam, reopening a ticket routing had closed as spam. A correction never changes the ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from pydantic import ConfigDict, Field, ValidationError

from socialdesk.dal.learning_ports import CorrectionStore
from socialdesk.dal.ports import MentionRepository, TicketRepository
from socialdesk.domain.access import Principal
from socialdesk.domain.classification import Intent
from socialdesk.domain.correction import Correction, CorrectionKind
from socialdesk.domain.errors import StorageUnavailable, Unprocessable
from socialdesk.domain.model import Model
from socialdesk.domain.ticket import CloseReason, Ticket, TicketStatus

_log = logging.getLogger(__name__)


class TicketFacts(Model):
    """What the ticket showed when the agent corrected it (the caller reads it from the ticket)."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    ticket_id: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    text: str = ""
    language: str = "und"
    brand: str | None = None
    intent: Intent | None = None
    team: str | None = None
    model_version: str | None = None


class CorrectionRequest(Model):
    """``POST /tickets/{id}/corrections`` body: what kind, and the new intent, team or topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CorrectionKind = Field(
        description="intent: the intent was wrong (give `intent`); team: it belonged to another team "
        "(give `team`); spam; not_spam (optionally with the real `intent`)."
    )
    intent: Intent | None = Field(default=None, description="The right intent.")
    team: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="The team it should have gone to (one the policy names).",
    )
    topic: str | None = Field(default=None, max_length=64, description="The right topic, if any.")


class CorrectionRefused(Unprocessable):
    """The correction contradicts itself or names an unknown team (HTTP 422, the reason says which)."""

    code = "correction_refused"


def ticket_facts(ticket: Ticket, mentions: MentionRepository) -> TicketFacts:
    """What a ticket showed: its customer's latest message and the routing decision (model version)."""
    latest = ticket.latest_customer_message()
    stored = mentions.get(*latest.ref.split("#", 1)) if latest is not None else None
    text = stored.mention.text if stored is not None and not stored.deleted else ""
    version = next((w.split(":", 1)[1] for w in ticket.why if w.startswith("model:")), None)
    return TicketFacts(
        ticket_id=ticket.ticket_id,
        channel=ticket.channel,
        text=text or "",
        language=(ticket.language or "und")[:8],
        brand=ticket.brand_account,
        intent=Intent(ticket.intent) if ticket.intent in set(Intent) else None,
        team=ticket.team,
        model_version=version,
    )


def correct_routing(
    principal: Principal,
    ticket_id: str,
    request: CorrectionRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    mentions: MentionRepository,
    store: CorrectionStore,
    teams: Collection[str],
) -> Correction:
    """An agent corrects a ticket they can see: stored once as a labelled example.

    Parameters
    ----------
    principal
        The agent (404 for a ticket outside their teams, as every ticket route).
    ticket_id, request
        The ticket and the correction.
    now
        When (a retried request answers with the correction stored the first time).
    tickets, mentions, store
        Where tickets, their messages and corrections are kept.
    teams
        The teams the routing policy names (a team correction must name one).

    Returns
    -------
    Correction
        The stored correction (:class:`CorrectionRefused` when the request contradicts itself).
    """
    from socialdesk.logic.respond import visible_ticket

    ticket = visible_ticket(principal, ticket_id, tickets)
    if request.team is not None and request.team not in teams:
        raise CorrectionRefused(f"team {request.team} is not a team of the routing policy")
    try:
        return record_correction(
            ticket_facts(ticket, mentions), request, agent=principal.subject, at=now, store=store
        )
    except ValidationError as error:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise CorrectionRefused(reasons) from None


def taught_by(before: Ticket, after: Ticket) -> CorrectionRequest | None:
    """The correction an agent's desk action implies (None: it teaches nothing).

    A move to another team says the team was wrong; resolving as spam, that the message is spam (unless
    the model said so already); reopening a ticket routing had closed as spam, that it is not spam.
    """
    if before.close_reason is CloseReason.SPAM and after.close_reason is None:
        return CorrectionRequest(kind=CorrectionKind.NOT_SPAM)  # (reopening also moves it to triage)
    if after.team != before.team:
        return CorrectionRequest(kind=CorrectionKind.TEAM, team=after.team)
    if after.resolution == "spam" and before.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return None if before.intent == Intent.SPAM else CorrectionRequest(kind=CorrectionKind.SPAM)
    return None


def learning_from(
    action: Callable[[], Ticket],
    principal: Principal,
    ticket_id: str,
    now: datetime,
    *,
    tickets: TicketRepository,
    mentions: MentionRepository,
    store: CorrectionStore,
) -> Ticket:
    """Run a desk action on a ticket, then keep what it taught (:func:`taught_by`) as a correction.

    The action's outcome is the answer: a correction that cannot be stored (or a ticket that cannot be
    read first) is logged or skipped, never raised (the ticket has changed already, and a retry would
    not change it again).
    """
    try:
        before = tickets.get(ticket_id)
    except StorageUnavailable:  # the action decides whether the desk is up; the lesson is optional
        before = None
    after = action()
    request = taught_by(before, after) if before is not None else None
    if before is not None and request is not None:
        try:
            record_correction(
                ticket_facts(before, mentions), request, agent=principal.subject, at=now, store=store
            )
        except (StorageUnavailable, ValidationError) as error:
            _log.warning(
                "correction not stored",
                extra={"ticket_id": ticket_id, "kind": request.kind.value, "error": type(error).__name__},
            )
    return after


def record_correction(
    ticket: TicketFacts, request: CorrectionRequest, *, agent: str, at: datetime, store: CorrectionStore
) -> Correction:
    """Store the correction as a labelled example (idempotent: a retried call stores it once).

    Parameters
    ----------
    ticket
        The ticket's message and what routing had decided (intent, team, model version).
    request
        The agent's correction. "spam" labels the message spam; "not_spam" may name the real intent;
        "team" keeps the predicted intent as the label unless ``intent`` is given too.
    agent
        Who corrected it (the token's subject).
    at
        When (the correction's identity together with the ticket and kind).
    store
        Where corrections are kept.

    Returns
    -------
    Correction
        The stored correction: the earlier one when the ticket has the same correction already (a
        retry). ``ValueError`` from validation when the request is inconsistent.
    """
    correction = Correction(
        ticket_id=ticket.ticket_id,
        kind=request.kind,
        text=ticket.text,
        channel=ticket.channel,
        language=ticket.language,
        brand=ticket.brand,
        predicted_intent=ticket.intent,
        corrected_intent=request.intent or (Intent.SPAM if request.kind is CorrectionKind.SPAM else None),
        predicted_team=ticket.team,
        corrected_team=request.team,
        corrected_topic=request.topic,
        model_version=ticket.model_version,
        agent=agent,
        recorded_at=at,
    )
    return store.add_once(correction)
