"""DynamoDB adapter for mentions: one conditional write per mention makes ingest exactly-once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import from_attributes, mention_key, outbound_key, to_attributes
from socialdesk.dal.ports import WriteOutcome
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.mention import Channel, Mention, MentionStatus, StoredMention

_CONFLICT = "ConditionalCheckFailedException"
_CONTENT = ("text", "title", "attachments", "engagement", "permalink", "rating")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class DynamoMentionRepository:
    """Mentions and outbound messages in the single table.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected; moto in tests and locally).
    table_name
        The SocialDesk table.
    clock
        Returns "now" (UTC); injected so tests and replays are deterministic.
    """

    def __init__(self, client: Any, table_name: str, clock: Any = None) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock or (lambda: datetime.now(UTC))

    def add(self, mention: Mention) -> WriteOutcome:
        """Store a new customer mention once (``attribute_not_exists``): STORED or DUPLICATE."""
        return self._put_once(mention_key(*mention.key), "mention", mention)

    def add_outbound(self, message: Mention) -> WriteOutcome:
        """Record the brand's own message once: OUTBOUND or DUPLICATE."""
        outcome = self._put_once(outbound_key(*message.key), "outbound_message", message)
        return WriteOutcome.OUTBOUND if outcome is WriteOutcome.STORED else outcome

    def apply_edit(self, mention: Mention, edited_at: datetime) -> WriteOutcome:
        """Update the stored text unless the edit is stale or the mention deleted; store it if new."""
        for _ in range(2):
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=mention_key(*mention.key),
                    UpdateExpression="SET #text = :text, edited_at = :edited, #version = #version + :one",
                    ConditionExpression=(
                        "attribute_exists(PK) AND #status = :active AND "
                        "(attribute_not_exists(edited_at) OR edited_at < :edited)"
                    ),
                    ExpressionAttributeNames={"#text": "text", "#status": "status", "#version": "version"},
                    ExpressionAttributeValues={
                        ":text": {"S": mention.text},
                        ":edited": {"S": _iso(edited_at)},
                        ":active": {"S": MentionStatus.ACTIVE.value},
                        ":one": {"N": "1"},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return WriteOutcome.UPDATED
            except ClientError as error:
                if _code(error) != _CONFLICT:
                    raise _unavailable(error) from error
                if error.response.get("Item"):
                    return WriteOutcome.DUPLICATE  # stale edit, or the mention was deleted
            # the original never arrived: store the edited version as the mention
            if self.add(mention) is WriteOutcome.STORED:
                return WriteOutcome.STORED
        return WriteOutcome.DUPLICATE

    def tombstone(
        self, channel: Channel, external_id: str, deleted_at: datetime
    ) -> tuple[WriteOutcome, str | None]:
        """Remove the content, keep the id; a delete that arrives first leaves a tombstone.

        Returns the outcome and the raw payload reference the mention had (for the caller to erase).
        """
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=mention_key(channel.value, external_id),
                UpdateExpression=(
                    "SET #status = :deleted, deleted_at = :at, entity = if_not_exists(entity, :tomb), "
                    "channel = :channel, external_id = :id "
                    "REMOVE raw_ref, " + ", ".join(f"#c{i}" for i in range(len(_CONTENT)))
                ),
                ConditionExpression="attribute_not_exists(deleted_at)",
                ExpressionAttributeNames={
                    "#status": "status",
                    **{f"#c{i}": name for i, name in enumerate(_CONTENT)},
                },
                ExpressionAttributeValues={
                    ":deleted": {"S": MentionStatus.DELETED.value},
                    ":at": {"S": _iso(deleted_at)},
                    ":tomb": {"S": "mention_tombstone"},
                    ":channel": {"S": channel.value},
                    ":id": {"S": external_id},
                },
                ReturnValues="UPDATED_OLD",
            )
        except ClientError as error:
            if _code(error) == _CONFLICT:
                return WriteOutcome.DUPLICATE, None
            raise _unavailable(error) from error
        raw_ref = response.get("Attributes", {}).get("raw_ref", {}).get("S")
        return WriteOutcome.TOMBSTONED, raw_ref

    def by_author(self, channel: str, author_id: str) -> list[dict[str, Any]]:
        """Keys and archive references of every message this person wrote on ``channel``."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "AuthorIndex",
            "KeyConditionExpression": "author_key = :a",
            "ExpressionAttributeValues": {":a": {"S": author_key(channel, author_id)}},
        }
        while True:
            try:
                page = self._client.query(**kwargs)
            except ClientError as error:
                raise _unavailable(error) from error
            items.extend(from_attributes(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def erase(self, key: dict[str, Any], at: datetime) -> None:
        """Remove a message's content and its author's identity; keep ids, status and ticket links."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"PK": {"S": key["PK"]}, "SK": {"S": key["SK"]}},
                UpdateExpression="SET #status = :deleted, erased_at = :at, "
                "deleted_at = if_not_exists(deleted_at, :at) REMOVE author, author_key, raw_ref, "
                + ", ".join(f"#c{i}" for i in range(len(_CONTENT))),
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={
                    "#status": "status",
                    **{f"#c{i}": name for i, name in enumerate(_CONTENT)},
                },
                ExpressionAttributeValues={
                    ":deleted": {"S": MentionStatus.DELETED.value},
                    ":at": {"S": _iso(at)},
                },
            )
        except ClientError as error:
            if _code(error) != _CONFLICT:
                raise _unavailable(error) from error

    def get(self, channel: str, external_id: str) -> StoredMention | None:
        """The stored mention (tombstoned ones with their content removed), or None."""
        try:
            response = self._client.get_item(
                TableName=self._table, Key=mention_key(channel, external_id), ConsistentRead=True
            )
        except ClientError as error:
            raise _unavailable(error) from error
        item = response.get("Item")
        if not item:
            return None
        data = from_attributes(item)
        if data.get("entity") != "mention":
            return None
        return StoredMention(
            mention=Mention.model_validate({k: v for k, v in data.items() if k in Mention.model_fields}),
            status=data.get("status", MentionStatus.ACTIVE),
            received_at=data["received_at"],
            edited_at=data.get("edited_at"),
            deleted_at=data.get("deleted_at"),
        )

    def _put_once(self, key: dict[str, Any], entity: str, mention: Mention) -> WriteOutcome:
        attributes = to_attributes(
            {
                **mention.model_dump(mode="json"),
                "entity": entity,
                "status": MentionStatus.ACTIVE.value,
                "received_at": _iso(self._clock()),
                "version": 1,
                "author_key": author_key(mention.channel.value, mention.author.id)
                if mention.author.id
                else None,
            }
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**key, **attributes},
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if _code(error) == _CONFLICT:
                return WriteOutcome.DUPLICATE
            raise _unavailable(error) from error
        return WriteOutcome.STORED


def author_key(channel: str, author_id: str) -> str:
    """AuthorIndex partition: everything one person wrote on one channel (for erasure)."""
    return f"AUTHOR#{channel}#{author_id}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _unavailable(error: ClientError) -> StorageUnavailable:
    return StorageUnavailable(f"mention store: {_code(error) or 'error'}")
