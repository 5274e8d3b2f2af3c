"""Routing policy as data: one document in the table, seeded from a packaged YAML file on first use."""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import fields_of, from_attributes
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.routing import RoutingPolicy

POLICY_KEY = {"PK": {"S": "CONFIG"}, "SK": {"S": "POLICY#routing"}}


def packaged_policy(name: str) -> RoutingPolicy:
    """A routing policy file shipped in ``socialdesk/config`` (``default``, ``airline``, ``retailer``)."""
    import yaml

    text = resources.files("socialdesk.config").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return RoutingPolicy.model_validate(yaml.safe_load(text))


class DynamoPolicyStore:
    """Reads the routing policy (cached ``max_age`` seconds); seeds it from ``seed`` when absent.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    seed
        Name of the packaged policy used when the table has none yet.
    max_age
        Seconds a policy is reused before it is read again (edits apply within this time).
    """

    def __init__(self, client: Any, table_name: str, seed: str = "default", max_age: float = 60) -> None:
        self._client = client
        self._table = table_name
        self._seed = seed
        self._max_age = max_age
        self._cached: tuple[float, RoutingPolicy] | None = None

    def routing_policy(self, *, fresh: bool = False) -> RoutingPolicy:
        """The current policy (``fresh`` skips the cache)."""
        if not fresh and self._cached and time.monotonic() - self._cached[0] < self._max_age:
            return self._cached[1]
        policy = self._read() or self._seed_policy()
        self._cached = (time.monotonic(), policy)
        return policy

    def replace(
        self, policy: RoutingPolicy, *, expected_version: int, actor: str, at: Any, comment: str | None
    ) -> None:
        """Write a new version if the stored one is still ``expected_version``, audited; else Conflict."""
        from socialdesk.domain.errors import Conflict

        stamp = at.isoformat()
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                **POLICY_KEY,
                                "entity": {"S": "config"},
                                "document": {"S": policy.model_dump_json()},
                                "version": {"N": str(policy.version)},
                                "updated_by": {"S": actor},
                                "updated_at": {"S": stamp},
                            },
                            "ConditionExpression": "version = :v",
                            "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "PK": {"S": "CONFIG"},
                                "SK": {"S": f"AUDIT#{stamp}#{policy.version}"},
                                "entity": {"S": "config_audit"},
                                "actor": {"S": actor},
                                "at": {"S": stamp},
                                "version": {"N": str(policy.version)},
                                "comment": {"S": comment or ""},
                                "rules": {"N": str(len(policy.rules))},
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise Conflict(
                    f"the policy changed since version {expected_version}; read it again"
                ) from None
            raise StorageUnavailable("config store unavailable") from error
        self._cached = None

    def audit(self) -> list[dict[str, Any]]:
        """Every recorded policy change, newest first."""
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :c AND begins_with(SK, :a)",
            ExpressionAttributeValues={":c": {"S": "CONFIG"}, ":a": {"S": "AUDIT#"}},
            ScanIndexForward=False,
        )
        return [fields_of(from_attributes(i)) for i in page["Items"]]

    def _read(self) -> RoutingPolicy | None:
        try:
            item = self._client.get_item(TableName=self._table, Key=POLICY_KEY, ConsistentRead=True).get(
                "Item"
            )
        except ClientError as error:
            raise StorageUnavailable("config store unavailable") from error
        if not item:
            return None
        return RoutingPolicy.model_validate(json.loads(from_attributes(item)["document"]))

    def _seed_policy(self) -> RoutingPolicy:
        policy = packaged_policy(self._seed)
        document = policy.model_dump_json()
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **POLICY_KEY,
                    "entity": {"S": "config"},
                    "document": {"S": document},
                    "version": {"N": str(policy.version)},
                    "seeded_from": {"S": self._seed},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise StorageUnavailable("config store unavailable") from error
            return self._read() or policy
        return policy
