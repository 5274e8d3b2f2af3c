"""Incidents end to end: a surge is one incident, answered once to every customer on their own channel."""

from __future__ import annotations

from typing import Any

from local import platforms as fake
from local.gateway import LocalGateway
from tests.support.routing import BASE_ID, deliver, quiet, ticket_of, tweet
from tests.support.routing import call as api_call


def call(
    desk: LocalGateway, method: str, path: str, body: Any = None, *, teams: str = "crisis", **options: Any
) -> Any:
    return api_call(desk, method, path, body, teams=teams, subject="agent-finn", **options)


def surge(desk: LocalGateway, count: int = 12) -> list[str]:
    deliver(
        desk,
        *[
            tweet(
                200 + i,
                f"@SkyHighAir the app is down again, cannot check in, awful #{i}",
                user=str(800 + i),
                handle=f"p{i}",
                minute=i % 10,
            )
            for i in range(count)
        ],
    )
    return [ticket_of(desk, 200 + i)["ticket_id"] for i in range(count)]


def test_the_crisis_team_sees_the_incident_with_all_its_tickets(desk: LocalGateway) -> None:
    tickets = surge(desk)
    (incident,) = call(desk, "GET", "/incidents").json()["incidents"]
    assert call(desk, "GET", "/incidents", teams="customer-care").json()["incidents"] == []
    assert call(desk, "GET", f"/incidents/{incident['incident_id']}", teams="customer-care").status == 404
    view = call(desk, "GET", f"/incidents/{incident['incident_id']}").json()
    assert {t["ticket_id"] for t in view["tickets"]} == set(tickets)
    assert view["by_channel"] == {"x": 12} and view["by_status"] == {"open": 12}
    assert view["first_seen"] <= view["last_seen"]


def test_one_reply_reaches_every_customer_once_and_stops_each_clock(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    tickets = surge(desk)
    (incident,) = call(desk, "GET", "/incidents").json()["incidents"]
    path = f"/incidents/{incident['incident_id']}/replies"
    assert (
        call(desk, "POST", path, {"text": "The app is back. Sorry!"}).status == 400
    )  # no key: no blind resend
    answer = call(desk, "POST", path, {"text": "The app is back. Sorry for the trouble!"}, key="all-1")
    assert answer.status == 202 and answer.json()["queued"] == 12
    quiet(desk.stack.pump)  # each queued reply leaves from the table's stream
    sent = [r for r in platforms.requests if r.path.endswith("/2/tweets")]
    assert sorted(r.body["reply"]["in_reply_to_tweet_id"] for r in sent) == sorted(
        str(BASE_ID + 200 + i) for i in range(12)
    )
    assert all(ticket_of(desk, 200 + i)["status"] == "pending" for i in range(12))
    again = call(desk, "POST", path, {"text": "The app is back. Sorry for the trouble!"}, key="all-1")
    quiet(desk.stack.pump)
    assert again.json()["already"] == 12 and len(platforms.requests) == 12
    assert len(tickets) == 12


def test_resolving_the_incident_resolves_its_tickets(desk: LocalGateway) -> None:
    surge(desk)
    (incident,) = call(desk, "GET", "/incidents").json()["incidents"]
    resolved = call(desk, "POST", f"/incidents/{incident['incident_id']}/resolve", {"resolution": "answered"})
    assert resolved.status == 200 and resolved.json()["status"] == "resolved"
    assert (
        incident["ticket_count"] < 12 == resolved.json()["ticket_count"]
    )  # opened with fewer; resolved with all
    assert all(ticket_of(desk, 200 + i)["status"] == "resolved" for i in range(12))
    assert call(desk, "GET", "/incidents").json()["incidents"] == []


def test_a_blank_incident_reply_is_a_400_with_its_reason_and_queues_nothing(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    surge(desk)
    (incident,) = call(desk, "GET", "/incidents").json()["incidents"]
    for blank in (" ", "\n\t\r"):
        response = call(
            desk,
            "POST",
            f"/incidents/{incident['incident_id']}/replies",
            {"text": blank},
            key=f"blank-{blank!r}",
        )
        assert response.status == 400 and "blank" in response.json()["reason"], response.body
    quiet(desk.stack.pump)
    assert not [r for r in platforms.requests if r.method == "POST"]
