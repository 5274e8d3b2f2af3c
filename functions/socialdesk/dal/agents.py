"""DynamoDB adapter for team rosters: ``AGENT#<team>`` / ``<subject>`` per agent and team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialdesk.dal.partitions import Partitioned
from socialdesk.domain.assignment import AgentState


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
        """Store the agent's state (availability, cap, who changed it)."""
        self._items.store(state.team, state.subject, state)

    def assigned(self, team: str, subject: str, at: datetime) -> None:
        """Record when the agent was last given a ticket of ``team`` (round robin reads it)."""
        self._items.table.update(
            self._items.key(team, subject),
            "SET last_assigned_at = :at",
            {":at": at.isoformat()},
            condition="attribute_exists(PK)",
            conflict="the agent left the roster",
        )
