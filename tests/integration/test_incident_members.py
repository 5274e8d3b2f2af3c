"""The incident adapter on the template's table: members that join after it opened are items of their
own, so the incident item keeps its size however large the surge; each joins once; ``last_seen``
moves to the minute, versioned."""

from __future__ import annotations

from datetime import timedelta

from local.stack import LocalStack
from socialdesk.dal.incidents import DynamoIncidentRepository, incident_key
from socialdesk.domain.incident import Incident
from tests.support.fakes import NOW


def test_a_surge_of_any_size_keeps_the_incident_item_small(stack: LocalStack) -> None:
    client, table = stack.client("dynamodb"), stack.environment["TABLE_NAME"]
    incidents = DynamoIncidentRepository(client, table)
    opened = Incident.open("app_outage", "crisis", NOW, ["T-0", "T-1", "T-2"], threshold=3, window=10)
    incidents.open(opened, replaces=None)

    def item_size() -> int:
        item = client.get_item(TableName=table, Key=incident_key(opened.incident.incident_id))["Item"]
        return len(str(item))

    size = item_size()
    incident = opened.incident
    # When 300 more complaints join, one of them twice (a retried execution), within the same minute
    joined = [incidents.join(incident, f"T-{n}", NOW + timedelta(seconds=n / 10)) for n in range(3, 303)]
    assert all(joined)
    assert not incidents.join(incident, "T-7", NOW) and not incidents.join(incident, "T-1", NOW)
    # Then the incident item is as it was, and its members are all there, once each
    assert item_size() == size
    assert incidents.members(incident) == [f"T-{n}" for n in range(3)] + sorted(
        f"T-{n}" for n in range(3, 303)
    )
    # A member a minute later moves last_seen (and the version: a save of the older read is refused)
    assert incidents.join(incident, "T-999", NOW + timedelta(minutes=2))
    stored = incidents.get(incident.incident_id)
    assert stored is not None and stored.last_seen == NOW + timedelta(minutes=2) and stored.version == 2
