"""Reports that read what they report: `GET /reports/sla` for a team with a long history.

A team's history (``REPORT_TICKETS`` tickets, default 100,000, spread evenly over two years) is
written into the local table; the report for the last day, week and month is asked through the agent
API and the DynamoDB items it reads are counted, next to what reading the team's
whole queue index (the report's former read) costs. Figures only.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from datetime import UTC, datetime, timedelta

from local.gateway import LocalGateway
from local.stack import LocalStack
from tests.support.history import ReadCounter, write_history
from tests.support.routing import api

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
YEARS = 2
#: the former read (the team's whole queue index) is measured on histories up to this size
BEFORE_UP_TO = 10_000


def main() -> None:
    """Print items read and latency per report period, and the whole-history read for comparison."""
    _history(int(os.environ.get("REPORT_TICKETS", "100000")))


def _history(count: int) -> None:
    from socialdesk import bootstrap
    from socialdesk.domain.ticket import TicketStatus
    from socialdesk.logic.queues import team_tickets

    bootstrap.clock = lambda: NOW
    stack = LocalStack()
    gateway = LocalGateway(stack)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        team = write_history(gateway, count, NOW, timedelta(days=365 * YEARS) / count)
    print(f"== SLA report, team {team} with {count:,} tickets over {YEARS} years")
    print(f"  (history written in {time.perf_counter() - started:.0f} s)")
    print(f"  {'period':>8s} {'tickets':>8s} {'items read':>11s} {'ms':>8s}")
    for days in (1, 7, 30):
        start = f"{NOW - timedelta(days=days):%Y-%m-%dT%H:%M:%SZ}"
        with ReadCounter() as reads, contextlib.redirect_stdout(io.StringIO()):
            began = time.perf_counter()
            report = api(gateway, f"/reports/sla?team={team}&from={start}&to={NOW:%Y-%m-%dT%H:%M:%SZ}", team)
            elapsed = (time.perf_counter() - began) * 1000
        print(f"  {days:>6d} d {report.json()['tickets']:>8,d} {reads.items:>11,d} {elapsed:>8.0f}")
    if count <= BEFORE_UP_TO:  # moto's index queries are linear in the table: the old read is slow here
        with ReadCounter() as reads:
            statuses = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)
            found = team_tickets(bootstrap.services().tickets, team, statuses)
        print(f"  before (the team's whole queue index, whatever the period): {reads.items:,} items read")
        print(f"  for {len(found):,} tickets")
    stack.close()


if __name__ == "__main__":
    main()
