"""Re-drive routing: the stream batches in the dead-letter queue, or every stored mention without a ticket.

Usage (with AWS credentials for the stack's account)::

    python -m socialdesk.tools.redrive --queue-url <RoutingDeadLetterQueueUrl> \\
        --state-machine-arn <RouteMentionStateMachineArn>
    python -m socialdesk.tools.redrive --sweep --table <TableName> --state-machine-arn <arn>

A DLQ message names a range of stream records (``DDBStreamBatchInfo``); they are read back from the
stream (kept 24 h) and handed to the dispatch function's own code, so every record kind dispatch
handles (messages, backup, deletions, the brand's messages, erasure requests) is re-driven. A
message is deleted only when its records were read and dispatched. Older than 24 h, ``--sweep``
finds every active mention that has no ticket and routes it. Routing is idempotent, so re-driving
twice is harmless.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class RedriveReport:
    """What a re-drive did."""

    messages: int = 0
    routed: int = 0
    kept: int = 0
    problems: list[str] = field(default_factory=list)


def redrive_queue(sqs: Any, streams: Any, queue_url: str, max_messages: int = 1000) -> RedriveReport:
    """Dispatch again every stream record named by the DLQ's messages; delete a message once done."""
    from socialdesk.handlers.dispatch import dispatch_records

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
                records = records_in(streams, info)
                result = dispatch_records(records)
                if result["batchItemFailures"]:
                    raise RuntimeError(
                        f"dispatch failed at {result['batchItemFailures'][0]['itemIdentifier']}"
                    )
            except (KeyError, ValueError, ClientError, RuntimeError) as error:
                report.kept += 1
                report.problems.append(f"{message['MessageId']}: {type(error).__name__}: {error}")
                continue
            report.routed += len(records)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return report


def records_in(streams: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream records a DLQ message names (start to end sequence number, inclusive)."""
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    end = int(info["endSequenceNumber"])
    found: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > end:
                return found
            found.append(_jsonable(record))
        if not page["Records"]:
            return found
        iterator = page.get("NextShardIterator")
    return found


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """A record from GetRecords shaped as Lambda delivers it (no datetimes)."""
    return json.loads(json.dumps(record, default=str))


def sweep_unrouted(dynamodb: Any, table: str) -> RedriveReport:
    """Route every active mention that has no ticket (a full scan: an operator's last resort)."""
    from socialdesk.handlers.dispatch import dispatch_records

    report = RedriveReport()
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "entity = :m AND #s = :active AND attribute_not_exists(ticket_id)",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":m": {"S": "mention"}, ":active": {"S": "active"}},
    }
    while True:
        page = dynamodb.scan(**kwargs)
        records = [
            {"eventName": "INSERT", "dynamodb": {"NewImage": item, "SequenceNumber": str(i)}}
            for i, item in enumerate(page["Items"])
        ]
        if records and dispatch_records(records)["batchItemFailures"]:
            report.kept += len(records)
            report.problems.append("routing could not be started for a page of unrouted mentions")
        else:
            report.routed += len(records)
        if "LastEvaluatedKey" not in page:
            return report
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


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
    os.environ["ROUTE_STATE_MACHINE_ARN"] = args.state_machine_arn
    if args.table:
        os.environ.setdefault("TABLE_NAME", args.table)
    os.environ.setdefault("RAW_PAYLOAD_BUCKET", "unused-by-redrive")
    if args.sweep:
        if not args.table:
            parser.error("--sweep needs --table")
        report = sweep_unrouted(boto3.client("dynamodb"), args.table)
    elif args.queue_url:
        report = redrive_queue(boto3.client("sqs"), boto3.client("dynamodbstreams"), args.queue_url)
    else:
        parser.error("give --queue-url or --sweep")
    print(f"messages {report.messages}, records dispatched {report.routed}, messages kept {report.kept}")
    for problem in report.problems:
        print(f"  kept: {problem}", file=sys.stderr)
    return 1 if report.kept else 0


if __name__ == "__main__":
    raise SystemExit(main())
