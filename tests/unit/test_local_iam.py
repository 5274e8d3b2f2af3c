"""The local IAM check (local/iam.py): it allows exactly what the statements allow, as IAM would."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from local import iam

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/t"
WRITES = iam.Statement(("dynamodb:PutItem", "dynamodb:UpdateItem"), (TABLE,), ("MENTION#*", "CONFIG"))
SECRETS = iam.Statement(("ssm:GetParameter",), ("arn:aws:ssm:us-east-1:123456789012:parameter/p/inbound/*",))


@pytest.fixture
def enforcer() -> iam.PolicyEnforcer:
    return iam.PolicyEnforcer({"Fn": [WRITES, SECRETS]}, {"t": {"": "PK", "ByAuthor": "author_key"}})


def call(enforcer: iam.PolicyEnforcer, service: str, operation: str, params: dict) -> None:
    token = iam.current_function.set("Fn")
    try:
        enforcer.check(service, operation, params)
    finally:
        iam.current_function.reset(token)


def test_an_allowed_item_write_passes(enforcer: iam.PolicyEnforcer) -> None:
    call(enforcer, "dynamodb", "PutItem", {"TableName": "t", "Item": {"PK": {"S": "MENTION#x#1"}}})
    call(enforcer, "dynamodb", "UpdateItem", {"TableName": "t", "Key": {"PK": {"S": "CONFIG"}}})
    assert enforcer.denied == []


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        ("dynamodb", "PutItem", {"TableName": "t", "Item": {"PK": {"S": "TICKET#1"}}}),  # key prefix
        ("dynamodb", "DeleteItem", {"TableName": "t", "Key": {"PK": {"S": "MENTION#x#1"}}}),  # action
        ("dynamodb", "PutItem", {"TableName": "other", "Item": {"PK": {"S": "MENTION#x#1"}}}),  # table
        ("ssm", "GetParameter", {"Name": "/p/outbound/x/default/access-token"}),  # the other half
    ],
)
def test_anything_else_is_denied_as_aws_would(
    enforcer: iam.PolicyEnforcer, service: str, operation: str, params: dict
) -> None:
    with pytest.raises(ClientError) as caught:
        call(enforcer, service, operation, params)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert len(enforcer.denied) == 1


def test_a_transaction_needs_every_item_allowed(enforcer: iam.PolicyEnforcer) -> None:
    items = [
        {"Put": {"TableName": "t", "Item": {"PK": {"S": "MENTION#x#1"}}}},
        {"Update": {"TableName": "t", "Key": {"PK": {"S": "TICKET#9"}}}},
    ]
    with pytest.raises(ClientError, match="TICKET#9"):
        call(enforcer, "dynamodb", "TransactWriteItems", {"TransactItems": items})


def test_for_all_values_is_true_without_leading_keys_as_in_iam() -> None:
    # A Scan names no partition key, so ForAllValues holds: grant no Scan to a function that must not read all
    scan = iam.Statement(("dynamodb:Scan",), (TABLE,), ("MENTION#*",))
    assert scan.allows(iam.Request("dynamodb:Scan", TABLE, ()))


def test_a_query_is_checked_against_its_partition_key(enforcer: iam.PolicyEnforcer) -> None:
    query = {
        "TableName": "t",
        "KeyConditionExpression": "#pk = :pk AND begins_with(SK, :s)",
        "ExpressionAttributeNames": {"#pk": "PK"},
        "ExpressionAttributeValues": {":pk": {"S": "TICKET#1"}, ":s": {"S": "EVENT#"}},
    }
    (request,) = enforcer.requests("dynamodb", "Query", query)
    assert request == iam.Request("dynamodb:Query", TABLE, ("TICKET#1",))


def test_calls_outside_a_function_are_not_checked(enforcer: iam.PolicyEnforcer) -> None:
    enforcer.check("dynamodb", "DeleteTable", {"TableName": "t"})
    assert enforcer.denied == []


def test_policies_the_check_cannot_model_are_refused() -> None:
    with pytest.raises(ValueError, match="inline Statement"):
        iam.statements_of([{"DynamoDBCrudPolicy": {"TableName": "t"}}], "Fn")
    with pytest.raises(ValueError, match="unsupported statement"):
        iam.statements_of([{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}], "Fn")
