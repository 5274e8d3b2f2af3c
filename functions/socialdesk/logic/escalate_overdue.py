"""Use case: escalate every ticket whose next escalation moment has come, once per level.

The Ticket decides what is due (at most the highest due response level, and the resolution breach);
the run stores each change with one conditional write. Notifications leave through the ticket's
stream (the outbox), so a stored escalation is always announced and never twice under one key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import Field

from socialdesk.dal.ports import TicketRepository
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.transient import TRANSIENT, TransientRetry

if TYPE_CHECKING:
    from socialdesk.logic.assignment import AgentPicker

#: stop starting new pages when less than this is left of the invocation
SAFETY_MILLIS = 5_000


class EscalationRun(Model):
    """What one scheduled run did."""

    now: datetime
    tickets_read: int = 0
    escalations: Counter[str] = Field(default_factory=Counter)
    warnings: int = 0
    breaches: int = 0
    resolution_breaches: int = 0
    lag_seconds: list[float] = Field(default_factory=list)
    unchanged: int = 0
    #: tickets a storage fault kept from escalating this run (they stay due: the next run takes them)
    failed: int = 0
    stopped_early: bool = False


def escalate_overdue(
    now: datetime,
    *,
    tickets: TicketRepository,
    policy: RoutingPolicy,
    shards: int,
    millis_left: Callable[[], int],
    page_size: int = 100,
    picker: AgentPicker | None = None,
) -> EscalationRun:
    """Walk each due-index shard up to ``now`` and apply what has come due.

    Overlapping runs are harmless: each change is conditional on the version read, and a ticket
    already escalated past a level no longer has that level due. A run stops starting pages when
    its time runs low; the next run continues from the index, which still holds the rest. A ticket
    whose change cannot be stored past its retries is skipped (counted in ``failed``), not the run. A due
    "reassign" level gives the ticket to the agent ``picker`` chooses under the target team's
    assignment rule (none: the team's queue).
    """
    run = EscalationRun(now=now)
    retry = TransientRetry()
    for shard in range(shards):
        cursor: dict[str, Any] | None = None
        while True:
            if millis_left() < SAFETY_MILLIS:
                run.stopped_early = True
                return run
            page, cursor = retry.run(partial(tickets.due, shard, now, page_size, cursor))
            run.tickets_read += len(page)
            for ticket in page:
                try:
                    retry.run(partial(_escalate, ticket, now, tickets, policy, run, picker))
                except TRANSIENT:  # still due in the index: the next run escalates it
                    run.failed += 1
            if not cursor:
                break
    return run


def _escalate(
    ticket: Ticket,
    now: datetime,
    tickets: TicketRepository,
    policy: RoutingPolicy,
    run: EscalationRun,
    picker: AgentPicker | None,
) -> None:
    first = [ticket]

    def attempt() -> list[Any]:
        current = first.pop() if first else tickets.get(ticket.ticket_id)
        if current is None:
            return []
        team = current.reassignment_due(now, policy) if picker is not None else None
        agent = picker.pick(team, now, exclude=[current.assignee]) if picker is not None and team else None
        change = current.escalate(now, policy, assignee=agent)
        if not change.changed:
            return []
        tickets.save(change)
        if agent is not None and picker is not None:
            picker.given(change.ticket)
        return list(change.events)

    events = retry_on_conflict(attempt, what="escalation")
    if not events:
        run.unchanged += 1
    for event in events:
        if event.type == "TicketEscalated":
            run.escalations[event.details["name"]] += 1
            run.breaches += int(bool(event.details.get("breach")))
            run.warnings += int(not event.details.get("breach"))
        elif event.type == "ResolutionBreached":
            run.resolution_breaches += 1
        run.lag_seconds.append(float(event.details.get("lag_seconds", 0.0)))
