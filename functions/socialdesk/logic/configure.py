"""Use cases: read and change the policy document (rules, SLA policies, calendars, escalation), audited."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field, ValidationError

from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.model import Model
from socialdesk.domain.routing import RoutingPolicy

if TYPE_CHECKING:
    from socialdesk.dal.config import DynamoPolicyStore


class PolicyChange(Model):
    """``PUT /config/policy``: the version you read, and the whole new document."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    policy: dict[str, Any]
    comment: str | None = Field(default=None, max_length=500)


class PolicyView(Model):
    """The policy document at a version (``GET``/``PUT /config/policy``)."""

    version: int
    policy: dict[str, Any]


class PolicyAudit(Model):
    """Every policy change, newest first (who, when, which version, why)."""

    changes: list[dict[str, Any]]


def _require(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"needs role {' or '.join(r.value for r in roles)}")


def read_policy(principal: Principal, *, store: DynamoPolicyStore) -> PolicyView:
    """Leads and admins read the policy."""
    _require(principal, Role.LEAD, Role.ADMIN)
    policy = store.routing_policy(fresh=True)
    return PolicyView(version=policy.version, policy=policy.model_dump(mode="json"))


def change_policy(
    principal: Principal, change: PolicyChange, now: datetime, *, store: DynamoPolicyStore
) -> PolicyView:
    """Admins replace the policy; the change is validated, versioned and audited with the actor."""
    _require(principal, Role.ADMIN)
    try:
        proposed = RoutingPolicy.model_validate({**change.policy, "version": change.version + 1})
    except ValidationError as error:
        from socialdesk.channels.validation import describe

        raise PayloadInvalid(describe(error)) from None
    store.replace(
        proposed, expected_version=change.version, actor=principal.subject, at=now, comment=change.comment
    )
    return PolicyView(version=proposed.version, policy=proposed.model_dump(mode="json"))


def policy_audit(principal: Principal, *, store: DynamoPolicyStore) -> PolicyAudit:
    """Every policy change, newest first."""
    _require(principal, Role.LEAD, Role.ADMIN)
    return PolicyAudit(changes=store.audit())
