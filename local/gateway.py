"""An HTTP API (payload format 2.0) in front of the local functions, with the JWT authorizer."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

from local import devsecrets
from local.stack import HttpRoute, LocalStack

_TEXT_TYPES = re.compile(r"^(text/|application/(json|[\w.+-]+\+json|xml|x-www-form-urlencoded|javascript))")


@dataclass
class HttpResponse:
    """What the gateway sends back to the client."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    regex = "".join(
        f"(?P<{part[1:-1].rstrip('+')}>.+)"
        if part.endswith("+}")
        else f"(?P<{part[1:-1]}>[^/]+)"
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{regex}$")


def build_event(
    route: HttpRoute,
    *,
    path: str,
    path_parameters: dict[str, str],
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    claims: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-2.0 event, as the real gateway would build it.

    Header names are lower-cased and repeated values joined with commas; the body is base64-encoded
    unless its content type is textual (JSON, text, XML, form).
    """
    lowered: dict[str, str] = {}
    for name, value in (headers or {}).items():
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": route.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if params:
        event["queryStringParameters"] = params
    if path_parameters:
        event["pathParameters"] = path_parameters
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": _flatten(claims), "scopes": None}}
    if body:
        if _TEXT_TYPES.match(lowered.get("content-type", "application/json")):
            event["body"] = body.decode("utf-8", "surrogateescape")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _flatten(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway passes claims as strings; arrays become ``"[a b]"``."""
    return {k: f"[{' '.join(map(str, v))}]" if isinstance(v, list) else str(v) for k, v in claims.items()}


class LocalGateway:
    """Routes requests to the template's HttpApi routes and invokes the functions in-process."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.authorizers = stack.http_api_settings()
        self._routes = [(route, _pattern(route.path)) for route in stack.routes]

    def match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        """The route for ``method path`` and its path parameters."""
        for route, pattern in self._routes:
            found = pattern.match(path)
            if found and route.method in (method.upper(), "ANY"):
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def request(
        self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> HttpResponse:
        """Handle one HTTP request the way API Gateway would."""
        parts = urlsplit(url)
        matched = self.match(method, parts.path)
        if matched is None:
            return HttpResponse(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
        route, path_parameters = matched
        claims = None
        if route.authorizer:
            claims = self._verify(route.authorizer, headers or {})
            if claims is None:
                return HttpResponse(401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
        event = build_event(
            route,
            path=parts.path,
            path_parameters=path_parameters,
            query=parts.query,
            headers=headers,
            body=body,
            claims=claims,
        )
        return self.invoke(route, event)

    def invoke(self, route: HttpRoute, event: dict[str, Any]) -> HttpResponse:
        """Invoke the route's function with a ready-made event and shape its result."""
        result = self.stack.invoke(route.function, event)
        return _response(result)

    def _verify(self, authorizer: str, headers: dict[str, str]) -> dict[str, Any] | None:
        settings = self.authorizers[authorizer]
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = value[7:].strip() if value.lower().startswith("bearer ") else value.strip()
        if not token:
            return None
        try:
            return jwt.decode(
                token,
                devsecrets.JWT_DEV_KEY,
                algorithms=["HS256"],
                audience=settings["audience"],
                issuer=settings["issuer"],
                options={"require": ["exp", "iss", "sub"]},
            )
        except jwt.PyJWTError:
            return None


def _response(result: Any) -> HttpResponse:
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, {"content-type": "application/json"}, body.encode())
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return HttpResponse(int(result["statusCode"]), headers, data)
