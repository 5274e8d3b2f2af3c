"""Escalation figures: one run over 100,000 open tickets of which 100 are due (items read, calls made),
and the escalation lag over a simulated day with the schedule's rate(1 minute).

Tickets are written straight to the (moto) table through the ticket repository, with their SLA
clocks started exactly as routing starts them; the runs are the real EscalateFunction handler.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

OPEN_TICKETS = 100_000
DUE = 100
DAY_TICKETS = 600


#: customers' first messages: the router gives each its team, priority and first-response clock
OPENERS = (
    "@SkyHighAir my flight was cancelled and nobody answers the phone, worst airline ever",
    "@SkyHighAir how do I change the name on my booking?",
    "@SkyHighAir my bag never arrived, three days now",
    "@SkyHighAir charged twice for my seat, please fix this",
)


def _tickets(created: list[datetime]) -> list[Any]:
    """One routed ticket per moment, opened by the domain (the router on in-memory ports)."""
    from socialdesk.dal.config import packaged_policy
    from tests.unit.test_conversations import Desk, tweet

    policy = packaged_policy("default")
    # the backlog is many separate complaints, not one incident: no surge joins them
    desk = Desk(policy.model_copy(update={"surge": policy.surge.model_copy(update={"threshold": 10**9})}))
    for n, at in enumerate(sorted(created)):
        desk.receive(tweet(OPENERS[n % len(OPENERS)], handle=f"bench{n}", at=at))
    return list(desk.tickets.tickets.values())


def _load(stack: Any, tickets: list[Any]) -> None:
    from socialdesk.dal.tickets import ticket_item
    from tests.support.history import put_items

    put_items(stack, ({"PK": f"TICKET#{t.ticket_id}", "SK": "TICKET", **ticket_item(t)} for t in tickets))


def one_run_over_a_large_backlog(total: int = OPEN_TICKETS, due: int = DUE) -> dict[str, Any]:
    """Items read and calls made by one run when ``due`` of ``total`` open tickets are due."""
    from local.stack import LocalStack
    from socialdesk import bootstrap

    stack = LocalStack()
    now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # a Monday afternoon in the desk's hours
    rng = random.Random(1)
    # not yet due: opened within the last 30 minutes; due: opened 200-230 minutes ago (a level due)
    created = [now - timedelta(minutes=rng.uniform(0, 30)) for _ in range(total - due)]
    created += [now - timedelta(minutes=200 + n % 30) for n in range(due)]
    tickets = _tickets(created)
    started = time.perf_counter()
    _load(stack, tickets)
    load_seconds = time.perf_counter() - started
    from benchmarks.costs import Meter

    meter = Meter(stack)
    meter.install()
    try:
        stack.tick(now - timedelta(days=1))  # warm: builds the services, seeds the policy
        meter.reset()
        started = time.perf_counter()
        (run,) = stack.tick(now, ("EscalateFunction",))
        run_seconds = time.perf_counter() - started
    finally:
        meter.uninstall()
    bootstrap.reset()
    stack.close()
    tally = meter.tally
    return {
        "open": total,
        "due": due,
        "read": run["tickets_read"],
        "escalations": run["escalations"],
        "calls": dict(tally.calls),
        "wru": tally.table_wru + sum(tally.index_wru.values()),
        "table_wru": tally.table_wru,
        "index_wru": dict(tally.index_wru),
        "rru": tally.rru,
        "applied": sum(run["escalations"].values())
        if isinstance(run["escalations"], dict)
        else run["escalations"],
        "load_seconds": load_seconds,
        "run_seconds": run_seconds,
    }


def lag_over_a_day(count: int = DAY_TICKETS) -> dict[str, Any]:
    """Escalation lag (action time - level time) with one run a minute over a simulated day."""
    from local.stack import LocalStack

    stack = LocalStack()
    day = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    rng = random.Random(2)
    tickets = _tickets([day + timedelta(seconds=rng.uniform(0, 86_400)) for _ in range(count)])
    _load(stack, tickets)
    from benchmarks.costs import Meter

    lags: list[float] = []
    levels: Counter[str] = Counter()
    meter = Meter(stack)
    meter.install()
    try:
        for minute in range(24 * 60 + 1):
            # the escalation run's result (the daily sweep fires at midnight too)
            run = next(r for r in stack.tick(day + timedelta(minutes=minute)) if "escalations" in r)
            if run["escalations"]:
                levels.update(run["escalations"])
                lags.append(run["max_lag_seconds"])
    finally:
        meter.uninstall()
    stack.close()
    tally = meter.tally
    return {
        "tickets": count,
        "runs": 24 * 60 + 1,
        "escalations": dict(levels),
        "lags": lags,
        "table_wru": tally.table_wru,
        "index_wru": dict(tally.index_wru),
    }


def main() -> None:
    """Print the escalation figures."""
    big = one_run_over_a_large_backlog()
    print(f"== Escalation: one run over {big['open']:,} open tickets, {big['due']} due")
    print(f"  items read: {big['read']} (the due tickets only; target ≈ {big['due']})")
    print(f"  escalations applied: {big['escalations']}")
    print(f"  AWS calls: {big['calls']}")
    applied = big["applied"] or 1
    print(
        f"  write units per escalation applied (size- and index-accounted, benchmarks/costs.py): "
        f"{big['wru'] / applied:.2f} WRU (table {big['table_wru'] / applied:.2f}, indexes "
        + ", ".join(f"{k} {v / applied:.2f}" for k, v in sorted(big["index_wru"].items()) if v)
        + f"; target ≤ 3); reads {big['rru']:.1f} RRU for the run"
    )
    print(
        f"  (loading the backlog into moto: {big['load_seconds']:.0f} s; the run: {big['run_seconds']:.1f} s)"
    )
    day = lag_over_a_day()
    lags = day["lags"]
    applied = sum(day["escalations"].values()) or 1
    print(f"== Escalation lag, simulated day: {day['tickets']} tickets, {day['runs']} runs, rate(1 minute)")
    print(f"  escalations: {day['escalations']}")
    every = (day["table_wru"] + sum(day["index_wru"].values())) / applied
    print(
        f"  write units per escalation, every level: {every:.2f}"
        f" (table {day['table_wru'] / applied:.2f}, indexes "
        + ", ".join(f"{k} {v / applied:.2f}" for k, v in sorted(day["index_wru"].items()) if v)
        + "; a level that raises the priority or reassigns also moves the ticket in its queue)"
    )
    if lags:
        print(
            f"  per-run max lag (s): p50 {statistics.median(lags):.0f}, "
            f"p90 {sorted(lags)[int(0.9 * len(lags))]:.0f}, "
            f"max {max(lags):.0f} (target: max ≤ 60 s)"
        )
