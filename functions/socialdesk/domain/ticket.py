"""Tickets: the unit of work an agent sees — a conversation, its queue, priority and deadline."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Priority(StrEnum):
    """How soon the brand must answer; the queue sorts on :attr:`rank`."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for urgent … 3 for low (queues sort ascending)."""
        return list(Priority).index(self)

    def raised(self) -> Priority:
        """One step more urgent (urgent stays urgent)."""
        return list(Priority)[max(0, self.rank - 1)]

    @classmethod
    def most_urgent(cls, *priorities: Priority) -> Priority:
        """The most urgent of the given priorities."""
        return min(priorities, key=lambda p: p.rank)


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    OPEN = "open"  # awaiting the brand's response
    PENDING = "pending"  # the brand answered; waiting on the customer
    RESOLVED = "resolved"
    CLOSED = "closed"  # closed without a response (spam)


class ThreadAction(StrEnum):
    """What threading did with a mention."""

    OPENED = "opened"  # first mention of a new conversation → a new ticket
    JOINED = "joined"  # a reply/DM of an open conversation → its ticket
    REOPENED = "reopened"  # a new message on a recently resolved ticket
    SUCCEEDED = "succeeded"  # the conversation's ticket was resolved long ago → new ticket, linked


def ticket_id_for(channel: str, external_id: str) -> str:
    """A deterministic ticket id from the mention that opened it (a retried step reuses it)."""
    digest = hashlib.sha256(f"{channel}#{external_id}".encode()).hexdigest()[:20]
    return f"T-{digest}"


class Ticket(BaseModel):
    """A conversation the brand has to handle."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    status: TicketStatus
    team: str = ""
    priority: Priority
    channel: str
    thread_key: str
    first_mention: str
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None = None
    sla_policy: str | None = None
    intent: str | None = None
    topic: str | None = None
    language: str | None = None
    sentiment: float | None = None
    reach: str | None = None
    engagement: int = 0
    customer_tier: str | None = None
    customer: str | None = None
    tags: tuple[str, ...] = ()
    rule: str | None = None
    why: tuple[str, ...] = ()
    incident_id: str | None = None
    previous_ticket_id: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    triage_error: str | None = None
    assignee: str | None = None
    awaiting: str | None = None  # "first_response" | "next_response" while the clock runs
    clock_started_at: datetime | None = None
    sla_target_minutes: int | None = None
    escalation_level: int = Field(default=0, ge=0)
    due_at: datetime | None = None  # when the next escalation level fires (the sparse due index)
    breached: bool = False
    first_response_at: datetime | None = None
    first_response_due: datetime | None = None
    max_escalation_level: int = Field(default=0, ge=0)
    last_response_at: datetime | None = None
    last_customer_message_at: datetime | None = None
    mention_count: int = Field(default=1, ge=0)
    version: int = Field(default=1, ge=1)
