"""The SLA clock on a ticket: start it when a customer waits, stop it when the brand answers, escalate."""

from __future__ import annotations

from datetime import datetime

from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.sla import ClockKind, EscalationLevel
from socialdesk.domain.ticket import Priority, Ticket, TicketStatus


def start_clock(ticket: Ticket, kind: ClockKind, at: datetime, policy: RoutingPolicy) -> Ticket:
    """The customer is waiting from ``at``: deadline in business time, escalation level 0, due index."""
    sla = ticket.sla_policy
    target = policy.sla_policy(sla).target(kind, ticket.priority)
    deadline = policy.calendar(sla).add(at, target)
    started = ticket.model_copy(
        update={
            "status": TicketStatus.OPEN,
            "awaiting": kind.value,
            "clock_started_at": at,
            "sla_target_minutes": target,
            "deadline": deadline,
            "escalation_level": 0,
            "breached": False,
            "first_response_due": deadline if kind is ClockKind.FIRST_RESPONSE else ticket.first_response_due,
        }
    )
    return started.model_copy(update={"due_at": next_due(started, policy)})


def reprioritise(ticket: Ticket, priority: Priority, policy: RoutingPolicy) -> Ticket:
    """A new priority on a running clock: the deadline shortens (never lengthens) with it."""
    changed = ticket.model_copy(update={"priority": priority})
    if not ticket.awaiting or not ticket.clock_started_at:
        return changed
    kind = ClockKind(ticket.awaiting)
    target = policy.sla_policy(ticket.sla_policy).target(kind, priority)
    deadline = policy.calendar(ticket.sla_policy).add(ticket.clock_started_at, target)
    if ticket.deadline and deadline >= ticket.deadline:
        return changed
    shortened = changed.model_copy(update={"sla_target_minutes": target, "deadline": deadline})
    return shortened.model_copy(update={"due_at": next_due(shortened, policy)})


def stop_clock(ticket: Ticket, at: datetime) -> Ticket:
    """The brand answered at ``at``: the response clock stops and the ticket leaves the due index."""
    return ticket.model_copy(
        update={
            "status": TicketStatus.PENDING if ticket.status is TicketStatus.OPEN else ticket.status,
            "awaiting": None,
            "due_at": None,
            "first_response_at": ticket.first_response_at or at,
            "last_response_at": at,
        }
    )


def level_times(ticket: Ticket, policy: RoutingPolicy) -> list[tuple[int, EscalationLevel, datetime]]:
    """Every escalation level of the running clock with the moment it fires (1-based level numbers)."""
    escalation = policy.escalation_policy(ticket.sla_policy)
    if escalation is None or not ticket.awaiting or not ticket.clock_started_at or not ticket.deadline:
        return []
    calendar = policy.calendar(ticket.sla_policy)
    return [
        (
            number,
            level,
            escalation.fires_at(
                level, ticket.clock_started_at, ticket.sla_target_minutes or 0, ticket.deadline, calendar
            ),
        )
        for number, level in enumerate(escalation.levels, start=1)
    ]


def next_due(ticket: Ticket, policy: RoutingPolicy) -> datetime | None:
    """When the next escalation level after ``ticket.escalation_level`` fires (None: nothing left)."""
    for number, _, fires in level_times(ticket, policy):
        if number > ticket.escalation_level:
            return fires
    return None
