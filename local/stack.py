"""The local stack: moto resources and in-process functions, all read from template.yaml."""

from __future__ import annotations

import importlib
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from local import devsecrets
from local.template import Resolver, load, parameter_defaults, resources

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
    """A template function, invoked in-process."""

    logical_id: str
    handler: str
    environment: dict[str, str]
    routes: list[HttpRoute] = field(default_factory=list)

    def entrypoint(self) -> Any:
        """Import the handler the way the Lambda runtime would (``module.function``)."""
        module, _, attribute = self.handler.rpartition(".")
        return getattr(importlib.import_module(module), attribute)


@dataclass
class LambdaContext:
    """The subset of the Lambda context object powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        """A plausible ARN for the local function."""
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Plenty of time: local invocations are not cut off."""
        return 300_000


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
        self.template = load()
        self.resolver = Resolver(
            parameters={**parameter_defaults(self.template), **(parameter_overrides or {})},
            conditions=self.template.get("Conditions", {}),
        )
        self._create_tables()
        self._create_buckets()
        self.functions = self._functions()
        self.routes = [route for fn in self.functions.values() for route in fn.routes]
        self._apply_environment()
        self._seed_secrets()

    # -- resources -------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client bound to the local (moto) backend."""
        return self.session.client(service)

    def _name(self, logical_id: str) -> str:
        return f"socialdesk-local-{logical_id.lower()}"

    def _create_tables(self) -> None:
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

    def _seed_secrets(self) -> None:
        ssm = self.client("ssm")
        prefix = self.environment["SECRETS_PREFIX"].rstrip("/")
        for name, value in devsecrets.ssm_values().items():
            ssm.put_parameter(Name=f"{prefix}/{name}", Value=value, Type="SecureString", Overwrite=True)

    # -- functions -------------------------------------------------------------------------------
    def _functions(self) -> dict[str, LocalFunction]:
        globals_ = self.template.get("Globals", {}).get("Function", {})
        base_env = (globals_.get("Environment") or {}).get("Variables", {})
        functions = {}
        for logical_id, resource in resources(self.template, "AWS::Serverless::Function").items():
            props = resource["Properties"]
            own_env = (props.get("Environment") or {}).get("Variables", {})
            environment = {k: str(v) for k, v in self.resolver.resolve({**base_env, **own_env}).items()}
            function = LocalFunction(logical_id, props["Handler"], environment)
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
        """Invoke a function's handler in-process with ``event`` and a local context."""
        function = self.functions[logical_id]
        return function.entrypoint()(event, LambdaContext(function_name=self._name(logical_id)))

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
        from socialdesk import bootstrap

        bootstrap.reset()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule.get("Status", "Enabled")}
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    return converted
