"""Privacy: X revoke and Meta data-deletion erase a person's content; tweet deletes erase payloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from local import devsecrets
from socialdesk.channels.meta.deletion import sign_request
from tests.support.archive import archived
from tests.support.platforms import post_meta, post_x
from tests.support.routing import BASE_ID, BRAND, api, deliver, messenger_dm, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def mention_item(gateway: Any, channel: str, external_id: str) -> dict[str, Any]:
    return gateway.stack.client("dynamodb").get_item(
        TableName=gateway.stack.environment["TABLE_NAME"],
        Key={"PK": {"S": f"MENTION#{channel}#{external_id}"}, "SK": {"S": "MENTION"}},
    )["Item"]


def raw_objects(gateway: Any) -> int:
    return len(archived(gateway.stack))


def test_x_revoke_erases_the_persons_mentions_payloads_and_ticket_name(gateway: Any) -> None:
    # Given two tweets by one customer and one by another, routed to tickets
    deliver(
        gateway,
        tweet(1, COMPLAINT, user="42", handle="ann"),
        tweet(2, "@SkyHighAir hello??", user="42", handle="ann", reply_to=1),
        tweet(3, COMPLAINT, user="77", handle="bob"),
    )
    assert raw_objects(gateway) == 3
    # When X reports that user 42 revoked access
    revoke = {
        "user_event": {
            "revoke": {
                "date_time": "2026-11-23T10:00:00+00:00",
                "target": {"app_id": "1"},
                "source": {"user_id": "42"},
            }
        }
    }
    response = quiet(post_x, gateway, revoke)
    assert response.json()["erasure_requested"] == 1
    quiet(gateway.stack.pump)
    # Then their messages keep their ids but lose text and identity; the other customer is untouched
    for n in (1, 2):
        item = mention_item(gateway, "x", str(BASE_ID + n))
        assert item["status"]["S"] == "deleted" and "text" not in item and "author" not in item
    assert mention_item(gateway, "x", str(BASE_ID + 3))["text"]["S"] == COMPLAINT
    assert raw_objects(gateway) == 1
    assert ticket_of(gateway, 1)["customer"] == {"name": "[erased]"}
    assert ticket_of(gateway, 3)["customer"]["handle"] == "bob"
    # A redelivered revoke is recorded again (its code is random), and erases nothing more
    assert quiet(post_x, gateway, revoke).json()["erasure_requested"] == 1
    quiet(gateway.stack.pump)
    assert raw_objects(gateway) == 1


def test_meta_data_deletion_callback_answers_as_meta_requires_and_erases(gateway: Any) -> None:
    message = messenger_dm("m_1", "my bag is lost")
    quiet(post_meta, gateway, message)
    quiet(gateway.stack.pump)
    signed = sign_request(
        {"algorithm": "HMAC-SHA256", "issued_at": 1795424400, "user_id": "7120938475610293"},
        devsecrets.value("META_APP_SECRET"),
    )
    body = urlencode({"signed_request": signed}).encode()
    response = quiet(
        gateway.request,
        "POST",
        "/webhooks/meta/data-deletion",
        {"content-type": "application/x-www-form-urlencoded"},
        body,
    )
    assert response.status == 200
    answer = response.json()
    assert set(answer) == {"url", "confirmation_code"}
    assert answer["url"].endswith(f"/privacy/deletion/{answer['confirmation_code']}")
    quiet(gateway.stack.pump)
    item = mention_item(gateway, "messenger", "m_1")
    assert "text" not in item and "author" not in item
    status = quiet(gateway.request, "GET", f"/privacy/deletion/{answer['confirmation_code']}").json()
    assert status["status"] == "completed" and "7120938475610293" not in str(status)


def test_a_forged_deletion_request_is_refused_and_erases_nothing(gateway: Any) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    signed = sign_request({"algorithm": "HMAC-SHA256", "user_id": "42"}, "not-the-app-secret")
    response = quiet(
        gateway.request,
        "POST",
        "/webhooks/meta/data-deletion",
        {"content-type": "application/x-www-form-urlencoded"},
        urlencode({"signed_request": signed}).encode(),
    )
    assert response.status == 401
    malformed = quiet(
        gateway.request,
        "POST",
        "/webhooks/meta/data-deletion",
        {"content-type": "application/x-www-form-urlencoded"},
        b"signed_request=nonsense",
    )
    assert malformed.status == 400
    assert quiet(gateway.request, "GET", "/privacy/deletion/" + "0" * 24).status == 404


def test_a_deleted_tweet_loses_its_archived_payload(gateway: Any) -> None:
    deliver(gateway, tweet(1, COMPLAINT))
    assert raw_objects(gateway) == 1
    deleted = {
        "for_user_id": BRAND,
        "tweet_delete_events": [
            {"status": {"id": str(BASE_ID + 1), "user_id": "42"}, "timestamp_ms": "1795425000000"}
        ],
    }
    assert quiet(post_x, gateway, deleted).json()["tombstoned"] == 1
    assert raw_objects(gateway) == 0
    quiet(gateway.stack.pump)
    view = api(gateway, f"/tickets/{ticket_of(gateway, 1)['ticket_id']}").json()
    assert view["messages"][0]["text"] == "" and view["messages"][0]["deleted"] is True
