"""Where the sweep keeps its place between runs: one item, ``SWEEP`` / ``PASS``."""

from __future__ import annotations

import json
from typing import Any

from socialdesk.dal.ports import SweepPass
from socialdesk.dal.table import Table

_KEY = {"PK": {"S": "SWEEP"}, "SK": {"S": "PASS"}}


class DynamoSweepPasses:
    """The pass under way (its scan key, kept as the JSON of the low-level key) and the last one's times.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._table = Table(client, table_name, "sweep state")

    def load(self) -> SweepPass:
        """The state the last run left (an empty one before the first)."""
        item = self._table.get(_KEY) or {}
        cursor = item.get("cursor")
        return SweepPass.model_validate(
            {
                **{k: item[k] for k in ("started_at", "finished_at") if k in item},
                "cursor": json.loads(cursor) if cursor else None,
            }
        )

    def save(self, state: SweepPass) -> None:
        """Keep the state for the next run (the last writer wins: two runs at once sweep the same items)."""
        values = state.model_dump(mode="json", exclude={"cursor"})
        values["entity"] = "sweep_pass"
        if state.cursor is not None:
            values["cursor"] = json.dumps(state.cursor, sort_keys=True)
        self._table.put(_KEY, values)
