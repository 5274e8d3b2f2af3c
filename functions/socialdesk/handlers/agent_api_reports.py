"""Agent API, reports: registered on the agent API's ``app`` on the first request for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from socialdesk.bootstrap import now, services
from socialdesk.handlers.agent_api import agent_route, current_principal
from socialdesk.logic.reports import DeskReport, SlaReport


@agent_route("GET", "/reports/desk", "The desk's charts", "reports", 400)
def get_desk_report(
    teams: Annotated[
        str | None,
        Query(max_length=1000, description="Comma-separated teams (default: every team in the token)."),
    ] = None,
    start: Annotated[
        str | None, Query(alias="from", description="ISO 8601; default: 7 days before `to`.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO 8601; default: now.")] = None,
) -> DeskReport:
    """First-response distribution, SLA compliance by team and by agent per day, breaches by level, CSAT."""
    from socialdesk.logic.reports import desk_report

    svc = services()
    chosen = [t.strip() for t in (teams or "").split(",") if t.strip()]
    return desk_report(
        current_principal(),
        chosen,
        start,
        end,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
        now=now(),
    )


@agent_route("GET", "/reports/sla", "The SLA report", "reports", 400)
def get_sla_report(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team reported.")],
    start: Annotated[
        str | None, Query(alias="from", description="ISO 8601; default: 7 days before `to`.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="ISO 8601; default: now.")] = None,
) -> SlaReport:
    """First-response p50/p90, SLA compliance and breaches by level for a team and period."""
    from socialdesk.logic.reports import sla_report

    return sla_report(current_principal(), team, start, end, tickets=services().tickets, now=now())
