"""DynamoDB adapter for team rosters: ``AGENT#<team>`` / ``<subject>`` per agent and team."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from socialdesk.dal.partitions import Partitioned
from socialdesk.domain.assignment import AgentState
from socialdesk.domain.errors import Conflict


class DynamoAgentDirectory:
    """Team rosters in the single table (a team's roster is one partition; ``client`` injected)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._items = Partitioned(client, table_name, prefix="AGENT", entity="agent", model=AgentState)

    def roster(self, team: str) -> list[AgentState]:
        """Every agent known in ``team`` (one query)."""
        return self._items.all(team)

    def get(self, team: str, subject: str) -> AgentState | None:
        """One agent's state in one team, or None."""
        return self._items.one(team, subject)

    def put(self, state: AgentState) -> None:
        """Store the agent's state (availability, cap, who changed it); the tickets they hold stay."""
        values = {"entity": "agent", **state.model_dump(mode="json", exclude={"open_tickets"})}
        kept = {k: v for k, v in values.items() if v is not None}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
        dropped = [k for k, v in values.items() if v is None]
        if dropped:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in dropped)
        self._items.table.update(
            self._items.key(state.team, state.subject),
            expression,
            {f":{k}": v for k, v in kept.items()},
            names={f"#{k}": k for k in values},
        )

    def assigned(self, team: str, subject: str, at: datetime) -> None:
        """Record when the agent was last given a ticket of ``team`` (round robin reads it)."""
        self._items.table.update(
            self._items.key(team, subject),
            "SET last_assigned_at = :at",
            {":at": at.isoformat()},
            condition="attribute_exists(PK)",
            conflict="the agent left the roster",
        )

    def holds(self, team: str, subject: str, ticket_id: str) -> None:
        """The agent holds the ticket (a set: recording it twice is recording it once)."""
        self._held(team, subject, ticket_id, "ADD")

    def released(self, team: str, subject: str, ticket_id: str) -> None:
        """The agent no longer holds the ticket (resolved, moved, reassigned, closed)."""
        self._held(team, subject, ticket_id, "DELETE")

    def _held(self, team: str, subject: str, ticket_id: str, action: str) -> None:
        with suppress(Conflict):  # an agent no longer in the team's roster holds nothing there
            self._items.table.update(
                self._items.key(team, subject),
                f"{action} open_tickets :t",
                {":t": {ticket_id}},
                condition="attribute_exists(PK)",
            )
