"""DynamoDB adapter for incidents: the incident item (with its events, for the outbox), the topic's
active-incident pointer, opened together in one transaction, and one small item per member that joined
later (``INCIDENT#<id>`` / ``MEMBER#<ticket>``), so the incident item keeps its size in a surge."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialdesk.dal.items import to_attributes
from socialdesk.dal.table import Table, error_code, storage_error
from socialdesk.domain.errors import Conflict
from socialdesk.domain.incident import Incident, IncidentChange, IncidentStatus

_ITEM_ONLY = {"PK", "SK", "entity", "changes", "queue_pk", "queue_sk"}


def incident_key(incident_id: str) -> dict[str, dict[str, str]]:
    """Primary key of an incident."""
    return {"PK": {"S": f"INCIDENT#{incident_id}"}, "SK": {"S": "INCIDENT"}}


def active_key(topic: str) -> dict[str, dict[str, str]]:
    """Primary key of a topic's active-incident pointer."""
    return {"PK": {"S": f"INCIDENT#{topic}"}, "SK": {"S": "ACTIVE"}}


def member_key(incident_id: str, ticket_id: str) -> dict[str, dict[str, str]]:
    """Primary key of a ticket's membership of an incident it joined after it opened."""
    return {"PK": {"S": f"INCIDENT#{incident_id}"}, "SK": {"S": f"MEMBER#{ticket_id}"}}


def incident_item(change: IncidentChange) -> dict[str, Any]:
    """The one mapping incident → item (the queue index lists open incidents, newest first)."""
    incident = change.incident
    values: dict[str, Any] = {**incident.model_dump(mode="json"), "entity": "incident"}
    if incident.status is IncidentStatus.OPEN:
        values.update({"queue_pk": "INCIDENTS#open", "queue_sk": incident.opened_at.isoformat()})
    if change.events:
        values["changes"] = [e.model_dump(mode="json") for e in change.events]
    return values


def incident_from_item(item: dict[str, Any]) -> Incident:
    """The one mapping item → incident."""
    return Incident.model_validate({k: v for k, v in item.items() if k not in _ITEM_ONLY})


class DynamoIncidentRepository:
    """Incidents in the single table.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = Table(client, table_name, "incident store")

    def active(self, topic: str) -> Incident | None:
        """The topic's current incident, or None."""
        pointer = self._table.get(active_key(topic))
        return self.get(str(pointer["incident_id"])) if pointer else None

    def get(self, incident_id: str) -> Incident | None:
        """An incident by id, or None."""
        item = self._table.get(incident_key(incident_id))
        return incident_from_item(item) if item else None

    def open(self, change: IncidentChange, *, replaces: str | None) -> None:
        """Store the incident and make it the topic's active one (one transaction); Conflict if beaten."""
        incident = change.incident
        pointer: dict[str, Any] = {
            "TableName": self._table.name,
            "Item": {
                **active_key(incident.topic),
                **to_attributes({"entity": "incident_pointer", "incident_id": incident.incident_id}),
            },
        }
        if replaces:
            pointer["ConditionExpression"] = "incident_id = :old"
            pointer["ExpressionAttributeValues"] = {":old": {"S": replaces}}
        else:
            pointer["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Put": pointer},
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": {
                                **incident_key(incident.incident_id),
                                **to_attributes(incident_item(change)),
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise Conflict("another incident opened first") from None
            raise storage_error(error, "incident store") from error
        except BotoCoreError as error:
            raise storage_error(error, "incident store") from error

    def save(self, change: IncidentChange) -> None:
        """Store a changed incident if it is still at the expected version."""
        if change.expected_version is None:
            raise ValueError("a saved incident needs its expected version")
        self._table.put(
            incident_key(change.incident.incident_id),
            incident_item(change),
            condition="#version = :v",
            names={"#version": "version"},
            condition_values={":v": change.expected_version},
            conflict="the incident changed underneath",
        )

    def join(self, incident: Incident, ticket_id: str, at: datetime) -> bool:
        """The ticket is a member (a conditional put of its membership: once); the incident's
        ``last_seen`` moves when it is a minute old (a versioned update, so a save of the incident
        read before it is refused and retried, not left stale)."""
        if ticket_id in incident.tickets:
            return False
        try:
            self._table.put(
                member_key(incident.incident_id, ticket_id),
                {"entity": "incident_member", "ticket_id": ticket_id, "joined_at": at.isoformat()},
                condition="attribute_not_exists(PK)",
            )
        except Conflict:
            return False
        if incident.seen_long_ago(at):
            with suppress(Conflict):  # a later member moved it already
                self._table.update(
                    incident_key(incident.incident_id),
                    "SET last_seen = :at ADD #version :one",
                    {":at": at.isoformat(), ":one": 1},
                    names={"#version": "version"},
                    condition="attribute_exists(PK) AND last_seen < :at",
                )
        return True

    def members(self, incident: Incident) -> list[str]:
        """Every member ticket: those listed when it opened, then those that joined (by ticket id)."""
        joined = self._table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
            ExpressionAttributeValues={
                ":pk": {"S": f"INCIDENT#{incident.incident_id}"},
                ":m": {"S": "MEMBER#"},
            },
        )
        return list(dict.fromkeys([*incident.tickets, *(str(i["ticket_id"]) for i in joined)]))

    def list_open(self, limit: int = 50) -> list[Incident]:
        """Open incidents, newest first (the queue index)."""
        items, _ = self._table.page(
            {
                "IndexName": "QueueIndex",
                "KeyConditionExpression": "queue_pk = :q",
                "ExpressionAttributeValues": {":q": {"S": "INCIDENTS#open"}},
                "ScanIndexForward": False,
                "Limit": limit,
            }
        )
        # the queue index projects keys only: the incidents themselves, in the index's order
        found = {
            str(i["PK"]): i
            for i in self._table.get_many(
                [{"PK": {"S": str(k["PK"])}, "SK": {"S": str(k["SK"])}} for k in items]
            )
        }
        incidents = [found.get(str(k["PK"])) for k in items]
        return [
            incident_from_item(i)
            for i in incidents
            if i and i.get("entity") == "incident" and i.get("status") == IncidentStatus.OPEN.value
        ]
