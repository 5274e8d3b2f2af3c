"""Use case: escalate every ticket whose next escalation level is due, exactly once per level."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from socialdesk.domain.clock import level_times, next_due
from socialdesk.domain.errors import Conflict
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.sla import EscalationLevel
from socialdesk.domain.ticket import Ticket

if TYPE_CHECKING:
    from socialdesk.dal.tickets import DynamoTicketRepository

#: stop starting new pages when less than this is left of the invocation
SAFETY_MILLIS = 5_000


class TicketEventPublisher(Protocol):
    """Where escalation notifications go."""

    def publish(self, event: dict[str, Any], *, team: str, audience: tuple[str, ...] = ()) -> None:
        """Publish one ticket event."""
        ...


class EscalationRun(BaseModel):
    """What one scheduled run did."""

    now: datetime
    tickets_read: int = 0
    escalations: Counter[str] = Field(default_factory=Counter)
    breaches: int = 0
    lag_seconds: list[float] = Field(default_factory=list)
    skipped_already_done: int = 0
    stopped_early: bool = False


def escalate_overdue(
    now: datetime,
    *,
    tickets: DynamoTicketRepository,
    policy: RoutingPolicy,
    events: TicketEventPublisher,
    shards: int,
    millis_left: Callable[[], int],
    page_size: int = 100,
) -> EscalationRun:
    """Walk each due-index shard up to ``now`` and apply every level that has come due.

    Each level is a versioned write whose audit event key is fixed by (level, clock start), so two
    overlapping runs escalate a ticket once per level. A run stops starting pages when its time
    runs low; the next run (a minute later) continues from the index, which still holds the rest.
    """
    run = EscalationRun(now=now)
    for shard in range(shards):
        cursor: dict[str, Any] | None = None
        while True:
            if millis_left() < SAFETY_MILLIS:
                run.stopped_early = True
                return run
            page, cursor = tickets.due(shard, now, page_size, cursor)
            run.tickets_read += len(page)
            for ticket in page:
                _escalate(ticket, now, tickets, policy, events, run)
            if not cursor:
                break
    return run


def _escalate(
    ticket: Ticket,
    now: datetime,
    tickets: DynamoTicketRepository,
    policy: RoutingPolicy,
    events: TicketEventPublisher,
    run: EscalationRun,
) -> None:
    current: Ticket | None = ticket
    for _ in range(10):
        if current is None:
            return
        step = _next_level(current, policy, now)
        if step is None:
            return
        number, level, fires = step
        escalated = apply_level(current, number, level, fires, now, policy)
        try:
            written = tickets.save(
                escalated,
                current.version,
                f"Escalated-L{number}",
                f"clock-{_stamp(current.clock_started_at)}",
                fires,
                {
                    "level": number,
                    "name": level.name,
                    "team": escalated.team,
                    "priority": escalated.priority.value,
                    "lag_seconds": (now - fires).total_seconds(),
                },
                actor="system:escalation",
            )
        except Conflict:
            written = False
        if not written:  # another run got there first, or the ticket changed: look again
            run.skipped_already_done += 1
            current = tickets.get(current.ticket_id)
            continue
        run.escalations[level.name] += 1
        run.breaches += int(level.is_breach and not current.breached)
        run.lag_seconds.append((now - fires).total_seconds())
        events.publish(
            _event(escalated, number, level, fires, now), team=escalated.team, audience=tuple(level.notify)
        )
        current = escalated


def _next_level(
    ticket: Ticket, policy: RoutingPolicy, now: datetime
) -> tuple[int, EscalationLevel, datetime] | None:
    for number, level, fires in level_times(ticket, policy):
        if number > ticket.escalation_level:
            return (number, level, fires) if fires <= now else None
    return None


def apply_level(
    ticket: Ticket, number: int, level: EscalationLevel, fires: datetime, now: datetime, policy: RoutingPolicy
) -> Ticket:
    """The ticket after level ``number``: breached, priority raised, reassigned, next due time."""
    team = ticket.team
    if level.reassign_to:
        team = policy.escalation_team if level.reassign_to == "escalations" else level.reassign_to
    changed = ticket.model_copy(
        update={
            "escalation_level": number,
            "max_escalation_level": max(ticket.max_escalation_level, number),
            "breached": ticket.breached or level.is_breach,
            "priority": ticket.priority.raised() if level.raise_priority else ticket.priority,
            "team": team,
            "updated_at": max(ticket.updated_at, now),
            "version": ticket.version + 1,
        }
    )
    return changed.model_copy(update={"due_at": next_due(changed, policy)})


def _event(
    ticket: Ticket, number: int, level: EscalationLevel, fires: datetime, now: datetime
) -> dict[str, Any]:
    late = "before the deadline" if not level.is_breach else "past the deadline"
    notify = ", ".join(level.notify) or "nobody"
    return {
        "event": "TicketEscalated",
        "ticket_id": ticket.ticket_id,
        "level": number,
        "name": level.name,
        "team": ticket.team,
        "priority": ticket.priority.value,
        "audience": list(level.notify),
        "deadline": ticket.deadline.isoformat() if ticket.deadline else None,
        "fired_at": fires.isoformat(),
        "acted_at": now.isoformat(),
        "summary": f"[{ticket.priority.value}] ticket {ticket.ticket_id} ({ticket.channel}, "
        f"{ticket.customer or 'customer'}) — {level.name}: {late}; notify {notify}",
        "idempotency_key": f"TicketEscalated:{ticket.ticket_id}:{number}:{_stamp(ticket.clock_started_at)}",
    }


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S") if moment else "none"
