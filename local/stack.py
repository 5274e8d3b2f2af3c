"""The local stack: moto resources and in-process functions, all read from template.yaml."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local import devsecrets, iam, moto_patches
from local.queues import QueuePoller
from local.streams import StreamPump
from local.template import ROOT, Resolver, load, parameter_defaults, resources

#: set before anything creates a boto3 client (see ../shared/DESIGN.md, toolchain facts)
LOCAL_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


@dataclass(frozen=True)
class HttpRoute:
    """One HttpApi event of a function: method, path template and authorizer."""

    method: str
    path: str
    function: str
    authorizer: str | None

    @property
    def route_key(self) -> str:
        """API Gateway's ``routeKey``, e.g. ``POST /webhooks/generic/{source}``."""
        return f"{self.method} {self.path}"


@dataclass
class LocalFunction:
    """A template function, invoked in-process.

    Lambda never runs two invocations in one execution environment, so a handler may keep
    per-invocation state where other invocations in the same process would see it. powertools'
    HTTP resolver does: it keeps the current event in a class attribute (``BaseRouter.current_event``),
    shared by every resolver in the process. A handler module holding a resolver is therefore
    invoked one request at a time locally, as one execution environment would run it; every other
    function runs its overlapping invocations concurrently, so the races tests look for still happen.
    """

    logical_id: str
    handler: str
    environment: dict[str, str]
    routes: list[HttpRoute] = field(default_factory=list)
    #: the template's Timeout: what the context reports as remaining (local runs are not cut off)
    timeout_seconds: int = 3
    memory_mb: int = 128
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: how many invocations ran while another one of this function was running (a measure, for tests)
    overlapped: int = 0
    _running: int = 0

    def entrypoint(self) -> Any:
        """Import the handler the way the Lambda runtime would (``module.function``)."""
        module, _, attribute = self.handler.rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    @property
    def keeps_invocation_state(self) -> bool:
        """Whether the handler's module holds a powertools resolver (per-invocation state in a class)."""
        from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

        module = importlib.import_module(self.handler.rpartition(".")[0])
        return any(isinstance(value, BaseRouter) for value in vars(module).values())

    def run(self, event: dict[str, Any], context: Any) -> Any:
        """Invoke the handler (one at a time when it keeps per-invocation state in shared globals)."""
        handler = self.entrypoint()
        with self._lock:
            self.overlapped += int(self._running > 0)
            self._running += 1
        try:
            if self.keeps_invocation_state:
                with _ENVIRONMENT_LOCKS.setdefault(self.logical_id, threading.Lock()):
                    return handler(event, context)
            return handler(event, context)
        finally:
            with self._lock:
                self._running -= 1


#: one execution environment per function whose handler keeps per-invocation state in globals
_ENVIRONMENT_LOCKS: dict[str, threading.Lock] = {}


@dataclass
class LambdaContext:
    """The subset of the Lambda context object powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: int = 3
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        """A plausible ARN for the local function."""
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """What is left of the function's Timeout (reported as Lambda would; nothing is cut off)."""
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


class LocalStack:
    """Builds the template's resources in moto and wires the functions to them.

    Parameters
    ----------
    parameter_overrides
        Template parameter values that replace the defaults (e.g. ``{"Stage": "local"}``).
    start_moto
        Start an in-process moto backend (False when the caller already runs one).
    """

    def __init__(self, parameter_overrides: dict[str, str] | None = None, start_moto: bool = True) -> None:
        os.environ.update(LOCAL_ENVIRONMENT)
        self._mock = None
        if start_moto:
            from moto import mock_aws

            self._mock = mock_aws(config=MOTO_CONFIG)
            self._mock.start()
        import boto3

        self.session = boto3.session.Session(region_name="us-east-1")
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.template = load()
        local_parameters = {"GenericSources": ",".join(devsecrets.generic_sources())}
        self.resolver = Resolver(
            parameters={
                **parameter_defaults(self.template),
                **local_parameters,
                **(parameter_overrides or {}),
            },
            conditions=self.template.get("Conditions", {}),
        )
        self.create_tables()
        self._create_buckets()
        self._create_topics_and_queues()
        self._declare_functions()
        self._create_state_machines()
        self.functions = self._functions()
        self.routes = [route for fn in self.functions.values() for route in fn.routes]
        self._apply_environment()
        self._seed_secrets()
        self.streams = StreamPump(self)
        #: per state machine, how many of its first executions are known to have finished
        self._settled_executions: dict[str, int] = {}
        self.queues = QueuePoller(self, _desk_now)
        self._patch_lambda()
        moto_patches.apply()
        self.iam = self._policy_enforcer()
        self._uninstall_iam = iam.install(self.iam)
        boto3._get_default_session().events.register("choose-signer", _unsigned, unique_id=_UNSIGNED_ID)

    @classmethod
    def replying_to(cls, platforms: Any) -> LocalStack:
        """A stack whose replies go to the local platform server ``platforms`` (its credentials stored)."""
        stack = cls(
            parameter_overrides={
                "XApiBaseUrl": platforms.x_base_url,
                "MetaGraphBaseUrl": platforms.graph_base_url,
            }
        )
        stack.put_secrets(platforms.outbound_secrets(generic_sources=["reviews"]))
        return stack

    # -- resources -------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client bound to the local (moto) backend (one per service: clients are thread-safe,
        and creating one costs about 15 ms, which a per-minute caller pays a thousand times a demo)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self.session.client(service)
            return self._clients[service]

    def _name(self, logical_id: str) -> str:
        return f"socialdesk-local-{logical_id.lower()}"

    def create_tables(self) -> None:
        """Create every template table (keys, indexes, stream, TTL) in moto."""
        dynamodb = self.client("dynamodb")
        for logical_id, resource in resources(self.template, "AWS::DynamoDB::Table").items():
            props = self.resolver.resolve(resource["Properties"])
            name = props.get("TableName") or self._name(logical_id)
            request: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            }
            for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if props.get(key):
                    request[key] = props[key]
            if props.get("StreamSpecification"):
                request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
            description = dynamodb.create_table(**request)["TableDescription"]
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            self.resolver.physical[logical_id] = name
            self.resolver.attributes[(logical_id, "Arn")] = description["TableArn"]
            if "LatestStreamArn" in description:
                self.resolver.attributes[(logical_id, "StreamArn")] = description["LatestStreamArn"]

    def _create_buckets(self) -> None:
        s3 = self.client("s3")
        for logical_id, resource in resources(self.template, "AWS::S3::Bucket").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            name = props.get("BucketName") or self._name(logical_id)
            s3.create_bucket(Bucket=name)
            rules = (props.get("LifecycleConfiguration") or {}).get("Rules", [])
            if rules:
                s3.put_bucket_lifecycle_configuration(
                    Bucket=name,
                    LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in rules]},
                )
            self.resolver.physical[logical_id] = name
            self.resolver.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"

    def _create_topics_and_queues(self) -> None:
        sns, sqs = self.client("sns"), self.client("sqs")
        for logical_id in resources(self.template, "AWS::SNS::Topic"):
            arn = sns.create_topic(Name=self._name(logical_id))["TopicArn"]
            self.resolver.physical[logical_id] = arn
            self.resolver.attributes[(logical_id, "TopicName")] = self._name(logical_id)
            self.resolver.attributes[(logical_id, "TopicArn")] = arn
        for logical_id in resources(self.template, "AWS::SQS::Queue"):
            url = sqs.create_queue(QueueName=self._name(logical_id))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            self.resolver.physical[logical_id] = url
            self.resolver.attributes[(logical_id, "Arn")] = arn
            self.resolver.attributes[(logical_id, "QueueName")] = self._name(logical_id)
            self.resolver.attributes[(logical_id, "QueueUrl")] = url
        for logical_id, queue in resources(self.template, "AWS::SQS::Queue").items():
            properties = self.resolver.resolve(queue.get("Properties") or {})
            attributes = {
                name: json.dumps(properties[name]) if name == "RedrivePolicy" else str(properties[name])
                for name in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy")
                if name in properties
            }
            if attributes:
                sqs.set_queue_attributes(QueueUrl=self.resolver.physical[logical_id], Attributes=attributes)

    def _declare_functions(self) -> None:
        for logical_id in resources(self.template, "AWS::Serverless::Function"):
            name = self._name(logical_id)
            self.resolver.physical[logical_id] = name
            self.resolver.attributes[(logical_id, "Arn")] = (
                f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
            )

    def _create_state_machines(self) -> None:
        sfn = self.client("stepfunctions")
        self.state_machines: dict[str, str] = {}
        for logical_id, resource in resources(self.template, "AWS::Serverless::StateMachine").items():
            props = resource["Properties"]
            definition = (ROOT / props["DefinitionUri"]).read_text()
            for name, value in self.resolver.resolve(props.get("DefinitionSubstitutions") or {}).items():
                definition = definition.replace("${" + name + "}", str(value))
            name = self.resolver.resolve(props.get("Name")) if props.get("Name") else self._name(logical_id)
            arn = sfn.create_state_machine(
                name=name,
                definition=definition,
                type=props.get("Type", "STANDARD"),
                roleArn="arn:aws:iam::123456789012:role/socialdesk-local-states",
            )["stateMachineArn"]
            self.state_machines[logical_id] = arn
            self.resolver.physical[logical_id] = arn
            self.resolver.attributes[(logical_id, "Name")] = name
            self.resolver.attributes[(logical_id, "Arn")] = arn

    def _patch_lambda(self) -> None:
        """Route moto's Lambda invoke (used by the real ASL's Task states) to the in-process handlers."""
        from moto.awslambda_simple.models import LambdaSimpleBackend

        stack = self
        by_name = {self._name(fid): fid for fid in self.functions}
        self._original_invoke = LambdaSimpleBackend.invoke

        def invoke(
            backend: Any,
            function_name: str,
            qualifier: Any,
            body: Any,
            headers: Any,
            response_headers: dict[str, str],
        ) -> bytes:
            name = function_name.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
            payload = json.loads(body or "{}")
            try:
                result = stack.invoke(by_name[name], payload)
            except Exception as error:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
            return json.dumps(result).encode()

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    def _seed_secrets(self) -> None:
        self.put_secrets(devsecrets.ssm_values())

    def put_secrets(self, values: Mapping[str, str]) -> None:
        """Store SecureStrings under the stack's secrets prefix (names relative to it)."""
        ssm = self.client("ssm")
        prefix = self.environment["SECRETS_PREFIX"].rstrip("/")
        for name, value in values.items():
            ssm.put_parameter(Name=f"{prefix}/{name}", Value=value, Type="SecureString", Overwrite=True)

    # -- functions -------------------------------------------------------------------------------
    def event_sources(self, kind: str) -> list[dict[str, Any]]:
        """Every function's event source of one kind (``DynamoDB``, ``SQS``), resolved."""
        mappings = []
        for logical_id, resource in resources(self.template, "AWS::Serverless::Function").items():
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == kind:
                    mappings.append({"function": logical_id, **self.resolver.resolve(event["Properties"])})
        return mappings

    def stream_mappings(self) -> list[dict[str, Any]]:
        """Every function's DynamoDB stream event source, resolved."""
        return self.event_sources("DynamoDB")

    def queue_mappings(self) -> list[dict[str, Any]]:
        """Every function's SQS event source, resolved."""
        return self.event_sources("SQS")

    def subscribe_queue(self, name: str, event_types: list[str], topic: str = "TicketEventsTopic") -> str:
        """An SQS queue subscribed (raw delivery) to a template topic, filtered on ``event_type``."""
        sns, sqs = self.client("sns"), self.client("sqs")
        url = str(sqs.create_queue(QueueName=name)["QueueUrl"])
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=self.resolver.physical[topic],
            Protocol="sqs",
            Endpoint=arn,
            Attributes={
                "FilterPolicy": json.dumps({"event_type": event_types}),
                "RawMessageDelivery": "true",
            },
        )
        return url

    def schedules(self) -> list[dict[str, Any]]:
        """Every function's enabled ScheduleV2 event, resolved: function, expression, input.

        A schedule whose ``State`` resolves to ``DISABLED`` (or ``Enabled: false``) is left out, as
        EventBridge would never fire it (e.g. RefitFunction's with ``RefitSchedule=none``).
        """
        found = []
        for logical_id, resource in resources(self.template, "AWS::Serverless::Function").items():
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] in ("ScheduleV2", "Schedule"):
                    props = self.resolver.resolve(event["Properties"])
                    if props.get("State", "ENABLED") == "DISABLED" or props.get("Enabled") is False:
                        continue
                    found.append(
                        {
                            "function": logical_id,
                            "expression": props.get("ScheduleExpression") or props.get("Schedule"),
                            "input": props.get("Input", "{}"),
                        }
                    )
        return found

    def tick(self, scheduled_time: datetime, functions: Collection[str] | None = None) -> list[Any]:
        """Fire every schedule due at ``scheduled_time`` once, as EventBridge Scheduler would (only
        those of ``functions``, logical ids, when given); return the runs' results in template order.

        ``rate(N unit)`` schedules are taken as aligned to the epoch (``rate(1 day)`` fires at 00:00 UTC).
        Scheduler invokes a Lambda target asynchronously, so a function error is retried as Lambda
        retries it (twice) and then dropped; the next run picks up what it left.
        """
        stamp = scheduled_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        results = []
        for schedule in self.schedules():
            if not _due(schedule["expression"], scheduled_time):
                continue
            if functions is not None and schedule["function"] not in functions:
                continue
            payload = json.loads(schedule["input"].replace("<aws.scheduler.scheduled-time>", stamp))
            for attempt in range(1 + ASYNC_RETRIES):
                try:
                    results.append(self.invoke(schedule["function"], payload))
                    break
                except Exception:  # Lambda retries a failed asynchronous invocation, then drops it
                    logging.getLogger(__name__).warning(
                        "scheduled %s failed (attempt %d)", schedule["function"], attempt + 1, exc_info=True
                    )
        return results

    def wait_for_executions(self, timeout: float = 30) -> bool:
        """Block until no state machine execution is running (moto runs them on threads).

        Returns whether any was running (so its writes may have put new records on the stream).
        """
        from moto.stepfunctions.parser.api import ExecutionStatus
        from moto.stepfunctions.responses import get_backend

        deadline = time.monotonic() + timeout
        waited = False
        while time.monotonic() < deadline:
            # read in-process (ListExecutions serialises every execution on every poll), from the
            # first execution not yet seen finished: moto runs an execution once (no RedriveExecution)
            running = False
            for arn in self.state_machines.values():
                executions = (
                    get_backend(arn.split(":")[4], arn.split(":")[3]).describe_state_machine(arn).executions
                )
                settled = self._settled_executions.get(arn, 0)
                if settled > len(executions):  # the machine was reset (a fresh backend)
                    settled = 0
                while settled < len(executions) and executions[settled].status != ExecutionStatus.RUNNING:
                    settled += 1
                self._settled_executions[arn] = settled
                running = running or any(e.status == ExecutionStatus.RUNNING for e in executions[settled:])
            if not running:
                return waited
            waited = True
            time.sleep(0.02)
        raise TimeoutError("state machine executions still running")

    def pump(self, timeout: float = 60) -> int:
        """Deliver stream records and visible queue messages to their functions and wait for the
        executions, until quiet.

        Returns the number of stream records and queue messages delivered.
        """
        delivered = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count, waited = self.pump_round(max(1.0, deadline - time.monotonic()))
            delivered += count
            if count == 0 and not waited:
                return delivered
        raise TimeoutError("the stream did not go quiet")

    def pump_round(self, timeout: float = 60) -> tuple[int, bool]:
        """One poll: deliver what the stream and the queues hold now, wait for the executions it started.

        Returns how many records and messages were delivered and whether any execution ran.
        """
        count = self.streams.deliver() + self.queues.deliver()
        return count, self.wait_for_executions(timeout)

    def _functions(self) -> dict[str, LocalFunction]:
        globals_ = self.template.get("Globals", {}).get("Function", {})
        base_env = (globals_.get("Environment") or {}).get("Variables", {})
        functions = {}
        for logical_id, resource in resources(self.template, "AWS::Serverless::Function").items():
            props = resource["Properties"]
            own_env = (props.get("Environment") or {}).get("Variables", {})
            environment = {k: str(v) for k, v in self.resolver.resolve({**base_env, **own_env}).items()}
            function = LocalFunction(
                logical_id,
                props["Handler"],
                environment,
                timeout_seconds=int(self.resolver.resolve(props.get("Timeout", globals_.get("Timeout", 3)))),
                memory_mb=int(
                    self.resolver.resolve(props.get("MemorySize", globals_.get("MemorySize", 128)))
                ),
            )
            for event in (props.get("Events") or {}).values():
                if event["Type"] == "HttpApi":
                    spec = event["Properties"]
                    authorizer = (spec.get("Auth") or {}).get("Authorizer")
                    function.routes.append(
                        HttpRoute(spec["Method"].upper(), spec["Path"], logical_id, authorizer)
                    )
            functions[logical_id] = function
        return functions

    def _apply_environment(self) -> None:
        merged: dict[str, str] = {}
        for function in self.functions.values():
            for key, value in function.environment.items():
                if merged.get(key, value) != value:
                    raise ValueError(f"functions disagree on {key}; the local runtime shares one process")
                merged[key] = value
        self.environment = merged
        os.environ.update(merged)
        from socialdesk import bootstrap

        bootstrap.reset()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke a function's handler in-process with ``event`` (its template IAM policy enforced)."""
        function = self.functions[logical_id]
        token = iam.current_function.set(logical_id)
        try:
            context = LambdaContext(
                function_name=self._name(logical_id),
                memory_limit_in_mb=function.memory_mb,
                timeout_seconds=function.timeout_seconds,
            )
            return function.run(event, context)
        finally:
            iam.current_function.reset(token)

    def dispatcher(self, logical_id: str = "DispatchFunction") -> Callable[[list[dict[str, Any]]], set[str]]:
        """Invoke a stream function with records, as ``socialdesk.tools.redrive`` invokes the deployed one."""

        def dispatch(records: list[dict[str, Any]]) -> set[str]:
            every = {r["dynamodb"]["SequenceNumber"] for r in records}
            try:
                result = self.invoke(logical_id, {"Records": records}) or {}
            except Exception:  # a function error: Lambda reports FunctionError, every record failed
                return every
            return {str(f["itemIdentifier"]) for f in result.get("batchItemFailures", [])} & every

        return dispatch

    def _policy_enforcer(self) -> iam.PolicyEnforcer:
        """Each function's template policy, resolved, as the local IAM check (see local/iam.py)."""
        mode = os.environ.get("SOCIALDESK_LOCAL_IAM", "enforce")
        policies = {}
        for logical_id, resource in resources(self.template, "AWS::Serverless::Function").items():
            resolved = self.resolver.resolve(resource["Properties"].get("Policies") or [])
            policies[logical_id] = [] if mode == "record" else iam.statements_of(resolved, logical_id)
        schema: dict[str, dict[str, str]] = {}
        for logical_id, resource in resources(self.template, "AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            keys = {"": _hash_key(props["KeySchema"])}
            for index in props.get("GlobalSecondaryIndexes", []) + props.get("LocalSecondaryIndexes", []):
                keys[index["IndexName"]] = _hash_key(index["KeySchema"])
            schema[self.resolver.physical[logical_id]] = keys
        return iam.PolicyEnforcer(policies, schema, enforce=mode != "record")

    def http_api_settings(self) -> dict[str, Any]:
        """The HttpApi's JWT authorizers, resolved: name → {issuer, audience}."""
        apis = resources(self.template, "AWS::Serverless::HttpApi")
        authorizers: dict[str, Any] = {}
        for api in apis.values():
            auth = self.resolver.resolve((api.get("Properties") or {}).get("Auth") or {})
            for name, spec in (auth.get("Authorizers") or {}).items():
                config = spec.get("JwtConfiguration") or {}
                authorizers[name] = {"issuer": config.get("issuer"), "audience": config.get("audience", [])}
        return authorizers

    def close(self) -> None:
        """Stop moto and forget cached clients."""
        from moto.awslambda_simple.models import LambdaSimpleBackend

        from socialdesk import bootstrap

        if getattr(self, "_original_invoke", None) is not None:
            with contextlib.suppress(TimeoutError):  # closing anyway
                self.wait_for_executions(10)
            LambdaSimpleBackend.invoke = self._original_invoke  # type: ignore[method-assign]
            self._original_invoke = None
        bootstrap.reset()
        import boto3

        boto3._get_default_session().events.unregister("choose-signer", unique_id=_UNSIGNED_ID)
        if getattr(self, "_uninstall_iam", None) is not None:
            self._uninstall_iam()
            self._uninstall_iam = None
            _record_iam(self.iam)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None


_UNSIGNED_ID = "socialdesk-local-unsigned"


def _unsigned(signature_version: str = "", **_: Any) -> Any:
    """Requests to the in-process moto go unsigned: nothing checks a SigV4 signature locally (moto
    takes the account and region from the URL and the defaults), and signing cost 5 % of a replay's
    CPU. Presigned URLs are still signed."""
    import botocore

    if str(signature_version).endswith(("-query", "-presign-post")):
        return None
    return botocore.UNSIGNED


def _desk_now() -> datetime:
    """Now on the functions' clock, looked up at each call (tests and the fault suite move it)."""
    from socialdesk import bootstrap

    return bootstrap.clock()


def _record_iam(enforcer: iam.PolicyEnforcer) -> None:
    """Append what the functions called to $SOCIALDESK_LOCAL_IAM_LOG (for writing policies)."""
    path = os.environ.get("SOCIALDESK_LOCAL_IAM_LOG")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as log:
        for function, request in sorted(enforcer.seen, key=str):
            log.write(
                json.dumps([function, request.action, request.resource, list(request.leading_keys)]) + "\n"
            )


def _hash_key(schema: list[dict[str, str]]) -> str:
    return next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled")}
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    return converted


#: Lambda's retries of a failed asynchronous invocation (no EventInvokeConfig in the template)
ASYNC_RETRIES = 2
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def _due(expression: str, at: datetime) -> bool:
    """Whether a ``rate(...)`` schedule fires in the minute ``at`` (any other expression: always)."""
    match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression.strip())
    if not match:
        return True
    every = int(match[1]) * _UNIT_MINUTES[match[2]]
    return int(at.timestamp() // 60) % every == 0
