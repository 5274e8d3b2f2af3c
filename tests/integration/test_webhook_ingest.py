"""Ingest through the local HTTP API: verify, store once, reject cleanly, never lose an accepted mention."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest

from local import devsecrets
from socialdesk.channels import x
from tests.support.archive import archived
from tests.support.platforms import body_of, post_generic, post_meta, post_x

BRAND = "900000000000000001"


def tweet(tweet_id: str, text: str, *, user_id: str = "700000000000000001", **extra: Any) -> dict[str, Any]:
    """A minimal AAA v1.1 tweet_create_events delivery addressed to the brand."""
    status = {
        "id_str": tweet_id,
        "id": int(tweet_id),
        "text": text,
        "created_at": "Mon Nov 23 09:00:00 +0000 2026",
        "timestamp_ms": "1795424400000",
        "truncated": False,
        "user": {"id_str": user_id, "screen_name": "frustrated_flyer", "name": "Sam", "followers_count": 812},
        "favorite_count": 3,
        "retweet_count": 1,
        "lang": "en",
        **extra,
    }
    return {"for_user_id": BRAND, "tweet_create_events": [status]}


def review(item_id: str, text: str = "Parcel lost twice, nobody answers.", **extra: Any) -> dict[str, Any]:
    """A generic-schema review."""
    return {"id": item_id, "kind": "review", "text": text, "created_at": "2026-11-23T09:00:00Z", **extra}


def mentions_in(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["SK"]["S"] == "MENTION"]


def test_x_crc_answers_with_the_documented_hmac(gateway: Any) -> None:
    # Given X's CRC GET with an extra nonce parameter
    response = gateway.request("GET", "/webhooks/x?crc_token=challenge-123&nonce=MTY4")
    # Then the response token is base64 HMAC-SHA256(consumer secret, crc_token)
    assert response.status == 200
    expected = x.crc_response_token(devsecrets.value("X_CONSUMER_SECRET"), "challenge-123")
    assert response.json() == {"response_token": expected}


def test_x_crc_without_token_is_a_400(gateway: Any) -> None:
    response = gateway.request("GET", "/webhooks/x")
    assert response.status == 400
    assert response.json()["error"] == "invalid_payload"


def test_meta_handshake_echoes_the_challenge_as_text(gateway: Any) -> None:
    token = devsecrets.value("META_VERIFY_TOKEN")
    response = gateway.request(
        "GET", f"/webhooks/meta?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
    )
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.body == b"1158201444"


@pytest.mark.parametrize(
    "query",
    [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=dev-meta-verify-token&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1",
    ],
)
def test_meta_handshake_with_wrong_token_or_mode_is_403(gateway: Any, query: str) -> None:
    assert gateway.request("GET", f"/webhooks/meta?{query}").status == 403


def test_same_delivery_three_times_leaves_one_mention(gateway: Any, table_items: Any) -> None:
    # Given one tweet delivered three times (X retries on a slow ack)
    payload = tweet("1795424400000000001", "@SkyHighAir my flight was cancelled and no one answers")
    statuses = [post_x(gateway, payload) for _ in range(3)]
    # Then every delivery is acknowledged, and exactly one mention is stored
    assert [r.status for r in statuses] == [200, 200, 200]
    assert statuses[0].json()["stored"] == 1
    assert statuses[1].json()["duplicate"] == 1
    stored = mentions_in(table_items())
    assert len(stored) == 1
    assert stored[0]["external_id"]["S"] == "1795424400000000001"


def test_racing_deliveries_leave_one_mention(gateway: Any, table_items: Any) -> None:
    # Given the same mention delivered by 8 concurrent requests
    payload = review("race-1")
    results: list[int] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        barrier.wait()
        results.append(post_generic(gateway, "reviews", payload).json().get("stored", 0))

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one request stored it and the table holds one mention
    assert sum(results) == 1
    assert len(mentions_in(table_items())) == 1


def test_bad_signature_is_401_and_writes_nothing(gateway: Any, stack: Any, table_items: Any) -> None:
    payload = tweet("1795424400000000002", "hello")
    response = post_x(gateway, payload, signature="sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert response.status == 401
    assert response.json()["error"] == "invalid_signature"
    missing = gateway.request("POST", "/webhooks/x", {"content-type": "application/json"}, body_of(payload))
    assert missing.status == 401
    meta_bad = post_meta(gateway, {"object": "page", "entry": []}, signature="sha256=" + "0" * 64)
    assert meta_bad.status == 401
    assert table_items() == []
    assert archived(stack) == []


def test_signature_over_different_bytes_is_rejected(gateway: Any, table_items: Any) -> None:
    # Given a body signed, then re-serialised with different whitespace
    payload = tweet("1795424400000000003", "hi")
    signed = x.sign(devsecrets.value("X_CONSUMER_SECRET"), body_of(payload))
    response = post_x(gateway, json.dumps(payload, indent=1).encode(), signature=signed)
    assert response.status == 401
    assert table_items() == []


def test_stale_generic_signature_is_rejected(gateway: Any, table_items: Any) -> None:
    response = post_generic(gateway, "reviews", review("old-1"), at=time.time() - 301)
    assert response.status == 401
    assert "300 s" in response.json()["reason"]
    assert table_items() == []


def test_unknown_generic_source_is_401(gateway: Any) -> None:
    response = post_generic(gateway, "not-configured", review("x-1"))
    assert response.status == 401


def test_malformed_json_is_400_with_a_reason(gateway: Any, table_items: Any) -> None:
    response = post_x(gateway, b'{"for_user_id": "1", "tweet_create_events": [')
    assert response.status == 400
    assert response.json()["reason"].startswith("body is not valid JSON")
    assert table_items() == []


def test_payload_failing_validation_is_400_naming_the_field(gateway: Any, table_items: Any) -> None:
    response = post_generic(gateway, "reviews", {"id": "v-1", "text": "no date"})
    assert response.status == 400
    assert "created_at" in response.json()["reason"]
    assert table_items() == []


def test_oversized_body_is_413(gateway: Any, table_items: Any, monkeypatch: Any) -> None:
    limit = int(gateway.stack.environment["MAX_BODY_BYTES"])
    body = b'{"pad":"' + b"a" * limit + b'"}'
    response = post_meta(gateway, body)
    assert response.status == 413
    assert str(limit) in response.json()["reason"]
    assert table_items() == []


def test_base64_encoded_body_is_decoded_before_verification(gateway: Any, table_items: Any) -> None:
    # Given a delivery whose content type makes API Gateway base64-encode the body
    payload = body_of(review("b64-1"))
    stamp = int(time.time())
    from socialdesk.channels import generic

    header = generic.sign(devsecrets.value("GENERIC_WEBHOOK_SECRET"), payload, stamp)
    response = gateway.request(
        "POST",
        "/webhooks/generic/reviews",
        {"content-type": "application/octet-stream", "x-socialdesk-signature": header},
        payload,
    )
    assert response.status == 200
    assert len(mentions_in(table_items())) == 1
    assert base64.b64decode(base64.b64encode(payload)) == payload


def test_dynamodb_failure_is_503_and_redelivery_then_stores(
    gateway: Any, stack: Any, table_items: Any
) -> None:
    # Given the table is unavailable (deleted) when the delivery arrives
    client = stack.client("dynamodb")
    client.delete_table(TableName=stack.environment["TABLE_NAME"])
    payload = review("outage-1")
    failed = post_generic(gateway, "reviews", payload)
    # Then the platform is told to retry, without a stack trace
    assert failed.status == 503
    assert failed.headers.get("retry-after")
    assert "Traceback" not in failed.body.decode()
    # When the table is back and the platform redelivers, the mention is stored once
    stack.create_tables()
    assert post_generic(gateway, "reviews", payload).json()["stored"] == 1
    assert len(mentions_in(table_items())) == 1


def test_edit_updates_text_and_delete_tombstones(gateway: Any, table_items: Any) -> None:
    post_generic(gateway, "blog", review("e-1", "first text", kind="comment"))
    edited = post_generic(
        gateway,
        "blog",
        review("e-1", "edited text", kind="comment", event="updated", created_at="2026-11-23T09:05:00Z"),
    )
    assert edited.json()["updated"] == 1
    (item,) = mentions_in(table_items())
    assert item["text"]["S"] == "edited text"
    deleted = post_generic(
        gateway, "blog", review("e-1", "", event="deleted", created_at="2026-11-23T09:06:00Z")
    )
    assert deleted.json()["tombstoned"] == 1
    (item,) = mentions_in(table_items())
    assert item["status"]["S"] == "deleted"
    assert "text" not in item
    assert item["external_id"]["S"] == "blog:e-1"
    # a stale edit after the delete does not resurrect the content
    late = post_generic(
        gateway, "blog", review("e-1", "resurrected", event="updated", created_at="2026-11-23T09:07:00Z")
    )
    assert late.json()["duplicate"] == 1
    (item,) = mentions_in(table_items())
    assert "text" not in item


def test_delete_before_create_keeps_a_tombstone(gateway: Any, table_items: Any) -> None:
    post_generic(gateway, "blog", review("d-1", event="deleted"))
    again = post_generic(gateway, "blog", review("d-1", "late original"))
    assert again.json()["duplicate"] == 1
    (item,) = mentions_in(table_items())
    assert item["status"]["S"] == "deleted"
    assert "text" not in item


def test_brand_messages_are_outbound_not_mentions(gateway: Any, table_items: Any) -> None:
    response = post_generic(gateway, "blog", review("o-1", "Thanks, we are on it", from_brand=True))
    assert response.json()["outbound"] == 1
    items = table_items()
    assert mentions_in(items) == []
    assert [i["SK"]["S"] for i in items] == ["MESSAGE"]


def test_raw_payload_is_archived_and_referenced(gateway: Any, stack: Any) -> None:
    payload = review("raw-1")
    post_generic(gateway, "reviews", payload)
    token = _token("", "admin")
    mention = gateway.request("GET", "/mentions/generic/reviews:raw-1", {"authorization": f"Bearer {token}"})
    ref = mention.json()["mention"]["raw_ref"]
    # one table item per delivery, compressed, expiring after RawPayloadRetentionDays (30) by TTL
    channel, _, digest = ref.removeprefix("raw:").rpartition("/")
    item = stack.client("dynamodb").get_item(
        TableName=stack.environment["TABLE_NAME"],
        Key={"PK": {"S": f"RAW#{channel}#{digest}"}, "SK": {"S": "RAW"}},
    )["Item"]
    from socialdesk.dal.raw_archive import decompressed

    assert decompressed(item["body"]["B"]) == body_of(payload)
    assert len(item["body"]["B"]) < len(body_of(payload))
    from socialdesk.bootstrap import now

    days = (int(item["expires_at"]["N"]) - now().timestamp()) / 86_400
    assert 29 < days <= 30.01
    ttl = stack.client("dynamodb").describe_time_to_live(TableName=stack.environment["TABLE_NAME"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert archived(stack) == [body_of(payload)]


def test_a_raw_payload_too_large_for_an_item_is_archived_in_the_bucket(stack: Any) -> None:
    from socialdesk.bootstrap import services
    from socialdesk.dal.raw_archive import TABLE_BODY_LIMIT

    body = b'{"entry": [' + b",".join(b'{"n": %d}' % n for n in range(TABLE_BODY_LIMIT // 8)) + b"]}"
    archive = services().archive
    ref = archive.archive("meta", body)
    bucket, key = ref.removeprefix("s3://").split("/", 1)
    assert stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == body
    rules = stack.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 30
    archive.delete(ref)
    assert archived(stack) == []


def test_a_desk_that_keeps_no_raw_payloads_stores_the_mention_and_archives_nothing() -> None:
    # Given a stack deployed with RawPayloadRetentionDays 0
    from local.gateway import LocalGateway
    from local.stack import LocalStack

    stack = LocalStack(parameter_overrides={"RawPayloadRetentionDays": "0"})
    try:
        gateway = LocalGateway(stack)
        # When a delivery arrives
        assert post_generic(gateway, "reviews", review("raw-none")).status == 200
        # Then its mention is stored, referencing no payload, and nothing is archived anywhere
        token = _token("", "admin")
        found = gateway.request(
            "GET", "/mentions/generic/reviews:raw-none", {"authorization": f"Bearer {token}"}
        )
        assert found.status == 200 and found.json()["mention"]["raw_ref"] is None
        assert archived(stack) == []
        # and the bucket still expires what an earlier setting archived there, within a day
        bucket = stack.environment["RAW_PAYLOAD_BUCKET"]
        rules = stack.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert rules[0]["Expiration"]["Days"] == 1
    finally:
        stack.close()


def test_unknown_route_is_404(gateway: Any) -> None:
    assert gateway.request("POST", "/webhooks/unknown").status == 404


def test_no_stack_trace_in_any_error_body(gateway: Any) -> None:
    for response in (
        post_x(gateway, b"\xff\xfe"),
        post_meta(gateway, b"[]"),
        post_generic(gateway, "reviews", b'{"mentions": []}'),
    ):
        assert 400 <= response.status < 500
        assert "Traceback" not in response.body.decode("utf-8", "replace")


def _token(teams: str = "care", role: str = "agent") -> str:
    from local.token import mint

    return mint([t for t in teams.split(",") if t], role)


def test_unknown_generic_sources_cost_no_secret_lookup(gateway: Any) -> None:
    # Given the stack's configured sources (GenericSources) and a count of SSM reads
    from socialdesk.common import clients

    reads: list[str] = []
    ssm = clients.client("ssm")
    ssm.meta.events.register("before-call.ssm.GetParameter", lambda params, **_: reads.append(params["body"]))
    # When an attacker posts 200 deliveries to sources that are not configured
    for n in range(200):
        response = post_generic(gateway, f"attacker-{n % 50}", {"id": n, "created_at": 1, "text": "x"})
        assert response.status == 401
        assert response.json()["reason"] == f"unknown source attacker-{n % 50}"
    # Then not one secret was looked up, and a configured source still works
    assert reads == []
    ok = post_generic(gateway, "blog", {"id": "c-1", "created_at": "2026-11-23T09:00:00Z", "text": "hi"})
    assert ok.status == 200 and len(reads) == 1
