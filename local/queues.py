"""SQS → Lambda event source mappings, emulated on the desk's clock.

Lambda polls a queue and invokes its function with batches; a message the function reports failed
(``ReportBatchItemFailures``) or a batch whose invocation raised comes back after the queue's
``VisibilityTimeout``, and goes to the ``RedrivePolicy``'s dead-letter queue after
``maxReceiveCount`` receives. A message sent with ``DelaySeconds`` is first seen after its delay.

The local runtime judges delays and visibility on the desk's clock (``socialdesk.bootstrap.clock``,
real time under ``make serve``, moved by tests and the fault suite) rather than moto's real-time
ones, as its schedules do: a test that moves the clock past a delay sees the retry happen.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local.stack import LocalStack


class QueuePoller:
    """Delivers the messages of every SQS event source whose time has come; see the module doc."""

    def __init__(self, stack: LocalStack, clock: Callable[[], datetime]) -> None:
        self.stack = stack
        self.clock = clock
        #: message id → when it is next visible, on the desk's clock
        self._visible_at: dict[str, datetime] = {}
        self._receives: Counter[str] = Counter()
        self._lock = threading.Lock()

    def deliver(self) -> int:
        """Deliver every message that is visible now; return how many were delivered."""
        with self._lock:
            delivered = 0
            for mapping in self.stack.queue_mappings():
                ready = self._ready(mapping)
                size = int(mapping.get("BatchSize", 10))
                for start in range(0, len(ready), size):
                    self._deliver_batch(mapping, ready[start : start + size])
                    delivered += len(ready[start : start + size])
            return delivered

    def _queue(self, arn: str) -> Any:
        from moto.sqs.models import sqs_backends

        _, _, _, region, account, name = arn.split(":", 5)
        return sqs_backends[account][region].get_queue(name)

    def _ready(self, mapping: dict[str, Any]) -> list[Any]:
        from moto.core.utils import unix_time_millis

        from local import moto_patches

        now = self.clock()
        queue = self._queue(mapping["Queue"])
        with moto_patches.LOCK, queue._messages_lock:
            messages = list(queue._messages)
        ready = []
        for message in messages:
            if message.id not in self._visible_at:  # first seen: its delay runs from now
                delay = max(0.0, (message.delayed_until - unix_time_millis()) / 1000)
                self._visible_at[message.id] = now + timedelta(seconds=delay)
            if self._visible_at[message.id] <= now:
                ready.append(message)
        return ready

    def _deliver_batch(self, mapping: dict[str, Any], batch: list[Any]) -> None:
        queue = self._queue(mapping["Queue"])
        for message in batch:
            self._receives[message.id] += 1
        event = {"Records": [self._record(mapping, m) for m in batch]}
        try:
            result = self.stack.invoke(mapping["function"], event)
        except Exception:  # the whole batch comes back after the visibility timeout
            logging.getLogger(__name__).warning("queue batch failed; it comes back", exc_info=True)
            failed = {m.id for m in batch}
        else:
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        for message in batch:
            if message.id not in failed:
                self._remove(queue, message)
            elif self._receives[message.id] >= _max_receives(queue):
                self._dead_letter(queue, message)
            else:
                timeout = int(queue.visibility_timeout or 30)
                self._visible_at[message.id] = self.clock() + timedelta(seconds=timeout)

    @staticmethod
    def _record(mapping: dict[str, Any], message: Any) -> dict[str, Any]:
        return {
            "messageId": message.id,
            "receiptHandle": message.id,
            "body": message.body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(message.sent_timestamp)},
            "messageAttributes": {},
            "md5OfBody": message.body_md5,
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping["Queue"],
            "awsRegion": mapping["Queue"].split(":")[3],
        }

    def _remove(self, queue: Any, message: Any) -> None:
        from local import moto_patches

        with moto_patches.LOCK, queue._messages_lock:
            queue._messages = [m for m in queue._messages if m.id != message.id]
        self._visible_at.pop(message.id, None)
        self._receives.pop(message.id, None)

    def _dead_letter(self, queue: Any, message: Any) -> None:
        target = (queue.redrive_policy or {}).get("deadLetterTargetArn")
        self._remove(queue, message)
        if target:
            dead = self._queue(target)
            self.stack.client("sqs").send_message(QueueUrl=dead.url, MessageBody=message.body)


def _max_receives(queue: Any) -> int:
    policy = queue.redrive_policy
    if isinstance(policy, str):
        policy = json.loads(policy)
    return int((policy or {}).get("maxReceiveCount", 1_000_000))
