"""The agent API's route groups: a cold start imports only the core ticket routes; every other group is
registered on its first request (docs/decisions/0007-cost.md, "Cold start") and answers it, validated."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GROUP_PREFIX = "socialdesk.handlers.agent_api_"
#: modules only the lazily registered groups need; the handler's cold import must not load them
GROUP_ONLY = (
    "socialdesk.domain.incident",
    "socialdesk.domain.correction",
    "socialdesk.domain.canned",
    "socialdesk.logic.incidents",
    "socialdesk.logic.record_correction",
    "socialdesk.logic.canned",
    "socialdesk.logic.outreach",
    "socialdesk.logic.configure",
    "socialdesk.logic.reports",
    "socialdesk.logic.privacy_requests",
    "socialdesk.logic.assignment",
)

#: each group's first request in a fresh interpreter, and what it answers: a read (200), or an empty
#: body, which the route's request validation refuses (400 invalid_payload) - so it matched and validated
FIRST_REQUESTS = [
    ("agents", "GET", "/teams", None, 200),
    ("canned", "GET", "/tickets/T-nope/canned-responses", None, 404),
    ("canned", "GET", "/canned-responses?team=customer-care", None, 200),
    ("corrections", "POST", "/tickets/T-nope/corrections", {}, 400),
    ("outreach", "POST", "/outreach", {}, 400),
    ("reports", "GET", "/reports/desk", None, 200),
    ("policy", "GET", "/config/policy", None, 200),
    ("incidents", "GET", "/incidents", None, 200),
    ("privacy", "POST", "/privacy/erasures", {}, 400),
    (None, "GET", "/tickets/T-nope", None, 404),
]

SCRIPT = """
import json, sys
from local.gateway import LocalGateway
from local.stack import LocalStack
import socialdesk.handlers.agent_api  # noqa: F401 - the Lambda's init
from tests.support.routing import call

def loaded(prefix):
    return sorted(m for m in sys.modules if m.startswith(prefix))

report = {"cold": loaded("socialdesk."), "answers": []}
stack = LocalStack()
try:
    gateway = LocalGateway(stack)
    for group, method, path, body, _ in json.loads(sys.argv[1]):
        before = loaded("socialdesk.handlers.agent_api_")
        response = call(gateway, method, path, body, role="admin")
        report["answers"].append(
            {"group": group, "path": path, "status": response.status, "body": response.json(),
             "before": before, "after": loaded("socialdesk.handlers.agent_api_")}
        )
finally:
    stack.close()
print(json.dumps(report))
"""


def _fresh_interpreter() -> dict[str, Any]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", SCRIPT, json.dumps(FIRST_REQUESTS)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=True,
        timeout=300,
    ).stdout
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def test_a_cold_start_imports_no_group_and_each_group_answers_its_first_request() -> None:
    report = _fresh_interpreter()
    cold = set(report["cold"])
    assert not {m for m in cold if m.startswith(GROUP_PREFIX)}
    assert not cold & set(GROUP_ONLY)
    answers = report["answers"]
    seen: set[str] = set()
    for (group, _, path, _, status), answer in zip(FIRST_REQUESTS, answers, strict=True):
        assert answer["status"] == status, answer
        body = answer["body"]
        if status == 400:
            assert body["error"] == "invalid_payload", answer
        if status == 404:
            assert body["error"] == "not_found", answer  # the route's own 404, not "no such route"
        loaded = {m.removeprefix(GROUP_PREFIX) for m in answer["after"]}
        if group:
            seen.add(group)
            assert loaded == seen, (path, loaded)  # its own group, and no other
        else:
            assert loaded == seen, (path, loaded)


def test_route_groups_name_exactly_the_module_that_registers_each_route() -> None:
    from socialdesk.handlers.agent_api import ROUTE_GROUPS, app, register_routes, route_group

    register_routes()
    routes = app._static_routes + app._dynamic_routes
    assert {r.func.__module__.removeprefix(GROUP_PREFIX) for r in routes} - {
        "socialdesk.handlers.agent_api"
    } == set(ROUTE_GROUPS.values())
    for route in routes:
        sample = re.sub(r"<[^>]+>", "x-1", route.path)
        module = route.func.__module__
        expected = module.removeprefix(GROUP_PREFIX) if module.startswith(GROUP_PREFIX) else None
        assert route_group(sample) == expected, route.path


def test_no_route_shadows_another_whatever_order_the_groups_registered_in() -> None:
    """Static routes are matched before dynamic ones, dynamic ones in registration order; that order
    depends on which group a container loaded first, so no two routes of a method may match one path."""
    from socialdesk.handlers.agent_api import app, register_routes

    register_routes()
    routes = app._static_routes + app._dynamic_routes
    for route in routes:
        for value in ("x-1", "openapi.json", "canned-responses", "policy", "audit", "me"):
            sample = re.sub(r"<[^>]+>", value, route.path)
            matching = [r.path for r in routes if r.method == route.method and r.rule.match(sample)]
            static = [p for p in matching if "<" not in p]
            # one route answers; a static route beside dynamic ones wins in any order (matched first)
            assert len(matching) == 1 or len(static) == 1, (route.method, sample, matching)


def test_a_path_the_api_does_not_declare_is_a_404_with_its_reason_even_invoked_directly() -> None:
    from local.gateway import LocalGateway, build_event
    from local.stack import LocalStack

    stack = LocalStack()
    try:
        gateway = LocalGateway(stack)
        route, _ = gateway.match("GET", "/tickets/T-1") or (None, None)
        assert route is not None
        claims = {"sub": "a", "teams": ["customer-care"], "role": "agent"}
        for path in ("/tickets/T-1/no-such-action", "/nothing-here"):
            event = build_event(
                route, path=path, path_parameters={}, query="", headers={}, body=None, claims=claims
            )
            answer = gateway.invoke(route, event)
            assert answer.status == 404, answer.body[:200]
            assert answer.json() == {"error": "not_found", "reason": "no such route"}
    finally:
        stack.close()
