"""Least privilege: each function's policy in template.yaml grants no more than this allow-list.

The allow-list names, per function, each (action, resource, DynamoDB key prefixes) the code uses
(derived from the code and checked at run time by the local stack, local/iam.py, which refuses any
call a policy does not allow). A policy that gains an action, a resource, a key prefix, a SAM
policy template (``DynamoDBCrudPolicy``...), a wildcard or a statement without its LeadingKeys
condition fails here; so does a secret read across the inbound/outbound split.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from local.template import load, resources

TABLE = "SocialDeskTable.Arn"
INBOUND = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/socialdesk/${Stage}/inbound/*"
OUTBOUND = (
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/socialdesk/${Stage}/outbound/*"
)
RAW = "${RawPayloadBucket.Arn}/raw/*"
MODELS = "${ModelBucket.Arn}/models/routing/*"


def index(name: str) -> str:
    return "${SocialDeskTable.Arn}/index/" + name


#: function → action → resource → key prefixes allowed (None: no LeadingKeys condition needed)
ALLOWED: dict[str, dict[str, dict[str, frozenset[str] | None]]] = {
    "WebhookFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"ERASURE#*"})},
        "dynamodb:PutItem": {TABLE: frozenset({"MENTION#*", "OUTBOUND#*", "BACKUP#*", "ERASURE#*", "RAW#*"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"MENTION#*"})},
        "dynamodb:DeleteItem": {TABLE: frozenset({"RAW#*"})},
        "s3:PutObject": {RAW: None},
        "s3:DeleteObject": {RAW: None},
        "ssm:GetParameter": {INBOUND: None},
    },
    "DispatchFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"MENTION#*", "OUTBOUND#*", "TICKET#*", "CONFIG"})},
        "dynamodb:BatchGetItem": {TABLE: frozenset({"MENTION#*", "OUTBOUND#*"})},
        "dynamodb:PutItem": {TABLE: frozenset({"TICKET#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"MENTION#*", "OUTBOUND#*", "ERASURE#*", "TICKET#*"})},
        "dynamodb:DeleteItem": {TABLE: frozenset({"CONV#*", "CORRECTION#*", "CORRECTED#*", "RAW#*"})},
        "dynamodb:Query": {TABLE: frozenset({"TICKET#*", "CORRECTED#*"}), index("AuthorIndex"): None},
        "s3:DeleteObject": {RAW: None},
        "states:StartExecution": {"Ref:RouteMentionStateMachine": None},
        "sqs:SendMessage": {"RoutingDeadLetterQueue.Arn": None},
    },
    "ClassifyFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"CONFIG", "MODEL#routing"})},
        "dynamodb:PutItem": {TABLE: frozenset({"CONFIG"})},
        "s3:GetObject": {MODELS: None},
    },
    "RouteFunction": {
        "dynamodb:GetItem": {
            TABLE: frozenset(
                {"MENTION#*", "OUTBOUND#*", "CONV#*", "TICKET#*", "SURGE#*", "INCIDENT#*", "CONFIG"}
                | {"MODEL#routing"}
            )
        },
        # a conversation's first ticket and an earlier version's link to it, in one read
        "dynamodb:BatchGetItem": {TABLE: frozenset({"TICKET#*", "CONV#*"})},
        "dynamodb:PutItem": {TABLE: frozenset({"TICKET#*", "INCIDENT#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"MENTION#*", "SURGE#*", "INCIDENT#*"})},
        "s3:GetObject": {MODELS: None},
    },
    "RefitFunction": {
        "dynamodb:Query": {TABLE: frozenset({"CORRECTION#*"})},
        "dynamodb:GetItem": {TABLE: frozenset({"MODEL#routing"})},
        "dynamodb:PutItem": {TABLE: frozenset({"MODEL#routing"})},
        "s3:GetObject": {MODELS: None},
        "s3:PutObject": {MODELS: None},
    },
    "TriageFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"MENTION#*", "OUTBOUND#*", "CONV#*", "TICKET#*", "CONFIG"})},
        "dynamodb:BatchGetItem": {TABLE: frozenset({"TICKET#*", "CONV#*"})},
        "dynamodb:PutItem": {TABLE: frozenset({"TICKET#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"MENTION#*"})},
    },
    "OutboxFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"MENTION#*", "TICKET#*", "CONFIG"})},
        "dynamodb:PutItem": {TABLE: frozenset({"OUTBOUND#*", "TICKET#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"TICKET#*", "AGENT#*"})},
        "dynamodb:BatchWriteItem": {TABLE: frozenset({"TICKET#*"})},
        "dynamodb:Query": {TABLE: frozenset({"AGENT#*"})},
        "sns:Publish": {"Ref:TicketEventsTopic": None},
        "sqs:SendMessage": {"OutboundRetryQueue.Arn": None, "OutboxDeadLetterQueue.Arn": None},
        "ssm:GetParameter": {OUTBOUND: None},
    },
    "EscalateFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"TICKET#*", "CONFIG"})},
        "dynamodb:PutItem": {TABLE: frozenset({"TICKET#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"AGENT#*"})},
        "dynamodb:BatchGetItem": {TABLE: frozenset({"TICKET#*"})},
        "dynamodb:Query": {
            index("DueIndex"): None,
            TABLE: frozenset({"AGENT#*"}),
        },
    },
    "SendRepliesFunction": {
        "dynamodb:GetItem": {TABLE: frozenset({"MENTION#*", "TICKET#*", "CONFIG"})},
        "dynamodb:PutItem": {TABLE: frozenset({"OUTBOUND#*", "TICKET#*", "CONFIG"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"TICKET#*"})},
        "ssm:GetParameter": {OUTBOUND: None},
    },
    "SweepFunction": {
        "dynamodb:Scan": {TABLE: None},
        # AGENT#: the held-ticket repair reads a roster item by key and adds or removes a held ticket
        "dynamodb:GetItem": {TABLE: frozenset({"MENTION#*", "TICKET#*", "CONFIG", "SWEEP", "AGENT#*"})},
        "dynamodb:PutItem": {TABLE: frozenset({"OUTBOUND#*", "TICKET#*", "CONFIG", "SWEEP"})},
        "dynamodb:UpdateItem": {TABLE: frozenset({"MENTION#*", "TICKET#*", "AGENT#*"})},
        "dynamodb:BatchWriteItem": {TABLE: frozenset({"TICKET#*"})},
        "dynamodb:DeleteItem": {TABLE: frozenset({"RAW#*"})},
        "s3:DeleteObject": {RAW: None},
        "states:StartExecution": {"Ref:RouteMentionStateMachine": None},
        "sns:Publish": {"Ref:TicketEventsTopic": None},
        "sqs:SendMessage": {"OutboundRetryQueue.Arn": None},
        "ssm:GetParameter": {OUTBOUND: None},
    },
    "AgentApiFunction": {
        "dynamodb:GetItem": {
            TABLE: frozenset(
                {"MENTION#*", "OUTBOUND#*", "TICKET#*", "INCIDENT#*", "CONFIG", "IDEMPOTENCY#*"}
                | {"CONV#*", "AGENT#*", "CANNED#*", "CORRECTION#*", "CORRECTED#*"}
            )
        },
        "dynamodb:BatchGetItem": {TABLE: frozenset({"MENTION#*", "TICKET#*", "INCIDENT#*", "CONV#*"})},
        "dynamodb:PutItem": {
            TABLE: frozenset(
                {"OUTBOUND#*", "TICKET#*", "INCIDENT#*", "ERASURE#*", "CONFIG", "IDEMPOTENCY#*"}
                | {"AGENT#*", "CANNED#*", "CORRECTION#*", "CORRECTED#*"}
            )
        },
        "dynamodb:UpdateItem": {TABLE: frozenset({"TICKET#*", "IDEMPOTENCY#*", "AGENT#*"})},
        "dynamodb:DeleteItem": {TABLE: frozenset({"IDEMPOTENCY#*", "CANNED#*"})},
        "dynamodb:Query": {
            TABLE: frozenset({"TICKET#*", "CONFIG", "AGENT#*", "CANNED#*", "INCIDENT#*"}),
            index("QueueIndex"): None,
            index("ReportIndex"): None,
        },
        "sqs:SendMessage": {"OutboundRetryQueue.Arn": None},
        "ssm:GetParameter": {OUTBOUND: None},
    },
}


def canonical(node: Any) -> str:
    """A template resource expression as a comparable string."""
    if isinstance(node, str):
        return node
    ((key, value),) = node.items()
    if key == "Fn::GetAtt":
        return ".".join(value)
    if key == "Ref":
        return f"Ref:{value}"
    if key == "Fn::Sub" and isinstance(value, str):
        return value
    return repr(node)


def violations(template: dict[str, Any]) -> list[str]:
    """Everything a function's policy grants beyond ALLOWED (empty when the template is least-privilege)."""
    found = []
    functions = resources(template, "AWS::Serverless::Function")
    for name in sorted(set(functions) ^ set(ALLOWED)):
        found.append(f"{name}: function and allow-list disagree (add it here with what it needs)")
    for name, resource in functions.items():
        props = resource["Properties"]
        if "Role" in props:
            found.append(f"{name}: a Role of its own bypasses this check")
        allowed = ALLOWED.get(name, {})
        for policy in props.get("Policies") or []:
            if not isinstance(policy, dict) or set(policy) != {"Statement"}:
                found.append(
                    f"{name}: {policy!r} is not an inline statement (SAM policy templates grant too much)"
                )
                continue
            for statement in policy["Statement"]:
                found.extend(_statement_violations(name, statement, allowed))
    return found


def _statement_violations(name: str, statement: dict[str, Any], allowed: dict[str, Any]) -> list[str]:
    found = []
    if statement.get("Effect") != "Allow" or {"NotAction", "NotResource"} & set(statement):
        return [f"{name}: only plain Allow statements are expected: {statement}"]
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    condition = statement.get("Condition") or {}
    keys = (condition.get("ForAllValues:StringLike") or {}).get("dynamodb:LeadingKeys")
    if set(condition) - {"ForAllValues:StringLike"}:
        found.append(f"{name}: unexpected condition {condition}")
    for action in actions:
        for target in map(canonical, targets):
            if "*" in action or target == "*":
                found.append(f"{name}: wildcard {action} on {target}")
                continue
            if action not in allowed or target not in allowed[action]:
                found.append(f"{name}: {action} on {target} is not in the allow-list")
                continue
            expected = allowed[action][target]
            if expected is None:
                continue
            if keys is None:
                found.append(f"{name}: {action} on {target} needs a dynamodb:LeadingKeys condition")
            elif set(keys) - expected:
                found.append(
                    f"{name}: {action} on {target} grants key prefixes {sorted(set(keys) - expected)}"
                )
    return found


def test_every_function_policy_is_within_its_allow_list() -> None:
    assert violations(load()) == []


def test_the_webhook_cannot_read_outbound_tokens_and_senders_cannot_read_inbound_secrets() -> None:
    for name, actions in ALLOWED.items():
        reads = set(actions.get("ssm:GetParameter", {}))
        if name == "WebhookFunction":
            assert reads == {INBOUND}
        else:
            assert INBOUND not in reads, name
    assert {n for n, a in ALLOWED.items() if OUTBOUND in a.get("ssm:GetParameter", {})} == {
        "AgentApiFunction",
        "OutboxFunction",
        "SendRepliesFunction",
        "SweepFunction",
    }


def test_the_state_machine_only_invokes_its_tasks() -> None:
    # the Ticket aggregate decides every state change, so the workflow itself writes nothing
    policies = load()["Resources"]["RouteMentionStateMachine"]["Properties"]["Policies"]
    templates = {name for policy in policies for name in policy if name != "Statement"}
    assert templates == {"LambdaInvokePolicy"}  # each scoped to one function
    actions = {
        str(action)
        for policy in policies
        for statement in policy.get("Statement", [])
        for action in statement["Action"]
    }
    assert all(action.startswith("logs:") for action in actions), actions  # its execution log only


def test_only_the_sweep_may_scan_and_none_touches_the_buckets_beyond_their_prefixes() -> None:
    # a Scan carries no key, so LeadingKeys cannot narrow it: the sweep alone reads everything, by design
    assert {name for name, actions in ALLOWED.items() if "dynamodb:Scan" in actions} == {"SweepFunction"}
    for name, actions in ALLOWED.items():
        for action, targets in actions.items():
            if action.startswith("s3:"):
                assert set(targets) in ({RAW}, {MODELS}), (name, action)
                if RAW in targets:
                    assert action in ("s3:PutObject", "s3:DeleteObject"), (name, action)
    # model files: classification reads them, only the refit writes them, and nothing deletes one
    writers = {n for n, a in ALLOWED.items() if MODELS in a.get("s3:PutObject", {})}
    readers = {n for n, a in ALLOWED.items() if MODELS in a.get("s3:GetObject", {})}
    assert writers == {"RefitFunction"}
    assert readers == {"ClassifyFunction", "RouteFunction", "RefitFunction"}
    assert not any(MODELS in a.get("s3:DeleteObject", {}) for a in ALLOWED.values())


def test_only_the_refit_publishes_models_and_reads_corrections() -> None:
    # the model registry's pointer moves only in a refit (or by hand); the API writes corrections only
    publishers = {
        n for n, a in ALLOWED.items() if "MODEL#routing" in (a.get("dynamodb:PutItem") or {}).get(TABLE, ())
    }
    assert publishers == {"RefitFunction"}
    queries = {
        n for n, a in ALLOWED.items() if "CORRECTION#*" in ((a.get("dynamodb:Query") or {}).get(TABLE) or ())
    }
    assert queries == {"RefitFunction"}


@pytest.mark.parametrize(
    ("function", "policy", "expected"),
    [
        (
            "WebhookFunction",
            {"DynamoDBCrudPolicy": {"TableName": {"Ref": "SocialDeskTable"}}},
            "not an inline",
        ),
        ("DispatchFunction", {"S3CrudPolicy": {"BucketName": {"Ref": "RawPayloadBucket"}}}, "not an inline"),
        (
            "WebhookFunction",
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": {"Fn::Sub": OUTBOUND}}
                ]
            },
            "not in the allow-list",
        ),
        (
            "ClassifyFunction",
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {"Fn::GetAtt": ["SocialDeskTable", "Arn"]},
                    }
                ]
            },
            "needs a dynamodb:LeadingKeys condition",
        ),
        (
            "ClassifyFunction",
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": {"Fn::GetAtt": ["SocialDeskTable", "Arn"]},
                        "Condition": {
                            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CONFIG", "TICKET#*"]}
                        },
                    }
                ]
            },
            "grants key prefixes ['TICKET#*']",
        ),
        (
            "EscalateFunction",
            {"Statement": [{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]},
            "wildcard",
        ),
    ],
)
def test_a_broader_policy_fails_the_check(function: str, policy: dict[str, Any], expected: str) -> None:
    # Given the template with one function's policy widened
    template = copy.deepcopy(load())
    template["Resources"][function]["Properties"]["Policies"].append(policy)
    # Then the check names it
    found = violations(template)
    assert found and all(function in line for line in found)
    assert any(expected in line for line in found), found
