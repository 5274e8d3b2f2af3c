"""Replies answer the ticket's customer: the message named must be theirs and still there; bad requests
change nothing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local import platforms as fake
from local.gateway import LocalGateway
from local.token import mint
from tests.support.platforms import post_x
from tests.support.routing import BASE_ID, BRAND, deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def call(desk: LocalGateway, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {
        "authorization": f"Bearer {mint(['customer-care'], 'agent', 'agent-ann')}",
        "content-type": "application/json",
    }
    if key:
        headers["idempotency-key"] = key
    return quiet(desk.request, method, path, headers, json.dumps(body).encode() if body is not None else None)


@pytest.fixture
def thread(desk: LocalGateway) -> dict[str, str]:
    """Erin's complaint, a stranger's reply to it (context), and Erin's follow-up."""
    deliver(desk, tweet(1, COMPLAINT, user="11", handle="erin"))
    deliver(desk, tweet(2, "@erin lol same here", user="22", handle="stranger", reply_to=1, minute=1))
    deliver(
        desk, tweet(3, "@SkyHighAir hello?? still waiting", user="11", handle="erin", reply_to=1, minute=2)
    )
    return {"ticket": ticket_of(desk, 1)["ticket_id"], "stranger": str(BASE_ID + 2)}


def test_a_reply_goes_to_the_customers_latest_message_and_the_view_says_so(
    desk: LocalGateway, platforms: fake.FakePlatforms, thread: dict[str, str]
) -> None:
    response = call(desk, "POST", f"/tickets/{thread['ticket']}/replies", {"text": "On it, Erin"}, key="a")
    assert response.status == 201, response.body
    (sent,) = platforms.requests
    assert sent.body["reply"]["in_reply_to_tweet_id"] == str(BASE_ID + 3)
    (reply,) = call(desk, "GET", f"/tickets/{thread['ticket']}").json()["replies"]
    assert (reply["in_reply_to"], reply["recipient_label"]) == (str(BASE_ID + 3), "@erin")


def test_a_reply_to_another_persons_message_is_a_422_and_nothing_is_sent(
    desk: LocalGateway, platforms: fake.FakePlatforms, thread: dict[str, str]
) -> None:
    before = ticket_of(desk, 1)
    body = {"text": "hi", "in_reply_to": thread["stranger"]}
    response = call(desk, "POST", f"/tickets/{thread['ticket']}/replies", body, key="b")
    assert response.status == 422
    assert "context" in response.json()["reason"]
    assert platforms.requests == [] and ticket_of(desk, 1) == before
    assert call(desk, "GET", f"/tickets/{thread['ticket']}").json()["replies"] == []


def test_a_reply_to_a_deleted_message_is_a_409(
    desk: LocalGateway, platforms: fake.FakePlatforms, thread: dict[str, str]
) -> None:
    deleted = {
        "for_user_id": BRAND,
        "tweet_delete_events": [
            {"status": {"id": str(BASE_ID + 3), "user_id": "11"}, "timestamp_ms": "1795425000000"}
        ],
    }
    quiet(post_x, desk, deleted)
    quiet(desk.stack.pump)
    response = call(
        desk,
        "POST",
        f"/tickets/{thread['ticket']}/replies",
        {"text": "hi", "in_reply_to": str(BASE_ID + 3)},
        key="c",
    )
    assert response.status == 409 and "deleted" in response.json()["reason"]
    # without in_reply_to the reply answers her latest message that still exists
    assert call(desk, "POST", f"/tickets/{thread['ticket']}/replies", {"text": "hi"}, key="d").status == 201
    assert platforms.requests[-1].body["reply"]["in_reply_to_tweet_id"] == str(BASE_ID + 1)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_a_blank_reply_is_a_400_before_anything_changes(
    desk: LocalGateway, platforms: fake.FakePlatforms, thread: dict[str, str], text: str
) -> None:
    before = ticket_of(desk, 1)
    response = call(desk, "POST", f"/tickets/{thread['ticket']}/replies", {"text": text}, key="e")
    assert response.status == 400 and response.json()["reason"]
    assert ticket_of(desk, 1) == before and platforms.requests == []


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!!",
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(json.dumps({"PK": {"N": "1"}, "SK": {"S": "x"}}).encode()).decode(),
        base64.urlsafe_b64encode(
            json.dumps({"PK": {"S": "x"}, "SK": {"S": "y"}, "evil": {"S": "z"}}).encode()
        ).decode(),
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
    ],
)
def test_a_malformed_cursor_is_a_400_with_the_reason(
    desk: LocalGateway, thread: dict[str, str], cursor: str
) -> None:
    response = call(desk, "GET", f"/tickets?team=customer-care&cursor={cursor}")
    assert response.status == 400 and "cursor" in response.json()["reason"]
