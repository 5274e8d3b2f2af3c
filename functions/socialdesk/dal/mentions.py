"""DynamoDB adapter for mentions: one conditional write per mention makes ingest exactly-once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import from_attributes, mention_key, outbound_key, to_attributes
from socialdesk.dal.ports import WriteOutcome
from socialdesk.dal.table import Table, storage_error
from socialdesk.domain.errors import Conflict
from socialdesk.domain.mention import Channel, Mention, MentionStatus, StoredMention
from socialdesk.domain.webhook import BackupReceived

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

    def add_backup(self, backup: BackupReceived) -> WriteOutcome:
        """Record a repost, like or reaction once (``BACKUP#``); its stream record raises the ticket.

        Only ids are kept: who backed a message up is not (nothing of theirs to erase later).
        """
        try:
            Table(self._client, self._table, "mention store").put(
                {"PK": {"S": f"BACKUP#{backup.channel.value}#{backup.backup_id}"}, "SK": {"S": "BACKUP"}},
                {
                    "entity": "backup",
                    "channel": backup.channel.value,
                    "external_id": backup.backup_id,
                    "target": f"{backup.channel.value}#{backup.target_id}",
                    "kind": backup.kind,
                    "count": 1,
                    "created_at": _iso(backup.at),
                    "expires_at": int(backup.at.timestamp()) + 30 * 24 * 3600,
                },
                condition="attribute_not_exists(PK)",
            )
        except Conflict:
            return WriteOutcome.DUPLICATE
        return WriteOutcome.BACKUP

    def apply_edit(self, mention: Mention, edited_at: datetime) -> WriteOutcome:
        """Update the stored text unless the edit is stale or the mention deleted; store it if new.

        The edit's envelope joins the mention's archived payloads (``raw_refs``), so an erasure or a
        delete later removes both versions.
        """
        for _ in range(2):
            expression = "SET #text = :text, edited_at = :edited, #version = #version + :one"
            values: dict[str, Any] = {
                ":text": {"S": mention.text},
                ":edited": {"S": _iso(edited_at)},
                ":active": {"S": MentionStatus.ACTIVE.value},
                ":one": {"N": "1"},
            }
            if mention.raw_ref:
                expression += " ADD raw_refs :ref"
                values[":ref"] = {"SS": [mention.raw_ref]}
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=mention_key(*mention.key),
                    UpdateExpression=expression,
                    ConditionExpression=(
                        "attribute_exists(PK) AND #status = :active AND "
                        "(attribute_not_exists(edited_at) OR edited_at < :edited)"
                    ),
                    ExpressionAttributeNames={"#text": "text", "#status": "status", "#version": "version"},
                    ExpressionAttributeValues=values,
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
    ) -> tuple[WriteOutcome, list[str]]:
        """Remove the content, keep the id; a delete that arrives first leaves a tombstone.

        Returns the outcome and the archived payloads still to delete. They stay on the item until
        :meth:`forget_payloads` confirms them gone, so a failed S3 delete is retried by the
        platform's redelivery (which comes back DUPLICATE, with the payloads still listed).
        """
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=mention_key(channel.value, external_id),
                UpdateExpression=(
                    "SET #status = :deleted, deleted_at = :at, entity = if_not_exists(entity, :tomb), "
                    "channel = :channel, external_id = :id "
                    "REMOVE " + ", ".join(f"#c{i}" for i in range(len(_CONTENT)))
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
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _code(error) == _CONFLICT:
                return WriteOutcome.DUPLICATE, _refs(from_attributes(error.response.get("Item") or {}))
            raise _unavailable(error) from error
        return WriteOutcome.TOMBSTONED, _refs(from_attributes(response.get("Attributes", {})))

    def forget_payloads(self, channel: str, external_id: str) -> None:
        """The archived payloads are deleted: drop their references."""
        Table(self._client, self._table, "mention store").update(
            mention_key(channel, external_id), "REMOVE raw_ref, raw_refs"
        )

    def raw_refs(self, ref: str) -> list[str]:
        """The archived payloads a stored mention points at."""
        channel, _, external_id = ref.partition("#")
        item = Table(self._client, self._table, "mention store").get(mention_key(channel, external_id))
        return _refs(item or {})

    def redact(self, ref: str, terms: list[str], replacement: str) -> None:
        """Replace ``terms`` in a mention's text (erasure of a person named in it); drop its payloads."""
        from socialdesk.logic.erase_person import redacted

        channel, _, external_id = ref.partition("#")
        table = Table(self._client, self._table, "mention store")
        item = table.get(mention_key(channel, external_id))
        if not item:
            return
        text = redacted(str(item.get("text") or ""), terms, replacement)
        table.update(
            mention_key(channel, external_id),
            "SET #text = :text REMOVE raw_ref, raw_refs",
            {":text": text} if text else {":text": " "},
            names={"#text": "text"},
        )

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
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        # the index projects keys only (routing's ticket link then rewrites no index entry): the
        # messages themselves, for their channel, id, ticket and archived payloads
        keys = [{"PK": {"S": str(i["PK"])}, "SK": {"S": str(i["SK"])}} for i in items]
        return Table(self._client, self._table, "mention store").get_many(keys)

    def erase(self, key: dict[str, Any], at: datetime) -> None:
        """Remove a message's content and its author's identity; keep ids, status and ticket links."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"PK": {"S": key["PK"]}, "SK": {"S": key["SK"]}},
                UpdateExpression="SET #status = :deleted, erased_at = :at, "
                "deleted_at = if_not_exists(deleted_at, :at) "
                "REMOVE author, author_key, raw_ref, raw_refs, thread_root_id, "
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
        return stored_mention(from_attributes(item)) if item else None

    def get_many(self, refs: list[str]) -> dict[str, StoredMention]:
        """Stored mentions by ref (``<channel>#<external id>``), read in batches of 100."""
        keys = [mention_key(*ref.split("#", 1)) for ref in dict.fromkeys(refs) if "#" in ref]
        found: dict[str, StoredMention] = {}
        for item in Table(self._client, self._table, "mention store").get_many(keys):
            stored = stored_mention(item)
            if stored is not None:
                found[stored.ref] = stored
        return found

    def brand_message(self, channel: str, external_id: str) -> StoredMention | None:
        """The brand's own message (seen on the platform, or a reply SocialDesk sent), or None."""
        item = Table(self._client, self._table, "mention store").get(outbound_key(channel, external_id))
        return stored_mention(item) if item else None

    def attach(self, ref: str, ticket_id: str, role: str) -> None:
        """Record the ticket a mention is on (once: a repeated routing leaves the first answer)."""
        channel, _, external_id = ref.partition("#")
        try:
            Table(self._client, self._table, "mention store").update(
                mention_key(channel, external_id),
                "SET ticket_id = :t, #role = :r",
                {":t": ticket_id, ":r": role},
                names={"#role": "role"},
                condition="attribute_exists(PK) AND attribute_not_exists(ticket_id)",
            )
        except Conflict:
            return

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
                "raw_refs": {mention.raw_ref} if mention.raw_ref else None,
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


def _refs(item: dict[str, Any]) -> list[str]:
    refs = set(item.get("raw_refs") or ())
    if item.get("raw_ref"):
        refs.add(str(item["raw_ref"]))
    return sorted(refs)


def stored_mention(data: dict[str, Any]) -> StoredMention | None:
    """The one mapping item → stored mention (customer mentions and the brand's messages)."""
    if data.get("entity") not in ("mention", "outbound_message", "sent_reply"):
        return None
    return StoredMention(
        mention=Mention.model_validate({k: v for k, v in data.items() if k in Mention.model_fields}),
        status=data.get("status", MentionStatus.ACTIVE),
        received_at=data.get("received_at") or data["created_at"],
        edited_at=data.get("edited_at"),
        deleted_at=data.get("deleted_at"),
        ticket_id=data.get("ticket_id"),
        role=data.get("role"),
    )


def author_key(channel: str, author_id: str) -> str:
    """AuthorIndex partition: everything one person wrote on one channel (for erasure)."""
    return f"AUTHOR#{channel}#{author_id}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _unavailable(error: ClientError) -> Exception:
    """The domain error for a failed call (an oversized item is a 413, not a retryable 503)."""
    return storage_error(error, "mention store")
