"""DynamoDB stream → Lambda event source mappings, emulated: filters, batches, partial failures, DLQ."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.stack import LocalStack


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style filter pattern: dicts recurse, lists list the allowed values."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(matches(p, value.get(k)) for k, p in pattern.items())
    if isinstance(pattern, list):
        return value in pattern
    return pattern == value


class StreamPump:
    """Reads the table's stream from where it left off and delivers records like Lambda's poller does.

    Honours ``FilterCriteria``, ``BatchSize``, ``FunctionResponseTypes: [ReportBatchItemFailures]``,
    ``MaximumRetryAttempts`` and the ``OnFailure`` SQS destination (a ``DDBStreamBatchInfo`` message,
    as AWS writes it). One delivery at a time, in shard order.
    """

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self._positions: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()
        self._resolved: list[dict[str, Any]] | None = None
        #: notified whenever a consumer is handed records (the backlog can only shrink then)
        self._handed = threading.Condition()

    def deliver(self) -> int:
        """Deliver every new record once; return how many records were read."""
        with self._lock:
            total = 0
            for mapping in self._mappings():
                for shard_id, records in self._read(mapping["function"], mapping["Stream"]):
                    total += len(records)
                    wanted = [r for r in records if self._wanted(mapping, r)]
                    size = int(mapping.get("BatchSize", 100))
                    for start in range(0, len(wanted), size):
                        self._deliver_batch(mapping, shard_id, wanted[start : start + size])
            return total

    def backlog(self) -> int:
        """How many records the stream holds that some consumer has not been handed yet (O(1))."""
        from moto.dynamodb.models import dynamodb_backends

        waiting = 0
        for mapping in self._mappings():
            _, _, _, region, account, resource = mapping["Stream"].split(":", 5)
            shard = dynamodb_backends[account][region].get_table(resource.split("/")[1]).stream_shard
            if shard is None:
                continue
            position = self._positions.get((mapping["function"], mapping["Stream"], shard.id))
            first = 0 if position is None else int(position) - shard.starting_sequence_number + 1
            waiting = max(waiting, len(shard.items) - first)
        return waiting

    def wait_for_backlog_below(self, limit: int, timeout: float) -> int:
        """Block until fewer than ``limit`` records wait (or ``timeout`` seconds pass); the backlog.

        Woken when the pump hands a consumer records, rather than polling the stream.
        """
        deadline = time.monotonic() + timeout
        with self._handed:
            while (waiting := self.backlog()) >= limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._handed.wait(remaining)
        return waiting

    def _mappings(self) -> list[dict[str, Any]]:
        if self._resolved is None:
            self._resolved = self.stack.stream_mappings()
        return self._resolved

    def skip_to_end(self) -> None:
        """Move every consumer past the records written so far (they were processed in a past life)."""
        with self._lock:
            for mapping in self._mappings():
                self._read(mapping["function"], mapping["Stream"])

    def _read(self, consumer: str, stream_arn: str) -> list[tuple[str, list[dict[str, Any]]]]:
        # The records moto's table wrote, read in-process after the last one seen (the same records
        # GetRecords returns, without serialising every image to JSON and parsing it back: that
        # round trip cost most of a local run's time). moto never changes a record once written, and
        # a delivery hands the function its own copy (_jsonable), so the records are not copied here.
        from moto.dynamodb.models import dynamodb_backends

        from local import moto_patches

        _, _, _, region, account, resource = stream_arn.split(":", 5)
        table_name = resource.split("/")[1]
        with moto_patches.LOCK:
            table = dynamodb_backends[account][region].get_table(table_name)
            shard = table.stream_shard
            if shard is None:
                return []
            key = (consumer, stream_arn, shard.id)
            position = self._positions.get(key)
            first = 0 if position is None else int(position) - shard.starting_sequence_number + 1
            records = [{**r.to_json(), "eventSourceARN": stream_arn} for r in shard.items[first:]]
        if records:
            self._positions[key] = records[-1]["dynamodb"]["SequenceNumber"]
            with self._handed:
                self._handed.notify_all()
        return [(shard.id, records)]

    @staticmethod
    def _wanted(mapping: dict[str, Any], record: dict[str, Any]) -> bool:
        filters = (mapping.get("FilterCriteria") or {}).get("Filters") or []
        return not filters or any(matches(_pattern(f["Pattern"]), record) for f in filters)

    def _deliver_batch(self, mapping: dict[str, Any], shard_id: str, batch: list[dict[str, Any]]) -> None:
        attempts = int(mapping.get("MaximumRetryAttempts", 2)) + 1
        pending = batch
        for _ in range(attempts):
            try:
                result = self.stack.invoke(mapping["function"], {"Records": _jsonable(pending)})
            except Exception:  # a function error retries the whole remaining batch
                logging.getLogger(__name__).warning("stream batch failed; retrying", exc_info=True)
                continue
            failures = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            if not failures:
                return
            # Lambda resumes from the lowest failed sequence number
            first = min(i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failures)
            pending = pending[first:]
        self._dead_letter(mapping, shard_id, pending)

    def _dead_letter(self, mapping: dict[str, Any], shard_id: str, records: list[dict[str, Any]]) -> None:
        destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not destination or not records:
            return
        sqs = self.stack.client("sqs")
        url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
        info = {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": datetime.now(UTC).isoformat(),
            "approximateArrivalOfLastRecord": datetime.now(UTC).isoformat(),
            "batchSize": len(records),
            "streamArn": mapping["Stream"],
        }
        message = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 1,
                "functionArn": self.stack.resolver.attributes[(mapping["function"], "Arn")],
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": info,
        }
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))


@functools.cache
def _pattern(text: str) -> Any:
    """A filter pattern, parsed once (the template's patterns are read for every record)."""
    return json.loads(text)


def _jsonable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stream records as the Lambda event carries them (datetimes → epoch seconds)."""
    from socialdesk.tools.redrive import as_event_record

    return [as_event_record(r) for r in records]
