"""Replies are sent once even when the platform accepts and the answer, or the record of it, is lost."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest

from local import platforms as fake
from local.gateway import LocalGateway
from local.token import mint
from socialdesk import bootstrap
from tests.support.platforms import post_meta
from tests.support.routing import deliver, messenger_dm, quiet, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def _reply(desk: LocalGateway, ticket_id: str, key: str, text: str = "We are on it, sorry!") -> Any:
    headers = {
        "authorization": f"Bearer {mint([], 'admin', 'agent-ann')}",
        "content-type": "application/json",
        "idempotency-key": key,
    }
    return desk.request("POST", f"/tickets/{ticket_id}/replies", headers, json.dumps({"text": text}).encode())


def reply(desk: LocalGateway, ticket_id: str, key: str, text: str = "We are on it, sorry!") -> Any:
    return quiet(_reply, desk, ticket_id, key, text)


def stored_reply(desk: LocalGateway, ticket_id: str) -> dict[str, Any]:
    view = quiet(
        desk.request, "GET", f"/tickets/{ticket_id}", {"authorization": f"Bearer {mint([], 'admin')}"}
    )
    (only,) = view.json()["replies"]
    return dict(only)


def later(monkeypatch: pytest.MonkeyPatch, minutes: float) -> None:
    now = bootstrap.clock() + timedelta(minutes=minutes)
    monkeypatch.setattr(bootstrap, "clock", lambda: now)


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTBOUND_TIMEOUT_SECONDS", "0.5")
    bootstrap.reset()


def test_an_accepted_reply_whose_answer_times_out_is_found_on_the_platform_not_posted_twice(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    platforms.answer_late_next(1, seconds=2)  # X posts it, the answer arrives after our timeout
    first = reply(desk, ticket_id, "k1")
    assert first.status == 202 and first.json()["status"] == "unknown"
    assert ticket_of(desk, 1)["status"] == "open"  # nothing confirmed delivered: the clock runs
    # the agent clicks again: the same outcome, nothing sent
    assert reply(desk, ticket_id, "k1").json()["status"] == "unknown"
    # the retry (from the queue, a minute later) asks X first and finds the post
    later(monkeypatch, 2)
    outcome = quiet(bootstrap.reply_service().retry, ticket_id, stored_reply(desk, ticket_id)["reply_id"])
    assert outcome["status"] == "sent"
    assert len(platforms.posted("/2/tweets")) == 1
    assert stored_reply(desk, ticket_id)["status"] == "sent" and ticket_of(desk, 1)["status"] == "pending"


def test_a_reply_whose_retry_cannot_be_queued_is_a_503_and_the_next_click_finds_the_post(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    from local.faults import FailedCalls

    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    platforms.answer_late_next(1, seconds=2)  # posted; the answer is lost, so a check must be queued
    queue_down = FailedCalls(lambda service, operation, params: operation == "SendMessage", times=1)
    queue_down.install_functions(("sqs",))
    first = reply(desk, ticket_id, "k1")
    assert queue_down.failed["sqs.SendMessage"] == 1
    assert first.status == 503 and "retry queue" in first.json()["reason"]
    second = reply(desk, ticket_id, "k1")  # the same key: the platform is asked, nothing is posted
    assert second.status == 201 and second.json()["status"] == "sent"
    assert len(platforms.posted("/2/tweets")) == 1


def test_a_failed_reply_whose_key_cleanup_is_throttled_does_not_hold_the_next_click(
    desk: LocalGateway, platforms: fake.FakePlatforms
) -> None:
    from local.faults import FailedCalls

    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]

    def first_ticket_write_then_key_cleanup(service: str, operation: str, params: dict[str, Any]) -> bool:
        key = json.dumps(params.get("Key") or params.get("Item") or {})
        if operation == "PutItem" and "REPLY#" in json.dumps(params.get("Item", {})):
            return not faults.failed["dynamodb.PutItem"]  # recording the reply fails once: a 503
        return operation == "DeleteItem" and "IDEMPOTENCY#replies" in key  # and dropping the key, once

    faults = FailedCalls(first_ticket_write_then_key_cleanup, times=2)
    faults.install_functions(("dynamodb",))
    assert reply(desk, ticket_id, "k9").status == 503
    assert faults.failed == {"dynamodb.PutItem": 1, "dynamodb.DeleteItem": 1}  # the cleanup was retried
    second = reply(desk, ticket_id, "k9")  # at once: not a 409 "in_progress" until the Lambda timeout
    assert second.status == 201 and second.json()["status"] == "sent"
    assert len(platforms.posted("/2/tweets")) == 1


def test_a_reply_whose_sent_record_fails_is_not_posted_again_by_the_agents_second_click(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.dal.tickets import DynamoTicketRepository
    from socialdesk.domain.errors import StorageUnavailable

    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    real = DynamoTicketRepository.update_reply
    calls = {"n": 0}

    def throttled(self: Any, ticket: str, reply_id: str, values: dict[str, Any], **kwargs: Any) -> None:
        if values.get("status") == "sent" and calls["n"] == 0:
            calls["n"] += 1
            raise StorageUnavailable("ticket store: ProvisionedThroughputExceededException")
        real(self, ticket, reply_id, values, **kwargs)

    monkeypatch.setattr(DynamoTicketRepository, "update_reply", throttled)
    assert reply(desk, ticket_id, "k2").status == 503  # X accepted, recording it failed
    assert reply(desk, ticket_id, "k2").json()["status"] == "sending"  # the second click sends nothing
    assert len(platforms.posted("/2/tweets")) == 1
    # once the lease runs out, the repair finds the post on X and records it
    later(monkeypatch, 3)
    outcome = quiet(bootstrap.reply_service().retry, ticket_id, stored_reply(desk, ticket_id)["reply_id"])
    assert outcome["status"] == "sent" and len(platforms.posted("/2/tweets")) == 1


def test_a_not_found_reply_is_sent_again_only_after_the_platform_had_time_to_show_it(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(desk, tweet(1, COMPLAINT))
    ticket_id = ticket_of(desk, 1)["ticket_id"]
    # no answer at all: the request is still held when X is asked (held past the test: however slow
    # the machine, the lookup cannot find it; the server releases it when it stops)
    platforms.stall_next(1, seconds=60)
    assert reply(desk, ticket_id, "k3").json()["status"] == "unknown"
    reply_id = stored_reply(desk, ticket_id)["reply_id"]
    # too soon: X is asked, nothing is found, nothing is sent yet
    assert (
        quiet(bootstrap.reply_service().retry, ticket_id, reply_id, from_queue=False)["status"] == "unknown"
    )
    assert platforms.posted("/2/tweets") == []
    later(monkeypatch, 2)
    assert quiet(bootstrap.reply_service().retry, ticket_id, reply_id)["status"] == "sent"
    assert len(platforms.posted("/2/tweets")) == 1


def test_a_messenger_reply_whose_outcome_is_unknown_is_never_resent(
    desk: LocalGateway, platforms: fake.FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet(post_meta, desk, messenger_dm("m_unknown", "my bag is lost, ref LIS-4411"))
    quiet(desk.stack.pump)
    mention = quiet(
        desk.request, "GET", "/mentions/messenger/m_unknown", {"authorization": f"Bearer {mint([], 'admin')}"}
    )
    ticket_id = mention.json()["ticket_id"]
    platforms.answer_late_next(1, seconds=2)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # the metric lines (EMF) the function prints
        outcome = _reply(desk, ticket_id, "k4").json()
    assert (outcome["status"], outcome["retrying"]) == ("unknown", False)  # shown on the ticket ...
    emitted = [json.loads(line) for line in printed.getvalue().splitlines() if line.startswith("{")]
    assert any(m.get("RepliesUnverified") == [1.0] or m.get("RepliesUnverified") == 1.0 for m in emitted)
    later(monkeypatch, 10)
    assert quiet(bootstrap.reply_service().retry, ticket_id, outcome["reply_id"])["status"] == "unknown"
    assert len(platforms.posted("/me/messages")) == 1
