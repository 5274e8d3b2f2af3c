"""Helpers for routing tests: deliver mentions, pump the stream, read tickets as the API does."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from local.gateway import LocalGateway
from local.token import mint
from socialdesk.dal.items import from_attributes
from tests.support.platforms import post_x

BRAND = "1500000000000000001"
BASE_ID = 1795424400000000000


def tweet(
    n: int,
    text: str,
    *,
    user: str = "42",
    handle: str = "ann",
    followers: int = 100,
    reply_to: int | None = None,
    minute: int = 0,
    likes: int = 0,
    retweets: int = 0,
) -> dict[str, Any]:
    """An AAA delivery of one customer tweet (id ``BASE_ID + n``)."""
    status: dict[str, Any] = {
        "id_str": str(BASE_ID + n),
        "text": text,
        "created_at": f"Mon Nov 23 09:{minute:02d}:00 +0000 2026",
        "user": {"id_str": user, "screen_name": handle, "followers_count": followers},
        "favorite_count": likes,
        "retweet_count": retweets,
    }
    if reply_to is not None:
        status["in_reply_to_status_id_str"] = str(BASE_ID + reply_to)
    return {"for_user_id": BRAND, "tweet_create_events": [status]}


def dm(n: int, text: str, *, sender: str = "42", handle: str = "ann", minute: int = 0) -> dict[str, Any]:
    """An AAA delivery of one inbound DM."""
    return {
        "for_user_id": BRAND,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": str(BASE_ID + n),
                "created_timestamp": str(1795424400000 + minute * 60000),
                "message_create": {
                    "target": {"recipient_id": BRAND},
                    "sender_id": sender,
                    "message_data": {"text": text},
                },
            }
        ],
        "users": {
            sender: {"id": sender, "screen_name": handle, "name": handle.title(), "followers_count": 5}
        },
    }


PAGE = "104000000000001"
PSID = "7120938475610293"


def messenger_dm(mid: str, text: str, *, sender: str = PSID) -> dict[str, Any]:
    """A Meta delivery of one inbound Messenger message to the brand's Page."""
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1795424400000,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": PAGE},
                        "timestamp": 1795424400000,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }


def deliver(gateway: LocalGateway, *payloads: dict[str, Any], pump: bool = True) -> None:
    """POST each payload to /webhooks/x, then run the stream and every execution to completion."""
    with contextlib.redirect_stdout(io.StringIO()):
        for payload in payloads:
            assert post_x(gateway, payload).status == 200
        if pump:
            gateway.stack.pump()


def quiet(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function`` with the functions' EMF metric lines kept off the test output."""
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args, **kwargs)


def api(gateway: LocalGateway, path: str, teams: str = "customer-care", role: str = "agent") -> Any:
    """GET an agent API path with a token for ``teams``."""
    token = mint([t for t in teams.split(",") if t], role)
    return quiet(gateway.request, "GET", path, {"authorization": f"Bearer {token}"})


def ticket_of(gateway: LocalGateway, n: int) -> dict[str, Any] | None:
    """The ticket item a tweet/DM ``BASE_ID + n`` is on (read straight from the table), or None."""
    client = gateway.stack.client("dynamodb")
    table = gateway.stack.environment["TABLE_NAME"]
    mention = client.get_item(
        TableName=table, Key={"PK": {"S": f"MENTION#x#{BASE_ID + n}"}, "SK": {"S": "MENTION"}}
    )
    ticket_id = mention.get("Item", {}).get("ticket_id", {}).get("S")
    if not ticket_id:
        return None
    item = client.get_item(TableName=table, Key={"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": "TICKET"}})[
        "Item"
    ]
    return with_defaults(from_attributes(item))


def with_defaults(item: dict[str, Any]) -> dict[str, Any]:
    """A ticket item as plain fields: its packed fields unpacked and the fields it leaves out at their
    default value filled in (as reading does)."""
    from socialdesk.dal.tickets import ticket_from_item, ticket_image

    return {**ticket_from_item(item).model_dump(mode="json"), **ticket_image(item)}


def tickets(gateway: LocalGateway) -> list[dict[str, Any]]:
    """Every ticket item in the table (test-only scan)."""
    client = gateway.stack.client("dynamodb")
    items = client.scan(TableName=gateway.stack.environment["TABLE_NAME"])["Items"]
    return [with_defaults(from_attributes(i)) for i in items if i["SK"]["S"] == "TICKET"]


def call(
    gateway: LocalGateway,
    method: str,
    path: str,
    body: Any = None,
    *,
    teams: str = "customer-care",
    role: str = "agent",
    subject: str = "agent-ann",
    key: str | None = None,
) -> Any:
    """Call the agent API as ``subject`` with ``teams`` and ``role`` (a JSON body, an Idempotency-Key)."""
    import json

    headers = {
        "authorization": f"Bearer {mint([t for t in teams.split(',') if t], role, subject)}",
        "content-type": "application/json",
    }
    if key:
        headers["idempotency-key"] = key
    data = json.dumps(body).encode() if body is not None else None
    return quiet(gateway.request, method, path, headers, data)
