"""Agent API, the policy document: registered on the agent API's ``app`` on the first request for it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from socialdesk.bootstrap import now, services
from socialdesk.handlers.agent_api import agent_route, current_principal
from socialdesk.logic.configure import PolicyAudit, PolicyChange, PolicyView


@agent_route("GET", "/config/policy", "The policy document", "policy")
def get_policy() -> PolicyView:
    """The routing rules, SLA policies, calendars and escalation policies (leads and admins)."""
    from socialdesk.logic.configure import read_policy

    return read_policy(current_principal(), store=services().policies)


@agent_route("PUT", "/config/policy", "Replace the policy", "policy", 400, 409)
def put_policy(request: Annotated[PolicyChange, Body()]) -> PolicyView:
    """Replace the policy document (admins; optimistic concurrency on ``version``; audited)."""
    from socialdesk.logic.configure import change_policy

    return change_policy(current_principal(), request, now(), store=services().policies)


@agent_route("GET", "/config/policy/audit", "Who changed the policy", "policy")
def get_policy_audit() -> PolicyAudit:
    """Every policy change, newest first (leads and admins)."""
    from socialdesk.logic.configure import policy_audit

    return policy_audit(current_principal(), store=services().policies)
