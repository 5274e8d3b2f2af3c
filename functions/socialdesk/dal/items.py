"""Table item <-> domain mapping: keys, attribute (de)serialisation, the item pydantic models."""

from __future__ import annotations

import base64
import decimal
import json
import zlib
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


def _plain(value: Any, *, decimals: bool = True) -> Any:
    if isinstance(value, float) and decimals:
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _plain(v, decimals=decimals) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list | tuple):
        return [_plain(v, decimals=decimals) for v in value]
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
    """Deserialise DynamoDB attributes to plain Python (Decimal → int or float; binary → bytes).

    Binary values come as bytes from a boto3 client and as base64 text in a Lambda event's stream
    record; both read as bytes.
    """
    deserializer = _codec()[1]
    return {k: _number(_binary(v) if "B" in v else deserializer.deserialize(v)) for k, v in item.items()}


def _binary(value: dict[str, Any]) -> bytes:
    inner = value["B"]
    if isinstance(inner, str):
        return base64.b64decode(inner)
    return bytes(getattr(inner, "value", inner))


def packed(values: dict[str, Any], *, version: int, dictionary: bytes) -> bytes:
    """Compact JSON of ``values`` (None and empty strings dropped, as ``to_attributes`` drops them),
    raw-deflated against a preset ``dictionary``, after one byte naming the format ``version``.

    Small items compress poorly on their own (their field names and common values are said once);
    a preset dictionary of those makes a ticket's cold parts about a third of their deflated size.
    A format's dictionary never changes once items are written with it: a new one is a new version.
    """
    text = json.dumps(
        _plain(values, decimals=False), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, dictionary)
    return bytes([version]) + deflate.compress(text.encode()) + deflate.flush()


def unpacked(blob: bytes, dictionaries: dict[int, bytes]) -> dict[str, Any]:
    """The values :func:`packed` stored, by the dictionary of the blob's format version.

    Raises
    ------
    PayloadInvalid
        When the blob names an unknown format or does not inflate to a JSON object.
    """
    dictionary = dictionaries.get(blob[0]) if blob else None
    if dictionary is None:
        raise PayloadInvalid(f"unknown packed format {blob[:1]!r}")
    try:
        inflate = zlib.decompressobj(-15, dictionary)
        values = json.loads(inflate.decompress(blob[1:]) + inflate.flush())
    except (zlib.error, ValueError) as error:
        raise PayloadInvalid(f"a packed value cannot be read: {type(error).__name__}") from None
    if not isinstance(values, dict):
        raise PayloadInvalid("a packed value is not an object")
    return values


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
