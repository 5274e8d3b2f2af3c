"""End to end over the real ASL in moto: webhook → stream → dispatch → route-mention → ticket."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from socialdesk.domain.errors import StorageUnavailable
from socialdesk.tools.redrive import redrive_queue
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
    assert ticket["rule"] == "complaint" and ticket["response"]["deadline"].startswith("2026-11-23T13:00")
    assert ticket["customer"]["handle"] == "ann"
    assert all(e["status"] == "SUCCEEDED" for e in executions(gateway))
    # And the team's queue lists it; the ticket view shows its message and audit trail
    queue = api(gateway, "/tickets?team=customer-care&status=open").json()
    assert [t["ticket_id"] for t in queue["tickets"]] == [ticket["ticket_id"]]
    view = api(gateway, f"/tickets/{ticket['ticket_id']}").json()
    assert [(m["external_id"], m["is_customer"]) for m in view["messages"]] == [(str(BASE_ID + 1), True)]
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
    assert len(first["messages"]) == 3
    assert ticket_of(gateway, 11)["ticket_id"] == second["ticket_id"] != first["ticket_id"]
    assert len(tickets(gateway)) == 2


def test_racing_mentions_of_one_conversation_open_one_ticket(gateway: Any) -> None:
    # Given six DMs of one conversation, all routed at the same time
    deliver(gateway, *[dm(20 + i, f"message {i} about my lost bag", minute=i) for i in range(6)], pump=False)
    quiet(gateway.stack.pump)
    # Then the conditional put of the conversation's ticket let exactly one of them open it
    ids = {ticket_of(gateway, 20 + i)["ticket_id"] for i in range(6)}
    assert len(ids) == 1
    (ticket,) = tickets(gateway)
    assert len(ticket["messages"]) == 6


def as_an_earlier_version_left_it(gateway: Any, n: int) -> str:
    """Re-file the ticket message ``n`` is on as earlier versions stored it: under an id from its first
    message, pointed at by a ``CONV#`` link item."""
    from socialdesk.dal.items import to_attributes
    from socialdesk.dal.tickets import DynamoTicketRepository, conversation_key, ticket_item, ticket_key
    from socialdesk.domain.ticket import ticket_id_for

    client, table = gateway.stack.client("dynamodb"), gateway.stack.environment["TABLE_NAME"]
    current = ticket_of(gateway, n)
    assert current is not None
    ticket = DynamoTicketRepository(client, table).get(current["ticket_id"])
    assert ticket is not None
    old = ticket.model_copy(update={"ticket_id": ticket_id_for(f"x#{BASE_ID + n}")})
    client.put_item(TableName=table, Item={**ticket_key(old.ticket_id), **to_attributes(ticket_item(old))})
    client.delete_item(TableName=table, Key=ticket_key(ticket.ticket_id))
    link = to_attributes({"entity": "conversation", "ticket_id": old.ticket_id})
    client.put_item(TableName=table, Item={**conversation_key(ticket.conversation), **link})
    client.update_item(
        TableName=table,
        Key={"PK": {"S": f"MENTION#x#{BASE_ID + n}"}, "SK": {"S": "MENTION"}},
        UpdateExpression="SET ticket_id = :t",
        ExpressionAttributeValues={":t": {"S": old.ticket_id}},
    )
    quiet(gateway.stack.pump)
    return old.ticket_id


def test_a_conversation_an_earlier_version_linked_goes_on_on_its_ticket_then_on_generation_0(
    gateway: Any,
) -> None:
    from socialdesk.dal.config import packaged_policy
    from socialdesk.dal.tickets import DynamoTicketRepository, conversation_key
    from socialdesk.domain.ticket import conversation_ticket_id

    client, table = gateway.stack.client("dynamodb"), gateway.stack.environment["TABLE_NAME"]
    # Given a DM conversation as an earlier version stored it
    deliver(gateway, dm(30, "My booking ref is QX7Y2 and I need a refund"))
    old = as_an_earlier_version_left_it(gateway, 30)
    # When the customer writes again, it joins the linked ticket
    deliver(gateway, dm(31, "Any update on my refund?", minute=30))
    assert ticket_of(gateway, 31)["ticket_id"] == old  # type: ignore[index]
    # When that ticket was resolved a month before they write again
    repo = DynamoTicketRepository(client, table)
    ticket = repo.get(old)
    assert ticket is not None and len(ticket.messages) == 2
    quiet(repo.save, ticket.resolve("answered", "agent-ann", ticket.updated_at, packaged_policy("default")))
    month = 60 * 24 * 30
    deliver(gateway, dm(32, "The refund bounced, again", minute=month))
    # Then the successor is the conversation's generation 0, linked to the old ticket, and the
    # conversation goes on there; the link is left as it was
    successor = ticket_of(gateway, 32)
    assert successor is not None and successor["previous_ticket_id"] == old
    assert successor["ticket_id"] == conversation_ticket_id(successor["conversation"], 0)
    deliver(gateway, dm(33, "hello??", minute=month + 5))
    assert ticket_of(gateway, 33)["ticket_id"] == successor["ticket_id"]  # type: ignore[index]
    assert len(tickets(gateway)) == 2
    link = client.get_item(TableName=table, Key=conversation_key(successor["conversation"]))["Item"]
    assert link["ticket_id"]["S"] == old


def test_the_same_batch_routed_by_two_concurrent_executions_makes_one_ticket(gateway: Any) -> None:
    from socialdesk.domain.mention import Mention
    from socialdesk.handlers.dispatch import start_routing
    from socialdesk.logic.route_messages import RouteItem

    # Given a stored complaint whose stream batch is redelivered (at least once) and started twice
    deliver(gateway, tweet(1, COMPLAINT), pump=False)
    stored = gateway.stack.client("dynamodb").get_item(
        TableName=gateway.stack.environment["TABLE_NAME"],
        Key={"PK": {"S": f"MENTION#x#{BASE_ID + 1}"}, "SK": {"S": "MENTION"}},
    )["Item"]
    from socialdesk.dal.items import from_attributes

    image = from_attributes(stored)
    mention = Mention.model_validate({k: v for k, v in image.items() if k in Mention.model_fields})
    item = RouteItem(
        kind="mention", ref=f"x#{BASE_ID + 1}", mention=mention, received_at=image["received_at"]
    )
    quiet(start_routing, [item], "1")
    quiet(start_routing, [item], "1")
    quiet(gateway.stack.pump)
    # Then there is one ticket, with one message, one TicketOpened and one TicketRouted
    (ticket,) = tickets(gateway)
    assert len(ticket["messages"]) == 1
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
    assert ticket["status"] == "closed" and ticket["close_reason"] == "spam"
    assert "queue_pk" not in ticket and "due_pk" not in ticket
    view = api(gateway, f"/tickets/{ticket['ticket_id']}", role="admin").json()
    assert "TicketClosedAsSpam" in [e["type"] for e in view["events"]]


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
    # Then every complaint of the surge — those before the threshold too — shares one incident, raised;
    # the crisis team hears of it once
    routed = [ticket_of(gateway, 100 + i) for i in range(14)]
    incidents = {t.get("incident_id") for t in routed}
    assert len(incidents) == 1 and None not in incidents
    assert all(t["priority"] in ("urgent", "high") and "surge" in t["tags"] for t in routed), routed
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["event"] for m in messages] == ["IncidentOpened"]


def test_a_failing_task_is_retried_then_triaged_never_lost(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the Route step fails every time (a bug in a rule, say)
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rule engine exploded")

    monkeypatch.setattr("socialdesk.logic.route_messages.Router.route_message", broken)
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
    from socialdesk.logic.route_messages import Router

    real, calls = Router.route_message, []
    lock = threading.Lock()

    def flaky(*args: Any, **kwargs: Any) -> Any:
        with lock:
            calls.append(1)
            if len(calls) == 1:
                raise StorageUnavailable("throttled")
        return real(*args, **kwargs)

    monkeypatch.setattr(Router, "route_message", flaky)
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
    report = quiet(
        redrive_queue, sqs, gateway.stack.client("dynamodbstreams"), dlq, gateway.stack.dispatcher()
    )
    quiet(gateway.stack.pump)
    # Then the mention is routed and the queue is empty
    assert (report.routed, report.kept) == (1, 0)
    assert ticket_of(gateway, 11)["team"] == "customer-care"
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_retweets_after_a_complaint_arrived_raise_it_in_the_queue(gateway: Any) -> None:
    # Given a complaint routed at normal priority
    deliver(gateway, tweet(40, COMPLAINT))
    before = ticket_of(gateway, 40)
    assert before["priority"] == "normal"
    # When 30 other customers retweet it (each retweet is a tweet of its own, redelivered once)
    retweets = [
        {
            "id_str": str(BASE_ID + 1000 + n),
            "text": "RT @ann: " + COMPLAINT,
            "created_at": "Mon Nov 23 09:05:00 +0000 2026",
            "user": {"id_str": str(9000 + n), "screen_name": f"fan{n}"},
            "retweeted_status": {"id_str": str(BASE_ID + 40)},
        }
        for n in range(30)
    ]
    delivery = {"for_user_id": before["brand_account"], "tweet_create_events": retweets}
    deliver(gateway, delivery, delivery)
    # Then its ticket counts each retweet once, climbs, and no retweet opened a ticket
    after = ticket_of(gateway, 40)
    assert after["backup"] == 30
    assert after["priority"] == "high" and after["team"] == "social-care"
    assert len(tickets(gateway)) == 1
