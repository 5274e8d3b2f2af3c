"""A storage fault past the SDK's retries costs one unit of work a retry, never the batch or the run.

Routing retries the message that failed (not the ones already routed), triage applies a deletion
whose execution ran out of retries instead of dropping it, and an escalation run skips a ticket it
cannot store and escalates the rest (the skipped one stays due for the next run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialdesk.domain.errors import StorageUnavailable, Unprocessable
from socialdesk.domain.ticket import TicketStatus
from socialdesk.logic import transient
from socialdesk.logic.escalate_overdue import escalate_overdue
from socialdesk.logic.route_messages import RouteItem
from socialdesk.logic.transient import TransientRetry
from tests.support.fakes import NOW
from tests.unit.test_conversations import COMPLAINT, Desk, tweet


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    slept: list[float] = []
    monkeypatch.setattr(transient, "pause", slept.append)
    yield slept


def failing(times: int, error: Exception) -> tuple[Counter[str], object]:
    calls: Counter[str] = Counter()

    def work() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return "done"

    return calls, work


def test_a_transient_fault_is_retried_with_growing_jittered_waits(waits: list[float]) -> None:
    calls, work = failing(3, StorageUnavailable("throttled"))
    assert TransientRetry(base_seconds=0.1, cap_seconds=2.0).run(work) == "done"  # type: ignore[arg-type]
    assert calls["n"] == 4 and len(waits) == 3
    assert all(0 <= w <= 0.1 * 2**n for n, w in enumerate(waits))


def test_the_last_fault_propagates_once_the_attempts_are_spent() -> None:
    calls, work = failing(10, StorageUnavailable("throttled"))
    with pytest.raises(StorageUnavailable):
        TransientRetry(attempts=3).run(work)  # type: ignore[arg-type]
    assert calls["n"] == 3


def test_a_spent_budget_stops_the_retries_of_the_whole_invocation(waits: list[float]) -> None:
    retry = TransientRetry(attempts=50, base_seconds=1.0, cap_seconds=1.0, budget_seconds=3.0)
    calls, work = failing(1_000, StorageUnavailable("throttled"))
    with pytest.raises(StorageUnavailable):
        retry.run(work)  # type: ignore[arg-type]
    assert sum(waits) <= 3.0 and calls["n"] < 50


def test_a_real_error_is_never_retried() -> None:
    calls, work = failing(1, Unprocessable("bad input"))
    with pytest.raises(Unprocessable):
        TransientRetry().run(work)  # type: ignore[arg-type]
    assert calls["n"] == 1


QUESTIONS = [
    "@brand how do I change the delivery address on my account?",
    "@brand do you ship to Norway?",
    "@brand what are your opening hours on Easter Monday?",
]


def _items(desk: Desk, n: int, texts: list[str] | None = None) -> list[RouteItem]:
    items = []
    for i in range(n):
        m = tweet((texts or [COMPLAINT] * n)[i], handle=f"c{i}", at=NOW + timedelta(seconds=i))
        desk.mentions.add(m, m.created_at)
        items.append(RouteItem(kind="mention", ref=m.ref, mention=m, received_at=m.created_at))
    return items


def test_a_fault_on_one_message_retries_that_message_and_not_the_routed_ones() -> None:
    desk = Desk()
    items = _items(desk, 3, QUESTIONS)  # three customers, no surge: one ticket write each
    writes: Counter[str] = Counter()
    faults = {"left": 2}

    def before_write(key: str) -> None:  # a ticket id
        writes[key] += 1
        if len(writes) == 2 and faults["left"]:  # the second message's ticket: throttled twice
            faults["left"] -= 1
            raise StorageUnavailable("ticket store: ThrottlingException")

    desk.tickets.before_write = before_write
    routed = desk.router.route_batch(items)
    assert [o.action for o in routed.outcomes] == ["opened"] * 3 and routed.failed_count == 0
    assert list(writes.values()) == [1, 3, 1]  # the first and third written once, the second retried


def test_triage_applies_a_deletion_whose_execution_ran_out_of_retries() -> None:
    desk = Desk()
    only = tweet(COMPLAINT, handle="kim")
    desk.receive(only)
    ticket_id = desk.ticket_of(only).ticket_id
    at = NOW + timedelta(minutes=1)
    deletion = RouteItem(kind="deletion", ref=only.ref, ticket_id=ticket_id, at=at)
    outcome = desk.router.triage(deletion, "StorageUnavailable", "ticket store: ThrottlingException")
    assert outcome.action == "withdrawn"
    ticket = desk.tickets.get(ticket_id)
    assert ticket is not None and ticket.status is TicketStatus.CLOSED


def test_an_escalation_run_skips_a_ticket_it_cannot_store_and_escalates_the_rest() -> None:
    desk = Desk()
    for item in _items(desk, 3):
        desk.router.route(item)
    tickets = sorted(desk.tickets.tickets)
    stuck = tickets[1]

    def before_write(ticket_id: str) -> None:
        if ticket_id == stuck:
            raise StorageUnavailable("ticket store: ThrottlingException")

    desk.tickets.before_write = before_write
    later = NOW + timedelta(days=2)
    run = escalate_overdue(
        later, tickets=desk.tickets, policy=desk.policy, shards=1, millis_left=lambda: 60_000
    )
    assert run.failed == 1 and sum(run.escalations.values()) == 2
    desk.tickets.before_write = None  # the burst ends: the next run takes the skipped ticket
    again = escalate_overdue(
        later + timedelta(minutes=1),
        tickets=desk.tickets,
        policy=desk.policy,
        shards=1,
        millis_left=lambda: 60_000,
    )
    assert again.failed == 0 and sum(again.escalations.values()) == 1
    assert all(desk.tickets.tickets[t].max_escalation_level > 0 for t in tickets)
