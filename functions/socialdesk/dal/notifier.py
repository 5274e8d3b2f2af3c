"""SNS adapter: ticket notifications on one topic, filterable by attributes, published in batches.

A notification never carries a customer's handle, name or text: subscribers (chat, pagers) get the
ticket id, team, priority and what happened, and open the ticket in the console for the rest.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialdesk.domain.errors import StorageUnavailable

#: SNS PublishBatch takes at most 10 entries
_BATCH = 10


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
        """Publish every notification (10 per request); return the idempotency keys that failed."""
        if not self._topic:
            return []
        failed: list[str] = []
        for start in range(0, len(notifications), _BATCH):
            chunk = notifications[start : start + _BATCH]
            entries = [self._entry(str(i), n) for i, n in enumerate(chunk)]
            try:
                response = self._client.publish_batch(
                    TopicArn=self._topic, PublishBatchRequestEntries=entries
                )
            except (ClientError, BotoCoreError) as error:
                raise StorageUnavailable("ticket events topic unavailable") from error
            failed.extend(chunk[int(f["Id"])]["idempotency_key"] for f in response.get("Failed", []))
        return failed

    @staticmethod
    def _entry(entry_id: str, notification: dict[str, Any]) -> dict[str, Any]:
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
            "Id": entry_id,
            "Message": json.dumps(notification, default=str),
            "MessageAttributes": attributes,
        }
