"""Who is calling the agent API: their teams and role, from the JWT claims API Gateway verified."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from socialdesk.domain.errors import DomainError


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


class Principal(BaseModel):
    """A verified caller."""

    model_config = ConfigDict(frozen=True)

    subject: str
    teams: frozenset[str]
    role: Role

    def can_see_team(self, team: str | None) -> bool:
        """An agent sees only their teams' tickets; admins see every team."""
        return self.role is Role.ADMIN or (team is not None and team in self.teams)


_SPLIT = re.compile(r"[\s,]+")


def _teams(value: object) -> frozenset[str]:
    """API Gateway flattens array claims to ``"[a b]"``; accept that, a list, or ``"a,b"``."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        items = _SPLIT.split(value.strip().strip("[]"))
    else:
        items = []
    return frozenset(item.strip() for item in items if item.strip())


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
