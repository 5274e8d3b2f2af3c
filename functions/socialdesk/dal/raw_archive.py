"""Raw payload archives: the exact delivery bytes, in the table (compressed, TTL) or in S3 (lifecycle)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialdesk.domain.errors import StorageUnavailable


class S3RawPayloadArchive:
    """Archives each delivery under ``raw/<channel>/<sha256 of the bytes>`` (redelivery overwrites).

    Parameters
    ----------
    client
        A boto3 S3 client (injected).
    bucket
        The raw-payload bucket; its lifecycle rule applies the retention (default 30 days).
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def ref_for(self, channel: str, body: bytes) -> str:
        """``s3://bucket/raw/<channel>/<sha256>.json``: where ``body`` is archived."""
        return f"s3://{self._bucket}/raw/{channel}/{hashlib.sha256(body).hexdigest()}.json"

    def archive(self, channel: str, body: bytes) -> str:
        """Store ``body``; return ``s3://bucket/key``."""
        key = self.ref_for(channel, body).removeprefix(f"s3://{self._bucket}/")
        try:
            self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable("raw payload archive unavailable") from error
        return f"s3://{self._bucket}/{key}"

    def delete(self, ref: str) -> None:
        """Delete an archived payload by its ``s3://bucket/key`` reference (privacy erasure)."""
        bucket, _, key = ref.removeprefix("s3://").partition("/")
        if bucket != self._bucket or not key.startswith("raw/"):
            return
        try:
            self._client.delete_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable("raw payload archive unavailable") from error


#: bodies up to this size go into the table (compressed, well under DynamoDB's 400 KB item limit)
TABLE_BODY_LIMIT = 256 * 1024
#: a stored body's first byte names its format: raw deflate against a preset dictionary of its webhook
#: family's payload shapes (``raw_dictionaries/<file>``, made by ``python -m local.raw_dictionaries``).
#: FROZEN: payloads are stored with them; a new dictionary is a new file under a new number. Bodies
#: stored before the formats are zlib streams, whose first byte is 0x78, never one of these.
_FORMATS: dict[int, str | None] = {1: "x-1.json", 2: "meta-1.json", 3: None}
#: the format each webhook family's bodies are stored in (any other family: 3, no dictionary)
_FORMAT_OF = {"x": 1, "meta": 2}
_DICTIONARIES = Path(__file__).with_name("raw_dictionaries")


@cache
def _dictionary(form: int) -> bytes:
    name = _FORMATS[form]
    return (_DICTIONARIES / name).read_bytes().rstrip(b"\n") if name else b""


def compressed(channel: str, body: bytes) -> bytes:
    """``body`` as the archive stores it: its format's byte, then raw deflate against its dictionary.

    A webhook delivery is small and says its platform's field names and fixed values once, so on its
    own it compresses to about a quarter; against its family's shapes, to about a sixth (an X mention
    of 4.3 KB: 1.2 KB zlib, 0.7 KB here), so its item is one write unit instead of two.
    """
    form = _FORMAT_OF.get(channel, 3)
    dictionary = _dictionary(form)
    deflate = (
        zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, dictionary)
        if dictionary
        else zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    )
    return bytes([form]) + deflate.compress(body) + deflate.flush()


def decompressed(stored: bytes) -> bytes:
    """The delivery bytes :func:`compressed` stored (or a zlib stream, as earlier versions stored them)."""
    if not stored or stored[0] not in _FORMATS:
        return zlib.decompress(stored)
    dictionary = _dictionary(stored[0])
    inflate = zlib.decompressobj(-15, dictionary) if dictionary else zlib.decompressobj(-15)
    return inflate.decompress(stored[1:]) + inflate.flush()


class TableRawPayloadArchive:
    """Archives each delivery as one table item, compressed, expired by the table's TTL.

    ``RAW#<channel>#<sha256 of the bytes>`` holds the compressed bytes (:func:`compressed`; a
    redelivery rewrites the same item). A write is billed per KB of the item, so a 4.3 KB X delivery
    costs 1 write unit ($0.63 per million) where an S3 PUT costs $5.00 per million; erasing one
    person's payload stays one DeleteItem. Bodies above :data:`TABLE_BODY_LIMIT` (a Meta batch of
    hundreds of updates) go to ``large``, one object each.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table (its TTL attribute is ``expires_at``).
    large
        Where bodies too large for an item go (the raw-payload bucket).
    retention_days
        How long a payload is kept (``RawPayloadRetentionDays``, as the bucket's lifecycle rule); 0
        keeps none: :meth:`ref_for` is None and nothing is written, while payloads archived before
        are still deleted by reference (an erasure) and expire at the time they were given.
    clock
        Returns "now" (UTC).
    """

    def __init__(
        self,
        client: Any,
        table_name: str,
        large: S3RawPayloadArchive,
        retention_days: int = 30,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._client = client
        self._table = table_name
        self._large = large
        self._retention = timedelta(days=retention_days)
        self._clock = clock or (lambda: datetime.now(UTC))

    def ref_for(self, channel: str, body: bytes) -> str | None:
        """``raw:<channel>/<sha256>`` (a table item), the bucket's reference for a large body, or None
        when this desk keeps no payloads."""
        if not self._retention:
            return None
        if len(body) > TABLE_BODY_LIMIT:
            return self._large.ref_for(channel, body)
        return _table_ref(channel, body)

    def archive(self, channel: str, body: bytes) -> str:
        """Store ``body``; return its reference."""
        if not self._retention:
            raise ValueError("this desk keeps no raw payloads (RawPayloadRetentionDays 0)")
        if len(body) > TABLE_BODY_LIMIT:
            return self._large.archive(channel, body)
        ref = _table_ref(channel, body)
        expires = self._clock() + self._retention
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **_raw_key(ref),
                    "entity": {"S": "raw_payload"},
                    "body": {"B": compressed(channel, body)},
                    "expires_at": {"N": str(int(expires.timestamp()))},
                },
            )
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable("raw payload archive unavailable") from error
        return ref

    def delete(self, ref: str) -> None:
        """Delete an archived payload by its reference (privacy erasure); a missing one is fine."""
        if not ref.startswith("raw:"):
            self._large.delete(ref)
            return
        try:
            self._client.delete_item(TableName=self._table, Key=_raw_key(ref))
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable("raw payload archive unavailable") from error


def _table_ref(channel: str, body: bytes) -> str:
    """``raw:<channel>/<sha256>``: the reference of a body archived as a table item."""
    return f"raw:{channel}/{hashlib.sha256(body).hexdigest()}"


def _raw_key(ref: str) -> dict[str, dict[str, str]]:
    channel, _, digest = ref.removeprefix("raw:").rpartition("/")
    return {"PK": {"S": f"RAW#{channel}#{digest}"}, "SK": {"S": "RAW"}}


def archived_body(item: dict[str, Any]) -> bytes:
    """The delivery bytes a ``RAW#`` item holds (for replays, debugging and tests)."""
    body = item["body"]
    data = body.value if hasattr(body, "value") else body
    return decompressed(bytes(data))
