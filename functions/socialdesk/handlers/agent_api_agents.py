"""Agent API, teams, rosters and availability: registered on the agent API's ``app`` on the first request
for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from socialdesk.bootstrap import agent_picker, now, services
from socialdesk.domain.model import Model
from socialdesk.handlers.agent_api import agent_route, current_principal
from socialdesk.logic.assignment import AvailabilityChange, AvailabilityChanged, Roster


class TeamsView(Model):
    """The teams the policy names, the caller's own, and each team's assignment mode."""

    teams: list[str]
    mine: list[str]
    role: str
    subject: str
    assignment: dict[str, str]


@agent_route("GET", "/teams", "Teams and who I am", "agents")
def get_teams() -> TeamsView:
    """Every team the routing policy names (to hand tickets over), and the caller's own teams."""
    principal = current_principal()
    policy = services().policies.routing_policy()
    return TeamsView(
        teams=list(policy.teams),
        mine=sorted(principal.teams),
        role=principal.role.value,
        subject=principal.subject,
        assignment={team: policy.assignment.for_team(team).mode.value for team in policy.teams},
    )


@agent_route("GET", "/agents", "A team's roster", "agents", 400)
def get_agents(
    team: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team.")],
) -> Roster:
    """The team's agents: online or away, their cap and open tickets; the team's assignment mode."""
    from socialdesk.logic.assignment import roster

    svc = services()
    return roster(
        current_principal(),
        team,
        agents=svc.agents,
        tickets=svc.tickets,
        policy=svc.policies.routing_policy(),
    )


@agent_route("PUT", "/agents/<subject>/availability", "Go online or away", "agents", 400)
def put_availability(
    subject: Annotated[str, Path(min_length=1, max_length=128, description="An agent's subject, or `me`.")],
    request: Annotated[AvailabilityChange, Body()],
) -> AvailabilityChanged:
    """Online takes new tickets; away takes none and hands the agent's open tickets over (audited)."""
    from socialdesk.logic.assignment import set_availability

    picker = agent_picker()
    svc = services()
    return set_availability(
        current_principal(), subject, request, now(), agents=svc.agents, tickets=svc.tickets, picker=picker
    )
