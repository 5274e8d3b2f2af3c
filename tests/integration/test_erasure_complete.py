"""Erasure is complete and stays complete: after it, nothing in the table, the bucket or the
notifications sent afterwards names the person, and their old payloads store nothing again.

Each test builds a person's whole footprint on one platform — messages, a second envelope, a
stranger's reply naming them, an agent's public and private replies naming them, the brand's native
reply — then erases them and scans everything.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from local import devsecrets
from local import platforms as fake
from local.gateway import LocalGateway
from local.token import mint
from socialdesk.channels.meta.deletion import sign_request
from tests.support.archive import archived
from tests.support.platforms import post_generic, post_meta, post_x
from tests.support.routing import BASE_ID, BRAND, PAGE, quiet

PERSON_ID = "4242424242"
HANDLE = "ann_erasable"
NAME = "Annabel Quist"
TEXTS = ("my flight QZ901 was cancelled and the refund never came", "still no refund for booking ZZTOP9")


def feed(desk: LocalGateway) -> str:
    """An SQS queue receiving every notification the ticket-events topic publishes."""
    sns, sqs = desk.stack.client("sns"), desk.stack.client("sqs")
    url = str(sqs.create_queue(QueueName="everything")["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = desk.stack.resolver.physical["TicketEventsTopic"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return url


def drain(desk: LocalGateway, url: str) -> list[str]:
    sqs = desk.stack.client("sqs")
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def everything(desk: LocalGateway) -> list[str]:
    """Every table item and every archived payload (in the table or the bucket), as text."""
    client = desk.stack.client("dynamodb")
    found, kwargs = [], {"TableName": desk.stack.environment["TABLE_NAME"]}
    while True:
        page = client.scan(**kwargs)
        found.extend(json.dumps(item, ensure_ascii=False, default=repr) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    found.extend(body.decode("utf-8", "replace") for body in archived(desk.stack))
    return found


def traces(texts: list[str], *needles: str) -> list[str]:
    """The needles (case-insensitive) found in any of the texts, with where."""
    hits = []
    for text in texts:
        lowered = text.lower()
        hits.extend(f"{n!r} in {text}" for n in needles if n.lower() in lowered)
    return hits


def api(
    desk: LocalGateway, method: str, path: str, body: Any = None, role: str = "admin", key: str = "k"
) -> Any:
    headers = {
        "authorization": f"Bearer {mint([], role, 'agent-zoe')}",
        "content-type": "application/json",
        "idempotency-key": key,
    }
    return quiet(desk.request, method, path, headers, json.dumps(body).encode() if body is not None else None)


def ticket_of(desk: LocalGateway, ref: str) -> str:
    channel, _, external_id = ref.partition("#")
    mention = api(desk, "GET", f"/mentions/{channel}/{external_id}").json()
    return str(mention["ticket_id"])


def reply(desk: LocalGateway, ticket_id: str, text: str, key: str, private: bool | None = None) -> None:
    body: dict[str, Any] = {"text": text}
    if private is not None:
        body["private"] = private
    response = api(desk, "POST", f"/tickets/{ticket_id}/replies", body, key=key)
    assert response.status in (201, 202), response.body


def x_tweet(
    n: int, text: str, *, user: str, handle: str, name: str, reply_to: int | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id_str": str(BASE_ID + n),
        "text": text,
        "created_at": "Mon Nov 23 09:00:00 +0000 2026",
        "user": {"id_str": user, "screen_name": handle, "name": name, "followers_count": 10},
    }
    if reply_to is not None:
        to = f"{BASE_ID + reply_to}"
        status.update(
            in_reply_to_status_id_str=to, in_reply_to_user_id_str=PERSON_ID, in_reply_to_screen_name=HANDLE
        )
    return status


def test_x_revoke_leaves_no_trace_of_the_person_and_a_redelivery_brings_nothing_back(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    # Given the person's complaint (delivered twice, the second time in a batch with another tweet),
    # a stranger's reply naming them, their DM, and our replies naming them publicly and by DM
    first = {
        "for_user_id": BRAND,
        "tweet_create_events": [
            x_tweet(1, f"@SkyHighAir {TEXTS[0]}", user=PERSON_ID, handle=HANDLE, name=NAME)
        ],
    }
    stranger = x_tweet(
        2,
        f"@{HANDLE} @SkyHighAir same here, charge me twice",
        user="777",
        handle="bob",
        name="Bob",
        reply_to=1,
    )
    batch = {"for_user_id": BRAND, "tweet_create_events": [first["tweet_create_events"][0], stranger]}
    direct = {
        "for_user_id": BRAND,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": str(BASE_ID + 3),
                "created_timestamp": "1795424460000",
                "message_create": {
                    "target": {"recipient_id": BRAND},
                    "sender_id": PERSON_ID,
                    "message_data": {"text": TEXTS[1]},
                },
            }
        ],
        "users": {PERSON_ID: {"id": PERSON_ID, "screen_name": HANDLE, "name": NAME}},
    }
    for delivery in (first, batch, direct):
        assert quiet(post_x, desk, delivery).status == 200
    quiet(desk.stack.pump)
    public, private = ticket_of(desk, f"x#{BASE_ID + 1}"), ticket_of(desk, f"x#{BASE_ID + 3}")
    reply(desk, public, f"So sorry {NAME}, @{HANDLE}: we are on it", "p1")
    reply(desk, private, f"Hi {NAME}, your refund is on its way", "d1")
    corrected = api(desk, "POST", f"/tickets/{public}/corrections", {"kind": "intent", "intent": "complaint"})
    assert corrected.status == 201, corrected.body  # a labelled example holding the person's text
    native = {
        "for_user_id": BRAND,
        "tweet_create_events": [
            {
                "id_str": str(BASE_ID + 9),
                "text": f"@{HANDLE} following up on this",
                "created_at": "Mon Nov 23 09:30:00 +0000 2026",
                "in_reply_to_status_id_str": str(BASE_ID + 1),
                "in_reply_to_screen_name": HANDLE,
                "user": {"id_str": BRAND, "screen_name": "SkyHighAir"},
            }
        ],
    }
    assert quiet(post_x, desk, native).status == 200
    quiet(desk.stack.pump)
    assert traces(everything(desk), PERSON_ID, HANDLE, NAME, *TEXTS)  # the footprint is really there
    notifications = feed(desk)
    # When the person revokes the app's access
    revoke = {
        "user_event": {
            "revoke": {
                "date_time": "2026-11-23T10:00:00+00:00",
                "target": {"app_id": "1"},
                "source": {"user_id": PERSON_ID},
            }
        }
    }
    assert quiet(post_x, desk, revoke).json()["erasure_requested"] == 1
    quiet(desk.stack.pump)
    # Then no table item, archived payload or later notification names them or holds their words
    found = traces(everything(desk) + drain(desk, notifications), PERSON_ID, HANDLE, NAME, *TEXTS)
    assert found == [], "\n".join(found)
    # And a redelivery of their old payloads stores and archives nothing
    before = everything(desk)
    for delivery in (first, batch, direct):
        outcomes = {i["outcome"] for i in quiet(post_x, desk, delivery).json()["items"]}
        assert outcomes == {"duplicate"}, outcomes
    quiet(desk.stack.pump)
    assert everything(desk) == before
    # The tickets stay, without the person: the desk's figures still add up
    view = api(desk, "GET", f"/tickets/{public}").json()
    assert view["ticket"]["customer"] == {"id": None, "handle": None, "name": "[erased]"}


def test_meta_data_deletion_leaves_no_trace_of_the_person(desk: LocalGateway) -> None:
    person = "7120938475610299"
    comment = {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1795424400,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": "1187654321098765_501",
                            "post_id": "1187654321098765",
                            "parent_id": "1187654321098765",
                            "from": {"id": person, "name": NAME},
                            "message": TEXTS[0],
                            "created_time": 1795424400,
                        },
                    }
                ],
            }
        ],
    }
    edited = json.loads(json.dumps(comment))
    edited["entry"][0]["changes"][0]["value"].update(verb="edited", message=TEXTS[1], created_time=1795424500)
    dm = {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1795424400000,
                "messaging": [
                    {
                        "sender": {"id": person},
                        "recipient": {"id": PAGE},
                        "timestamp": 1795424400000,
                        "message": {"mid": "m_erasable", "text": f"{TEXTS[1]} - {NAME}"},
                    }
                ],
            }
        ],
    }
    for delivery in (comment, edited, dm):
        assert quiet(post_meta, desk, delivery).status == 200
    quiet(desk.stack.pump)
    ticket = ticket_of(desk, "messenger#m_erasable")
    reply(desk, ticket, f"Thanks {NAME}, refund sent", "m1")
    quiet(desk.stack.pump)
    assert traces(everything(desk), person, NAME, *TEXTS)
    notifications = feed(desk)
    signed = sign_request(
        {"algorithm": "HMAC-SHA256", "issued_at": 1795424400, "user_id": person},
        devsecrets.value("META_APP_SECRET"),
    )
    response = quiet(
        desk.request,
        "POST",
        "/webhooks/meta/data-deletion",
        {"content-type": "application/x-www-form-urlencoded"},
        urlencode({"signed_request": signed}).encode(),
    )
    assert response.status == 200
    quiet(desk.stack.pump)
    assert traces(everything(desk) + drain(desk, notifications), person, NAME, *TEXTS) == []
    status = quiet(desk.request, "GET", f"/privacy/deletion/{response.json()['confirmation_code']}").json()
    assert status["status"] == "completed" and status["erased"]["messages"] == 2


def test_an_admin_erasure_of_a_generic_sources_author_leaves_no_trace(desk: LocalGateway) -> None:
    review = {
        "id": "rv-erasable",
        "kind": "review",
        "text": TEXTS[0],
        "created_at": "2026-11-23T09:00:00Z",
        "author": {"id": PERSON_ID, "handle": HANDLE, "name": NAME},
    }
    assert quiet(post_generic, desk, "reviews", review).status == 200
    updated = {**review, "event": "updated", "text": TEXTS[1], "created_at": "2026-11-23T09:05:00Z"}
    assert quiet(post_generic, desk, "reviews", updated).status == 200
    quiet(desk.stack.pump)
    reply(desk, ticket_of(desk, "generic#reviews:rv-erasable"), f"We are sorry, {NAME}", "g1")
    quiet(desk.stack.pump)
    assert traces(everything(desk), PERSON_ID, HANDLE, NAME, *TEXTS)
    # Only an admin records an erasure received by email or a form
    assert api(desk, "POST", "/privacy/erasures", {"author_id": PERSON_ID}, role="lead").status == 403
    recorded = api(desk, "POST", "/privacy/erasures", {"author_id": PERSON_ID, "channels": ["generic"]})
    assert recorded.status == 202
    quiet(desk.stack.pump)
    assert traces(everything(desk), PERSON_ID, HANDLE, NAME, *TEXTS) == []
    assert quiet(post_generic, desk, "reviews", review).json()["items"][0]["outcome"] == "duplicate"
    status = quiet(desk.request, "GET", recorded.json()["status_path"]).json()
    assert status["status"] == "completed"


def test_a_delete_whose_archive_cleanup_fails_is_finished_by_the_redelivery(desk: LocalGateway) -> None:
    from socialdesk.dal.raw_archive import TableRawPayloadArchive
    from socialdesk.domain.errors import StorageUnavailable

    tweet = {
        "for_user_id": BRAND,
        "tweet_create_events": [x_tweet(1, TEXTS[0], user=PERSON_ID, handle=HANDLE, name=NAME)],
    }
    quiet(post_x, desk, tweet)
    delete = {
        "for_user_id": BRAND,
        "tweet_delete_events": [
            {"status": {"id": str(BASE_ID + 1), "user_id": PERSON_ID}, "timestamp_ms": "1795425000000"}
        ],
    }
    real = TableRawPayloadArchive.delete
    failures = iter([True])

    def flaky(self: Any, ref: str) -> None:
        if next(failures, False):
            raise StorageUnavailable("archive throttled")
        real(self, ref)

    TableRawPayloadArchive.delete = flaky  # type: ignore[method-assign]
    try:
        assert quiet(post_x, desk, delete).status == 503  # the platform will redeliver
        assert traces(everything(desk), TEXTS[0])  # the payload is still archived
        assert quiet(post_x, desk, delete).status == 200
    finally:
        TableRawPayloadArchive.delete = real  # type: ignore[method-assign]
    # the content and its archived payload are gone (the id stays, so the delete stays a delete)
    assert traces(everything(desk), TEXTS[0]) == []
    assert archived(desk.stack) == []
