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


def test_a_statement_allows_what_any_of_its_wildcards_matches_as_fnmatch_does() -> None:
    # Given statements of several patterns each: wildcards, a character class, a dot and a literal star
    import fnmatch
    import itertools

    actions = ("dynamodb:Get*", "DynamoDB:Query", "ssm:Get?arameter")
    resources = (f"{TABLE}/index/*", TABLE, "arn:aws:s3:::b/[ab].json", "arn:aws:s3:::b/a.*")
    keys = ("MENTION#x#*", "CONFIG", "T?", "A.B")
    like = iam.Statement(actions, resources, keys)
    equals = iam.Statement(actions, resources, keys, like=False)
    requests = [
        iam.Request(action, resource, leading)
        for action, resource, leading in itertools.product(
            (
                "dynamodb:GetItem",
                "DYNAMODB:getitem",
                "dynamodb:query",
                "dynamodb:PutItem",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "dynamodb:Get",
            ),
            (
                TABLE,
                f"{TABLE}/index/ByAuthor",
                f"{TABLE}x",
                "arn:aws:s3:::b/a.json",
                "arn:aws:s3:::b/c.json",
                "arn:aws:s3:::b/a.x/y",
                "arn:aws:s3:::b/aXjson",
            ),
            ((), ("MENTION#x#1",), ("CONFIG", "T1"), ("CONFIG", "TICKET#1"), ("A.B",), ("AxB",), ("T",)),
        )
    ]

    def matches(patterns: tuple[str, ...], value: str, ignore_case: bool = False) -> bool:
        fold = str.lower if ignore_case else str
        return any(fnmatch.fnmatchcase(fold(value), fold(p)) for p in patterns)

    # When each request is checked, Then each statement allows exactly what its patterns match
    for request in requests:
        allowed = matches(actions, request.action, ignore_case=True) and matches(resources, request.resource)
        assert like.allows(request) == (allowed and all(matches(keys, k) for k in request.leading_keys))
        assert equals.allows(request) == (allowed and all(k in keys for k in request.leading_keys))
    assert not iam.Statement((), resources).allows(iam.Request("dynamodb:GetItem", TABLE))
