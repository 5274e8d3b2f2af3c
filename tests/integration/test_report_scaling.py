"""The SLA report reads what it reports: its cost follows the tickets of the period, not the team's
history (ReportIndex by team and month, keys only)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from local.gateway import LocalGateway
from local.stack import LocalStack
from tests.conftest import TEST_NOW
from tests.support.history import ReadCounter, write_history
from tests.support.routing import api


@pytest.fixture(scope="module")
def history() -> Iterator[tuple[LocalGateway, str]]:
    stack = LocalStack()
    gateway = LocalGateway(stack)
    try:
        yield gateway, write_history(gateway, 400, TEST_NOW, timedelta(days=1))  # a ticket a day
    finally:
        stack.close()


@pytest.mark.parametrize("days", [1, 7, 45])
def test_a_report_reads_about_the_tickets_of_its_period(history: tuple[LocalGateway, str], days: int) -> None:
    gateway, team = history
    start = f"{TEST_NOW - timedelta(days=days):%Y-%m-%dT%H:%M:%SZ}"
    with ReadCounter() as reads:
        report = api(gateway, f"/reports/sla?team={team}&from={start}&to={TEST_NOW:%Y-%m-%dT%H:%M:%SZ}", team)
    assert report.status == 200, report.body
    counted = report.json()["tickets"]
    assert counted == days  # one opened each day of the period (the routed one opened at "now")
    # the keys of the period and the tickets themselves, plus the token's and the policy's few reads
    assert reads.items <= 2 * days + 10, reads.items
