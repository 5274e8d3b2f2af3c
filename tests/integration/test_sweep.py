"""The sweep finds and repairs every inconsistent state the pipeline can leave, and says what it fixed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local import platforms as fake
from local.gateway import LocalGateway
from local.token import mint
from socialdesk import bootstrap
from tests.support.archive import archived
from tests.support.platforms import post_x
from tests.support.routing import BASE_ID, BRAND, deliver, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    now = bootstrap.clock() + timedelta(minutes=minutes)
    monkeypatch.setattr(bootstrap, "clock", lambda: now)


def swept(desk: LocalGateway) -> dict[str, Any]:
    report = quiet(desk.stack.invoke, "SweepFunction", {"start": "from_start"})  # as redrive --sweep does
    quiet(desk.stack.pump)
    return dict(report)


def item(desk: LocalGateway, pk: str, sk: str) -> dict[str, Any]:
    client = desk.stack.client("dynamodb")
    return client.get_item(
        TableName=desk.stack.environment["TABLE_NAME"], Key={"PK": {"S": pk}, "SK": {"S": sk}}
    )["Item"]


def test_a_message_routing_never_reached_is_routed(
    desk: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.handlers import dispatch

    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "start_routing", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
        deliver(desk, tweet(1, COMPLAINT))
    assert ticket_of(desk, 1) is None  # stored, never routed (its batch is in the DLQ, say, then expired)
    assert swept(desk)["unrouted"] == 0  # within the grace period the pipeline may still be on it
    later(monkeypatch, 20)
    assert swept(desk)["unrouted"] == 1
    assert ticket_of(desk, 1)["team"] == "customer-care"
    again = swept(desk)
    assert again["repaired"] == 0, again  # nothing left to repair


def test_a_deletion_routing_never_applied_withdraws_the_ticket(
    desk: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.handlers import dispatch

    deliver(desk, tweet(1, COMPLAINT))
    delete = {
        "for_user_id": BRAND,
        "tweet_delete_events": [
            {"status": {"id": str(BASE_ID + 1), "user_id": "42"}, "timestamp_ms": "1795425000000"}
        ],
    }
    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "start_routing", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("down")))
        assert quiet(post_x, desk, delete).status == 200
        quiet(desk.stack.pump)
    assert ticket_of(desk, 1)["status"] == "open"  # the message is gone, its ticket still waits
    later(monkeypatch, 30)  # past the grace period after the deletion
    assert swept(desk)["deletions"] == 1
    assert ticket_of(desk, 1)["status"] == "closed" and ticket_of(desk, 1)["close_reason"] == "withdrawn"
    assert swept(desk)["repaired"] == 0  # nothing left to repair


def test_index_entries_that_disagree_with_the_ticket_are_rewritten(desk: LocalGateway) -> None:
    from socialdesk.dal.items import from_attributes, to_attributes
    from socialdesk.dal.tickets import ticket_from_item, ticket_item
    from socialdesk.domain.ticket import TicketStatus

    deliver(desk, tweet(1, COMPLAINT))
    ticket = ticket_of(desk, 1)
    client, table = desk.stack.client("dynamodb"), desk.stack.environment["TABLE_NAME"]
    key = {"PK": {"S": f"TICKET#{ticket['ticket_id']}"}, "SK": {"S": "TICKET"}}
    client.update_item(
        TableName=table, Key=key, UpdateExpression="REMOVE queue_pk, queue_sk"
    )  # lost queue entry
    assert swept(desk)["reindexed"] == 1
    queue = quiet(
        desk.request,
        "GET",
        "/tickets?team=customer-care",
        {"authorization": f"Bearer {mint(['customer-care'])}"},
    )
    assert [t["ticket_id"] for t in queue.json()["tickets"]] == [ticket["ticket_id"]]
    stored = from_attributes(item(desk, f"TICKET#{ticket['ticket_id']}", "TICKET"))
    resolved = ticket_from_item(stored).model_copy(
        update={"status": TicketStatus.RESOLVED, "response": None, "resolution_clock": None, "due_at": None}
    )
    due_entry = {k: stored[k] for k in ("due_pk", "due_sk", "due_next")}
    client.put_item(
        TableName=table, Item={**key, **to_attributes({**ticket_item(resolved), **due_entry})}
    )  # a resolved ticket still in the due index
    assert swept(desk)["reindexed"] == 1
    assert "due_pk" not in item(desk, f"TICKET#{ticket['ticket_id']}", "TICKET")


def test_an_archived_payload_of_a_deleted_message_is_deleted(desk: LocalGateway) -> None:
    from socialdesk.dal.raw_archive import TableRawPayloadArchive
    from socialdesk.domain.errors import StorageUnavailable

    deliver(desk, tweet(1, COMPLAINT))
    real = TableRawPayloadArchive.delete

    def down(self: Any, ref: str) -> None:
        raise StorageUnavailable("archive down")

    TableRawPayloadArchive.delete = down  # type: ignore[method-assign]
    try:
        delete = {
            "for_user_id": BRAND,
            "tweet_delete_events": [
                {"status": {"id": str(BASE_ID + 1), "user_id": "42"}, "timestamp_ms": "1795425000000"}
            ],
        }
        assert quiet(post_x, desk, delete).status == 503  # and X never redelivers
    finally:
        TableRawPayloadArchive.delete = real  # type: ignore[method-assign]
    assert len(archived(desk.stack)) == 1
    assert swept(desk)["payloads_deleted"] == 1
    assert archived(desk.stack) == []


def test_a_reply_stuck_sending_is_checked_on_the_platform_and_recorded(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.dal.tickets import DynamoTicketRepository
    from socialdesk.domain.errors import StorageUnavailable

    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    real = DynamoTicketRepository.update_reply

    def crash(self: Any, ticket: str, reply_id: str, values: dict[str, Any], **kwargs: Any) -> None:
        if values.get("status") == "sent":
            raise StorageUnavailable("the function died here")
        real(self, ticket, reply_id, values, **kwargs)

    monkeypatch.setattr(DynamoTicketRepository, "update_reply", crash)
    headers = {
        "authorization": f"Bearer {mint([], 'admin')}",
        "content-type": "application/json",
        "idempotency-key": "s1",
    }
    quiet(
        desk.request,
        "POST",
        f"/tickets/{ticket_id}/replies",
        headers,
        json.dumps({"text": "Sorry!"}).encode(),
    )
    monkeypatch.setattr(DynamoTicketRepository, "update_reply", real)
    later(monkeypatch, 20)
    assert swept(desk)["replies_retried"] == 1
    assert len(platforms.posted("/2/tweets")) == 1
    assert ticket_of(desk, 1)["status"] == "pending"


def test_a_ticket_change_the_outbox_never_delivered_is_delivered(
    desk: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.handlers import outbox

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "handle", lambda record: (_ for _ in ()).throw(RuntimeError("outbox down")))
        deliver(desk, tweet(1, COMPLAINT))  # routed; its TicketRouted is never delivered (DLQ expired)
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    view = quiet(
        desk.request, "GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {mint([], 'admin')}"}
    )
    assert view.json()["events"] == []
    later(monkeypatch, 20)
    assert swept(desk)["outbox_redelivered"] == 1
    view = quiet(
        desk.request, "GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {mint([], 'admin')}"}
    )
    assert [e["type"] for e in view.json()["events"]] == ["TicketOpened", "TicketRouted"]


def test_a_delivered_reply_whose_ticket_never_counted_it_stops_the_clock(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.dal.tickets import DynamoTicketRepository
    from socialdesk.domain.errors import StorageUnavailable

    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]

    def throttled(self: Any, change: Any) -> None:
        raise StorageUnavailable("ticket store: ThrottlingException")

    with monkeypatch.context() as patch:  # the reply is recorded sent, then the ticket's write fails
        patch.setattr(DynamoTicketRepository, "save", throttled)
        answer = quiet(
            desk.request,
            "POST",
            f"/tickets/{ticket_id}/replies",
            {"authorization": f"Bearer {mint([], 'admin')}", "content-type": "application/json"},
            json.dumps({"text": "Sorry!"}).encode(),
        )
    assert answer.status == 503
    assert ticket_of(desk, 1)["status"] == "open"  # the clock still runs: nobody retries
    later(monkeypatch, 20)
    assert swept(desk)["replies_retried"] == 1
    assert ticket_of(desk, 1)["status"] == "pending" and len(platforms.posted("/2/tweets")) == 1
    assert swept(desk)["replies_retried"] == 0  # repaired once


def test_the_schedule_starts_a_pass_once_per_interval_and_says_so(
    desk: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(desk, tweet(1, COMPLAINT))
    first = quiet(desk.stack.invoke, "SweepFunction", {})  # the schedule's event
    assert first["pass_complete"] and not first["skipped"] and first["scanned"] > 0
    later(monkeypatch, 60)  # the next hourly run: the pass of an hour ago is recent (SweepPassHours 24)
    skipped = quiet(desk.stack.invoke, "SweepFunction", {})
    assert skipped["skipped"] and skipped["scanned"] == 0 and skipped["pass_complete"]
    later(monkeypatch, 24 * 60)
    again = quiet(desk.stack.invoke, "SweepFunction", {})
    assert not again["skipped"] and again["scanned"] == first["scanned"] + 1  # and its own state item
