"""Operations: every failure operators must see has an alarm on OpsAlertsTopic; every function keeps logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template import ROOT, load, resources

TEMPLATE = load()
ALARMS = resources(TEMPLATE, "AWS::CloudWatch::Alarm")
SOURCE = "\n".join(p.read_text() for p in (ROOT / "functions" / "socialdesk").rglob("*.py"))


def watched(alarm: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(namespace, metric, dimension value or logical id) for every metric an alarm reads."""
    props = alarm["Properties"]
    metrics = (
        [props]
        if "MetricName" in props
        else [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
    )
    found = set()
    for metric in metrics:
        for dimension in metric.get("Dimensions") or [{"Value": ""}]:
            value = dimension["Value"]
            if isinstance(value, dict):
                value = value.get("Ref") or value.get("Fn::GetAtt", [""])[0]
            found.add((metric["Namespace"], metric["MetricName"], str(value)))
    return found


ALL_WATCHED = {item for alarm in ALARMS.values() for item in watched(alarm)}

#: issue 7's "failures operators never see", each with the metric that shows it
FAILURES = {
    "webhook errors": ("AWS/Lambda", "Errors", "WebhookFunction"),
    "webhook throttles": ("AWS/Lambda", "Throttles", "WebhookFunction"),
    "API 5xx": ("AWS/ApiGateway", "5xx", "HttpApi"),
    "rejected deliveries (X)": ("SocialDesk", "DeliveriesRejected", "x"),
    "rejected deliveries (Meta)": ("SocialDesk", "DeliveriesRejected", "meta"),
    "rejected deliveries (generic)": ("SocialDesk", "DeliveriesRejected", "generic"),
    "stream IteratorAge": ("AWS/Lambda", "IteratorAge", "DispatchFunction"),
    "escalation errors": ("AWS/Lambda", "Errors", "EscalateFunction"),
    "escalation not running": ("AWS/Lambda", "Invocations", "EscalateFunction"),
    "missed schedule": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "EscalationScheduleDeadLetterQueue"),
    "replies failed permanently (API)": ("SocialDesk", "Replies_failed", "socialdesk"),
    "replies failed permanently (retries)": ("SocialDesk", "ReplyRetries_failed", "socialdesk"),
    "replies whose delivery nobody can verify": ("SocialDesk", "RepliesUnverified", "socialdesk"),
    "replies failed after every retry": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "OutboundDeadLetterQueue",
    ),
    "routing dead letters": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "RoutingDeadLetterQueue"),
    "routing failed after triage": ("AWS/States", "ExecutionsFailed", "RouteMentionStateMachine"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_every_failure_has_an_alarm(failure: str) -> None:
    assert FAILURES[failure] in ALL_WATCHED


def test_every_alarm_notifies_the_exported_ops_topic() -> None:
    for name, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OpsAlertsTopic"}], name
    output = TEMPLATE["Outputs"]["OpsAlertsTopicArn"]
    assert output["Value"] == {"Ref": "OpsAlertsTopic"} and "Export" in output


def test_the_custom_metrics_alarms_read_are_still_emitted_by_the_code() -> None:
    # a renamed metric would leave its alarm silent forever
    for namespace, metric, _ in ALL_WATCHED:
        if namespace != "SocialDesk":
            continue
        emitted = metric.split("_")[0] + "_" if "_" in metric else metric
        assert f'"{emitted}' in SOURCE or f'name="{metric}"' in SOURCE, metric


def test_every_function_has_a_log_group_with_retention() -> None:
    groups = resources(TEMPLATE, "AWS::Logs::LogGroup").values()
    names = {str(g["Properties"].get("LogGroupName", {}).get("Fn::Sub", "")) for g in groups}
    for group in groups:
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for function in resources(TEMPLATE, "AWS::Serverless::Function"):
        assert f"/aws/lambda/${{{function}}}" in names, function


def test_the_schedule_has_a_dead_letter_queue() -> None:
    events = TEMPLATE["Resources"]["EscalateFunction"]["Properties"]["Events"]
    (schedule,) = (e for e in events.values() if e["Type"] == "ScheduleV2")
    assert schedule["Properties"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["EscalationScheduleDeadLetterQueue", "Arn"]}
    }


def test_the_readme_explains_every_alarm() -> None:
    operations = (ROOT / "README.md").read_text().split("## Operations", 1)[1].split("\n## ", 1)[0]
    for name in ALARMS:
        assert f"`{name}`" in operations, name


def test_the_webhook_and_agent_routes_have_their_own_throttles_and_concurrency_is_optional() -> None:
    props = {k: v["Properties"] for k, v in resources(TEMPLATE, "AWS::Serverless::Function").items()}
    for function, prefix in (("WebhookFunction", "Webhook"), ("AgentApiFunction", "AgentApi")):
        for event in props[function]["Events"].values():
            if event["Type"] == "HttpApi":
                assert event["Properties"]["RouteSettings"] == {
                    "ThrottlingRateLimit": {"Ref": f"{prefix}ThrottleRateLimit"},
                    "ThrottlingBurstLimit": {"Ref": f"{prefix}ThrottleBurstLimit"},
                }
    reserved = props["WebhookFunction"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": [
            "WebhookConcurrencyReserved",
            {"Ref": "WebhookReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert TEMPLATE["Parameters"]["WebhookReservedConcurrency"]["Default"] == 0  # new accounts: quota 10


def test_runtime_and_architecture_are_parameters_defaulting_to_python313_arm64() -> None:
    functions = TEMPLATE["Globals"]["Function"]
    assert functions["Runtime"] == {"Ref": "LambdaRuntime"}
    assert functions["Architectures"] == [{"Ref": "LambdaArchitecture"}]
    assert TEMPLATE["Parameters"]["LambdaRuntime"]["Default"] == "python3.13"
    assert TEMPLATE["Parameters"]["LambdaArchitecture"]["Default"] == "arm64"
    layer = TEMPLATE["Resources"]["DepsLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == {"Ref": "LambdaArchitecture"}
    assert layer["Properties"]["CompatibleRuntimes"] == [{"Ref": "LambdaRuntime"}]
    assert layer["Properties"]["CompatibleArchitectures"] == [{"Ref": "LambdaArchitecture"}]
    assert "--platform" in Path(ROOT / "layers" / "deps" / "Makefile").read_text()


def test_the_built_artifacts_carry_bytecode_for_the_target_interpreter() -> None:
    # Lambda's /opt and /var/task are read-only: modules without .pyc files compile at every cold start
    for makefile in (ROOT / "layers" / "deps" / "Makefile", ROOT / "functions" / "Makefile"):
        assert "compileall" in makefile.read_text() and "unchecked-hash" in makefile.read_text(), makefile
    assert "BYTECODE_PYTHON=$(BYTECODE_PYTHON)" in (ROOT / "Makefile").read_text()


def test_a_built_layer_matches_its_target_platform_and_interpreter() -> None:
    # `make test` builds before pytest; `make build LAMBDA_ARCHITECTURE=x86_64 LAMBDA_RUNTIME=python3.12` too
    built = ROOT / ".aws-sam" / "build"
    if not (built / "DepsLayer").is_dir():
        pytest.skip("no sam build output (make build)")
    layer = load(built / "template.yaml")["Resources"]["DepsLayer"]
    machine = {"arm64": "aarch64", "x86_64": "x86_64"}[layer["Metadata"]["BuildArchitecture"]]
    (native,) = (built / "DepsLayer" / "python" / "pydantic_core").glob("_pydantic_core.*.so")
    interpreter, version, platform = native.name.split(".")[1].split("-", 2)  # cpython 313 aarch64-linux-gnu
    assert platform == f"{machine}-linux-gnu"
    tag = f"{interpreter}-{version}"
    bytecode = {p.name.split(".")[1] for p in (built / "DepsLayer" / "python").rglob("*.pyc")}
    assert bytecode <= {tag}, f"bytecode for {bytecode - {tag}} in a {tag} layer"
