"""Redrive: every record kind dispatch handles comes back from the DLQ, and nothing is deleted unhandled."""

from __future__ import annotations

import json
from typing import Any

import pytest

from socialdesk.handlers import dispatch
from socialdesk.tools.redrive import redrive_queue
from tests.support.platforms import post_x
from tests.support.routing import BASE_ID, BRAND, deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def dlq_depth(gateway: Any) -> int:
    sqs = gateway.stack.client("sqs")
    url = gateway.stack.resolver.physical["RoutingDeadLetterQueue"]
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def brand_reply_to(n: int) -> dict[str, Any]:
    return {
        "for_user_id": BRAND,
        "tweet_create_events": [
            {
                "id_str": str(BASE_ID + 50 + n),
                "text": "@ann we are looking into it",
                "created_at": "Mon Nov 23 09:20:00 +0000 2026",
                "in_reply_to_status_id_str": str(BASE_ID + n),
                "user": {"id_str": BRAND, "screen_name": "SkyHighAir"},
            }
        ],
    }


REVOKE_77 = {
    "user_event": {
        "revoke": {
            "date_time": "2026-11-23T10:00:00+00:00",
            "target": {"app_id": "1"},
            "source": {"user_id": "77"},
        }
    }
}


def broken(record: Any) -> None:
    raise RuntimeError("dispatch is down")


def test_redrive_handles_mentions_brand_replies_and_erasures(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a routed ticket, then dispatch failing while a new mention, the brand's native reply to
    # the ticket and an erasure request arrive: all three kinds end in the dead-letter queue
    deliver(gateway, tweet(1, COMPLAINT), tweet(3, COMPLAINT, user="77", handle="bob"))
    monkeypatch.setattr(dispatch, "route_item", broken)
    deliver(gateway, tweet(2, COMPLAINT, user="55", handle="cy"), brand_reply_to(1))
    quiet(post_x, gateway, REVOKE_77)
    quiet(gateway.stack.pump)
    assert dlq_depth(gateway) >= 1
    assert ticket_of(gateway, 2) is None
    assert ticket_of(gateway, 1)["status"] == "open"
    # When dispatch is fixed and the operator re-drives the queue
    monkeypatch.undo()
    sqs, streams = gateway.stack.client("sqs"), gateway.stack.client("dynamodbstreams")
    dlq = gateway.stack.resolver.physical["RoutingDeadLetterQueue"]
    report = redrive_queue(sqs, streams, dlq, gateway.stack.dispatcher())
    quiet(gateway.stack.pump)
    # Then every kind was dispatched again and the queue is empty
    assert set(report.by_entity) == {"mention", "outbound_message", "erasure_request"}
    assert report.kept == 0 and dlq_depth(gateway) == 0
    assert ticket_of(gateway, 2) is not None  # the mention is routed
    assert ticket_of(gateway, 1)["status"] == "pending"  # the brand reply stopped the clock
    assert ticket_of(gateway, 3)["customer"] == {"name": "[erased]"}  # the erasure ran


def test_redrive_keeps_a_message_whose_records_fail_again(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a brand reply whose dispatch keeps failing
    deliver(gateway, tweet(1, COMPLAINT))
    monkeypatch.setattr(dispatch, "route_item", broken)
    deliver(gateway, brand_reply_to(1))
    assert dlq_depth(gateway) == 1
    # When the operator re-drives before the cause is fixed
    dlq = gateway.stack.resolver.physical["RoutingDeadLetterQueue"]
    sqs = gateway.stack.client("sqs")
    report = redrive_queue(sqs, gateway.stack.client("dynamodbstreams"), dlq, gateway.stack.dispatcher())
    # Then the message stays in the queue (it reappears after its visibility timeout), with the reason
    assert (report.messages, report.kept, report.routed) == (1, 1, 0)
    assert "failed again" in report.problems[0]
    assert dlq_depth(gateway) == 1


def test_redrive_refuses_to_delete_what_the_stream_no_longer_holds(gateway: Any) -> None:
    # Given a DLQ message naming records the stream has trimmed (older than 24 h)
    sqs = gateway.stack.client("sqs")
    dlq = gateway.stack.resolver.physical["RoutingDeadLetterQueue"]
    deliver(gateway, tweet(1, COMPLAINT))
    stream_arn = gateway.stack.resolver.attributes[("SocialDeskTable", "StreamArn")]
    shard = gateway.stack.client("dynamodbstreams").describe_stream(StreamArn=stream_arn)[
        "StreamDescription"
    ]["Shards"][0]["ShardId"]
    streams = gateway.stack.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    last = int(
        streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"][-1]["dynamodb"][
            "SequenceNumber"
        ]
    )
    # (moto cannot trim a stream; a range it does not hold reads the same way: no records)
    trimmed = {"startSequenceNumber": str(last + 100), "endSequenceNumber": str(last + 101)}
    info = {"shardId": shard, **trimmed, "streamArn": stream_arn}
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"DDBStreamBatchInfo": info}))
    # When the operator re-drives
    report = redrive_queue(sqs, gateway.stack.client("dynamodbstreams"), dlq, gateway.stack.dispatcher())
    # Then the message is kept and the report says why
    assert report.kept == 1 and report.routed == 0
    assert "RangeUnavailable" in report.problems[0]
    assert dlq_depth(gateway) == 1
