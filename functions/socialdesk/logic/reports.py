"""Use case: the SLA report — first-response times, compliance and breaches by level, per team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from socialdesk.domain.access import Forbidden, Principal
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.domain.timeutil import to_utc

if TYPE_CHECKING:
    from socialdesk.dal.ports import TicketRepository

_REPORTED = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)


class SlaReport(BaseModel):
    """One team, one period (tickets created in [from, to))."""

    team: str
    period_from: datetime
    period_to: datetime
    tickets: int
    answered: int
    first_response_p50_minutes: float | None
    first_response_p90_minutes: float | None
    compliance: float | None  # share of tickets with a first-response target that met it
    warned: int  # tickets warned before their deadline that did not breach (disjoint from breached)
    breached: int  # tickets that missed a response deadline
    breaches_by_level: dict[str, int]  # breach levels only (warnings are not breaches)
    resolution_breached: int
    still_waiting: int


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 1)


def sla_report(
    principal: Principal,
    team: str | None,
    start: str | None,
    end: str | None,
    *,
    tickets: TicketRepository,
    now: datetime | None = None,
) -> SlaReport:
    """Read the team's tickets through the queue index (no scan) and summarise their SLA."""
    if not team:
        raise PayloadInvalid("team is required")
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")
    try:
        period_to = to_utc(end) if end else datetime.now(UTC)
        period_from = to_utc(start) if start else period_to - timedelta(days=7)
    except ValueError:
        raise PayloadInvalid("from and to must be ISO 8601 timestamps") from None
    found: list[Ticket] = []
    for status in _REPORTED:
        cursor = None
        while True:
            page, cursor = tickets.queue(team, status, 100, cursor)
            found.extend(t for t in page if period_from <= t.created_at < period_to)
            if not cursor:
                break
    return summarise(team, period_from, period_to, found, now or datetime.now(UTC))


def summarise(
    team: str, period_from: datetime, period_to: datetime, found: list[Ticket], now: datetime
) -> SlaReport:
    """The report's figures for a list of tickets (pure).

    Compliance counts only decided tickets: answered, or still waiting past their first-response due
    time. A ticket still inside its target is neither a hit nor a miss yet.
    """
    answered = [t for t in found if t.first_response_at]
    minutes = [
        (t.first_response_at - t.created_at).total_seconds() / 60 for t in answered if t.first_response_at
    ]
    with_target = [
        t for t in found if t.first_response_due and (t.first_response_at or t.first_response_due <= now)
    ]
    met = [
        t
        for t in with_target
        if t.first_response_at and t.first_response_due and t.first_response_at <= t.first_response_due
    ]
    levels: dict[str, int] = {}
    for ticket in found:
        if ticket.breached and ticket.max_escalation_level:
            key = f"level_{ticket.max_escalation_level}"
            levels[key] = levels.get(key, 0) + 1
    return SlaReport(
        team=team,
        period_from=period_from,
        period_to=period_to,
        tickets=len(found),
        answered=len(answered),
        first_response_p50_minutes=_percentile(minutes, 0.5),
        first_response_p90_minutes=_percentile(minutes, 0.9),
        compliance=round(len(met) / len(with_target), 3) if with_target else None,
        warned=sum(1 for t in found if t.warned and not t.breached),
        breached=sum(1 for t in found if t.breached),
        breaches_by_level=dict(sorted(levels.items())),
        resolution_breached=sum(1 for t in found if t.resolution_clock and t.resolution_clock.breached),
        still_waiting=sum(1 for t in found if t.awaiting),
    )
