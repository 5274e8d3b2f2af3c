"""Escalation figures: one run over 100,000 open tickets of which 100 are due (items read, calls made),
and the escalation lag over a simulated day with the schedule's rate(1 minute).

Tickets are written straight to the (moto) table through the ticket repository, with their SLA
clocks started exactly as routing starts them; the runs are the real EscalateFunction handler.
"""

from __future__ import annotations

import contextlib
import io
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

OPEN_TICKETS = 100_000
DUE = 100
DAY_TICKETS = 600


def _ticket(n: int, created: datetime, policy: Any, priority: str = "normal") -> Any:
    from socialdesk.domain.clock import start_clock
    from socialdesk.domain.sla import ClockKind
    from socialdesk.domain.ticket import Priority, Ticket, TicketStatus

    base = Ticket(
        ticket_id=f"T-bench-{n:07d}",
        status=TicketStatus.OPEN,
        team="customer-care",
        priority=Priority(priority),
        channel="x",
        thread_key=f"x#{n}",
        first_mention=f"x#{n}",
        created_at=created,
        updated_at=created,
        sla_policy="standard",
    )
    return start_clock(base, ClockKind.FIRST_RESPONSE, created, policy)


def _load(stack: Any, tickets: list[Any]) -> None:
    from socialdesk.dal.items import to_attributes
    from socialdesk.dal.tickets import ticket_key, ticket_values

    client = stack.client("dynamodb")
    table = stack.environment["TABLE_NAME"]
    for start in range(0, len(tickets), 25):
        batch = [
            {"PutRequest": {"Item": {**ticket_key(t.ticket_id), **to_attributes(ticket_values(t))}}}
            for t in tickets[start : start + 25]
        ]
        client.batch_write_item(RequestItems={table: batch})


def _counting(stack: Any) -> Counter[str]:
    import boto3

    calls: Counter[str] = Counter()
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}:{model.name}"] += 1

    boto3.DEFAULT_SESSION.events.register("before-parameter-build", count)
    return calls


def one_run_over_a_large_backlog(total: int = OPEN_TICKETS, due: int = DUE) -> dict[str, Any]:
    """Items read and calls made by one run when ``due`` of ``total`` open tickets are due."""
    from local.stack import LocalStack
    from socialdesk import bootstrap
    from socialdesk.dal.config import packaged_policy

    stack = LocalStack()
    policy = packaged_policy("default")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    rng = random.Random(1)
    tickets = [_ticket(n, now - timedelta(minutes=rng.uniform(0, 180)), policy) for n in range(total - due)]
    tickets += [_ticket(total - due + n, now - timedelta(minutes=200 + n % 30), policy) for n in range(due)]
    started = time.perf_counter()
    _load(stack, tickets)
    load_seconds = time.perf_counter() - started
    calls = _counting(stack)
    with contextlib.redirect_stdout(io.StringIO()):
        stack.tick(now - timedelta(days=1))  # warm: builds the services, seeds the policy
        calls.clear()
        started = time.perf_counter()
        (run,) = stack.tick(now)
        run_seconds = time.perf_counter() - started
    bootstrap.reset()
    stack.close()
    return {
        "open": total,
        "due": due,
        "read": run["tickets_read"],
        "escalations": run["escalations"],
        "calls": dict(calls),
        "load_seconds": load_seconds,
        "run_seconds": run_seconds,
    }


def lag_over_a_day(count: int = DAY_TICKETS) -> dict[str, Any]:
    """Escalation lag (action time - level time) with one run a minute over a simulated day."""
    from local.stack import LocalStack
    from socialdesk.dal.config import packaged_policy

    stack = LocalStack()
    policy = packaged_policy("default")
    day = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    rng = random.Random(2)
    priorities = ["urgent", "high", "normal", "normal", "low"]
    tickets = [
        _ticket(n, day + timedelta(seconds=rng.uniform(0, 86_400)), policy, rng.choice(priorities))
        for n in range(count)
    ]
    _load(stack, tickets)
    lags: list[float] = []
    levels: Counter[str] = Counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for minute in range(24 * 60 + 1):
            (run,) = stack.tick(day + timedelta(minutes=minute))
            if run["escalations"]:
                levels.update(run["escalations"])
                lags.append(run["max_lag_seconds"])
    stack.close()
    return {"tickets": count, "runs": 24 * 60 + 1, "escalations": dict(levels), "lags": lags}


def main() -> None:
    """Print the escalation figures."""
    big = one_run_over_a_large_backlog()
    print(f"== Escalation: one run over {big['open']:,} open tickets, {big['due']} due")
    print(f"  items read: {big['read']} (the due tickets only; target ≈ {big['due']})")
    print(f"  escalations applied: {big['escalations']}")
    print(f"  AWS calls: {big['calls']}")
    print(
        f"  (loading the backlog into moto: {big['load_seconds']:.0f} s; the run: {big['run_seconds']:.1f} s)"
    )
    day = lag_over_a_day()
    lags = day["lags"]
    print(f"== Escalation lag, simulated day: {day['tickets']} tickets, {day['runs']} runs, rate(1 minute)")
    print(f"  escalations: {day['escalations']}")
    if lags:
        print(
            f"  per-run max lag (s): p50 {statistics.median(lags):.0f}, "
            f"p90 {sorted(lags)[int(0.9 * len(lags))]:.0f}, "
            f"max {max(lags):.0f} (target: max ≤ 60 s)"
        )
