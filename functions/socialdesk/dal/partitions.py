"""A typed collection in the single table: one partition per group (``<PREFIX>#<group>``), one item per id."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from socialdesk.dal.items import fields_of
from socialdesk.dal.table import Table

M = TypeVar("M", bound=BaseModel)


class Partitioned(Generic[M]):
    """Items of one pydantic model, grouped by partition (a team's roster, a team's canned responses).

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    prefix, entity, model
        The partition key prefix (``AGENT``, ``CANNED``), the items' ``entity`` marker and their model.
    """

    def __init__(self, client: Any, table_name: str, *, prefix: str, entity: str, model: type[M]) -> None:
        self.table = Table(client, table_name, f"{entity} store")
        self._prefix, self._entity, self._model = prefix, entity, model

    def key(self, group: str, item_id: str) -> dict[str, dict[str, str]]:
        """The primary key of one item."""
        return {"PK": {"S": f"{self._prefix}#{group}"}, "SK": {"S": item_id}}

    def all(self, group: str) -> list[M]:
        """Every item of the group (one query)."""
        items = self.table.query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{self._prefix}#{group}"}},
        )
        return [self._model.model_validate(fields_of(i)) for i in items if i.get("entity") == self._entity]

    def one(self, group: str, item_id: str) -> M | None:
        """One item, or None."""
        item = self.table.get(self.key(group, item_id))
        return (
            self._model.model_validate(fields_of(item))
            if item and item.get("entity") == self._entity
            else None
        )

    def store(
        self, group: str, item_id: str, value: M, *, new: bool = False, version: int | None = None
    ) -> None:
        """Put the item: only if ``new`` (none there), only at ``version``, or unconditionally."""
        condition, names, values = None, None, None
        if new:
            condition = "attribute_not_exists(PK)"
        elif version is not None:
            condition, names, values = "#version = :expected", {"#version": "version"}, {":expected": version}
        self.table.put(
            self.key(group, item_id),
            {"entity": self._entity, **value.model_dump(mode="json")},
            condition=condition,
            names=names,
            condition_values=values,
            conflict=f"the {self._entity} changed; read it again",
        )
