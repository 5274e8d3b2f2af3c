"""The fault injector refuses a throttled attempt before moto applies it (or, committed, loses the answer)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from local.faults import FailedCalls, ThrottledAttempts, compressed_backoff


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
        )
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _stored(client: Any) -> int:
    return int(client.scan(TableName="t")["Count"])


def test_a_throttled_attempt_is_not_applied_and_botocore_retries_it(table: Any) -> None:
    faults = ThrottledAttempts(1.0)
    faults.install(table)
    with compressed_backoff(0.0), pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        table.put_item(TableName="t", Item={"PK": {"S": "a"}})
    assert faults.injected["dynamodb.PutItem"] == 3  # every attempt botocore made
    faults.enabled = False
    assert _stored(table) == 0


def test_a_committed_fault_applies_the_request_and_loses_the_answer(table: Any) -> None:
    faults = ThrottledAttempts(1.0, committed=True)
    faults.install(table)
    with compressed_backoff(0.0), pytest.raises(ClientError):
        table.put_item(TableName="t", Item={"PK": {"S": "a"}})
    faults.enabled = False
    assert _stored(table) == 1


def test_a_failed_call_fails_only_what_matches_and_only_so_often(table: Any) -> None:
    failed = FailedCalls(
        lambda service, operation, params: params.get("Item", {}).get("PK") == {"S": "b"}, times=1
    )
    failed.install(table)
    table.put_item(TableName="t", Item={"PK": {"S": "a"}})
    with pytest.raises(ClientError, match="injected"):
        table.put_item(TableName="t", Item={"PK": {"S": "b"}})
    table.put_item(TableName="t", Item={"PK": {"S": "b"}})
    assert _stored(table) == 2
