"""The single table, as every adapter uses it: typed errors, conditional puts, paginated queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialdesk.dal.items import from_attributes, to_attributes
from socialdesk.domain.errors import Conflict, PayloadTooLarge, StorageUnavailable

CONDITION_FAILED = "ConditionalCheckFailedException"


def error_code(error: ClientError) -> str:
    """The DynamoDB error code of a client error."""
    return str(error.response.get("Error", {}).get("Code", ""))


def storage_error(error: ClientError | BotoCoreError, what: str) -> Exception:
    """The domain error for a failed call: an oversized item is the caller's fault, the rest is retryable."""
    if isinstance(error, ClientError):
        code = error_code(error)
        message = str(error.response.get("Error", {}).get("Message", ""))
        if code == "ValidationException" and "size" in message.lower():
            return PayloadTooLarge(f"{what}: the item is larger than DynamoDB's 400 KB limit")
        return StorageUnavailable(f"{what}: {code or 'error'}")
    return StorageUnavailable(f"{what}: {type(error).__name__}")


class Table:
    """Thin typed helpers over a boto3 DynamoDB client (injected) for one table.

    Parameters
    ----------
    client
        A boto3 DynamoDB client.
    name
        The table name.
    what
        How errors name this store ("ticket store", ...).
    """

    def __init__(self, client: Any, name: str, what: str) -> None:
        self.client = client
        self.name = name
        self.what = what

    def get(self, key: dict[str, Any], *, consistent: bool = True) -> dict[str, Any] | None:
        """One item as plain Python, or None."""
        try:
            item = self.client.get_item(TableName=self.name, Key=key, ConsistentRead=consistent).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise storage_error(error, self.what) from error
        return from_attributes(item) if item else None

    def get_many(self, keys: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
        """Items by key (BatchGetItem, 100 at a time, unprocessed keys retried; ``consistent``: strongly
        consistent reads, a read unit per key rather than half)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {
                self.name: {
                    "Keys": keys[start : start + 100],
                    **({"ConsistentRead": True} if consistent else {}),
                }
            }
            for _ in range(6):
                try:
                    response = self.client.batch_get_item(RequestItems=pending)
                except (ClientError, BotoCoreError) as error:
                    raise storage_error(error, self.what) from error
                found.extend(from_attributes(i) for i in response.get("Responses", {}).get(self.name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            else:
                raise StorageUnavailable(f"{self.what}: keys left unprocessed")
        return found

    def put(
        self,
        key: dict[str, Any],
        values: dict[str, Any],
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        condition_values: dict[str, Any] | None = None,
        conflict: str = "the item changed",
    ) -> None:
        """Put an item; a failed ``condition`` raises :class:`Conflict`."""
        request: dict[str, Any] = {"TableName": self.name, "Item": {**key, **to_attributes(values)}}
        if condition:
            request["ConditionExpression"] = condition
        if names:
            request["ExpressionAttributeNames"] = names
        if condition_values:
            request["ExpressionAttributeValues"] = to_attributes(condition_values)
        try:
            self.client.put_item(**request)
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                raise Conflict(conflict) from None
            raise storage_error(error, self.what) from error
        except BotoCoreError as error:
            raise storage_error(error, self.what) from error

    def transact_put(self, puts: list[dict[str, Any]], *, conflict: str = "an item changed") -> None:
        """Put several items in one transaction (all or none); a failed condition raises :class:`Conflict`.

        Each element holds ``key``, ``values`` and optionally ``condition``, ``names`` and
        ``condition_values``, as :meth:`put` takes them.
        """
        items = []
        for put in puts:
            request: dict[str, Any] = {
                "TableName": self.name,
                "Item": {**put["key"], **to_attributes(put["values"])},
            }
            if put.get("condition"):
                request["ConditionExpression"] = put["condition"]
            if put.get("names"):
                request["ExpressionAttributeNames"] = put["names"]
            if put.get("condition_values"):
                request["ExpressionAttributeValues"] = to_attributes(put["condition_values"])
            items.append({"Put": request})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise Conflict(conflict) from None
            raise storage_error(error, self.what) from error
        except BotoCoreError as error:
            raise storage_error(error, self.what) from error

    def update(
        self,
        key: dict[str, Any],
        expression: str,
        values: dict[str, Any] | None = None,
        *,
        names: dict[str, str] | None = None,
        condition: str | None = None,
        returns: str = "NONE",
        conflict: str = "the item changed",
    ) -> dict[str, Any]:
        """Update an item; a failed ``condition`` raises :class:`Conflict`. Returns the asked-for values."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": key,
            "UpdateExpression": expression,
            "ReturnValues": returns,
        }
        if values:
            request["ExpressionAttributeValues"] = to_attributes(values)
        if names:
            request["ExpressionAttributeNames"] = names
        if condition:
            request["ConditionExpression"] = condition
        try:
            response = self.client.update_item(**request)
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                raise Conflict(conflict) from None
            raise storage_error(error, self.what) from error
        except BotoCoreError as error:
            raise storage_error(error, self.what) from error
        return from_attributes(response.get("Attributes") or {})

    def delete(self, key: dict[str, Any]) -> None:
        """Delete an item (a missing one is fine)."""
        try:
            self.client.delete_item(TableName=self.name, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise storage_error(error, self.what) from error

    def query(self, **kwargs: Any) -> list[dict[str, Any]]:
        """Every page of a query, as plain Python."""
        items: list[dict[str, Any]] = []
        request = {"TableName": self.name, **kwargs}
        while True:
            items_page, last = self.page(request)
            items.extend(items_page)
            if not last:
                return items
            request = {**request, "ExclusiveStartKey": last}

    def page(self, request: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a query: items and the key to continue from."""
        request = {"TableName": self.name, **request}
        try:
            page = self.client.query(**request)
        except (ClientError, BotoCoreError) as error:
            raise storage_error(error, self.what) from error
        return [from_attributes(i) for i in page["Items"]], page.get("LastEvaluatedKey")

    def scan(self, page_size: int = 500) -> Any:
        """Every item of the table, as plain Python, page by page."""
        for items, _ in self.scan_pages(None, page_size):
            yield from items

    def scan_pages(
        self, start: dict[str, Any] | None, page_size: int = 500
    ) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any] | None]]:
        """The table's items from ``start`` (a page's last key; None: the beginning), a page at a time:
        (its items as plain Python, the key to continue from; None after the last page)."""
        request: dict[str, Any] = {"TableName": self.name, "Limit": page_size}
        if start:
            request["ExclusiveStartKey"] = start
        while True:
            try:
                page = self.client.scan(**request)
            except (ClientError, BotoCoreError) as error:
                raise storage_error(error, self.what) from error
            last = page.get("LastEvaluatedKey")
            yield [from_attributes(i) for i in page["Items"]], last
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def write_many(self, items: list[dict[str, Any]]) -> None:
        """Put items without conditions (BatchWriteItem, 25 at a time, unprocessed items retried)."""
        for start in range(0, len(items), 25):
            pending: dict[str, Any] = {
                self.name: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
            }
            for _ in range(6):
                try:
                    response = self.client.batch_write_item(RequestItems=pending)
                except (ClientError, BotoCoreError) as error:
                    raise storage_error(error, self.what) from error
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise StorageUnavailable(f"{self.what}: items left unprocessed")
