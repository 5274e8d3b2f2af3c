"""template.yaml ⇄ statemachines/*.asl.json ⇄ handlers: placeholders, Retry/Catch, Lambda tasks."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest

from local.template import ROOT, load, resources

TEMPLATE = load()
MACHINES = resources(TEMPLATE, "AWS::Serverless::StateMachine")
FUNCTIONS = resources(TEMPLATE, "AWS::Serverless::Function")
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def _definition(resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    text = (ROOT / resource["Properties"]["DefinitionUri"]).read_text()
    return text, json.loads(text)


def _tasks(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: state for name, state in definition["States"].items() if state["Type"] == "Task"}


@pytest.mark.parametrize("machine", MACHINES, ids=list(MACHINES))
def test_every_placeholder_is_substituted_and_every_substitution_used(machine: str) -> None:
    resource = MACHINES[machine]
    text, _ = _definition(resource)
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))
    substitutions = set(resource["Properties"]["DefinitionSubstitutions"])
    assert placeholders == substitutions


@pytest.mark.parametrize("machine", MACHINES, ids=list(MACHINES))
def test_every_task_has_retry_and_catch(machine: str) -> None:
    _, definition = _definition(MACHINES[machine])
    for name, state in _tasks(definition).items():
        assert state.get("Retry"), f"{name} has no Retry"
        assert state.get("Catch"), f"{name} has no Catch"
        for catch in state["Catch"]:
            assert catch["Next"] in definition["States"], f"{name} catches into a missing state"


@pytest.mark.parametrize("machine", MACHINES, ids=list(MACHINES))
def test_lambda_tasks_retry_service_errors_and_exist_in_the_template(machine: str) -> None:
    resource = MACHINES[machine]
    _, definition = _definition(resource)
    substitutions = resource["Properties"]["DefinitionSubstitutions"]
    for name, state in _tasks(definition).items():
        placeholder = re.fullmatch(r"\$\{([A-Za-z0-9_]+)\}", state["Resource"])
        if not placeholder:
            assert state["Resource"].startswith("arn:aws:states:::"), name
            continue
        target = substitutions[placeholder.group(1)]
        assert "Fn::GetAtt" in target and target["Fn::GetAtt"][1] == "Arn", name
        function = target["Fn::GetAtt"][0]
        assert function in FUNCTIONS, f"{name} invokes {function}, which the template lacks"
        module, _, attribute = FUNCTIONS[function]["Properties"]["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute))
        retried = {error for retry in state["Retry"] for error in retry["ErrorEquals"]}
        assert retried >= LAMBDA_SERVICE_ERRORS, f"{name} does not retry Lambda service errors"


@pytest.mark.parametrize("machine", MACHINES, ids=list(MACHINES))
def test_every_state_is_reachable_and_every_next_exists(machine: str) -> None:
    _, definition = _definition(MACHINES[machine])
    states = definition["States"]
    reachable, frontier = set(), [definition["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name in reachable:
            continue
        reachable.add(name)
        state = states[name]
        targets = [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", [])] + [c["Next"] for c in state.get("Catch", [])]
        for target in filter(None, targets):
            assert target in states, f"{name} → missing state {target}"
            frontier.append(target)
    assert reachable == set(states)


def test_route_mention_is_express_and_logs_no_execution_data() -> None:
    props = MACHINES["RouteMentionStateMachine"]["Properties"]
    assert props["Type"] == "EXPRESS"
    assert props["Logging"]["IncludeExecutionData"] is False  # message text is never logged


def test_stream_mapping_reports_partial_failures_bisects_and_dead_letters() -> None:
    stream = FUNCTIONS["DispatchFunction"]["Properties"]["Events"]["MentionStream"]["Properties"]
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["BisectBatchOnFunctionError"] is True
    assert stream["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["RoutingDeadLetterQueue", "Arn"]
    }
    alarms = resources(TEMPLATE, "AWS::CloudWatch::Alarm")
    assert any(a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible" for a in alarms.values())


@pytest.mark.parametrize("machine", MACHINES, ids=list(MACHINES))
def test_every_error_name_the_asl_matches_is_a_real_exception(machine: str) -> None:
    """A Retry or Catch naming an error nobody raises would silently never match."""
    import inspect

    from socialdesk.domain import errors

    _, definition = _definition(MACHINES[machine])
    ours = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception)
    }
    for name, state in _tasks(definition).items():
        for clause in [*state.get("Retry", []), *state.get("Catch", [])]:
            for error in clause["ErrorEquals"]:
                platform = error.startswith(("States.", "Lambda."))
                assert platform or error in ours, f"{name} matches {error}, which no module raises"
