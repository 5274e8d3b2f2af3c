"""What a run on the local stack would cost on AWS, from the calls it made: a meter for the benchmarks.

The meter watches every call the functions make (boto3's default session; the harness uses its own
session and is not metered) and every function invocation of the stack, and prices them at
us-east-1 list prices, component by component:

- DynamoDB table writes: ``ceil(KB)`` write units per item written, the item's size as DynamoDB
  counts it (attribute names + values); for PutItem and UpdateItem the larger of the item before
  and after; a failed condition still pays for the item; transactions twice.
- DynamoDB index writes, per global secondary index of template.yaml: a write when the old or the
  new image has the index's keys, sized as the index projects the item (KEYS_ONLY, INCLUDE, ALL);
  a change of the index keys is a delete and a put; a change that touches no projected attribute
  writes nothing.
- DynamoDB reads: 4 KB read units, 0.5 eventually consistent, 1 strong, 2 transactional; a Query by
  the size of what it read. Stream reads by Lambda triggers are free and not metered.
- S3, SNS (per 64 KB of a publish's payload: its messages and message attributes, summed over
  the entries of a PublishBatch, as SNS bills it; not the URL-encoded request), SQS (per 64 KB of
  a request), API Gateway HTTP API (per request to a function with an HttpApi event).
- Lambda: requests, and GB-seconds at the template's memory and architecture. The duration of an
  invocation is its own CPU time measured here (the thread's CPU time minus what moto spent serving
  its calls), scaled to the vCPU share Lambda gives that memory size, plus a stated latency per AWS
  call (:data:`CALL_MS`). INIT is left out (one per execution environment, amortised over its life).
- Step Functions Express: a request per execution and its duration (the tasks' modelled durations
  plus :data:`STATE_MS` per state) in 100 ms blocks of 64 MB.
- CloudWatch Logs ingestion: the bytes each function wrote at the template's LogLevel (its log lines
  and EMF metric lines), plus Lambda's START/END/REPORT lines (:data:`PLATFORM_LOG_BYTES`).
"""

from __future__ import annotations

import contextvars
import io
import math
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

#: public on-demand list prices, us-east-1 (USD)
PRICES = {
    "dynamodb_wru": 0.625 / 1e6,  # on-demand, since the Nov 2024 price cut
    "dynamodb_rru": 0.125 / 1e6,
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET and the rest; DELETE is free
    "sns_request": 0.50 / 1e6,  # per 64 KB chunk of a publish (delivery to subscribers is extra)
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm64": 0.0000133334,
    "lambda_gb_s_x86_64": 0.0000166667,
    "sfn_express_request": 1.00 / 1e6,
    "sfn_express_gb_s": 0.00001667,  # 64 MB blocks, 100 ms blocks
    "apigw_http_request": 1.00 / 1e6,  # first 300M a month, per 512 KB
    "logs_ingest_gb": 0.50,
}
#: stated assumptions: in-region latency of one call as Lambda sees it (ms), by service:operation
CALL_MS = {
    "dynamodb:TransactWriteItems": 12.0,
    "dynamodb:BatchWriteItem": 10.0,
    "dynamodb:BatchGetItem": 8.0,
    "dynamodb": 5.0,
    "s3:PutObject": 25.0,
    "s3": 15.0,
    "sns": 15.0,
    "sqs": 10.0,
    "stepfunctions": 20.0,
    "ssm": 10.0,
}
#: Lambda gives a full vCPU at 1,769 MB and a proportional share below it
FULL_VCPU_MB = 1769
#: Step Functions' own time per state entered (ms), and the execution's memory block
STATE_MS = 20.0
SFN_STATES_PER_EXECUTION = 3  # Classify, Route, AnyFailed/Routed (TriageFailed only when something failed)
#: START, END and REPORT lines Lambda writes for every invocation
PLATFORM_LOG_BYTES = 300
_KB, _READ_UNIT, _CHUNK = 1024, 4096, 64 * 1024


def sns_payload(operation: str, params: dict[str, Any]) -> int:
    """The bytes SNS bills a publish for: each message with its attributes (names, types, values)."""
    entries = params.get("PublishBatchRequestEntries") if operation == "PublishBatch" else [params]
    size = 0
    for entry in entries or []:
        size += len(str(entry.get("Message", "")).encode()) + len(str(entry.get("Subject", "")).encode())
        for name, attribute in (entry.get("MessageAttributes") or {}).items():
            value = attribute.get("StringValue") or attribute.get("BinaryValue") or b""
            size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
            size += len(value) if isinstance(value, bytes) else len(str(value).encode())
    return size


#: what the meter is attributing to (the function running in this thread), set by the stack
_current = contextvars.ContextVar[str | None]("metered_function", default=None)


# -- DynamoDB item sizes -------------------------------------------------------------------------
def value_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value (DynamoDB JSON)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes | bytearray) else math.ceil(len(str(inner)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(value_size({"B": b}) for b in inner)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes DynamoDB counts for an item: every attribute's name and value."""
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    """Write units for an item of ``size`` bytes (1 KB each, at least 1)."""
    return max(1, math.ceil(size / _KB))


@dataclass(frozen=True)
class Index:
    """A global secondary index: its keys and what it projects."""

    name: str
    keys: tuple[str, ...]
    projection: str
    include: tuple[str, ...] = ()

    def has(self, item: dict[str, Any] | None) -> bool:
        """Whether the item appears in the index (it has every key attribute)."""
        return bool(item) and all(k in item for k in self.keys)  # type: ignore[operator]

    def projected(self, item: dict[str, Any], table_keys: tuple[str, ...]) -> dict[str, Any]:
        """The index entry of ``item``."""
        if self.projection == "ALL":
            return item
        wanted = {*table_keys, *self.keys, *(self.include if self.projection == "INCLUDE" else ())}
        return {k: v for k, v in item.items() if k in wanted}


@dataclass
class Tally:
    """What the metered calls and invocations added up to."""

    calls: Counter[str] = field(default_factory=Counter)
    calls_by_function: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    table_wru: float = 0.0
    table_wru_by: Counter[str] = field(default_factory=Counter)  # by entity
    index_wru: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)  # successful writes by item kind and operation
    write_bytes: Counter[str] = field(default_factory=Counter)
    rru: float = 0.0
    rru_by: Counter[str] = field(default_factory=Counter)
    s3_put: int = 0
    s3_get: int = 0
    sns_requests: int = 0
    sqs_requests: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    billed_ms: Counter[str] = field(default_factory=Counter)
    cpu_ms: Counter[str] = field(default_factory=Counter)
    log_bytes: Counter[str] = field(default_factory=Counter)
    executions: int = 0


class _CountingStream(io.TextIOBase):
    """stdout as the functions see it: bytes counted per function, nothing printed."""

    def __init__(self, tally: Tally) -> None:
        self._tally = tally

    def write(self, text: str) -> int:
        self._tally.log_bytes[_current.get() or "(harness)"] += len(text.encode())
        return len(text)

    def writable(self) -> bool:
        return True


class Meter:
    """Meters a :class:`local.stack.LocalStack`: install, run the scenario, read :attr:`tally`.

    Parameters
    ----------
    stack
        The local stack; its template gives the table's indexes, the functions' memory, the
        architecture and the log level.
    """

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.tally = Tally()
        props = next(
            r["Properties"]
            for r in stack.template["Resources"].values()
            if r.get("Type") == "AWS::DynamoDB::Table"
        )
        self.table_keys = tuple(k["AttributeName"] for k in props["KeySchema"])
        self.indexes = [
            Index(
                g["IndexName"],
                tuple(k["AttributeName"] for k in g["KeySchema"]),
                g["Projection"]["ProjectionType"],
                tuple(g["Projection"].get("NonKeyAttributes") or ()),
            )
            for g in props.get("GlobalSecondaryIndexes", [])
        ]
        self.architecture = stack.resolver.parameters.get("LambdaArchitecture", "x86_64")
        self.log_level = stack.resolver.parameters.get("LogLevel", "INFO")
        self.http_functions = {fid for fid, fn in stack.functions.items() if fn.routes}
        #: the functions the state machines invoke (their DefinitionSubstitutions name them)
        self.task_functions = {
            substitution["Fn::GetAtt"][0]
            for r in stack.template["Resources"].values()
            if r.get("Type") == "AWS::Serverless::StateMachine"
            for substitution in (r["Properties"].get("DefinitionSubstitutions") or {}).values()
            if isinstance(substitution, dict) and "Fn::GetAtt" in substitution
        }
        self._local = threading.local()
        self._installed: list[Any] = []

    # -- install / uninstall ---------------------------------------------------------------------
    def install(self) -> None:
        """Start metering (the functions' boto3 session, the stack's invocations, their stdout)."""
        import boto3

        from local import moto_patches
        from socialdesk.common.observability import logger

        moto_patches.CLIENT_SIDE = False  # the SDK's own work as Lambda pays it (moto's is not counted)
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        events = boto3.DEFAULT_SESSION.events
        events.register("before-parameter-build", self._before, unique_id="cost-meter-before")
        events.register("after-call", self._after, unique_id="cost-meter-after")
        stream = _CountingStream(self.tally)
        self._saved_stdout = sys.stdout
        sys.stdout = stream  # EMF metric lines are print()ed
        self._handlers = [(h, h.stream) for h in logger.handlers if hasattr(h, "stream")]
        for handler, _ in self._handlers:
            handler.setStream(stream)
        self._saved_level = logger.log_level
        logger.setLevel(self.log_level)
        original = self.stack.invoke
        self._original_invoke = original

        def invoke(logical_id: str, event: dict[str, Any]) -> Any:
            token = _current.set(logical_id)
            self._local.aws_cpu = 0.0
            self._local.aws_ms = 0.0
            started = time.thread_time()
            try:
                return original(logical_id, event)
            finally:
                own = max(0.0, time.thread_time() - started - self._local.aws_cpu) * 1000
                _current.reset(token)
                self._account_invocation(logical_id, own, self._local.aws_ms)

        self.stack.invoke = invoke

    def uninstall(self) -> None:
        """Stop metering."""
        import boto3

        from socialdesk.common.observability import logger

        events = boto3.DEFAULT_SESSION.events
        events.unregister("before-parameter-build", unique_id="cost-meter-before")
        events.unregister("after-call", unique_id="cost-meter-after")
        sys.stdout = self._saved_stdout
        for handler, stream in self._handlers:
            handler.setStream(stream)
        logger.setLevel(self._saved_level)
        self.stack.invoke = self._original_invoke
        from local import moto_patches

        moto_patches.CLIENT_SIDE = True

    def reset(self) -> None:
        """Forget what was metered so far (after a warm-up)."""
        self.tally.__init__()  # type: ignore[misc]

    # -- invocations -----------------------------------------------------------------------------
    def _account_invocation(self, logical_id: str, own_cpu_ms: float, aws_ms: float) -> None:
        memory = self.stack.functions[logical_id].memory_mb
        scale = max(1.0, FULL_VCPU_MB / memory)
        billed = math.ceil(own_cpu_ms * scale + aws_ms)
        tally = self.tally
        tally.invocations[logical_id] += 1
        tally.billed_ms[logical_id] += max(1, billed)
        tally.cpu_ms[logical_id] += own_cpu_ms
        tally.log_bytes[logical_id] += PLATFORM_LOG_BYTES

    # -- calls -----------------------------------------------------------------------------------
    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        function = _current.get()
        context["cost_meter"] = {
            "function": function,
            "cpu": time.thread_time(),
            "old": self._images(operation, params) if service == "dynamodb" else None,
            "sns_payload": sns_payload(operation, params) if service == "sns" else 0,
        }

    def _after(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        seen = context.get("cost_meter")
        if seen is None:
            return
        service, operation = model.service_model.service_name, model.name
        key = f"{service}:{operation}"
        tally = self.tally
        tally.calls[key] += 1
        function = seen["function"]
        if function is not None:
            tally.calls_by_function[function][key] += 1
            if _current.get() == function:
                self._local.aws_cpu = getattr(self._local, "aws_cpu", 0.0) + time.thread_time() - seen["cpu"]
                self._local.aws_ms = getattr(self._local, "aws_ms", 0.0) + CALL_MS.get(
                    key, CALL_MS.get(service, 5.0)
                )
        error = (parsed.get("Error") or {}).get("Code")
        request = getattr(http_response, "request", None)
        body = len(getattr(request, "body", b"") or b"") if request is not None else 0
        if service == "dynamodb":
            self._dynamodb(operation, seen, parsed, error)
        elif service == "s3" and not error:
            if operation in (
                "PutObject",
                "CopyObject",
                "ListObjectsV2",
                "ListObjects",
                "CreateMultipartUpload",
            ):
                tally.s3_put += 1
            elif operation != "DeleteObject":
                tally.s3_get += 1
        elif service == "sns" and operation in ("Publish", "PublishBatch"):
            tally.sns_requests += max(1, math.ceil(seen["sns_payload"] / _CHUNK))
        elif service == "sqs":
            tally.sqs_requests += max(1, math.ceil(body / _CHUNK))
        elif (
            service == "stepfunctions" and operation in ("StartExecution", "StartSyncExecution") and not error
        ):
            tally.executions += 1

    # -- DynamoDB accounting ---------------------------------------------------------------------
    def _backend_item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models import dynamodb_backends

        from local import moto_patches

        with moto_patches.LOCK:
            backend = dynamodb_backends["123456789012"]["us-east-1"]
            try:
                found = backend.get_item(table, key)
            except Exception:  # a missing table or a malformed key: nothing to size
                return None
            return found.to_json()["Attributes"] if found else None

    def _key_of(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: item[k] for k in self.table_keys if k in item}

    def _images(
        self, operation: str, params: dict[str, Any]
    ) -> list[tuple[str, str, dict[str, Any], Any, Any]]:
        """(op, table, key, old image, the request) for every item a write touches; the read's keys."""
        found = []
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = self._key_of(params["Item"]) if operation == "PutItem" else params["Key"]
            found.append(
                (operation, params["TableName"], key, self._backend_item(params["TableName"], key), params)
            )
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                op, request = next(iter(entry.items()))
                key = self._key_of(request["Item"]) if op == "Put" else request["Key"]
                found.append(
                    (op, request["TableName"], key, self._backend_item(request["TableName"], key), request)
                )
        elif operation == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for entry in requests:
                    op, request = next(iter(entry.items()))
                    key = self._key_of(request["Item"]) if op == "PutRequest" else request["Key"]
                    found.append((op, table, key, self._backend_item(table, key), request))
        elif operation == "GetItem":
            found.append(("Get", params["TableName"], params["Key"], None, params))
        elif operation == "BatchGetItem":
            for table, spec in params.get("RequestItems", {}).items():
                for key in spec.get("Keys", []):
                    found.append(("Get", table, key, None, spec))
        elif operation == "TransactGetItems":
            for entry in params.get("TransactItems", []):
                request = entry["Get"]
                found.append(("TransactGet", request["TableName"], request["Key"], None, request))
        elif operation in ("Query", "Scan"):
            found.append((operation, params["TableName"], {}, None, params))
        return found

    def _dynamodb(
        self, operation: str, seen: dict[str, Any], parsed: dict[str, Any], error: str | None
    ) -> None:
        tally = self.tally
        consumed_on_failure = error in ("ConditionalCheckFailedException", "TransactionCanceledException")
        if error and not consumed_on_failure:
            return
        unprocessed = parsed.get("UnprocessedItems") or {}
        for op, table, key, old, request in seen["old"] or []:
            if op in ("Get", "TransactGet"):
                size = item_size(self._backend_item(table, key))
                units = max(1, math.ceil(size / _READ_UNIT))
                factor = 2.0 if op == "TransactGet" else (1.0 if request.get("ConsistentRead") else 0.5)
                tally.rru += units * factor
                tally.rru_by[_entity(key)] += units * factor
                continue
            if op in ("Query", "Scan"):
                items = parsed.get("Items") or []
                size = sum(item_size(i) for i in items)
                factor = 1.0 if request.get("ConsistentRead") else 0.5
                units = max(1, math.ceil(size / _READ_UNIT)) * factor
                where = request.get("IndexName") or "table"
                tally.rru += units
                tally.rru_by[f"{operation} {where}"] += units
                continue
            if unprocessed and any(
                key
                == self._key_of(
                    (e.get("PutRequest") or {}).get("Item") or e.get("DeleteRequest", {}).get("Key", {})
                )
                for e in unprocessed.get(table, [])
            ):
                continue
            new = None if op in ("DeleteItem", "Delete", "DeleteRequest") else self._backend_item(table, key)
            transactional = operation == "TransactWriteItems"
            if consumed_on_failure:
                attempted = item_size(request.get("Item")) if op in ("PutItem", "Put") else 0
                units = write_units(max(item_size(old), attempted)) * (2 if transactional else 1)
                tally.table_wru += units
                tally.table_wru_by[f"{_entity(key)} (failed condition)"] += units
                continue
            if op == "ConditionCheck":
                units = write_units(item_size(old)) * 2
                tally.table_wru += units
                tally.table_wru_by[f"{_entity(key)} (condition check)"] += units
                continue
            units = write_units(max(item_size(old), item_size(new))) * (2 if transactional else 1)
            tally.table_wru += units
            tally.table_wru_by[_entity(key)] += units
            tally.writes[f"{_entity(key)} {op}"] += 1
            tally.write_bytes[f"{_entity(key)} {op}"] += max(item_size(old), item_size(new))
            for index in self.indexes:
                tally.index_wru[index.name] += self._index_units(index, old, new)

    def _index_units(self, index: Index, old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
        was, now = index.has(old), index.has(new)
        if not was and not now:
            return 0
        if was and not now:
            return write_units(item_size(index.projected(old, self.table_keys)))  # type: ignore[arg-type]
        if now and not was:
            return write_units(item_size(index.projected(new, self.table_keys)))  # type: ignore[arg-type]
        before = index.projected(old, self.table_keys)  # type: ignore[arg-type]
        after = index.projected(new, self.table_keys)  # type: ignore[arg-type]
        if any(old[k] != new[k] for k in index.keys):  # type: ignore[index]
            return write_units(item_size(before)) + write_units(item_size(after))
        return write_units(item_size(after)) if before != after else 0


def _entity(key: dict[str, Any]) -> str:
    """A key's item kind, from its partition key's prefix (``TICKET#…`` → ``TICKET``; ``CONFIG``)."""
    pk = str(next(iter((key.get("PK") or {"S": "?"}).values())))
    sk = str(next(iter((key.get("SK") or {"S": ""}).values())))
    kind = pk.split("#", 1)[0]
    return f"{kind}/{sk.split('#', 1)[0]}" if sk and sk.split("#", 1)[0] != kind else kind


# -- pricing ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One component of the bill: USD per million units of work and what causes it per unit."""

    component: str
    usd_per_million: float
    cause: str


def bill(meter: Meter, units: int, unit: str = "mention") -> list[Line]:
    """The cost table per million ``unit`` (mentions, escalations) of what ``meter`` saw."""
    t = meter.tally
    per = 1.0 / units
    million = 1e6
    functions = sorted(t.invocations)
    memory = {f: meter.stack.functions[f].memory_mb / 1024 for f in functions}
    gb_s = sum(t.billed_ms[f] / 1000 * memory[f] for f in functions)
    gb_s_price = PRICES[f"lambda_gb_s_{meter.architecture}"]
    invocations = sum(t.invocations.values())
    lambda_usd = invocations * PRICES["lambda_request"] + gb_s * gb_s_price
    task_ms = sum(t.billed_ms[f] for f in functions if f in meter.task_functions)
    sfn_usd = 0.0
    sfn_cause = "no executions"
    if t.executions:
        per_execution_ms = task_ms / t.executions + STATE_MS * SFN_STATES_PER_EXECUTION
        blocks = math.ceil(per_execution_ms / 100)
        sfn_usd = t.executions * (
            PRICES["sfn_express_request"] + blocks * 0.1 * (64 / 1024) * PRICES["sfn_express_gb_s"]
        )
        sfn_cause = f"{t.executions * per:.3f} executions (about {blocks * 100} ms x 64 MB each)"
    requests = sum(t.invocations[f] for f in meter.http_functions)
    log_bytes = sum(v for k, v in t.log_bytes.items() if k != "(harness)")
    index_total = sum(t.index_wru.values())
    lines = [
        Line(
            "DynamoDB writes, table",
            t.table_wru * per * million * PRICES["dynamodb_wru"],
            f"{t.table_wru * per:.2f} WRU: "
            + ", ".join(f"{k} {v * per:.2f}" for k, v in t.table_wru_by.most_common()),
        ),
        Line(
            "DynamoDB writes, GSIs",
            index_total * per * million * PRICES["dynamodb_wru"],
            f"{index_total * per:.2f} WRU: "
            + ", ".join(f"{k} {v * per:.2f}" for k, v in sorted(t.index_wru.items())),
        ),
        Line(
            "DynamoDB reads",
            t.rru * per * million * PRICES["dynamodb_rru"],
            f"{t.rru * per:.2f} RRU: " + ", ".join(f"{k} {v * per:.2f}" for k, v in t.rru_by.most_common(6)),
        ),
        Line(
            "S3 requests",
            (t.s3_put * PRICES["s3_put"] + t.s3_get * PRICES["s3_get"]) * per * million,
            f"{t.s3_put * per:.3f} PUT, {t.s3_get * per:.3f} GET",
        ),
        Line(
            "SNS publish",
            t.sns_requests * PRICES["sns_request"] * per * million,
            f"{t.sns_requests * per:.3f} requests (64 KB chunks)",
        ),
        Line(
            "SQS requests",
            t.sqs_requests * PRICES["sqs_request"] * per * million,
            f"{t.sqs_requests * per:.3f} requests",
        ),
        Line(
            "Lambda requests + duration",
            lambda_usd * per * million,
            f"{invocations * per:.3f} invocations, {gb_s * per * 1000:.1f} GB-ms ({meter.architecture}): "
            + ", ".join(
                f"{f.removesuffix('Function')} {t.invocations[f] * per:.3f} x "
                f"{t.billed_ms[f] / t.invocations[f]:.0f} ms"
                for f in functions
            ),
        ),
        Line("Step Functions Express", sfn_usd * per * million, sfn_cause),
        Line(
            "API Gateway HTTP API",
            requests * PRICES["apigw_http_request"] * per * million,
            f"{requests * per:.3f} requests",
        ),
        Line(
            "CloudWatch Logs",
            log_bytes / 1024**3 * PRICES["logs_ingest_gb"] * per * million,
            f"{log_bytes * per / 1024:.2f} KB at {meter.log_level} "
            f"(incl. {PLATFORM_LOG_BYTES} B of platform lines per invocation): "
            + ", ".join(
                f"{k.removesuffix('Function')} {v * per:.0f} B"
                for k, v in t.log_bytes.most_common()
                if k != "(harness)"
            ),
        ),
    ]
    return lines


def print_bill(lines: list[Line], unit: str = "mention") -> None:
    """The cost table, as the README shows it."""
    width = max(len(line.component) for line in lines)
    print(f"  | {'component':{width}s} | $ per million {unit}s | cause (per {unit}) |")
    print(f"  |{'-' * (width + 2)}|---:|---|")
    for line in lines:
        print(f"  | {line.component:{width}s} | {line.usd_per_million:8.2f} | {line.cause} |")
    print(f"  | {'**total**':{width}s} | **{sum(line.usd_per_million for line in lines):.2f}** | |")


__all__ = ["CALL_MS", "PRICES", "Index", "Line", "Meter", "bill", "item_size", "print_bill", "write_units"]
