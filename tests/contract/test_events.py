"""Contract tests: events/ ⇄ template.yaml ⇄ the channels' signature checks ⇄ local.make_events."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from local import make_events
from local.devsecrets import DEFAULTS
from local.template import ROOT, load, resources
from socialdesk.channels import generic, meta, x
from socialdesk.domain.errors import SignatureInvalid

EVENTS = ROOT / "events"
ENV_FILE = "env.json"
#: events whose name says they must not (or need not) pass the signature check
UNSIGNED_MARKERS = ("bad-signature", "malformed", "wrong-token", "stale")
WEBHOOK_BY_ROUTE = {
    "POST /webhooks/x": "x",
    "POST /webhooks/meta": "meta",
    "POST /webhooks/generic/{source}": "generic",
}
_NAME = re.compile(r"^(x|meta|generic)-[a-z0-9]+(-[a-z0-9]+)*\.json$")


def _event_files() -> list[Path]:
    return sorted(path for path in EVENTS.glob("*.json") if path.name != ENV_FILE)


FILES = _event_files()
IDS = [path.stem for path in FILES]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _template_routes() -> dict[str, str]:
    """routeKey → function logical id, for every HttpApi event in template.yaml."""
    routes = {}
    for logical_id, function in resources(load(), "AWS::Serverless::Function").items():
        for spec in (function["Properties"].get("Events") or {}).values():
            if spec["Type"] == "HttpApi":
                props = spec["Properties"]
                routes[f"{props['Method'].upper()} {props['Path']}"] = logical_id
    return routes


def _body(event: dict[str, Any]) -> bytes:
    body = event["body"]
    return base64.b64decode(body) if event["isBase64Encoded"] else body.encode("utf-8")


def _verify(event: dict[str, Any]) -> None:
    """Raise SignatureInvalid unless the event is signed with the documented dev secrets."""
    body, headers = _body(event), event["headers"]
    webhook = WEBHOOK_BY_ROUTE[event["routeKey"]]
    if webhook == "x":
        x.verify_signature(DEFAULTS["X_CONSUMER_SECRET"], body, headers.get(x.SIGNATURE_HEADER))
    elif webhook == "meta":
        meta.verify_signature(DEFAULTS["META_APP_SECRET"], body, headers.get(meta.SIGNATURE_HEADER))
    else:
        header = headers.get(generic.SIGNATURE_HEADER, "")
        signed_at = re.search(r"(?:^|,)\s*t=(\d+)", header)
        assert signed_at, f"{generic.SIGNATURE_HEADER} has no t="
        # checked against its own t: the fixed timestamps are long past the 300 s window
        now = int(signed_at.group(1))
        generic.verify_signature(DEFAULTS["GENERIC_WEBHOOK_SECRET"], body, header, now=now)


def test_events_exist() -> None:
    assert FILES, f"no events in {EVENTS}: run `make events`"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_event_is_a_payload_2_event_of_a_template_route(path: Path) -> None:
    # Given an event file
    event = _load(path)
    routes = _template_routes()

    # Then it is shaped like API Gateway's payload format 2.0
    assert _NAME.match(path.name), "name must be <webhook>-<scenario>.json, lower-case with hyphens"
    assert event["version"] == "2.0"
    assert event["routeKey"] in routes, f"{event['routeKey']} is not a route of template.yaml"
    assert routes[event["routeKey"]] == make_events.FUNCTION
    assert event["requestContext"]["routeKey"] == event["routeKey"]
    method, _, route_path = event["routeKey"].partition(" ")
    assert event["requestContext"]["http"]["method"] == method
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route_path))
    assert re.fullmatch(pattern, event["rawPath"])
    assert isinstance(event["headers"], dict)
    assert all(name == name.lower() for name in event["headers"])
    assert isinstance(event["isBase64Encoded"], bool)
    if method == "POST":
        assert isinstance(event["body"], str)
        assert path.stem.split("-", 1)[0] == WEBHOOK_BY_ROUTE[event["routeKey"]]
    else:
        # API Gateway leaves ``body`` out of a request that has none
        assert isinstance(event.get("body", ""), str)


SIGNED = [
    p for p in FILES if not any(m in p.stem for m in UNSIGNED_MARKERS) and "POST" in _load(p)["routeKey"]
]
BAD = [p for p in FILES if "bad-signature" in p.stem]


@pytest.mark.parametrize("path", SIGNED, ids=[p.stem for p in SIGNED])
def test_event_is_signed_with_the_dev_secrets(path: Path) -> None:
    _verify(_load(path))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_signature_event_is_rejected(path: Path) -> None:
    event = _load(path)
    json.loads(_body(event))  # the body itself is fine: only the signature is wrong
    with pytest.raises(SignatureInvalid):
        _verify(event)


def test_every_webhook_has_a_bad_signature_event() -> None:
    assert {p.stem.split("-", 1)[0] for p in BAD} == set(WEBHOOK_BY_ROUTE.values())


def test_x_tweet_ids_are_exact_strings_beyond_2_53() -> None:
    # Given every tweet X delivers in the events (v1.1 carries both the number and the string)
    tweets = []
    for path in FILES:
        event = _load(path)
        if event["routeKey"] != "POST /webhooks/x" or "malformed" in path.stem:
            continue
        for tweet in json.loads(_body(event)).get("tweet_create_events", []):
            tweets += [tweet, *([tweet["quoted_status"]] if "quoted_status" in tweet else [])]
    assert tweets
    for tweet in tweets:
        assert len(tweet["id_str"]) == 19
        assert tweet["id"] == int(tweet["id_str"]) > 2**53


def test_make_events_reproduces_the_committed_files(tmp_path: Path) -> None:
    # Given the committed events/ and a fresh regeneration
    written = make_events.write_all(tmp_path)

    # Then the same files come out, byte for byte
    assert written == sorted(written)
    assert sorted(p.name for p in written) == sorted(p.name for p in EVENTS.glob("*.json"))
    for path in written:
        assert path.read_bytes() == (EVENTS / path.name).read_bytes(), (
            f"{path.name} differs: run `make events`"
        )


def test_env_json_names_only_template_functions() -> None:
    # Given env.json for `sam local invoke --env-vars`
    env = json.loads((EVENTS / ENV_FILE).read_text(encoding="utf-8"))
    template = load()
    functions = resources(template, "AWS::Serverless::Function")
    declared = template["Globals"]["Function"]["Environment"]["Variables"]

    # Then every key is a template function, with string values for the template's variables
    assert env
    assert set(env) <= set(functions)
    assert make_events.FUNCTION in env
    for logical_id, variables in env.items():
        own = (functions[logical_id]["Properties"].get("Environment") or {}).get("Variables", {})
        assert set(variables) <= {*declared, *own}
        assert all(isinstance(value, str) for value in variables.values())


def test_the_refit_schedule_event_is_the_templates_input_and_valid_for_its_handler() -> None:
    # Given events/schedules/refit.json (for `sam local invoke RefitFunction -e ...`)
    from socialdesk.handlers.refit import RefitRun

    event = _load(EVENTS / "schedules" / "refit.json")
    schedule = load()["Resources"]["RefitFunction"]["Properties"]["Events"]["Refit"]["Properties"]
    # Then it is what the schedule sends, with Scheduler's placeholder filled in, and the handler takes it
    sent = json.loads(schedule["Input"].replace("<aws.scheduler.scheduled-time>", event["scheduled_time"]))
    assert event == sent
    assert RefitRun.model_validate(event).scheduled_time.tzinfo is not None
