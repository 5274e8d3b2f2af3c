"""End to end over the real ASL in moto: webhook → stream → dispatch → route-mention → ticket."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from socialdesk.domain.errors import StorageUnavailable
from socialdesk.tools.redrive import redrive_queue, starter
from tests.support.routing import BASE_ID, api, deliver, dm, quiet, ticket_of, tickets, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def executions(gateway: Any) -> list[dict[str, Any]]:
    sfn = gateway.stack.client("stepfunctions")
    arn = next(iter(gateway.stack.state_machines.values()))
    return [
        sfn.describe_execution(executionArn=e["executionArn"])
        for e in sfn.list_executions(stateMachineArn=arn)["executions"]
    ]


def test_a_complaint_becomes_a_routed_ticket_in_its_teams_queue(gateway: Any) -> None:
    # Given a customer complaint on X
    deliver(gateway, tweet(1, COMPLAINT))
    # Then it is on a ticket with a team, a priority, a deadline and the rule that matched
    ticket = ticket_of(gateway, 1)
    assert ticket is not None
    assert ticket["status"] == "open"
    assert ticket["team"] == "customer-care" and ticket["intent"] == "complaint"
    assert ticket["rule"] == "complaint" and ticket["deadline"].startswith("2026-11-23T13:00")
    assert all(e["status"] == "SUCCEEDED" for e in executions(gateway))
    # And the team's queue lists it; the ticket view shows its mention and audit trail
    queue = api(gateway, "/tickets?team=customer-care&status=open").json()
    assert [t["ticket_id"] for t in queue["tickets"]] == [ticket["ticket_id"]]
    view = api(gateway, f"/tickets/{ticket['ticket_id']}").json()
    assert [m["external_id"] for m in view["mentions"]] == [str(BASE_ID + 1)]
    assert [e["type"] for e in view["events"]] == ["TicketOpened", "TicketRouted"]


def test_replies_and_dms_join_their_conversations_ticket(gateway: Any) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    deliver(
        gateway,
        tweet(2, "@SkyHighAir still waiting, 3 hours now", reply_to=1, minute=5),
        tweet(3, "@SkyHighAir hello??", reply_to=2, minute=9),
    )
    deliver(
        gateway,
        dm(10, "My booking ref is QX7Y2 and I need a refund"),
        dm(11, "Any update on my refund?", minute=30),
    )
    first, second = ticket_of(gateway, 1), ticket_of(gateway, 10)
    assert ticket_of(gateway, 2)["ticket_id"] == ticket_of(gateway, 3)["ticket_id"] == first["ticket_id"]
    assert first["mention_count"] == 3
    assert ticket_of(gateway, 11)["ticket_id"] == second["ticket_id"] != first["ticket_id"]
    assert len(tickets(gateway)) == 2


def test_racing_mentions_of_one_conversation_open_one_ticket(gateway: Any) -> None:
    # Given six DMs of one conversation, all routed at the same time
    deliver(gateway, *[dm(20 + i, f"message {i} about my lost bag", minute=i) for i in range(6)], pump=False)
    quiet(gateway.stack.pump)
    # Then the conditional thread link let exactly one of them open the ticket
    ids = {ticket_of(gateway, 20 + i)["ticket_id"] for i in range(6)}
    assert len(ids) == 1
    (ticket,) = tickets(gateway)
    assert ticket["mention_count"] == 6


def test_the_same_mention_dispatched_twice_makes_one_ticket(gateway: Any) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    # When the stream redelivers it (at-least-once) and it is routed again
    start = starter(gateway.stack.client("stepfunctions"), next(iter(gateway.stack.state_machines.values())))
    start("x", str(BASE_ID + 1))
    start("x", str(BASE_ID + 1))
    quiet(gateway.stack.wait_for_executions)
    # Then there is still one ticket, with one mention and one TicketOpened / TicketRouted each
    (ticket,) = tickets(gateway)
    assert ticket["mention_count"] == 1
    view = api(gateway, f"/tickets/{ticket['ticket_id']}").json()
    assert [e["type"] for e in view["events"]] == ["TicketOpened", "TicketRouted"]
    assert len(executions(gateway)) == 3 and all(e["status"] == "SUCCEEDED" for e in executions(gateway))


def test_spam_is_closed_as_spam_and_never_queued(gateway: Any) -> None:
    deliver(
        gateway,
        tweet(
            5,
            "WIN FREE BITCOIN follow me and DM for the giveaway http://x.example #crypto #free #win",
            user="99",
            handle="promo_bot",
        ),
    )
    ticket = ticket_of(gateway, 5)
    assert ticket["status"] == "closed" and ticket["resolution"] == "spam"
    assert "queue_pk" not in ticket
    view = api(gateway, f"/tickets/{ticket['ticket_id']}", teams="spam").json()
    assert "ClosedAsSpam" in [e["type"] for e in view["events"]]


def test_praise_goes_to_the_engagement_queue_at_low_priority(gateway: Any) -> None:
    deliver(gateway, tweet(6, "@SkyHighAir thank you so much, the crew on SH88 were wonderful! ❤️"))
    ticket = ticket_of(gateway, 6)
    assert (ticket["team"], ticket["priority"]) == ("engagement", "low")


def test_influencer_complaint_is_raised(gateway: Any) -> None:
    deliver(gateway, tweet(7, COMPLAINT, followers=250_000, handle="famous"))
    ticket = ticket_of(gateway, 7)
    assert (ticket["team"], ticket["priority"], ticket["rule"]) == (
        "social-care",
        "high",
        "angry-and-amplified",
    )


def test_surge_groups_complaints_into_one_incident_and_notifies_crisis_once(gateway: Any) -> None:
    # Given a queue subscribed to the ticket-events topic for crisis notifications
    sqs = gateway.stack.client("sqs")
    url = gateway.stack.subscribe_queue("crisis-chat", ["IncidentOpened"])
    # When 14 different customers report lost bags within minutes
    deliver(
        gateway,
        *[
            tweet(
                100 + i,
                f"@SkyHighAir you lost my bag again on flight SH{i}, nobody helps",
                user=str(500 + i),
                handle=f"flyer{i}",
                minute=i % 10,
            )
            for i in range(14)
        ],
    )
    # Then the tickets past the threshold share one incident and are raised; crisis heard once
    routed = [ticket_of(gateway, 100 + i) for i in range(14)]
    incidents = {t.get("incident_id") for t in routed if t.get("incident_id")}
    assert len(incidents) == 1
    in_incident = [t for t in routed if t.get("incident_id")]
    assert len(in_incident) >= 14 - 9  # threshold 10 with the sliding window
    assert all(t["priority"] in ("urgent", "high") and "surge" in t["tags"] for t in in_incident), in_incident
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["event"] for m in messages] == ["IncidentOpened"]


def test_a_failing_task_is_retried_then_triaged_never_lost(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the Assign step fails every time (a bug in a rule, say)
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rule engine exploded")

    monkeypatch.setattr("socialdesk.handlers.route_tasks.assign_ticket", broken)
    deliver(gateway, tweet(8, COMPLAINT))
    # Then the Catch puts the ticket in the triage queue with the error recorded
    ticket = ticket_of(gateway, 8)
    assert ticket["team"] == "triage"
    assert ticket["triage_error"].startswith("RuntimeError")
    queue = api(gateway, "/tickets?team=triage", teams="triage").json()
    assert [t["ticket_id"] for t in queue["tickets"]] == [ticket["ticket_id"]]


def test_a_transient_storage_error_is_retried_without_triage(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.handlers import route_tasks

    real, calls = route_tasks.thread_mention, []
    lock = threading.Lock()

    def flaky(*args: Any, **kwargs: Any) -> Any:
        with lock:
            calls.append(1)
            if len(calls) == 1:
                raise StorageUnavailable("throttled")
        return real(*args, **kwargs)

    monkeypatch.setattr(route_tasks, "thread_mention", flaky)
    deliver(gateway, tweet(9, COMPLAINT))
    assert len(calls) == 2
    assert ticket_of(gateway, 9)["team"] == "customer-care"


def test_failed_start_execution_goes_to_the_dlq_and_redrive_routes_it(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk import bootstrap

    # Given the state machine cannot be started (a wrong ARN, a throttle that outlasts the retries)
    monkeypatch.setenv("ROUTE_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:gone")
    bootstrap.reset()
    deliver(gateway, tweet(11, COMPLAINT))
    # Then nothing is routed yet, and the stream batch is in the dead-letter queue
    assert ticket_of(gateway, 11) is None
    sqs = gateway.stack.client("sqs")
    dlq = gateway.stack.resolver.physical["RoutingDeadLetterQueue"]
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"
    # When the operator fixes it and runs the documented re-drive
    monkeypatch.undo()
    bootstrap.reset()
    report = redrive_queue(sqs, gateway.stack.client("dynamodbstreams"), dlq, gateway.stack.dispatcher())
    quiet(gateway.stack.wait_for_executions)
    # Then the mention is routed and the queue is empty
    assert (report.routed, report.kept) == (1, 0)
    assert ticket_of(gateway, 11)["team"] == "customer-care"
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"
