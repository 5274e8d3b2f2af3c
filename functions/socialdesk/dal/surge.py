"""Surge detection in DynamoDB: per-topic counters in fixed windows (read as a sliding window), incidents."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.domain.errors import StorageUnavailable

COUNTER_TTL = timedelta(days=2)


def _window_start(at: datetime, minutes: int) -> int:
    seconds = minutes * 60
    return int(at.timestamp()) // seconds * seconds


class DynamoSurgeCounter:
    """Counts complaints per topic once per mention, and opens one incident per surge.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, topic: str, mention_ref: str, at: datetime, window_minutes: int) -> float:
        """Count ``mention_ref`` once in its window; return the sliding-window count at ``at``.

        The sliding estimate is ``current + previous * (1 - elapsed fraction of current)``.
        """
        start = _window_start(at, window_minutes)
        expires = str(int((at + COUNTER_TTL).timestamp()))
        counter = {"PK": {"S": f"SURGE#{topic}#{start}"}, "SK": {"S": "COUNT"}}
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "PK": counter["PK"],
                                "SK": {"S": f"M#{mention_ref}"},
                                "entity": {"S": "surge_marker"},
                                "expires_at": {"N": expires},
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": counter,
                            "UpdateExpression": "ADD #n :one SET expires_at = :exp, entity = :e",
                            "ExpressionAttributeNames": {"#n": "count"},
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":exp": {"N": expires},
                                ":e": {"S": "surge_counter"},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" not in reasons:
                raise StorageUnavailable("surge counter unavailable") from error
        previous = {"PK": {"S": f"SURGE#{topic}#{start - window_minutes * 60}"}, "SK": {"S": "COUNT"}}
        current_n, previous_n = self._count(counter), self._count(previous)
        elapsed = (at.timestamp() - start) / (window_minutes * 60)
        return current_n + previous_n * max(0.0, 1.0 - elapsed)

    def incident(self, topic: str, at: datetime, quiet_minutes: int) -> tuple[str, bool]:
        """The topic's active incident: (incident id, whether this call opened it).

        A new incident opens when none is active or the last one has been quiet for ``quiet_minutes``.
        Only the call that opens it gets True, so the crisis team is notified once per incident.
        """
        key = {"PK": {"S": f"INCIDENT#{topic}"}, "SK": {"S": "ACTIVE"}}
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M")
        incident_id = (
            f"INC-{topic}-{stamp}-{hashlib.sha256(f'{topic}{at.timestamp()}'.encode()).hexdigest()[:6]}"
        )
        cutoff = (at - timedelta(minutes=quiet_minutes)).astimezone(UTC).isoformat()
        now = at.astimezone(UTC).isoformat()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **key,
                    "entity": {"S": "incident"},
                    "incident_id": {"S": incident_id},
                    "topic": {"S": topic},
                    "opened_at": {"S": now},
                    "last_seen": {"S": now},
                },
                ConditionExpression="attribute_not_exists(PK) OR last_seen < :cutoff",
                ExpressionAttributeValues={":cutoff": {"S": cutoff}},
            )
            return incident_id, True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise StorageUnavailable("incident store unavailable") from error
        try:
            item = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET last_seen = :now",
                ConditionExpression="last_seen < :now",
                ExpressionAttributeValues={":now": {"S": now}},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise StorageUnavailable("incident store unavailable") from error
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)["Item"]
        return item["incident_id"]["S"], False

    def _count(self, key: dict[str, Any]) -> int:
        try:
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        except ClientError as error:
            raise StorageUnavailable("surge counter unavailable") from error
        return int(item["count"]["N"]) if item else 0
