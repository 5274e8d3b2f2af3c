"""The outbox publishes a stream batch's notifications together, and still fails exactly the records
whose notifications did not go out (logic/outbox.py on in-memory fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from socialdesk.domain.errors import StorageUnavailable
from socialdesk.logic import transient
from socialdesk.logic.outbox import NotAttempted, StreamBatch, deliver_change, record_change
from tests.support.fakes import NOW, FakeAudit, FakePublisher


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    slept: list[float] = []
    monkeypatch.setattr(transient, "pause", slept.append)
    yield slept


def change(n: int, *, version: int = 1) -> dict[str, Any]:
    """A stored ticket change (the stream's new image) with two notifying events and a quiet one."""
    at = (NOW + timedelta(seconds=n)).isoformat()
    return {
        "entity": "ticket",
        "ticket_id": f"T-{n}",
        "version": version,
        "team": "care",
        "priority": "normal",
        "channel": "x",
        "status": "open",
        "changes": [
            {"type": "TicketOpened", "at": at, "actor": "routing", "notify": True},
            {"type": "MessageAdded", "at": at, "actor": "routing"},
            {
                "type": "TicketRouted",
                "at": at,
                "actor": "routing",
                "details": {"team": "care"},
                "notify": True,
            },
        ],
    }


def handled(
    changes: list[dict[str, Any]], publisher: FakePublisher, audit: FakeAudit
) -> tuple[StreamBatch[str], int, list[str]]:
    """The records through one StreamBatch, as the outbox handler runs them; then the publish."""
    batch: StreamBatch[str] = StreamBatch(publisher, audit=audit)
    for n, image in enumerate(changes):
        into = batch.audit_for(f"seq-{n}")
        stored, notifications = batch.run(
            f"seq-{n}", lambda image=image, into=into: record_change(image, audit=into)
        )
        assert stored == 3
        batch.owe(f"seq-{n}", notifications)
    published, failed = batch.publish()
    return batch, published, failed


def test_a_batch_of_changes_is_published_ten_notifications_to_a_request() -> None:
    # Given a stream batch of 12 ticket changes, each owing two notifications
    publisher, audit = FakePublisher(), FakeAudit()
    # When the outbox handles it
    _, published, failed = handled([change(n) for n in range(12)], publisher, audit)
    # Then every change's events are stored in one write, and its 24 notifications go out in 3
    # requests, not 12
    assert audit.writes == 1
    assert len(audit.trail) == 12 and audit.trail[("T-0", 1)] == [
        "TicketOpened",
        "MessageAdded",
        "TicketRouted",
    ]
    assert [len(r) for r in publisher.requests] == [10, 10, 4]
    assert published == 24 and failed == []
    assert sorted(publisher.published) == sorted({*publisher.published})
    assert "TicketRouted:T-11:1:2" in publisher.published


def test_a_refused_entry_is_published_again_alone() -> None:
    # Given SNS refuses one entry once
    publisher, audit = FakePublisher(), FakeAudit()
    publisher.refuse["TicketRouted:T-3:1:2"] = 1
    # When the batch is published
    _, published, failed = handled([change(n) for n in range(6)], publisher, audit)
    # Then only that entry is sent again, and no record is failed
    assert [len(r) for r in publisher.requests] == [10, 2, 1]
    assert publisher.requests[-1] == ["TicketRouted:T-3:1:2"]
    assert published == 12 and failed == []


def test_an_entry_refused_past_its_retries_fails_its_record_only() -> None:
    # Given SNS refuses one change's entry every time
    publisher, audit = FakePublisher(), FakeAudit()
    publisher.refuse["TicketOpened:T-2:1:0"] = 99
    # When the batch is published
    batch, published, failed = handled([change(n) for n in range(4)], publisher, audit)
    # Then that record is the one to retry (the stream resumes there); the rest went out once
    assert failed == ["seq-2"]
    assert published == 7 and "TicketRouted:T-2:1:2" in publisher.published
    assert len(publisher.requests) == batch.retry.attempts


def test_a_request_that_fails_whole_is_sent_again_without_resending_what_went_out() -> None:
    # Given the topic fails the second request of the batch once
    publisher, audit = FakePublisher(), FakeAudit()
    publisher.down = {1}
    # When a batch owing 16 notifications is published
    _, published, failed = handled([change(n) for n in range(8)], publisher, audit)
    # Then the unsent six are sent again; nothing is published twice; no record fails
    assert [len(r) for r in publisher.requests] == [10, 6]
    assert published == 16 and failed == [] and len(publisher.published) == 16


def test_a_record_that_fails_stops_the_batch_and_its_successors_owe_nothing() -> None:
    # Given the audit store fails for the third record of five, past its retries
    publisher, audit = FakePublisher(), FakeAudit()
    batch: StreamBatch[str] = StreamBatch(publisher, audit=audit)

    def broken() -> tuple[int, list[dict[str, Any]]]:
        raise StorageUnavailable("ticket store: ThrottlingException")

    outcomes = []
    for n, image in enumerate([change(n) for n in range(5)]):
        into = batch.audit_for(f"seq-{n}")
        work = broken if n == 2 else (lambda image=image, into=into: record_change(image, audit=into))
        try:
            _, notifications = batch.run(f"seq-{n}", work)
        except (StorageUnavailable, NotAttempted) as error:
            outcomes.append(type(error).__name__)
            continue
        outcomes.append("ok")
        batch.owe(f"seq-{n}", notifications)
    published, failed = batch.publish()
    # Then the failed record was retried, the ones after it not attempted, and only the records before
    # it publish (the stream retries from the failed one, so the later ones' would go out twice)
    assert outcomes == ["ok", "ok", "StorageUnavailable", "NotAttempted", "NotAttempted"]
    assert batch.retry.retried == batch.retry.attempts - 1
    assert sorted(audit.trail) == [("T-0", 1), ("T-1", 1)]
    assert published == 4 and failed == [] and publisher.requests == [publisher.published]


def test_a_notification_two_records_owe_is_published_once() -> None:
    # Given the same change twice in one batch (a rewrite of the item that kept its events)
    publisher, audit = FakePublisher(), FakeAudit()
    # When the batch is published
    _, published, failed = handled([change(1), change(1), change(2)], publisher, audit)
    # Then each idempotency key goes out once
    assert published == 4 and sorted(publisher.published) == sorted({*publisher.published})
    assert failed == []


def test_a_single_change_redelivered_raises_when_its_notification_is_not_published() -> None:
    # Given the topic refuses an entry (the sweep redelivers one change at a time)
    publisher, audit = FakePublisher(), FakeAudit()
    publisher.refuse["TicketRouted:T-1:2:2"] = 1
    # When the change is delivered, Then it raises for the caller to retry; the events are stored
    with pytest.raises(StorageUnavailable):
        deliver_change(change(1, version=2), audit=audit, publisher=publisher)
    assert audit.trail[("T-1", 2)] and publisher.published == ["TicketOpened:T-1:2:0"]
    # and delivered again, it publishes what is left (subscribers dedupe the rest by key)
    assert deliver_change(change(1, version=2), audit=audit, publisher=publisher) == (3, 2)


def test_events_that_cannot_be_stored_fail_their_records_and_publish_nothing_of_theirs() -> None:
    # Given an audit trail that refuses every write
    publisher, audit = FakePublisher(), FakeAudit()

    def refused(changes: Any) -> None:
        raise StorageUnavailable("ticket store: ThrottlingException")

    audit.record_many = refused  # type: ignore[method-assign]
    # When a batch of three changes is handled
    batch, published, failed = handled([change(n) for n in range(3)], publisher, audit)
    # Then the store was retried, every record is to be retried, and no notification went out (the
    # retry stores the events, then publishes them)
    assert batch.retry.retried == batch.retry.attempts - 1
    assert failed == ["seq-0", "seq-1", "seq-2"] and published == 0 and publisher.requests == []
