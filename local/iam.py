"""Enforce the template's IAM policies on the local stack: a call a function's role would not allow fails.

Each function's inline policy statements (``Policies: - Statement: [...]``) are read from
template.yaml and resolved like everything else. While a function runs in-process (and in the
threads it starts), every boto3 call it makes is checked before it is sent: the IAM action
(``dynamodb:PutItem``; one action per item of a ``TransactWriteItems``), the resource ARN (table,
index, object, parameter, topic, queue, state machine) and the ``dynamodb:LeadingKeys`` condition
(the partition key of each item, or of a Query). A call no statement allows raises
``AccessDeniedException`` as AWS would, and is recorded in :attr:`PolicyEnforcer.denied`.

What it models: Allow statements, ``*``/``?`` wildcards in actions and resources, and
``ForAllValues:StringLike`` / ``ForAllValues:StringEquals`` on ``dynamodb:LeadingKeys`` (as in
IAM, a request without leading keys, such as a Scan, satisfies a ``ForAllValues`` condition).
Anything else in a function's policy (Deny, other conditions, SAM policy templates) is refused
when the stack starts, so the local check never silently allows more than AWS would.
Calls made outside a function (the stream pump, test setup) are not checked.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import fnmatch
import functools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: the function whose code is running (set by LocalStack.invoke; copied into executor threads)
current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_function", default=None
)

_SERVICE_PREFIX = {"stepfunctions": "states"}
_REGION, _ACCOUNT = "us-east-1", "123456789012"
_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_CONDITIONS = {"ForAllValues:StringLike", "ForAllValues:StringEquals"}


@dataclass(frozen=True)
class Request:
    """One IAM authorization a call needs: action, resource and the DynamoDB leading keys."""

    action: str
    resource: str
    leading_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """An Allow statement: actions, resources, an optional LeadingKeys condition."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    leading_keys: tuple[str, ...] | None = None
    like: bool = True

    def allows(self, request: Request) -> bool:
        """Whether this statement allows ``request``."""
        actions, resources, keys = self._patterns
        if not actions(request.action.lower()) or not resources(request.resource):
            return False
        if self.leading_keys is None:
            return True
        if self.like:
            return all(keys(key) for key in request.leading_keys)
        return all(key in self.leading_keys for key in request.leading_keys)

    @functools.cached_property
    def _patterns(self) -> tuple[Callable[[str], Any], ...]:
        """The matchers of the actions (lower-cased, as IAM compares them), resources and leading keys:
        each one regular expression, matching what any of its wildcard patterns matches (checked on
        every call a function makes, so compiled once, not pattern by pattern per call)."""
        return (
            _any_of(p.lower() for p in self.actions),
            _any_of(self.resources),
            _any_of(self.leading_keys or ()),
        )


def statements_of(policies: list[Any], function: str) -> list[Statement]:
    """The Allow statements of a function's resolved ``Policies``; anything not modelled is refused."""
    found = []
    for policy in policies:
        if not isinstance(policy, dict) or set(policy) != {"Statement"}:
            raise ValueError(
                f"{function}: only inline Statement policies can be checked locally, got {policy}"
            )
        for raw in policy["Statement"]:
            if raw.get("Effect") != "Allow" or set(raw) - {
                "Sid",
                "Effect",
                "Action",
                "Resource",
                "Condition",
            }:
                raise ValueError(f"{function}: unsupported statement {raw}")
            keys, like = None, True
            for operator, values in (raw.get("Condition") or {}).items():
                if operator not in _CONDITIONS or set(values) != {"dynamodb:LeadingKeys"}:
                    raise ValueError(f"{function}: unsupported condition {operator} {values}")
                keys, like = tuple(_listed(values["dynamodb:LeadingKeys"])), operator.endswith("Like")
            found.append(
                Statement(tuple(_listed(raw["Action"])), tuple(_listed(raw["Resource"])), keys, like)
            )
    return found


@dataclass
class PolicyEnforcer:
    """Checks every boto3 call a local function makes against that function's template policy.

    Parameters
    ----------
    policies
        Function logical id → its statements.
    key_schema
        Table name → {index name or "" → partition key attribute}.
    """

    policies: dict[str, list[Statement]]
    key_schema: dict[str, dict[str, str]]
    enforce: bool = True
    denied: list[tuple[str, Request]] = field(default_factory=list)
    seen: set[tuple[str, Request]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, service: str, operation: str, params: dict[str, Any]) -> None:
        """Raise AccessDeniedException (a botocore ClientError) when the running function may not call."""
        function = current_function.get()
        if function is None or function not in self.policies:
            return
        for request in self.requests(service, operation, params):
            with self._lock:
                self.seen.add((function, request))
            if not self.enforce:
                continue
            if not any(statement.allows(request) for statement in self.policies[function]):
                from botocore.exceptions import ClientError

                with self._lock:
                    self.denied.append((function, request))
                message = f"{function} is not authorized to perform {request.action} on {request.resource}"
                if request.leading_keys:
                    message += f" with leading keys {list(request.leading_keys)}"
                raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, operation)

    def requests(self, service: str, operation: str, params: dict[str, Any]) -> Iterator[Request]:
        """The authorizations one call needs."""
        prefix = _SERVICE_PREFIX.get(service, service)
        if service == "dynamodb":
            yield from self._dynamodb(operation, params)
        elif service == "s3":
            key = params.get("Key")
            yield Request(
                f"s3:{operation}", f"arn:aws:s3:::{params.get('Bucket')}" + (f"/{key}" if key else "")
            )
        elif service == "ssm":
            names = params.get("Names") or [params.get("Name") or params.get("Path") or ""]
            for name in names:
                yield Request(f"ssm:{operation}", f"arn:aws:ssm:{_REGION}:{_ACCOUNT}:parameter{name}")
        elif service == "sns":
            # PublishBatch is authorised by sns:Publish (there is no sns:PublishBatch action)
            action = "Publish" if operation == "PublishBatch" else operation
            yield Request(f"sns:{action}", str(params.get("TopicArn") or params.get("TargetArn")))
        elif service == "sqs":
            queue = str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
            yield Request(f"sqs:{operation}", f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:{queue}")
        elif service == "stepfunctions":
            yield Request(
                f"states:{operation}", str(params.get("stateMachineArn") or params.get("executionArn"))
            )
        else:
            yield Request(f"{prefix}:{operation}", "*")

    def _dynamodb(self, operation: str, params: dict[str, Any]) -> Iterator[Request]:
        if operation == "TransactWriteItems":
            for item in params.get("TransactItems", []):
                ((kind, spec),) = item.items()
                yield self._item(_TRANSACT[kind], spec["TableName"], spec.get("Key") or spec.get("Item"))
        elif operation == "TransactGetItems":
            for item in params.get("TransactItems", []):
                yield self._item("GetItem", item["Get"]["TableName"], item["Get"]["Key"])
        elif operation in ("BatchWriteItem", "BatchGetItem"):
            for table, entries in params.get("RequestItems", {}).items():
                items = (
                    entries.get("Keys", [])
                    if operation == "BatchGetItem"
                    else [
                        (e.get("PutRequest") or {}).get("Item") or (e.get("DeleteRequest") or {}).get("Key")
                        for e in entries
                    ]
                )
                for item in items:
                    yield self._item(operation, table, item)
        elif operation == "Query":
            table, index = params["TableName"], params.get("IndexName")
            arn = _table_arn(table) + (f"/index/{index}" if index else "")
            yield Request("dynamodb:Query", arn, self._query_key(table, index or "", params))
        elif "Key" in params or "Item" in params:
            yield self._item(operation, params["TableName"], params.get("Key") or params.get("Item"))
        else:  # Scan, DescribeTable...: no leading keys
            table = params.get("TableName", "*")
            index = params.get("IndexName")
            yield Request(f"dynamodb:{operation}", _table_arn(table) + (f"/index/{index}" if index else ""))

    def _item(self, action: str, table: str, key: dict[str, Any] | None) -> Request:
        attribute = self.key_schema.get(table, {}).get("", "PK")
        value = _scalar((key or {}).get(attribute))
        return Request(f"dynamodb:{action}", _table_arn(table), (value,) if value is not None else ())

    def _query_key(self, table: str, index: str, params: dict[str, Any]) -> tuple[str, ...]:
        attribute = self.key_schema.get(table, {}).get(index, "PK")
        names = params.get("ExpressionAttributeNames") or {}
        expression = params.get("KeyConditionExpression") or ""
        for left, placeholder in re.findall(r"([#\w]+)\s*=\s*(:\w+)", expression):
            if names.get(left, left) == attribute:
                value = _scalar((params.get("ExpressionAttributeValues") or {}).get(placeholder))
                return (value,) if value is not None else ()
        return ()


def install(enforcer: PolicyEnforcer) -> Callable[[], None]:
    """Check every call of boto3's default session (the functions' clients); returns the uninstaller."""
    import boto3

    session = boto3._get_default_session()
    if session is None:  # pragma: no cover - _get_default_session creates one
        raise RuntimeError("no default boto3 session")

    def before(params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        enforcer.check(service, model.name, params)

    session.events.register("before-parameter-build", before, unique_id="socialdesk-local-iam")
    original_submit = concurrent.futures.ThreadPoolExecutor.submit

    def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return original_submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    concurrent.futures.ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]

    def uninstall() -> None:
        session.events.unregister("before-parameter-build", unique_id="socialdesk-local-iam")
        concurrent.futures.ThreadPoolExecutor.submit = original_submit  # type: ignore[method-assign]

    return uninstall


def _table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{_REGION}:{_ACCOUNT}:table/{table}"


def _scalar(value: Any) -> str | None:
    if isinstance(value, dict):
        for kind in ("S", "N", "B"):
            if kind in value:
                return str(value[kind])
        return None
    return None if value is None else str(value)


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _any_of(patterns: Iterable[str]) -> Callable[[str], Any]:
    """A matcher for a value that any of the wildcard ``patterns`` matches (as ``fnmatchcase``)."""
    translated = [fnmatch.translate(pattern) for pattern in patterns]
    return re.compile("|".join(translated) if translated else "(?!)").match
