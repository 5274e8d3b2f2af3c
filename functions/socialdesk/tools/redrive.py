"""Re-drive routing's dead-letter queue through the dispatch function, or route every unrouted mention.

Usage (with AWS credentials for the stack's account)::

    python -m socialdesk.tools.redrive --queue-url <RoutingDeadLetterQueueUrl> \\
        --dispatch-function <DispatchFunctionName>
    python -m socialdesk.tools.redrive --sweep --sweep-function <SweepFunctionName>

A DLQ message names a range of stream records (``DDBStreamBatchInfo``). They are read back from
the stream (kept 24 h), filtered as the event source mapping filters them (new messages, the
brand's messages, backup, erasure requests, and deletions of active messages), and invoked on the dispatch
function as a stream batch: every kind dispatch handles is handled by the same code, with the
same permissions. A message is deleted only when every one of its records was dispatched; a record
that fails again, a range the stream no longer holds or an unreadable message keeps the message in
the queue (exit status 1). Dispatch is idempotent, so re-driving twice is harmless.

Older than 24 h, ``--sweep`` runs the sweep (logic/sweep.py, also on a schedule): every stored
message that never reached a ticket is routed (and every deletion never applied), index entries
that disagree with their ticket are rewritten, ticket changes the outbox never delivered are
delivered, payloads of deleted messages are deleted, stuck replies are delivered or checked on the
platform; it prints what it repaired.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

#: invoke dispatch with stream records; returns the sequence numbers of the records that failed
Dispatch = Callable[[list[dict[str, Any]]], set[str]]
#: the stream records dispatch's event source mapping delivers (template FilterCriteria)
DISPATCHED_INSERTS = frozenset({"mention", "outbound_message", "erasure_request", "backup"})


def dispatched(record: dict[str, Any]) -> bool:
    """Whether dispatch's event source mapping delivers this record (its FilterCriteria)."""
    stream = record.get("dynamodb") or {}
    new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
    entity = (new.get("entity") or {}).get("S")
    if record.get("eventName") == "INSERT":
        return entity in DISPATCHED_INSERTS
    now_deleted = (new.get("status") or {}).get("S") == "deleted"
    was_active = (old.get("status") or {}).get("S") == "active"
    return record.get("eventName") == "MODIFY" and entity == "mention" and now_deleted and was_active


_BATCH = 25


class RangeUnavailable(Exception):
    """The stream no longer holds (all of) the records a DLQ message names."""


@dataclass
class RedriveReport:
    """What a re-drive did."""

    messages: int = 0
    routed: int = 0
    kept: int = 0
    by_entity: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def outbox_record(record: dict[str, Any]) -> bool:
    """Whether the outbox's event source mapping delivers this record (ticket, incident, reply changes)."""
    entity = (((record.get("dynamodb") or {}).get("NewImage") or {}).get("entity") or {}).get("S")
    return record.get("eventName") in ("INSERT", "MODIFY") and entity in ("ticket", "incident", "reply")


def redrive_queue(
    sqs: Any,
    streams: Any,
    queue_url: str,
    dispatch: Dispatch,
    max_messages: int = 1000,
    select: Callable[[dict[str, Any]], bool] = dispatched,
) -> RedriveReport:
    """Dispatch again every record the DLQ's messages name; delete a message once all its records succeed."""
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
                records = list(_dispatched_records(streams, info, select))
                failed: set[str] = set()
                for start in range(0, len(records), _BATCH):
                    failed |= dispatch(records[start : start + _BATCH])
            except (KeyError, ValueError, TypeError, ClientError, BotoCoreError, RangeUnavailable) as error:
                report.kept += 1
                report.problems.append(f"{message['MessageId']}: {type(error).__name__}: {error}")
                continue
            for record in records:
                if record["dynamodb"]["SequenceNumber"] not in failed:
                    entity = record["dynamodb"]["NewImage"]["entity"]["S"]
                    report.by_entity[entity] = report.by_entity.get(entity, 0) + 1
                    report.routed += 1
            if failed:
                report.kept += 1
                report.problems.append(f"{message['MessageId']}: {len(failed)} record(s) failed again")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return report


def _dispatched_records(
    streams: Any, info: dict[str, Any], select: Callable[[dict[str, Any]], bool] = dispatched
) -> Iterator[dict[str, Any]]:
    """The records of the message's range that dispatch handles, as the stream event carries them."""
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=info["streamArn"],
            ShardId=info["shardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=info["startSequenceNumber"],
        )["ShardIterator"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in (
            "TrimmedDataAccessException",
            "ResourceNotFoundException",
        ):
            raise RangeUnavailable("the stream no longer holds these records; use --sweep") from None
        raise
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    first = True
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            sequence = int(record["dynamodb"]["SequenceNumber"])
            if first and sequence != start:
                raise RangeUnavailable("the first record of the range is no longer in the stream")
            first = False
            if sequence > end:
                return
            if select(record):
                yield {**as_event_record(record), "eventSourceARN": info["streamArn"]}
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    if first:
        raise RangeUnavailable("the range is no longer in the stream")


def as_event_record(record: Any) -> Any:
    """A GetRecords record as Lambda's stream event carries it (datetimes as epoch seconds, binary
    attribute values as base64 text)."""
    if isinstance(record, datetime):
        return record.timestamp()
    if isinstance(record, dict):
        return {k: as_event_record(v) for k, v in record.items()}
    if isinstance(record, list):
        return [as_event_record(v) for v in record]
    if isinstance(record, bytes):
        return base64.b64encode(record).decode()
    return record


def lambda_dispatcher(lambda_client: Any, function_name: str) -> Dispatch:
    """Invoke the deployed dispatch function with a stream batch (its partial-failure report is read)."""

    def dispatch(records: list[dict[str, Any]]) -> set[str]:
        response = lambda_client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps({"Records": records}).encode(),
        )
        every = {r["dynamodb"]["SequenceNumber"] for r in records}
        if response.get("FunctionError"):
            return every
        answer = json.loads(response["Payload"].read() or b"{}")
        return {str(f["itemIdentifier"]) for f in (answer or {}).get("batchItemFailures", [])} & every

    return dispatch


def run_sweep(lambda_client: Any, function_name: str, max_runs: int = 1000) -> dict[str, Any]:
    """Sweep the whole table now with the deployed sweep (the code the schedule runs): a new pass,
    then a run after another until it is done; return the runs' reports added up."""
    total: dict[str, Any] = {}
    start = "from_start"
    for runs in range(1, max_runs + 1):
        response = lambda_client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps({"start": start}).encode(),
        )
        if response.get("FunctionError"):
            raise RuntimeError(f"the sweep failed: {response['Payload'].read()[:500]!r}")
        report = dict(json.loads(response["Payload"].read() or b"{}"))
        for key, value in report.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
        total["runs"] = runs
        if report.get("pass_complete", True):
            return total
        start = "resume"
    raise RuntimeError(f"the sweep's pass did not finish in {max_runs} runs")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    import boto3

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queue-url", help="RoutingDeadLetterQueueUrl or OutboxDeadLetterQueueUrl")
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="the queue is the outbox's: re-drive ticket, incident, reply changes",
    )
    parser.add_argument("--dispatch-function", help="DispatchFunctionName (stack output)")
    parser.add_argument("--sweep", action="store_true", help="run the sweep now and print what it repaired")
    parser.add_argument("--sweep-function", help="SweepFunctionName (stack output), for --sweep")
    args = parser.parse_args(argv)
    if args.sweep:
        if not args.sweep_function:
            parser.error("--sweep needs --sweep-function")
        swept = run_sweep(boto3.client("lambda"), args.sweep_function)
        print(", ".join(f"{key} {value}" for key, value in swept.items()))
        return 0
    elif args.queue_url:
        if not args.dispatch_function:
            parser.error("--queue-url needs --dispatch-function")
        dispatch = lambda_dispatcher(boto3.client("lambda"), args.dispatch_function)
        report = redrive_queue(
            boto3.client("sqs"),
            boto3.client("dynamodbstreams"),
            args.queue_url,
            dispatch,
            select=outbox_record if args.outbox else dispatched,
        )
    else:
        parser.error("give --queue-url or --sweep")
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.by_entity.items())) or "none"
    print(f"messages {report.messages}, records dispatched {report.routed} ({kinds}), kept {report.kept}")
    for problem in report.problems:
        print(f"  kept: {problem}", file=sys.stderr)
    return 1 if report.kept else 0


if __name__ == "__main__":
    raise SystemExit(main())
