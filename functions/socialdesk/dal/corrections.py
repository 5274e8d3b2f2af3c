"""DynamoDB adapter of the correction store: one item per correction, partitioned by month.

A correction made through the API is also kept under its ticket (``PK=CORRECTED#<ticket_id>``,
``SK=<identity>``, holding only the key of the correction item), written in the same transaction: the
natural key that makes a retried request store nothing new and answer with the correction stored the
first time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict

from socialdesk.dal.items import to_attributes
from socialdesk.dal.table import Table
from socialdesk.domain.correction import Correction
from socialdesk.domain.errors import Conflict
from socialdesk.domain.model import Model
from socialdesk.domain.timeutil import months_touched

ENTITY = "correction"
MARKER_ENTITY = "correction_marker"


class CorrectionItem(Model):
    """The table item: ``PK=CORRECTION#<yyyy-mm>``, ``SK=<recorded_at>#<ticket_id>#<kind>``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    PK: str
    SK: str
    entity: str = ENTITY
    correction: dict[str, Any]

    @classmethod
    def of(cls, correction: Correction) -> CorrectionItem:
        """The item for a correction."""
        return cls(
            PK=f"CORRECTION#{correction.month}",
            SK=f"{correction.recorded_at.isoformat()}#{correction.ticket_id}#{correction.kind.value}",
            correction=correction.model_dump(mode="json", exclude_none=True),
        )

    def to_domain(self) -> Correction:
        """The correction this item holds."""
        return Correction.model_validate(self.correction)


class DynamoCorrectionStore:
    """Stores corrections in the SocialDesk table.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._table = Table(client, table_name, "correction store")

    def add(self, correction: Correction) -> bool:
        """Put the correction unless the same one (same time, ticket and kind) is stored."""
        try:
            self._table.put(
                {}, CorrectionItem.of(correction).model_dump(), condition="attribute_not_exists(PK)"
            )
        except Conflict:
            return False
        return True

    def add_once(self, correction: Correction) -> Correction:
        """Store the correction unless its ticket has the same one: the stored correction either way."""
        item = CorrectionItem.of(correction)
        marker = {
            "PK": f"CORRECTED#{correction.ticket_id}",
            "SK": correction.identity,
            "entity": MARKER_ENTITY,
            "correction_pk": item.PK,
            "correction_sk": item.SK,
        }
        try:
            self._table.transact_put(
                [
                    {"key": {}, "values": body, "condition": "attribute_not_exists(PK)"}
                    for body in (marker, item.model_dump())
                ]
            )
        except Conflict:
            stored = self._marker(correction)
            if stored is None:  # the correction item alone was there (stored by add): the same one
                return correction
            return stored
        return correction

    def forget_ticket(self, ticket_id: str) -> int:
        """Delete the ticket's corrections, found through its markers (every correction has one)."""
        markers = self._table.query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"CORRECTED#{ticket_id}"}},
            ConsistentRead=True,
        )
        for marker in markers:
            self._table.delete(to_attributes({"PK": marker["correction_pk"], "SK": marker["correction_sk"]}))
            self._table.delete(to_attributes({"PK": marker["PK"], "SK": marker["SK"]}))
        return len(markers)

    def _marker(self, correction: Correction) -> Correction | None:
        marker = self._get(f"CORRECTED#{correction.ticket_id}", correction.identity)
        if marker is None:
            return None
        stored = self._get(str(marker["correction_pk"]), str(marker["correction_sk"]))
        return CorrectionItem.model_validate(stored).to_domain() if stored else None

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self._table.get({"PK": {"S": pk}, "SK": {"S": sk}})

    def between(self, start: datetime, end: datetime) -> list[Correction]:
        """Corrections recorded in ``[start, end)``: one query per month, oldest first."""
        found: list[Correction] = []
        for month in months_touched(start, end):
            for raw in self._table.query(
                KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
                ExpressionAttributeValues={
                    ":pk": {"S": f"CORRECTION#{month}"},
                    ":lo": {"S": start.isoformat()},
                    ":hi": {"S": end.isoformat()},
                },
            ):
                correction = CorrectionItem.model_validate(raw).to_domain()
                if start <= correction.recorded_at < end:
                    found.append(correction)
        return found
