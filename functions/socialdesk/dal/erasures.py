"""DynamoDB adapter for privacy erasure requests: recorded once, carried out from the stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import from_attributes, to_attributes
from socialdesk.domain.errors import StorageUnavailable


def erasure_key(request_id: str) -> dict[str, dict[str, str]]:
    """Primary key of an erasure request."""
    return {"PK": {"S": f"ERASURE#{request_id}"}, "SK": {"S": "ERASURE"}}


class DynamoErasureRequests:
    """Erasure requests in the single table (entity ``erasure_request``; the stream dispatches them)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def request(
        self, request_id: str, channels: list[str], author_id: str, reason: str, at: datetime
    ) -> bool:
        """Record the request once; False when it is already recorded (a redelivery)."""
        values = {
            "entity": "erasure_request",
            "request_id": request_id,
            "channels": channels,
            "author_id": author_id,
            "reason": reason,
            "status": "pending",
            "requested_at": at.astimezone(UTC).isoformat(),
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**erasure_key(request_id), **to_attributes(values)},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise StorageUnavailable("erasure store unavailable") from error
        return True

    def get(self, request_id: str) -> dict[str, Any] | None:
        """The request and its status, or None."""
        try:
            item = self._client.get_item(
                TableName=self._table, Key=erasure_key(request_id), ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise StorageUnavailable("erasure store unavailable") from error
        return from_attributes(item) if item else None

    def complete(
        self, request_id: str, erased: int, at: datetime, summary: dict[str, int] | None = None
    ) -> None:
        """Mark the request done with what was erased; the author id is dropped from the record too."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=erasure_key(request_id),
                UpdateExpression=(
                    "SET #s = :done, erased = :n, completed_at = :at, summary = :sum REMOVE author_id"
                ),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":done": {"S": "completed"},
                    ":n": {"N": str(erased)},
                    ":at": {"S": at.astimezone(UTC).isoformat()},
                    ":sum": {"M": {k: {"N": str(v)} for k, v in (summary or {"messages": erased}).items()}},
                },
            )
        except ClientError as error:
            raise StorageUnavailable("erasure store unavailable") from error
