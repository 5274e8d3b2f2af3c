"""Re-drive routing: the stream batches in the dead-letter queue, or every stored mention without a ticket.

Usage (with AWS credentials for the stack's account)::

    python -m socialdesk.tools.redrive --queue-url <RoutingDeadLetterQueueUrl> \\
        --state-machine-arn <RouteMentionStateMachineArn>
    python -m socialdesk.tools.redrive --sweep --table <TableName> --state-machine-arn <arn>

A DLQ message names a range of stream records (``DDBStreamBatchInfo``); they are read back from the
stream (kept 24 h) and routed again. Older than that, ``--sweep`` finds every active mention that
has no ticket and routes it. Routing is idempotent, so re-driving twice is harmless.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

StartRouting = Callable[[str, str], Any]


@dataclass
class RedriveReport:
    """What a re-drive did."""

    messages: int = 0
    routed: int = 0
    kept: int = 0
    problems: list[str] = field(default_factory=list)


def redrive_queue(
    sqs: Any, streams: Any, queue_url: str, start_routing: StartRouting, max_messages: int = 1000
) -> RedriveReport:
    """Route again every stream record named by the DLQ's messages; delete a message once done."""
    report = RedriveReport()
    while report.messages < max_messages:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=300
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            report.messages += 1
            try:
                info = json.loads(message["Body"])["DDBStreamBatchInfo"]
                for channel, external_id in _mentions_in(streams, info):
                    start_routing(channel, external_id)
                    report.routed += 1
            except (KeyError, ValueError, ClientError) as error:
                report.kept += 1
                report.problems.append(f"{message['MessageId']}: {type(error).__name__}: {error}")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return report


def _mentions_in(streams: Any, info: dict[str, Any]) -> Iterator[tuple[str, str]]:
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    end = int(info["endSequenceNumber"])
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return
            image = record["dynamodb"].get("NewImage") or {}
            if record["eventName"] == "INSERT" and image.get("entity", {}).get("S") == "mention":
                yield image["channel"]["S"], image["external_id"]["S"]
        if not page["Records"]:
            return
        iterator = page.get("NextShardIterator")


def sweep_unrouted(dynamodb: Any, table: str, start_routing: StartRouting) -> RedriveReport:
    """Route every active mention that has no ticket (a full scan: an operator's last resort)."""
    report = RedriveReport()
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "entity = :m AND #s = :active AND attribute_not_exists(ticket_id)",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":m": {"S": "mention"}, ":active": {"S": "active"}},
        "ProjectionExpression": "channel, external_id",
    }
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page["Items"]:
            start_routing(item["channel"]["S"], item["external_id"]["S"])
            report.routed += 1
        if "LastEvaluatedKey" not in page:
            return report
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def starter(stepfunctions: Any, state_machine_arn: str) -> StartRouting:
    """Start route-mention executions the way the dispatch function does."""
    from socialdesk.handlers.dispatch import execution_name

    def start(channel: str, external_id: str) -> Any:
        return stepfunctions.start_execution(
            stateMachineArn=state_machine_arn,
            name=execution_name(channel, external_id),
            input=json.dumps({"mention": {"channel": channel, "external_id": external_id}}),
        )

    return start


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    import boto3

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-machine-arn", required=True)
    parser.add_argument("--queue-url", help="RoutingDeadLetterQueueUrl (stack output)")
    parser.add_argument("--sweep", action="store_true", help="route every active mention without a ticket")
    parser.add_argument("--table", help="TableName (stack output), for --sweep")
    args = parser.parse_args(argv)
    start = starter(boto3.client("stepfunctions"), args.state_machine_arn)
    if args.sweep:
        if not args.table:
            parser.error("--sweep needs --table")
        report = sweep_unrouted(boto3.client("dynamodb"), args.table, start)
    elif args.queue_url:
        report = redrive_queue(boto3.client("sqs"), boto3.client("dynamodbstreams"), args.queue_url, start)
    else:
        parser.error("give --queue-url or --sweep")
    print(f"messages {report.messages}, mentions routed {report.routed}, messages kept {report.kept}")
    for problem in report.problems:
        print(f"  kept: {problem}", file=sys.stderr)
    return 1 if report.kept else 0


if __name__ == "__main__":
    raise SystemExit(main())
