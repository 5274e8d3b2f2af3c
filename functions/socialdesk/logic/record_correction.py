"""Use case: an agent corrected a routed ticket (intent, team, spam) — keep it as a labelled example."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from socialdesk.dal.learning_ports import CorrectionStore
from socialdesk.domain.classification import Intent
from socialdesk.domain.correction import Correction, CorrectionKind
from socialdesk.domain.model import Model


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
    """The agent's correction: what kind, and the new intent, team or topic."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CorrectionKind
    intent: Intent | None = None
    team: str | None = Field(default=None, min_length=1, max_length=64)
    topic: str | None = Field(default=None, max_length=64)


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
        The stored correction (``ValueError`` from validation when the request is inconsistent).
    """
    correction = Correction(
        ticket_id=ticket.ticket_id,
        kind=request.kind,
        text=ticket.text,
        channel=ticket.channel,
        language=ticket.language,
        brand=ticket.brand,
        predicted_intent=ticket.intent,
        corrected_intent=Intent.SPAM if request.kind is CorrectionKind.SPAM else request.intent,
        predicted_team=ticket.team,
        corrected_team=request.team,
        corrected_topic=request.topic,
        model_version=ticket.model_version,
        agent=agent,
        recorded_at=at,
    )
    store.add(correction)
    return correction
