"""The ticket item mapping: a routed ticket's item fits one write unit, reads back whole, and items
written before the packing still read."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import pytest

from benchmarks.costs import item_size, write_units
from socialdesk.dal import tickets as mapping
from socialdesk.dal.items import from_attributes, to_attributes
from socialdesk.dal.tickets import events_of, ticket_from_item, ticket_image, ticket_item, ticket_key
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.mention import Author, Channel, Mention, MentionKind
from socialdesk.domain.ticket import TicketChange, TicketEvent
from socialdesk.logic.outbox import deliver_change
from socialdesk.logic.route_messages import RouteItem
from tests.support.fakes import NOW
from tests.unit.test_conversations import Desk

#: X ids as the platform sends them (19 digits), a real-length handle and display name
BRAND = "1500000000000000001"
COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def _tweet(n: int, text: str, *, parent: Mention | None = None, minutes: int = 0) -> Mention:
    return Mention(
        channel=Channel.X,
        external_id=str(2_080_765_813_578_191_303 + n),
        kind=MentionKind.REPLY if parent else MentionKind.POST,
        source="x-aaa",
        thread_root_id=(parent.thread_root_id or parent.external_id) if parent else None,
        parent_id=parent.external_id if parent else None,
        author=Author(id="3000000042", handle="frequent_flyer_ann", name="Ann Example", followers=180),
        text=text,
        created_at=NOW + timedelta(minutes=minutes),
        brand_account=BRAND,
    )


def _routed(*texts: str) -> list[TicketChange]:
    """Route one customer's messages (each a reply to the one before) on the fakes; every change stored."""
    desk = Desk()
    changes: list[TicketChange] = []
    store = desk.tickets.save

    def save(change: TicketChange) -> None:
        changes.append(change)
        store(change)

    desk.tickets.save = save  # type: ignore[method-assign]
    parent = None
    for n, text in enumerate(texts):
        mention = _tweet(n, text, parent=parent, minutes=3 * n)
        desk.mentions.add(mention, None)
        desk.router.route(
            RouteItem(kind="mention", ref=mention.ref, mention=mention, received_at=mention.created_at)
        )
        parent = mention
    assert changes, "routing stored no ticket"
    return changes


def _stored(change: TicketChange) -> dict[str, dict[str, Any]]:
    """The item as the table stores it (DynamoDB JSON), key included."""
    return {**ticket_key(change.ticket.ticket_id), **to_attributes(ticket_item(change.ticket, change.events))}


def test_a_routed_ticket_with_its_events_is_one_write_unit() -> None:
    # Given a customer's complaint routed to a ticket (opened and routed: one change, two events)
    (change,) = _routed(COMPLAINT)
    assert [e.type for e in change.events] == ["TicketOpened", "TicketRouted"]
    # When it is stored, Then its item, as DynamoDB sizes it, is under 1 KB: one write unit
    size = item_size(_stored(change))
    assert size <= 1024, f"a routed ticket's item is {size} B"
    assert write_units(size) == 1
    # and the unpacked state is what the item used to be (it was 1.7 KB)
    assert item_size(to_attributes(ticket_image(from_attributes(_stored(change))))) > 1200


def test_a_ticket_after_a_short_conversation_is_still_one_write_unit() -> None:
    # Given a complaint and four follow-ups on the same ticket
    changes = _routed(
        COMPLAINT,
        "@SkyHighAir still waiting, it's been an hour",
        "@SkyHighAir booking ref QX7P2L, I need to be in Denver tonight",
        "@SkyHighAir the app shows no rebooking options at all",
        "@SkyHighAir hello??",
    )
    # Then every write of it is one write unit
    sizes = [item_size(_stored(c)) for c in changes]
    assert len(changes[-1].ticket.messages) == 5
    assert max(sizes) <= 1024, sizes


def test_the_item_reads_back_as_the_ticket_and_the_changes_events() -> None:
    (change,) = _routed(COMPLAINT)
    item = from_attributes(_stored(change))
    assert ticket_from_item(item) == change.ticket
    # the events as the old item stored them too (an empty detail is left out, as DynamoDB's was)
    old = from_attributes({**ticket_key(change.ticket.ticket_id), **to_attributes(_old_shape(change))})
    assert events_of(item) == events_of(old)
    assert [(e.type, e.at, e.notify) for e in events_of(item)] == [
        (e.type, e.at, e.notify) for e in change.events
    ]


def test_what_the_table_reads_stays_plain() -> None:
    # the keys, the version the conditions check, the index keys, and the stream filter's entity
    (change,) = _routed(COMPLAINT)
    item = from_attributes(_stored(change))
    ticket = change.ticket
    assert item["entity"] == "ticket" and item["version"] == ticket.version
    for name in ("queue_pk", "queue_sk", "due_pk", "due_sk", "due_next", "report_pk", "report_sk"):
        assert isinstance(item[name], str), name
    assert {k: item[k] for k in ("ticket_id", "status", "team", "priority", "channel")} == {
        "ticket_id": ticket.ticket_id,
        "status": ticket.status.value,
        "team": ticket.team,
        "priority": ticket.priority.value,
        "channel": ticket.channel,
    }
    assert "changes" not in item and "customer" not in item and "messages" not in item


class _Audit:
    def __init__(self) -> None:
        self.stored: list[tuple[str, int, list[TicketEvent]]] = []

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        self.stored.append((ticket_id, version, events))


class _Publisher:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish_batch(self, messages: list[dict[str, Any]]) -> list[str]:
        self.published.extend(messages)
        return []


def _delivered(image: dict[str, Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    audit, publisher = _Audit(), _Publisher()
    deliver_change(image, audit=audit, publisher=publisher)
    return audit.stored, publisher.published


def test_the_outbox_gets_from_a_lambda_stream_image_what_it_got_from_the_old_item() -> None:
    # Given a stored change's new image as a Lambda stream event carries it (binary as base64 text)
    (change,) = _routed(COMPLAINT)
    stored = _stored(change)
    event_image = {
        k: ({"B": base64.b64encode(v["B"]).decode()} if "B" in v else v) for k, v in stored.items()
    }
    # When the outbox decodes it through the mapping
    image = ticket_image(from_attributes(event_image))
    # Then it stores the same audit events and publishes the same notifications as from the item
    # written before the packing (every field plain, the events as a list)
    old = from_attributes({**ticket_key(change.ticket.ticket_id), **to_attributes(_old_shape(change))})
    assert _delivered(image) == _delivered(old)
    (notification,) = _delivered(image)[1]
    assert notification["event"] == "TicketRouted" and notification["team"] == change.ticket.team
    assert (
        notification["deadline"] and change.ticket.intent and change.ticket.intent in notification["summary"]
    )


def _old_shape(change: TicketChange) -> dict[str, Any]:
    """A ticket item as the mapping wrote it before the packing: every field plain, events in ``changes``."""
    ticket = change.ticket
    values = {
        **ticket.model_dump(mode="json", exclude_defaults=True),
        **ticket.model_dump(mode="json", include=mapping._ALWAYS),
        "entity": "ticket",
        "changes": [e.model_dump(mode="json") for e in change.events],
    }
    packed = ticket_item(ticket, change.events)
    return {**values, **{k: v for k, v in packed.items() if k.startswith(("queue_", "due_", "report_"))}}


#: a ticket item written before the packing (1.7 KB), as a boto3 client reads it
OLD_ITEM: dict[str, Any] = {
    "PK": {"S": "TICKET#T-6f63b53c03ee3ae1b095"},
    "SK": {"S": "TICKET"},
    "entity": {"S": "ticket"},
    "ticket_id": {"S": "T-6f63b53c03ee3ae1b095"},
    "version": {"N": "1"},
    "status": {"S": "open"},
    "team": {"S": "customer-care"},
    "priority": {"S": "normal"},
    "sla_policy": {"S": "standard"},
    "channel": {"S": "x"},
    "brand_account": {"S": "1111111111111111111"},
    "conversation": {"S": "f48ba6998bf1d252cf33e0dc474837e1"},
    "thread_root": {"S": "2080765813578191303"},
    "customer": {"M": {"id": {"S": "3000000000"}, "handle": {"S": "flyer0"}, "name": {"S": "Flyer 0"}}},
    "messages": {
        "L": [
            {
                "M": {
                    "ref": {"S": "x#2080765813578191303"},
                    "at": {"S": "2026-07-24T21:23:23Z"},
                    "role": {"S": "customer"},
                }
            }
        ]
    },
    "intent": {"S": "complaint"},
    "topic": {"S": "customer_service"},
    "language": {"S": "en"},
    "sentiment": {"N": "-0.9986"},
    "reach": {"S": "low"},
    "rule": {"S": "complaint"},
    "why": {"L": [{"S": "rule:complaint"}, {"S": "model:routing-2026.12.03"}, {"S": "p(complaint)=1.00"}]},
    "response": {
        "M": {
            "kind": {"S": "first_response"},
            "started_at": {"S": "2026-12-01T21:42:16.843066Z"},
            "target_minutes": {"N": "240"},
            "deadline": {"S": "2026-12-02T01:42:16.843066Z"},
            "late_by_minutes": {"N": "187219"},
        }
    },
    "resolution_clock": {
        "M": {
            "started_at": {"S": "2026-12-01T21:42:16.843066Z"},
            "target_minutes": {"N": "4320"},
            "deadline": {"S": "2026-12-04T21:42:16.843066Z"},
        }
    },
    "due_at": {"S": "2026-12-02T00:54:16.843066Z"},
    "due_from": {"S": "2026-12-02T00:54:16.843066Z"},
    "first_response_due": {"S": "2026-12-02T01:42:16.843066Z"},
    "last_customer_message_at": {"S": "2026-07-24T21:23:23Z"},
    "created_at": {"S": "2026-07-24T21:23:23Z"},
    "updated_at": {"S": "2026-12-01T21:42:16.843066Z"},
    "queue_pk": {"S": "QUEUE#customer-care#open"},
    "queue_sk": {"S": "2#2026-12-02T01:42:16Z#T-6f63b53c03ee3ae1b095"},
    "report_pk": {"S": "REPORT#customer-care#2026-07"},
    "report_sk": {"S": "2026-07-24T21:23:23Z#T-6f63b53c03ee3ae1b095"},
    "due_pk": {"S": "DUE#4"},
    "due_sk": {"S": "2026-12-02T00:54:16Z#T-6f63b53c03ee3ae1b095"},
    "due_next": {"S": "2026-12-02T00:54:16Z"},
    "changes": {
        "L": [
            {
                "M": {
                    "type": {"S": "TicketOpened"},
                    "at": {"S": "2026-07-24T21:23:23Z"},
                    "actor": {"S": "system:route-mention"},
                    "details": {"M": {"message": {"S": "x#2080765813578191303"}}},
                    "notify": {"BOOL": False},
                }
            },
            {
                "M": {
                    "type": {"S": "TicketRouted"},
                    "at": {"S": "2026-07-24T21:23:23Z"},
                    "actor": {"S": "system:route-mention"},
                    "details": {"M": {"team": {"S": "customer-care"}, "priority": {"S": "normal"}}},
                    "notify": {"BOOL": True},
                }
            },
        ]
    },
}


def test_an_item_written_before_the_packing_still_reads() -> None:
    item = from_attributes(OLD_ITEM)
    # the repository's read, the outbox's and the sweep's image, the change's events
    ticket = ticket_from_item(item)
    assert ticket.ticket_id == "T-6f63b53c03ee3ae1b095" and ticket.customer.handle == "flyer0"
    assert ticket.response is not None and ticket.response.target_minutes == 240
    assert [m.ref for m in ticket.messages] == ["x#2080765813578191303"]
    assert ticket_image(item) is item
    assert [e.type for e in events_of(item)] == ["TicketOpened", "TicketRouted"]
    (notification,) = _delivered(ticket_image(item))[1]
    assert (
        notification["team"] == "customer-care" and notification["deadline"] == "2026-12-02T01:42:16.843066Z"
    )
    # and rewritten, it derives the same index entries (the sweep sees no drift) in one write unit
    rewritten = ticket_item(ticket)
    assert {k: rewritten[k] for k in mapping._INDEX_KEYS} == {k: item[k] for k in mapping._INDEX_KEYS}
    assert write_units(item_size({**ticket_key(ticket.ticket_id), **to_attributes(rewritten)})) == 1
    assert write_units(item_size(OLD_ITEM)) == 2


def test_the_format_1_dictionary_is_frozen() -> None:
    # items are stored with it: a different dictionary must be a new format version, not an edit
    assert hashlib.sha256(mapping._DICTIONARY_1).hexdigest()[:16] == "f7b00e66050f8abd"


@pytest.mark.parametrize("blob", [b"", b"\x09garbage", b"\x01not deflate"])
def test_a_packed_attribute_it_cannot_read_is_an_invalid_payload(blob: bytes) -> None:
    item = from_attributes(OLD_ITEM) | {mapping.COLD: blob}
    with pytest.raises(PayloadInvalid):
        ticket_image(item)
