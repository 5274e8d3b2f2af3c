"""SNS adapter: ticket events (TicketRouted, TicketEscalated, ...) on one topic, filterable by attributes."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialdesk.domain.errors import StorageUnavailable


class SnsTicketEvents:
    """Publishes ticket events with ``team``, ``event_type`` and ``audience`` message attributes.

    Subscribers (chat integrations, pagers) use SNS filter policies on those attributes, which
    gives each team — and each audience such as ``lead`` or ``manager`` — its own feed.
    """

    def __init__(self, client: Any, topic_arn: str | None) -> None:
        self._client = client
        self._topic = topic_arn

    def publish(self, event: dict[str, Any], *, team: str, audience: tuple[str, ...] = ()) -> None:
        """Publish one event; failures raise StorageUnavailable so the caller can retry."""
        if not self._topic:
            return
        attributes = {
            "team": {"DataType": "String", "StringValue": team or "none"},
            "event_type": {"DataType": "String", "StringValue": str(event.get("event", "TicketEvent"))},
        }
        if audience:
            attributes["audience"] = {"DataType": "String.Array", "StringValue": json.dumps(list(audience))}
        try:
            self._client.publish(
                TopicArn=self._topic, Message=json.dumps(event, default=str), MessageAttributes=attributes
            )
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable("ticket events topic unavailable") from error
