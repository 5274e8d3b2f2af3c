"""DynamoDB adapter of the correction store: one item per correction, partitioned by month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ConfigDict

from socialdesk.dal.items import from_attributes, to_attributes
from socialdesk.domain.correction import Correction
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.model import Model

ENTITY = "correction"


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


def _months(start: datetime, end: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


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
        self._client = client
        self._table = table_name

    def add(self, correction: Correction) -> bool:
        """Put the correction unless the same one (same time, ticket and kind) is stored."""
        item = CorrectionItem.of(correction)
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_attributes(item.model_dump()),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise StorageUnavailable(str(error)) from error
        return True

    def between(self, start: datetime, end: datetime) -> list[Correction]:
        """Corrections recorded in ``[start, end)``: one query per month, oldest first."""
        found: list[Correction] = []
        for month in _months(start, end):
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"CORRECTION#{month}"},
                    ":lo": {"S": start.isoformat()},
                    ":hi": {"S": end.isoformat()},
                },
            }
            while True:
                try:
                    page = self._client.query(**kwargs)
                except ClientError as error:
                    raise StorageUnavailable(str(error)) from error
                for raw in page.get("Items", []):
                    correction = CorrectionItem.model_validate(from_attributes(raw)).to_domain()
                    if start <= correction.recorded_at < end:
                        found.append(correction)
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found
