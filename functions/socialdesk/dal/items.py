"""Table item <-> domain mapping: keys, attribute (de)serialisation, the item pydantic models."""

from __future__ import annotations

import decimal
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from socialdesk.domain.errors import PayloadInvalid

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


@cache
def _codec() -> tuple[TypeSerializer, TypeDeserializer]:
    # importing boto3.dynamodb imports all of boto3: on first use, like the clients, not at init
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def mention_key(channel: str, external_id: str) -> dict[str, dict[str, str]]:
    """Primary key of a customer mention."""
    return {"PK": {"S": f"MENTION#{channel}#{external_id}"}, "SK": {"S": "MENTION"}}


def outbound_key(channel: str, external_id: str) -> dict[str, dict[str, str]]:
    """Primary key of a brand's own (outbound) message."""
    return {"PK": {"S": f"OUTBOUND#{channel}#{external_id}"}, "SK": {"S": "MESSAGE"}}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_attributes(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Serialise a JSON-mode dict to DynamoDB attributes (None and empty strings dropped).

    Raises
    ------
    PayloadInvalid
        When a number does not fit DynamoDB's 38 significant digits (say, a count of 10^400).
    """
    try:
        serializer = _codec()[0]
        return {k: serializer.serialize(v) for k, v in _plain(values).items()}
    except (decimal.DecimalException, TypeError) as error:
        raise PayloadInvalid(f"a value cannot be stored: {type(error).__name__}") from None


def from_attributes(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Deserialise DynamoDB attributes to plain Python (Decimal → int or float)."""
    deserializer = _codec()[1]
    return {k: _number(deserializer.deserialize(v)) for k, v in item.items()}


def fields_of(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item's own fields: without its key (PK, SK) and its ``entity`` marker."""
    return {k: v for k, v in item.items() if k not in ("PK", "SK", "entity")}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value
