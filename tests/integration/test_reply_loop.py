"""The agent's reply loop: reply stops the clock and goes out on the customer's channel (a local
server speaking each platform's protocol), idempotently; follow-ups restart the clock; resolve and
reopen maintain the due index; outbound failures are recorded and retried; teams are walled off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local import platforms as fake
from local.gateway import LocalGateway
from local.stack import LocalStack
from socialdesk import bootstrap
from tests.support.platforms import post_meta
from tests.support.routing import BASE_ID, BRAND, deliver, messenger_dm, quiet, ticket_of, tweet
from tests.support.routing import call as api_call

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"

#: the schedule these tests drive (the hourly sweep run is tested on its own)
ESCALATION = ("EscalateFunction",)


class Clock:
    """A settable "now" for request-driven actions (the composition root's injected clock)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def platforms() -> Iterator[fake.FakePlatforms]:
    with fake.FakePlatforms() as server:
        yield server


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    current = Clock(datetime(2026, 11, 23, 9, 10, tzinfo=UTC))
    monkeypatch.setattr(bootstrap, "clock", current)
    return current


@pytest.fixture
def gateway(platforms: fake.FakePlatforms, clock: Clock) -> Iterator[LocalGateway]:
    stack = LocalStack(
        parameter_overrides={
            "XApiBaseUrl": platforms.x_base_url,
            "MetaGraphBaseUrl": platforms.graph_base_url,
        }
    )
    stack.put_secrets(platforms.outbound_secrets())
    try:
        yield LocalGateway(stack)
    finally:
        stack.close()


def call(gateway: LocalGateway, method: str, path: str, body: Any = None, **options: Any) -> Any:
    return api_call(gateway, method, path, body, **options)


def test_reply_stops_the_clock_and_goes_out_as_a_reply_tweet(
    gateway: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    response = call(
        gateway,
        "POST",
        f"/tickets/{ticket_id}/replies",
        {"text": "So sorry Ann — DM us your booking ref and we'll rebook you now."},
        key="click-1",
    )
    assert response.status == 201, response.body
    assert response.json()["status"] == "sent"
    (sent,) = platforms.requests
    assert sent.method == "POST" and sent.path.endswith("/2/tweets")
    assert sent.body["reply"] == {"in_reply_to_tweet_id": str(BASE_ID + 1)}
    assert sent.headers["authorization"].startswith("OAuth ")  # OAuth 1.0a user context, verified by the fake
    ticket = ticket_of(gateway, 1)
    assert (ticket["status"], ticket.get("response"), ticket["first_response_at"]) == (
        "pending",
        None,
        "2026-11-23T09:10:00Z",
    )
    # the response clock stopped: only the resolution target keeps it in the due index
    assert ticket["due_at"] == ticket["resolution_clock"]["deadline"]
    (run,) = quiet(gateway.stack.tick, datetime(2026, 11, 23, 18, 0, tzinfo=UTC), ESCALATION)
    assert run["tickets_read"] == 0


def test_a_retried_click_never_posts_twice(gateway: LocalGateway, platforms: fake.FakePlatforms) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    first = call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "On it!"}, key="k-1")
    again = call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "On it!"}, key="k-1")
    assert first.json() == again.json()
    assert len(platforms.requests) == 1
    reused = call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "Different"}, key="k-1")
    assert reused.status == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert len(platforms.requests) == 1


def test_customer_follow_up_to_our_reply_restarts_the_clock(
    gateway: LocalGateway, platforms: fake.FakePlatforms, clock: Clock
) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "We're on it"}, key="a")
    our_tweet = platforms.requests[0].response["data"]["id"]
    # the customer answers our reply tweet 20 minutes later
    follow_up = tweet(2, "@SkyHighAir still nothing, when??", minute=30)
    follow_up["tweet_create_events"][0]["in_reply_to_status_id_str"] = our_tweet
    deliver(gateway, follow_up)
    ticket = ticket_of(gateway, 2)
    assert ticket["ticket_id"] == ticket_id
    assert (ticket["status"], ticket["response"]["kind"]) == ("open", "next_response")
    assert (
        ticket["response"]["deadline"] == "2026-11-23T13:30:00Z" and "due_pk" in ticket
    )  # next-response clock from 09:30


def test_brand_answering_natively_on_the_platform_stops_the_clock(gateway: LocalGateway) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    brand_reply = {
        "for_user_id": BRAND,
        "tweet_create_events": [
            {
                "id_str": str(BASE_ID + 50),
                "text": "@ann we are looking into it",
                "created_at": "Mon Nov 23 09:20:00 +0000 2026",
                "in_reply_to_status_id_str": str(BASE_ID + 1),
                "user": {"id_str": BRAND, "screen_name": "SkyHighAir"},
            }
        ],
    }
    deliver(gateway, brand_reply)
    ticket = ticket_of(gateway, 1)
    assert (ticket["status"], ticket["first_response_at"]) == ("pending", "2026-11-23T09:20:00Z")
    assert ticket.get("response") is None and ticket["due_at"] == ticket["resolution_clock"]["deadline"]


def test_a_dm_is_answered_by_dm_on_messenger(gateway: LocalGateway, platforms: fake.FakePlatforms) -> None:
    message = messenger_dm("m_lost_bag", "My bag never arrived in Lisbon, ref LIS-4411")
    quiet(post_meta, gateway, message)
    quiet(gateway.stack.pump)
    item = gateway.stack.client("dynamodb").get_item(
        TableName=gateway.stack.environment["TABLE_NAME"],
        Key={"PK": {"S": "MENTION#messenger#m_lost_bag"}, "SK": {"S": "MENTION"}},
    )["Item"]
    ticket_id = item["ticket_id"]["S"]
    team = json.loads(call(gateway, "GET", f"/tickets/{ticket_id}", role="admin", teams="").body)["ticket"][
        "team"
    ]
    response = call(
        gateway,
        "POST",
        f"/tickets/{ticket_id}/replies",
        {"text": "Found it, arriving tonight"},
        teams=team,
        key="dm-1",
    )
    assert response.status == 201, response.body
    (sent,) = platforms.requests
    assert sent.method == "POST" and sent.path.endswith("/me/messages")
    assert sent.body["recipient"] == {"id": "7120938475610293"}
    assert sent.query["access_token"] == fake.DEFAULT_PAGE_TOKEN


def test_an_outbound_failure_keeps_the_reply_and_the_retry_sends_it(
    gateway: LocalGateway, platforms: fake.FakePlatforms, clock: Clock
) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    platforms.fail_next(1, status=503)
    response = call(gateway, "POST", f"/tickets/{ticket_id}/replies", {"text": "Sorry!"}, key="f-1")
    assert response.status == 202
    body = response.json()
    assert (body["status"], body["retrying"]) == ("failed", True)
    view = call(gateway, "GET", f"/tickets/{ticket_id}").json()
    (reply,) = view["replies"]
    assert (reply["status"], reply["attempts"], reply["text"]) == ("failed", 1, "Sorry!")  # not lost
    # nothing reached the customer, so the clock runs on
    assert view["ticket"]["status"] == "open" and view["ticket"]["response"] is not None
    sqs = gateway.stack.client("sqs")
    queue = gateway.stack.resolver.physical["OutboundRetryQueue"]
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert int(counts["ApproximateNumberOfMessagesDelayed"]) + int(counts["ApproximateNumberOfMessages"]) == 1
    # the retry queue's consumer (the template's SQS event source) takes it after the message's delay
    quiet(gateway.stack.pump)
    assert len(platforms.requests) == 0  # not before its 30 s
    clock.now += timedelta(seconds=31)
    quiet(gateway.stack.pump)
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert int(counts["ApproximateNumberOfMessagesDelayed"]) + int(counts["ApproximateNumberOfMessages"]) == 0
    view = call(gateway, "GET", f"/tickets/{ticket_id}").json()
    (reply,) = view["replies"]
    assert (reply["status"], reply["attempts"]) == ("sent", 2)
    assert len(platforms.requests) == 1  # the failed attempt was refused; one tweet went out
    assert view["ticket"]["status"] == "pending"  # delivered: now the clock stops


def test_resolve_leaves_the_due_index_and_reopen_restores_it(gateway: LocalGateway, clock: Clock) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    assert "due_pk" in ticket_of(gateway, 1)
    assert call(gateway, "POST", f"/tickets/{ticket_id}/resolve", {"resolution": "answered"}).status == 200
    resolved = ticket_of(gateway, 1)
    assert resolved["status"] == "resolved" and "due_pk" not in resolved and resolved.get("response") is None
    clock.now += timedelta(hours=2)
    reopened = call(gateway, "POST", f"/tickets/{ticket_id}/reopen")
    assert reopened.status == 200
    ticket = ticket_of(gateway, 1)
    assert (ticket["status"], ticket["response"]["kind"]) == ("open", "next_response") and "due_pk" in ticket
    assert ticket["response"]["deadline"] == "2026-11-23T15:10:00Z"


def test_assign_to_an_agent_and_hand_over_to_another_team(gateway: LocalGateway) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    ticket_id = ticket_of(gateway, 1)["ticket_id"]
    mine = call(gateway, "POST", f"/tickets/{ticket_id}/assign", {"assignee": "agent-ann"})
    assert mine.json()["assignee"] == "agent-ann"
    handed = call(gateway, "POST", f"/tickets/{ticket_id}/assign", {"team": "billing"})
    assert handed.json()["team"] == "billing"
    assert call(gateway, "GET", f"/tickets/{ticket_id}").status == 404  # no longer my team's
    quiet(gateway.stack.pump)  # the audit trail is written from the ticket's stream
    view = call(gateway, "GET", f"/tickets/{ticket_id}", teams="billing").json()
    changes = [
        (e["type"], e["actor"]) for e in view["events"] if e["type"] in ("TicketAssigned", "TicketMoved")
    ]
    assert changes == [("TicketAssigned", "agent-ann"), ("TicketMoved", "agent-ann")]


ENDPOINTS = [
    ("GET", "/tickets/{id}", None),
    ("POST", "/tickets/{id}/replies", {"text": "hello"}),
    ("POST", "/tickets/{id}/assign", {"assignee": "agent-ann"}),
    ("POST", "/tickets/{id}/resolve", {"resolution": "answered"}),
    ("POST", "/tickets/{id}/reopen", None),
    ("GET", "/tickets?team=customer-care", None),
    ("GET", "/reports/sla?team=customer-care", None),
    ("GET", "/mentions/x/{mention}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_agent_of_another_team_sees_and_changes_nothing(
    gateway: LocalGateway, platforms: fake.FakePlatforms, method: str, path: str, body: Any
) -> None:
    deliver(gateway, tweet(1, COMPLAINT))  # a customer-care ticket
    before = ticket_of(gateway, 1)
    url = path.format(id=before["ticket_id"], mention=BASE_ID + 1)
    response = call(gateway, method, url, body, teams="billing", subject="agent-bob", key="x")
    assert response.status in (403, 404), (url, response.status, response.body)
    assert ticket_of(gateway, 1) == before
    assert platforms.requests == []


def test_sla_report_for_a_team(gateway: LocalGateway, clock: Clock) -> None:
    deliver(gateway, *[tweet(60 + i, COMPLAINT, user=str(300 + i), handle=f"r{i}") for i in range(3)])
    first, second = ticket_of(gateway, 60)["ticket_id"], ticket_of(gateway, 61)["ticket_id"]
    clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    call(gateway, "POST", f"/tickets/{first}/replies", {"text": "a"}, key="1")
    clock.now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # after the 13:00 deadline
    call(gateway, "POST", f"/tickets/{second}/replies", {"text": "b"}, key="2")
    quiet(gateway.stack.tick, datetime(2026, 11, 23, 13, 1, tzinfo=UTC), ESCALATION)
    report = call(
        gateway,
        "GET",
        "/reports/sla?team=customer-care&from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z",
        role="lead",
    ).json()
    assert (report["tickets"], report["answered"], report["still_waiting"]) == (3, 2, 1)
    assert report["first_response_p50_minutes"] == 30.0 and report["compliance"] == round(1 / 3, 3)
    assert report["breached"] >= 1


def test_policy_is_readable_by_leads_editable_by_admins_and_audited(gateway: LocalGateway) -> None:
    assert call(gateway, "GET", "/config/policy").status == 403
    current = call(gateway, "GET", "/config/policy", role="lead").json()
    policy = current["policy"]
    policy["rules"][0]["then"]["priority"] = "high"
    assert (
        call(
            gateway, "PUT", "/config/policy", {"version": current["version"], "policy": policy}, role="lead"
        ).status
        == 403
    )
    changed = call(
        gateway,
        "PUT",
        "/config/policy",
        {"version": current["version"], "policy": policy, "comment": "fraud is high, not urgent"},
        role="admin",
        subject="admin-zoe",
    )
    assert changed.status == 200 and changed.json()["version"] == current["version"] + 1
    stale = call(
        gateway, "PUT", "/config/policy", {"version": current["version"], "policy": policy}, role="admin"
    )
    assert stale.status == 409
    broken = dict(policy, rules=policy["rules"][:-1])  # no catch-all
    assert (
        call(
            gateway,
            "PUT",
            "/config/policy",
            {"version": current["version"] + 1, "policy": broken},
            role="admin",
        ).status
        == 400
    )
    (audit,) = call(gateway, "GET", "/config/policy/audit", role="lead").json()["changes"]
    assert (audit["actor"], audit["comment"]) == ("admin-zoe", "fraud is high, not urgent")
