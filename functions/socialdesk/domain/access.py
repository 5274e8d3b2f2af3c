"""Who is calling the agent API: their teams and role, from the JWT claims API Gateway verified."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict

from socialdesk.domain.errors import DomainError
from socialdesk.domain.model import Model


class Role(StrEnum):
    """What a person may do: agents work tickets, leads read policies, admins change them."""

    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"


class NotAuthenticated(DomainError):
    """No verified identity reached the function (HTTP 401)."""

    code = "unauthorized"


class Forbidden(DomainError):
    """The caller's role does not allow this (HTTP 403)."""

    code = "forbidden"


class Principal(Model):
    """A verified caller."""

    model_config = ConfigDict(frozen=True)

    subject: str
    teams: frozenset[str]
    role: Role

    def can_see_team(self, team: str | None) -> bool:
        """An agent sees only their teams' tickets; admins see every team."""
        return self.role is Role.ADMIN or (team is not None and team in self.teams)


#: a team name, as routing rules and queues spell it
TEAM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def _teams(value: object) -> frozenset[str]:
    """The ``teams`` claim in its real shapes: a JSON array, or API Gateway's flattening ``"[a b]"``.

    API Gateway's JWT authorizer hands array claims to the function as ``"[a b]"``; some IdPs send a
    JSON array encoded as a string (``'["a","b"]'``). Any other string is ONE team name, so a claim
    ``"ops billing"`` grants nothing (it is not a valid name) rather than ``ops`` and ``billing``.
    Names that are not ``^[a-z0-9][a-z0-9_-]*$`` grant nothing.
    """
    items: list[Any]
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        items = list(decoded) if isinstance(decoded, list) else value[1:-1].split()
    elif isinstance(value, str):
        items = [value]
    else:
        items = []
    return frozenset(item for item in items if isinstance(item, str) and TEAM_NAME.fullmatch(item))


def principal_from_claims(claims: Mapping[str, object] | None) -> Principal:
    """Build the caller from verified JWT claims (``sub``, ``teams``, ``role``).

    Raises
    ------
    NotAuthenticated
        When there are no claims or no subject.
    Forbidden
        When the role is missing or unknown.
    """
    if not claims or not claims.get("sub"):
        raise NotAuthenticated("a verified bearer token is required")
    try:
        role = Role(str(claims.get("role", "")).strip().lower())
    except ValueError:
        raise Forbidden("the token's role claim must be agent, lead or admin") from None
    return Principal(subject=str(claims["sub"]), teams=_teams(claims.get("teams")), role=role)
