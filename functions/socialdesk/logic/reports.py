"""Use case: the SLA report — first-response times, compliance and breaches by level, per team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from socialdesk.domain.access import Forbidden, Principal
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket, TicketStatus
from socialdesk.domain.timeutil import to_utc

if TYPE_CHECKING:
    from socialdesk.dal.ports import TicketRepository

_REPORTED = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)


class SlaReport(Model):
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
    """Read the team's tickets opened in the period (ReportIndex, no scan) and summarise their SLA."""
    if not team:
        raise PayloadInvalid("team is required")
    if not principal.can_see_team(team):
        raise Forbidden(f"the token does not include team {team}")
    period_from, period_to = _period(start, end, now)
    found = _reported(tickets, team, period_from, period_to)
    return summarise(team, period_from, period_to, found, now or datetime.now(UTC))


def _reported(tickets: TicketRepository, team: str, start: datetime, end: datetime) -> list[Ticket]:
    """The team's tickets opened in the period that a report counts (open, pending, resolved)."""
    return [t for t in tickets.opened_between(team, start, end) if t.status in _REPORTED]


def _period(start: str | None, end: str | None, now: datetime | None) -> tuple[datetime, datetime]:
    try:
        period_to = to_utc(end) if end else (now or datetime.now(UTC))
        period_from = to_utc(start) if start else period_to - timedelta(days=7)
    except ValueError:
        raise PayloadInvalid("from and to must be ISO 8601 timestamps") from None
    if period_from >= period_to:
        raise PayloadInvalid("from must be before to")
    return period_from, period_to


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


#: first-response time buckets, in minutes (the last one is open-ended)
RESPONSE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("< 5 min", 5),
    ("5-15 min", 15),
    ("15-30 min", 30),
    ("30-60 min", 60),
    ("1-4 h", 240),
    ("4-24 h", 1440),
    ("> 24 h", None),
)


class Bucket(Model):
    """One bar of a distribution."""

    label: str
    upto_minutes: float | None
    count: int


class ComplianceCell(Model):
    """First-response SLA compliance of one team or agent on one day (tickets created that day)."""

    key: str
    day: date
    met: int
    decided: int
    rate: float | None


class CsatSummary(Model):
    """Surveys sent and answered, and the scores."""

    sent: int
    answered: int
    average: float | None
    by_score: dict[str, int]


class DeskReport(Model):
    """Several teams over a period, for the console's charts."""

    teams: list[str]
    period_from: datetime
    period_to: datetime
    tickets: int
    answered: int
    first_response_distribution: list[Bucket]
    compliance_by_team: list[ComplianceCell]
    compliance_by_agent: list[ComplianceCell]
    warned: int
    breached: int
    breaches_by_level: dict[str, int]  # by the escalation level's name (breach levels only)
    csat: CsatSummary
    per_team: list[SlaReport]


def desk_report(
    principal: Principal,
    teams: list[str],
    start: str | None,
    end: str | None,
    *,
    tickets: TicketRepository,
    policy: RoutingPolicy,
    now: datetime,
) -> DeskReport:
    """First-response distribution, SLA compliance by team and by agent per day, breaches by level, CSAT."""
    chosen = sorted(set(teams) or principal.teams)
    if not chosen:
        raise PayloadInvalid("teams is required (the token names none)")
    refused = [t for t in chosen if not principal.can_see_team(t)]
    if refused:
        raise Forbidden(f"the token does not include team {refused[0]}")
    period_from, period_to = _period(start, end, now)
    by_team = {team: _reported(tickets, team, period_from, period_to) for team in chosen}
    return summarise_desk(by_team, period_from, period_to, policy, now)


def summarise_desk(
    by_team: dict[str, list[Ticket]],
    period_from: datetime,
    period_to: datetime,
    policy: RoutingPolicy,
    now: datetime,
) -> DeskReport:
    """The desk report's figures (pure)."""
    found = [t for team in sorted(by_team) for t in by_team[team]]
    minutes = [
        (t.first_response_at - t.created_at).total_seconds() / 60 for t in found if t.first_response_at
    ]
    distribution = []
    lower = 0.0
    for label, upto in RESPONSE_BUCKETS:
        count = sum(1 for m in minutes if m >= lower and (upto is None or m < upto))
        distribution.append(Bucket(label=label, upto_minutes=upto, count=count))
        lower = upto or lower
    levels: dict[str, int] = {}
    for ticket in found:
        if ticket.breached and ticket.max_escalation_level:
            name = _level_name(ticket, policy)
            levels[name] = levels.get(name, 0) + 1
    scored = [t.csat.score for t in found if t.csat and t.csat.score]
    return DeskReport(
        teams=sorted(by_team),
        period_from=period_from,
        period_to=period_to,
        tickets=len(found),
        answered=len(minutes),
        first_response_distribution=distribution,
        compliance_by_team=_compliance(found, lambda t: t.team, now),
        compliance_by_agent=_compliance(
            found, lambda t: t.first_response_by or t.assignee or "unassigned", now
        ),
        warned=sum(1 for t in found if t.warned),
        breached=sum(1 for t in found if t.breached),
        breaches_by_level=levels,
        csat=CsatSummary(
            sent=sum(1 for t in found if t.csat),
            answered=len(scored),
            average=round(sum(scored) / len(scored), 2) if scored else None,
            by_score={str(n): scored.count(n) for n in range(1, 6)},
        ),
        per_team=[summarise(team, period_from, period_to, by_team[team], now) for team in sorted(by_team)],
    )


def _decided(ticket: Ticket, now: datetime) -> bool | None:
    """Whether the first response met its target (None: no target, or not decided yet)."""
    due = ticket.first_response_due
    if due is None:
        return None
    if ticket.first_response_at is not None:
        return ticket.first_response_at <= due
    return False if due <= now else None


def _compliance(found: list[Ticket], key: Callable[[Ticket], str], now: datetime) -> list[ComplianceCell]:
    cells: dict[tuple[str, date], list[bool]] = {}
    for ticket in found:
        outcome = _decided(ticket, now)
        if outcome is not None:
            cells.setdefault((key(ticket), ticket.created_at.astimezone(UTC).date()), []).append(outcome)
    return [
        ComplianceCell(
            key=name, day=day, met=sum(hits), decided=len(hits), rate=round(sum(hits) / len(hits), 3)
        )
        for (name, day), hits in sorted(cells.items())
    ]


def _level_name(ticket: Ticket, policy: RoutingPolicy) -> str:
    escalation = policy.escalation_policy(ticket.sla_policy)
    levels = escalation.levels if escalation else ()
    index = ticket.max_escalation_level - 1
    return levels[index].name if 0 <= index < len(levels) else f"level_{ticket.max_escalation_level}"
