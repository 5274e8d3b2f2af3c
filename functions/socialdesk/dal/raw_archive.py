"""S3 adapter for raw payloads: the exact delivery bytes, expired by the bucket's lifecycle rule."""

from __future__ import annotations

import hashlib
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
