"""The outbox Lambda on the local stack (moto SNS, SQS, DynamoDB): one stream batch's notifications
in PublishBatch requests, and a refused entry fails its record — the stream retries from it."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from local.stack import LocalStack
from socialdesk.dal.items import to_attributes
from tests.support.fakes import NOW


def record(n: int) -> dict[str, Any]:
    """The stream record of ticket T-n's first change: opened and routed (both notify)."""
    at = (NOW + timedelta(seconds=n)).isoformat()
    image = {
        "PK": f"TICKET#T-{n}",
        "SK": "TICKET",
        "entity": "ticket",
        "ticket_id": f"T-{n}",
        "version": 1,
        "team": "care",
        "priority": "normal",
        "channel": "x",
        "status": "pending",
        "changes": [
            {"type": "TicketOpened", "at": at, "actor": "routing", "notify": True},
            {
                "type": "TicketRouted",
                "at": at,
                "actor": "routing",
                "details": {"team": "care"},
                "notify": True,
            },
        ],
    }
    return {
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": to_attributes(image), "SequenceNumber": str(100 + n)},
    }


def received(stack: LocalStack, url: str) -> list[str]:
    sqs, found = stack.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        found += [json.loads(m["Body"])["idempotency_key"] for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return sorted(found)


def test_a_batch_publishes_ten_to_a_request_and_a_refused_entry_fails_its_record(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.common import clients
    from socialdesk.dal.notifier import SnsTicketEvents
    from socialdesk.logic import transient

    monkeypatch.setattr(transient, "pause", lambda seconds: None)
    url = stack.subscribe_queue("chat", ["TicketOpened", "TicketRouted"])
    # Given SNS refuses ticket T-3's routed notification every time, and counting the requests
    real, requests = SnsTicketEvents.publish_batch, []

    def refusing(self: SnsTicketEvents, notifications: list[dict[str, Any]]) -> list[str]:
        refused = [
            n["idempotency_key"] for n in notifications if n["idempotency_key"] == "TicketRouted:T-3:1:1"
        ]
        kept = [n for n in notifications if n["idempotency_key"] not in refused]
        requests.append(len(kept))
        return real(self, kept) + refused

    monkeypatch.setattr(SnsTicketEvents, "publish_batch", refusing)
    sent: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sent.append(len(params["PublishBatchRequestEntries"]))

    events = clients.client("sns").meta.events
    events.register("before-parameter-build.sns.PublishBatch", count)
    # When the outbox handles a batch of 8 ticket changes (16 notifications)
    try:
        result = stack.invoke("OutboxFunction", {"Records": [record(n) for n in range(8)]})
    finally:
        events.unregister("before-parameter-build.sns.PublishBatch", count)
    # Then the record whose notification was refused is reported (the stream resumes there) ...
    assert result == {"batchItemFailures": [{"itemIdentifier": "103"}]}
    # ... every other notification reached the subscriber, T-3's opening one too, in one call of the
    # adapter (two PublishBatch requests); the refused one was retried alone
    keys = received(stack, url)
    assert len(keys) == 15 and "TicketRouted:T-3:1:1" not in keys and "TicketOpened:T-3:1:0" in keys
    assert requests[0] == 15 and len(requests) > 1 and set(requests[1:]) == {0}
    assert sent == [10, 5]
    # and the audit trail of every change is stored, the failed record's too
    table = stack.client("dynamodb")
    name = stack.resolver.physical["SocialDeskTable"]
    for n in range(8):
        events = table.query(
            TableName=name,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#T-{n}"}, ":e": {"S": "EVENT#"}},
        )["Items"]
        assert events, n


def note(key: str, size: int = 0) -> dict[str, Any]:
    return {"event": "TicketRouted", "team": "care", "idempotency_key": key, "details": {"pad": "x" * size}}


def test_the_adapter_fills_requests_to_ten_entries_or_256_kb_and_returns_what_sns_refused(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    from socialdesk.dal.notifier import SnsTicketEvents

    sns = stack.client("sns")
    sent: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sent.append(len(params["PublishBatchRequestEntries"]))

    sns.meta.events.register("before-parameter-build.sns.PublishBatch", count)
    topic = SnsTicketEvents(sns, stack.resolver.physical["TicketEventsTopic"])
    # Given twelve notifications, the fifth too long for SNS (over 256 KB)
    notes = [note(f"k{i}", 270_000 if i == 4 else 100) for i in range(12)]
    # When they are published, Then the too-long one goes alone (SNS refuses it) and the rest in
    # requests of up to ten
    caplog.set_level(logging.WARNING, logger="socialdesk.dal.notifier")
    assert topic.publish_batch(notes) == ["k4"]
    assert sent == [4, 1, 7]
    # and the operator's log says why SNS refused it
    (refused,) = [r for r in caplog.records if r.getMessage() == "notifications refused"]
    assert refused.refused == 1 and any(
        "too long" in reason.lower() or "TooLong" in reason for reason in refused.reasons
    ), refused.reasons
    caplog.clear()
    # and a request that fails whole returns its keys and every later one, asking nothing more
    sent.clear()
    gone = SnsTicketEvents(sns, stack.resolver.physical["TicketEventsTopic"] + "-deleted")
    assert gone.publish_batch([note(f"m{i}") for i in range(15)]) == [f"m{i}" for i in range(15)]
    assert sent == [10]
    # with the error SNS answered, not just the keys
    (failed,) = [r for r in caplog.records if r.getMessage() == "notification request failed"]
    assert failed.not_published == 15 and failed.reason.startswith("NotFound"), failed.reason
