"""Every POST route of the template fuzzed with hostile bodies, each answer counted (a 2xx, or a 4xx naming
its ``reason``; anything else fails).

The routes come from the template (the local stack's ``routes``), so a new route is fuzzed without a change
here. Bodies are the strategies of ``tests/support/fuzz.py`` around each route's shape: the agent routes'
own shapes where there is one, else the property names of the route's request schema in the API's OpenAPI
document; webhook bodies are signed with the dev secrets so they reach the parsers, not only the signature
check. Path parameters name a seeded ticket and a real incident. ``tests/integration/test_api_fuzz.py`` runs a
few hundred bodies per route; ``make fuzz`` (``benchmarks/fuzz.py``) the 10,000.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from local import devsecrets
from local.gateway import HttpResponse, LocalGateway
from local.platforms import FakePlatforms
from local.stack import HttpRoute, LocalStack
from tests.support.fuzz import AGENT_LIMIT, AGENT_SHAPES, WEBHOOK_SHAPES, bodies, fields_shape
from tests.support.platforms import post_generic, post_meta, post_x
from tests.support.routing import deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"
#: the limit of Meta's ``signed_request`` is 8,192 characters: its JSON payload stays a little under
SIGNED_PAYLOAD_LIMIT = 6_000
DELETION_BODY_LIMIT = 64 * 1024

Sender = Callable[[LocalGateway, str, bytes], HttpResponse]


@dataclass
class Tally:
    """What one route answered."""

    route: str
    sent: int = 0
    ok: int = 0
    client: int = 0
    server: int = 0
    reasonless: int = 0
    seconds: float = 0.0
    failures: list[tuple[int, bytes, bytes]] = field(default_factory=list)  # status, body, answer

    def count(self, body: bytes, status: int, answer: bytes) -> None:
        """Count one answer (keeping the first few failing bodies)."""
        self.sent += 1
        failed = False
        if status >= 500:
            self.server += 1
            failed = True
        elif status >= 400:
            self.client += 1
            if not _has_reason(answer):
                self.reasonless += 1
                failed = True
        else:
            self.ok += 1
        if failed and len(self.failures) < 3:
            self.failures.append((status, body, answer))


def _has_reason(answer: bytes) -> bool:
    try:
        document = json.loads(answer)
    except ValueError:
        return False
    return isinstance(document, dict) and bool(document.get("reason")) and b"Traceback" not in answer


# -- senders ------------------------------------------------------------------------------------------
def _agent(token: str) -> Sender:
    def send(gateway: LocalGateway, path: str, body: bytes) -> HttpResponse:
        headers = {
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            "idempotency-key": f"fuzz-{uuid.uuid4().hex}",  # every body reaches the route, none a replay
        }
        return gateway.request("POST", path, headers, body)

    return send


def _signed_request(payload: bytes) -> str:
    """Meta's ``signed_request`` around any bytes (``meta.deletion.sign_request`` takes a dict)."""
    part = base64.urlsafe_b64encode(payload).rstrip(b"=")
    digest = hmac.new(devsecrets.value("META_APP_SECRET").encode(), part, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + "." + part.decode()


def _deletion(gateway: LocalGateway, path: str, body: bytes) -> HttpResponse:
    """Signed ``signed_request`` forms carrying the fuzzed payload, or (prefixed ``raw:``) the raw body."""
    form = (
        body[4:]
        if body.startswith(b"raw:")
        else urlencode({"signed_request": _signed_request(body)}).encode()
    )
    return gateway.request("POST", path, {"content-type": "application/x-www-form-urlencoded"}, form)


#: how each webhook route is signed, by template path
WEBHOOK_SENDERS: dict[str, Sender] = {
    "/webhooks/x": lambda gateway, path, body: post_x(gateway, body),
    "/webhooks/meta": lambda gateway, path, body: post_meta(gateway, body),
    "/webhooks/generic/{source}": lambda gateway, path, body: post_generic(
        gateway, path.rsplit("/", 1)[1], body
    ),
    "/webhooks/meta/data-deletion": _deletion,
}


def _unsigned(gateway: LocalGateway, path: str, body: bytes) -> HttpResponse:
    return gateway.request("POST", path, {"content-type": "application/json"}, body)


# -- the routes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One POST route, the concrete path fuzzed, its bodies and how they are sent."""

    route: HttpRoute
    path: str
    bodies: st.SearchStrategy[bytes]
    send: Sender
    note: str = ""


def _request_fields(openapi: dict[str, Any], path: str) -> list[str]:
    """The property names of a POST route's request body schema in the OpenAPI document."""
    operation = (openapi.get("paths", {}).get(path) or {}).get("post") or {}
    schema = (
        ((operation.get("requestBody") or {}).get("content") or {}).get("application/json", {}).get("schema")
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                walk(openapi["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
            found.extend(k for k in node.get("properties") or {} if k not in found)
            for option in node.get("anyOf") or []:
                walk(option)

    walk(schema)
    return found


def targets(gateway: LocalGateway, parameters: dict[str, str], token: str) -> list[Target]:
    """Every POST route of the template, with its bodies and sender."""
    openapi = quiet(gateway.request, "GET", "/openapi.json").json()
    webhook_limit = int(gateway.stack.environment.get("MAX_BODY_BYTES") or 4 * 1024 * 1024)
    found = []
    for route in gateway.stack.routes:
        if route.method != "POST":
            continue
        path = re.sub(r"\{(\w+)\+?\}", lambda m: parameters.get(m[1], "fuzz"), route.path)
        note = ""
        if route.authorizer:
            shape = AGENT_SHAPES.get(route.path)
            if shape is None:
                fields = _request_fields(openapi, route.path)
                shape, note = fields_shape(fields), f"schema fields: {', '.join(fields) or 'none'}"
            strategy, send = bodies(shape, limit=AGENT_LIMIT), _agent(token)
        elif route.path == "/webhooks/meta/data-deletion":
            shape = WEBHOOK_SHAPES[route.path]
            strategy = st.one_of(
                bodies(shape, limit=SIGNED_PAYLOAD_LIMIT),
                bodies(shape, limit=DELETION_BODY_LIMIT).map(lambda b: b"raw:" + b),
            )
            send, note = _deletion, "signed_request payloads, and raw forms"
        elif route.path in WEBHOOK_SENDERS:
            strategy = bodies(WEBHOOK_SHAPES[route.path], limit=webhook_limit)
            send, note = WEBHOOK_SENDERS[route.path], "signed"
        else:
            strategy = bodies(fields_shape([]), limit=webhook_limit)
            send, note = _unsigned, "UNSIGNED: no signer known for this route"
        found.append(Target(route, path, strategy, send, note))
    return found


# -- running ------------------------------------------------------------------------------------------
def fuzz(gateway: LocalGateway, target: Target, examples: int) -> Tally:
    """Send ``examples`` bodies drawn by hypothesis to one route and count the answers."""
    tally = Tally(target.route.route_key)

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(body=target.bodies)
    def send(body: bytes) -> None:
        try:
            response = target.send(gateway, target.path, body)
        except Exception as error:  # the function raised: Lambda would answer 502
            tally.count(body, 502, f"{type(error).__name__}: {error}".encode())
        else:
            tally.count(body, response.status, response.body)

    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' EMF lines
        send()
    tally.seconds = time.monotonic() - started
    return tally


@contextlib.contextmanager
def seeded_desk() -> Iterator[tuple[LocalGateway, dict[str, str]]]:
    """A local stack replying to the local platforms, with a ticket and an incident (a surge)."""
    with FakePlatforms() as platforms:
        stack = LocalStack.replying_to(platforms)
        try:
            gateway = LocalGateway(stack)
            surge = [
                tweet(200 + i, f"@SkyHighAir the app is down again, cannot check in #{i}", user=str(800 + i))
                for i in range(12)
            ]
            deliver(gateway, tweet(1, COMPLAINT), *surge)
            ticket = ticket_of(gateway, 1) or {}
            incident = next(
                (
                    t.get("incident_id")
                    for n in range(200, 212)
                    if (t := ticket_of(gateway, n) or {}).get("incident_id")
                ),
                None,
            )
            parameters = {
                "ticket_id": str(ticket.get("ticket_id") or "T-none"),
                "incident_id": str(incident or "INC-none"),
                "source": devsecrets.generic_sources()[0],
            }
            yield gateway, parameters
        finally:
            stack.close()
