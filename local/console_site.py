"""The console's static files and the local-only dev sign-in, as ``make serve`` serves them (never deployed).

Deployed, the same ``console/`` files sit in the template's private S3 bucket behind CloudFront, and
``config.json`` there names the IdP (README "The console"). Locally:

- ``GET /`` and ``GET /console/...``: the files under ``console/`` (no build step).
- ``GET /config.json``: ``{"mode": "dev"}``: the console shows the dev sign-in.
- ``GET /_local/teams``: the teams the policy names, for the sign-in's picker.
- ``POST /_local/token`` ``{"subject", "teams", "role"}``: a JWT minted with the dev key (the same
  as ``make token``), which the local gateway's JWT authorizer accepts.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.gateway import HttpResponse
from local.template import ROOT
from local.token import mint

CONSOLE = ROOT / "console"
#: the browser may load only what the console ships, and talk only to this origin
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
_SUBJECT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ROLES = ("agent", "lead", "admin")


class ConsoleSite:
    """Answers the console's requests; anything else is the API's (``None``)."""

    def __init__(self, teams: Callable[[], list[str]], root: Path = CONSOLE) -> None:
        self._teams = teams
        self._root = root.resolve()

    def handle(self, method: str, path: str, body: bytes | None) -> HttpResponse | None:
        """The response for a console path, or None when the path is the API's."""
        if path == "/_local/teams" and method == "GET":
            return _json(200, {"teams": self._teams(), "roles": list(_ROLES)})
        if path == "/_local/token" and method == "POST":
            return self._token(body)
        if method != "GET":
            return None
        if path == "/config.json":
            return _json(200, {"mode": "dev", "apiBase": ""})
        if path in ("/", "/index.html"):
            return self._file("index.html")
        if path.startswith("/console/"):
            return self._file(path[len("/console/") :])
        return None

    def _file(self, relative: str) -> HttpResponse:
        target = (self._root / relative).resolve()
        if not target.is_relative_to(self._root) or not target.is_file():
            return _json(404, {"error": "not_found", "reason": "no such console file"})
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in (
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ):
            kind += "; charset=utf-8"
        return HttpResponse(200, {"content-type": kind, **SECURITY_HEADERS}, target.read_bytes())

    def _token(self, body: bytes | None) -> HttpResponse:
        try:
            request: Any = json.loads(body or b"{}")
        except ValueError:
            return _json(400, {"error": "invalid_payload", "reason": "body is not valid JSON"})
        subject = request.get("subject") if isinstance(request, dict) else None
        teams = request.get("teams") if isinstance(request, dict) else None
        role = request.get("role", "agent") if isinstance(request, dict) else None
        known = set(self._teams())
        if not isinstance(subject, str) or not _SUBJECT.match(subject):
            return _json(
                400, {"error": "invalid_payload", "reason": "subject: lower-case letters, digits, . _ -"}
            )
        if (
            not isinstance(teams, list)
            or not teams
            or not all(isinstance(t, str) and t in known for t in teams)
        ):
            return _json(
                400, {"error": "invalid_payload", "reason": f"teams: one or more of {sorted(known)}"}
            )
        if role not in _ROLES:
            return _json(400, {"error": "invalid_payload", "reason": f"role: one of {list(_ROLES)}"})
        token = mint(sorted(set(teams)), role, subject, ttl=8 * 3600)
        return _json(200, {"token": token, "subject": subject, "teams": sorted(set(teams)), "role": role})


def _json(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(
        status, {"content-type": "application/json", **SECURITY_HEADERS}, json.dumps(payload).encode()
    )
