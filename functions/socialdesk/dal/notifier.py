"""SNS adapter: ticket notifications on one topic, filterable by attributes, published in batches.

A notification never carries a customer's handle, name or text: subscribers (chat, pagers) get the
ticket id, team, priority and what happened, and open the ticket in the console for the rest.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

#: SNS PublishBatch takes at most 10 entries, of at most 256 KB together (messages and attributes)
_BATCH = 10
_BATCH_BYTES = 256 * 1024
_LOG = logging.getLogger(__name__)


class SnsTicketEvents:
    """Publishes notifications with ``team``, ``event_type`` and ``audience`` message attributes.

    Parameters
    ----------
    client
        A boto3 SNS client (injected).
    topic_arn
        The ticket-events topic (None: publishing is off, e.g. a local run without subscribers).
    """

    def __init__(self, client: Any, topic_arn: str | None) -> None:
        self._client = client
        self._topic = topic_arn

    def publish_batch(self, notifications: list[dict[str, Any]]) -> list[str]:
        """Publish every notification (10, 256 KB at most, per request); return the keys not published.

        An entry SNS refused is not published; nor is a request that failed past the SDK's retries,
        nor any after it (a topic that fails one request is not asked nine more times): the caller
        retries exactly those keys. SNS bills a request per 64 KB of payload, so ten small
        notifications cost what one does.
        """
        if not self._topic:
            return []
        entries = [self._entry(n) for n in notifications]
        failed: list[str] = []
        start = 0
        for end in _request_ends(entries):
            chunk = notifications[start:end]
            request = [{"Id": str(i), **entry} for i, entry in enumerate(entries[start:end])]
            try:
                response = self._client.publish_batch(
                    TopicArn=self._topic, PublishBatchRequestEntries=request
                )
            except (ClientError, BotoCoreError) as error:
                unsent = [n["idempotency_key"] for n in notifications[start:]]
                _LOG.warning(
                    "notification request failed",
                    extra={"reason": _reason(error), "not_published": len(unsent), "refused": len(failed)},
                )
                return failed + unsent
            refused = response.get("Failed", [])
            if refused:
                reasons = Counter(f"{f.get('Code', '?')}: {f.get('Message', '')}".strip() for f in refused)
                _LOG.warning(
                    "notifications refused", extra={"refused": len(refused), "reasons": dict(reasons)}
                )
            failed.extend(chunk[int(f["Id"])]["idempotency_key"] for f in refused)
            start = end
        return failed

    @staticmethod
    def _entry(notification: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            "team": {"DataType": "String", "StringValue": str(notification.get("team") or "none")},
            "event_type": {
                "DataType": "String",
                "StringValue": str(notification.get("event", "TicketEvent")),
            },
        }
        audience = notification.get("audience") or []
        if audience:
            attributes["audience"] = {"DataType": "String.Array", "StringValue": json.dumps(list(audience))}
        return {
            "Message": json.dumps(notification, default=str),
            "MessageAttributes": attributes,
        }


def _reason(error: Exception) -> str:
    """What SNS (or the SDK) said of a failed request: its error code and message."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"{detail.get('Code', 'ClientError')}: {detail.get('Message', '')}".strip()
    return f"{type(error).__name__}: {error}"


def _request_ends(entries: list[dict[str, Any]]) -> Iterator[int]:
    """Where each request ends: after 10 entries, or before one that would take it past 256 KB."""
    count = size = 0
    for i, entry in enumerate(entries):
        entry_size = len(entry["Message"].encode()) + sum(
            len(name) + len(str(a["DataType"])) + len(str(a["StringValue"]).encode())
            for name, a in entry["MessageAttributes"].items()
        )
        if count and (count == _BATCH or size + entry_size > _BATCH_BYTES):
            yield i
            count = size = 0
        count, size = count + 1, size + entry_size
    if count:
        yield len(entries)
