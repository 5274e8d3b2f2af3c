"""DynamoDB adapter for canned responses: ``CANNED#<team>`` / ``<id>``, versioned."""

from __future__ import annotations

from typing import Any

from socialdesk.dal.partitions import Partitioned
from socialdesk.domain.canned import CannedResponse


class DynamoCannedResponses:
    """Canned responses in the single table (a team's are one partition; ``client`` injected)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._items = Partitioned(client, table_name, prefix="CANNED", entity="canned", model=CannedResponse)

    def list(self, team: str) -> list[CannedResponse]:
        """The team's canned responses, by title."""
        return sorted(self._items.all(team), key=lambda c: c.title.lower())

    def get(self, team: str, canned_id: str) -> CannedResponse | None:
        """One canned response, or None."""
        return self._items.one(team, canned_id)

    def put(self, canned: CannedResponse, *, expected_version: int | None) -> None:
        """Create it (``expected_version`` None) or replace the stored one at that version; else Conflict."""
        new = expected_version is None
        self._items.store(canned.team, canned.canned_id, canned, new=new, version=expected_version)

    def delete(self, team: str, canned_id: str) -> None:
        """Delete it (a missing one is fine)."""
        self._items.table.delete(self._items.key(team, canned_id))
