"""The agent API's contract: every template route documented from its types (parameters, bodies,
responses, errors), and Swagger UI rendered from packaged assets (no CDN)."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest

from local.template import load, resources

#: the statuses every JWT route documents, with the shared error body
ALWAYS = {"401", "403", "422"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from socialdesk.handlers.agent_api import openapi

    return openapi()


def _template_routes() -> dict[tuple[str, str], dict[str, Any]]:
    events = resources(load(), "AWS::Serverless::Function")["AgentApiFunction"]["Properties"]["Events"]
    return {
        (e["Properties"]["Path"], e["Properties"]["Method"].lower()): e["Properties"] for e in events.values()
    }


def test_every_template_route_is_documented_and_nothing_else(document: dict[str, Any]) -> None:
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert set(_template_routes()) - {("/swagger", "get")} == documented


def test_jwt_routes_declare_the_bearer_scheme_and_their_errors(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    error_ref = "#/components/schemas/ErrorBody"
    for (path, method), props in _template_routes().items():
        if path == "/swagger":
            continue
        operation = document["paths"][path][method]
        if "Auth" not in props:
            assert "security" not in operation, path
            continue
        assert operation["security"] == [{"bearer": []}], path
        assert set(operation["responses"]) >= ALWAYS, (path, method)
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == error_ref, (path, status)
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success, (path, method)
        for status in success:
            assert "schema" in operation["responses"][status]["content"]["application/json"], (path, status)


def test_bodies_parameters_and_headers_come_from_the_models(document: dict[str, Any]) -> None:
    reply = document["paths"]["/tickets/{ticket_id}/replies"]["post"]
    assert reply["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ReplyRequest")
    assert document["components"]["schemas"]["ReplyRequest"]["properties"]["text"]["maxLength"] == 10_000
    headers = {p["name"].lower() for p in reply["parameters"] if p["in"] == "header"}
    assert "idempotency-key" in headers
    assert {"201", "202"} <= set(reply["responses"])
    queue = {p["name"]: p for p in document["paths"]["/tickets"]["get"]["parameters"]}
    assert set(queue) >= {"team", "status", "limit", "cursor"}
    assert queue["limit"]["schema"]["maximum"] == 100
    view = document["components"]["schemas"]["TicketView"]["properties"]
    assert {"ticket", "messages", "replies", "events", "reply_limits"} <= set(view)


def test_swagger_ui_renders_from_packaged_assets(gateway: Any) -> None:
    response = gateway.request("GET", "/swagger", {"accept-encoding": "gzip"})
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.body
    if response.headers.get("content-encoding") == "gzip":
        page = gzip.decompress(page)
    html = page.decode()
    assert "SwaggerUIBundle" in html and len(html) > 500_000  # the bundle is inlined
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html), "no CDN at run time"
