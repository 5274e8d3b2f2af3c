"""Scheduled escalation over the sparse due index: level by level, once per level, paginated, resumable."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from socialdesk.dal.tickets import DUE_SHARDS
from socialdesk.logic.escalate_overdue import escalate_overdue
from tests.support.routing import api, deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"

#: the schedule these tests drive (the hourly sweep run is tested on its own)
ESCALATION = ("EscalateFunction",)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC)


def escalation_feed(gateway: Any) -> Any:
    """An SQS queue subscribed to TicketEscalated events; returns a function draining it."""
    sqs = gateway.stack.client("sqs")
    url = gateway.stack.subscribe_queue("escalations-feed", ["TicketEscalated"])

    def drain() -> list[dict[str, Any]]:
        quiet(gateway.stack.pump)  # notifications leave through the ticket's stream (the outbox)
        found = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    return drain


def escalation_events(gateway: Any, ticket_id: str) -> list[str]:
    quiet(gateway.stack.pump)
    view = api(gateway, f"/tickets/{ticket_id}", teams="", role="admin").json()
    return [e["details"]["name"] for e in view["events"] if e["type"] == "TicketEscalated"]


def test_levels_fire_in_order_warning_before_breach_then_reassign_and_manager(gateway: Any) -> None:
    # Given a normal-priority complaint at 09:00 (first response due 13:00, 240 min, 24/7)
    deliver(gateway, tweet(1, COMPLAINT))
    feed = escalation_feed(gateway)
    ticket = ticket_of(gateway, 1)
    assert (ticket["priority"], ticket["response"]["deadline"], ticket["due_at"]) == (
        "normal",
        "2026-11-23T13:00:00Z",
        "2026-11-23T12:12:00Z",
    )
    # When the schedule runs minute by minute
    (run,) = quiet(gateway.stack.tick, at(12, 11), ESCALATION)
    assert run["escalations"] == {} and run["tickets_read"] == 0  # nothing due yet: nothing read
    (run,) = quiet(gateway.stack.tick, at(12, 12), ESCALATION)
    assert run["escalations"] == {"warning": 1}  # 80 % of the target: a warning before the breach
    assert ticket_of(gateway, 1)["breached"] is False
    (run,) = quiet(gateway.stack.tick, at(13, 0), ESCALATION)
    assert run["escalations"] == {"breach": 1} and run["breaches"] == 1
    breached = ticket_of(gateway, 1)
    assert (breached["priority"], breached["breached"], breached["team"]) == ("high", True, "customer-care")
    quiet(gateway.stack.tick, at(13, 30), ESCALATION)
    assert ticket_of(gateway, 1)["team"] == "escalations"
    quiet(gateway.stack.tick, at(15, 0), ESCALATION)
    final = ticket_of(gateway, 1)
    assert final["response"]["level"] == 4
    # no response level left: only the resolution target (3 days) keeps it in the due index
    assert final["due_at"] == final["resolution_clock"]["deadline"] == "2026-11-26T09:00:00Z"
    (run,) = quiet(gateway.stack.tick, at(16, 0), ESCALATION)
    assert run["tickets_read"] == 0
    # Then each level was published once, to its audience
    published = [(e["details"]["name"], e["audience"]) for e in feed()]
    assert published == [
        ("warning", ["assignee"]),
        ("breach", ["lead"]),
        ("reassign", ["escalation_team"]),
        ("manager", ["manager"]),
    ]


def test_a_late_run_applies_only_the_highest_due_level_once_and_records_the_lag(gateway: Any) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    feed = escalation_feed(gateway)
    (run,) = quiet(gateway.stack.tick, at(13, 45), ESCALATION)  # the scheduler was down since 12:00
    assert run["escalations"] == {"reassign": 1}  # warning and breach passed over, not fired
    assert run["max_lag_seconds"] == 15 * 60  # the reassign level was due at 13:30
    ticket = ticket_of(gateway, 1)
    assert ticket["response"]["level"] == 3
    assert (ticket["breached"], ticket["priority"], ticket["team"]) == (True, "high", "escalations")
    assert [(e["details"]["name"], e["details"]["skipped"]) for e in feed()] == [
        ("reassign", ["warning", "breach"])
    ]


def test_overlapping_runs_escalate_each_level_once(gateway: Any) -> None:
    deliver(gateway, *[tweet(10 + i, COMPLAINT, user=str(70 + i), handle=f"c{i}") for i in range(4)])
    feed = escalation_feed(gateway)
    results: list[Any] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        results.extend(quiet(gateway.stack.tick, at(13, 5), ESCALATION))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    applied = sum(sum(r["escalations"].values()) for r in results)
    assert applied == 4  # 4 tickets x the breach level, whichever run applied it
    for i in range(4):
        ticket = ticket_of(gateway, 10 + i)
        assert ticket["response"]["level"] == 2
        assert escalation_events(gateway, ticket["ticket_id"]) == ["breach"]
    assert len(feed()) == 4


def test_pagination_and_a_run_out_of_time_resume_next_minute(gateway: Any) -> None:
    deliver(gateway, *[tweet(30 + i, COMPLAINT, user=str(90 + i), handle=f"d{i}") for i in range(9)])
    from socialdesk import bootstrap

    quiet(gateway.stack.tick, at(9, 0), ESCALATION)  # builds the services
    svc = bootstrap.services()
    budget = iter([60_000] * 3 + [0] * 100)  # time for three pages, then the invocation is nearly over
    first = escalate_overdue(
        at(12, 30),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
        shards=DUE_SHARDS,
        millis_left=lambda: next(budget),
        page_size=2,
    )
    assert first.stopped_early and 0 < first.escalations["warning"] < 9
    second = escalate_overdue(
        at(12, 31),
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
        shards=DUE_SHARDS,
        millis_left=lambda: 60_000,
        page_size=2,
    )
    assert not second.stopped_early
    assert first.escalations["warning"] + second.escalations["warning"] == 9
    assert second.tickets_read == 9 - first.escalations["warning"]  # reads only what is still due
    assert all(ticket_of(gateway, 30 + i)["response"]["level"] == 1 for i in range(9))


def test_engagement_tickets_never_enter_the_due_index(gateway: Any) -> None:
    deliver(gateway, tweet(5, "@SkyHighAir thank you so much, the crew on SH88 were wonderful! ❤️"))
    ticket = ticket_of(gateway, 5)
    assert ticket["team"] == "engagement" and "due_pk" not in ticket
    (run,) = quiet(gateway.stack.tick, at(23, 0), ESCALATION)
    assert run["tickets_read"] == 0
