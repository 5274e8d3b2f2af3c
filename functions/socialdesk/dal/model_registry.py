"""Model registry adapter: model files in S3, versions, the current pointer and the audit in DynamoDB."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import from_attributes, to_attributes
from socialdesk.dal.learning_ports import ModelRegistry, ModelVersion, RegistryEvent
from socialdesk.domain.errors import Conflict, StorageUnavailable
from socialdesk.learning.model import RoutingModel

REGISTRY_PK = "MODEL#routing"
CURRENT_SK = "CURRENT"


class S3ModelRegistry:
    """Routing model versions: ``<prefix><version>.json.gz`` in S3 plus items under ``PK=MODEL#routing``.

    Items: ``SK=VERSION#<version>`` (hash, size, parent, metrics), ``SK=CURRENT`` (the version Classify
    uses, changed only by a conditional write) and ``SK=AUDIT#<time>#<version>`` (publish, rollback).
    Publishing uploads the file first, then writes version, pointer and audit in one transaction, so
    the pointer never names a file that is not there.

    Parameters
    ----------
    s3_client, dynamodb_client
        boto3 clients (injected).
    bucket
        The bucket holding model files.
    table_name
        The SocialDesk table.
    prefix
        Key prefix of the model files.
    """

    def __init__(
        self,
        s3_client: Any,
        dynamodb_client: Any,
        bucket: str,
        table_name: str,
        prefix: str = "models/routing/",
    ) -> None:
        self._s3 = s3_client
        self._ddb = dynamodb_client
        self._bucket = bucket
        self._table = table_name
        self._prefix = prefix

    def _key(self, version: str) -> str:
        return f"{self._prefix}{version}.json.gz"

    def current_version(self) -> str | None:
        """The version the pointer names (None before the first publish)."""
        try:
            item = self._ddb.get_item(
                TableName=self._table,
                Key={"PK": {"S": REGISTRY_PK}, "SK": {"S": CURRENT_SK}},
                ConsistentRead=True,
            ).get("Item")
        except ClientError as error:
            raise StorageUnavailable(str(error)) from error
        return str(from_attributes(item)["version"]) if item else None

    def load(self, version: str) -> RoutingModel:
        """Read and parse a version's model file."""
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self._key(version))["Body"].read()
        except ClientError as error:
            raise StorageUnavailable(str(error)) from error
        return RoutingModel.from_bytes(body)

    def publish(
        self,
        model: RoutingModel,
        *,
        actor: str,
        at: datetime,
        reason: str,
        metrics: dict[str, float],
        expected_current: str | None,
    ) -> ModelVersion:
        """Upload the model, record the version, move the pointer if it still names ``expected_current``."""
        body = model.to_bytes()
        record = ModelVersion.of(
            body, model, actor=actor, at=at, parent=expected_current, reason=reason, metrics=metrics
        )
        try:
            self._s3.put_object(Bucket=self._bucket, Key=self._key(model.version), Body=body)
        except ClientError as error:
            raise StorageUnavailable(str(error)) from error
        version_item = {
            "PK": REGISTRY_PK,
            "SK": f"VERSION#{model.version}",
            "entity": "model_version",
            **record.model_dump(mode="json"),
        }
        self._move_pointer(model.version, expected_current, actor, at, "publish", reason, extra=version_item)
        return record

    def rollback(self, version: str, *, actor: str, at: datetime, reason: str) -> None:
        """Point back to a published version (Conflict when the version is unknown or the pointer raced)."""
        if version not in {v.version for v in self.versions()}:
            raise Conflict(f"no published model version {version}")
        self._move_pointer(version, self.current_version(), actor, at, "rollback", reason)

    def _move_pointer(
        self,
        version: str,
        expected: str | None,
        actor: str,
        at: datetime,
        action: str,
        reason: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        pointer: dict[str, Any] = {
            "Put": {
                "TableName": self._table,
                "Item": to_attributes(
                    {
                        "PK": REGISTRY_PK,
                        "SK": CURRENT_SK,
                        "version": version,
                        "since": at.isoformat(),
                        "by": actor,
                    }
                ),
            }
        }
        if expected is None:
            pointer["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            pointer["Put"]["ConditionExpression"] = "version = :expected"
            pointer["Put"]["ExpressionAttributeValues"] = {":expected": {"S": expected}}
        audit = RegistryEvent(
            at=at, action=action, version=version, previous=expected, actor=actor, reason=reason
        )
        items: list[dict[str, Any]] = [
            pointer,
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_attributes(
                        {
                            "PK": REGISTRY_PK,
                            "SK": f"AUDIT#{at.isoformat()}#{version}",
                            "entity": "model_audit",
                            **audit.model_dump(mode="json"),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        if extra is not None:
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_attributes(extra),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        try:
            self._ddb.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise Conflict(f"the current model moved, or {version} exists already") from error
            raise StorageUnavailable(str(error)) from error

    def _items(self, prefix: str) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": REGISTRY_PK}, ":prefix": {"S": prefix}},
        }
        found: list[dict[str, Any]] = []
        while True:
            try:
                page = self._ddb.query(**kwargs)
            except ClientError as error:
                raise StorageUnavailable(str(error)) from error
            found.extend(from_attributes(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def versions(self) -> list[ModelVersion]:
        """Every published version, oldest first."""
        records = [ModelVersion.model_validate(item) for item in self._items("VERSION#")]
        return sorted(records, key=lambda v: v.created_at)

    def history(self) -> list[RegistryEvent]:
        """The audit trail, oldest first."""
        return [RegistryEvent.model_validate(item) for item in self._items("AUDIT#")]


class CachedModelSource:
    """The registry's current model for Classify, re-checked every ``max_age`` seconds.

    The pointer is read at most once per ``max_age``; the model file only when the version changes.
    A failed read propagates (Classify then falls back to the packaged model, or keeps the model it
    had) and is not tried again for ``retry_after`` seconds, so that a storage outage costs one
    failing read per ``retry_after``, not one per classified message.

    Parameters
    ----------
    registry
        Where versions are published.
    max_age
        Seconds between pointer reads.
    retry_after
        Seconds before a failed read is tried again (at most ``max_age``).
    clock
        Monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        registry: ModelRegistry,
        max_age: float = 300.0,
        retry_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._max_age = max_age
        self._retry_after = min(retry_after, max_age)
        self._clock = clock
        self._next_check = -float("inf")
        self._model: RoutingModel | None = None

    def current_model(self) -> RoutingModel | None:
        """The current model (None when nothing was published)."""
        now = self._clock()
        if now < self._next_check:
            return self._model  # after a failure with nothing loaded: None, the packaged model
        try:
            version = self._registry.current_version()
            if version is None:
                self._model = None
            elif self._model is None or self._model.version != version:
                self._model = self._registry.load(version)
        except Exception:
            self._next_check = now + self._retry_after
            if self._model is None:
                raise
            return self._model  # the model it had stays in use
        self._next_check = now + self._max_age
        return self._model
