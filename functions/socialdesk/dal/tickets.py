"""DynamoDB adapter for tickets: one conditional write per change, queues, the due index.

A ticket item carries the events of the change that wrote it (``changes``); the table's stream
delivers them to the outbox consumer, which stores the audit trail and publishes notifications. So
every state change and its events are one single-item write, and nothing is published that was not
stored.

A write is billed per KB of the item, so a ticket item keeps plain only what the table itself reads
(keys, the version its conditions check, the index keys) and what identifies it at a glance (id,
status, team, priority, channel, opening and last change, assignee, incident); the rest of its state
and the change's events are one packed attribute (:data:`COLD`). :func:`ticket_image` is the item as
plain fields again: every reader of ticket items or images (the repository, the outbox, the sweep)
goes through it, and items written before the packing read as they are.

A conversation's tickets have ids derived from it and their generation
(:func:`~socialdesk.domain.ticket.conversation_ticket_id`): a ticket is opened by the conditional put
of its own item, and no link item is written. The links earlier versions wrote (``CONV#<digest>``)
are still read, for the conversations they hold, and deleted by an erasure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from socialdesk.dal.items import packed, to_attributes, unpacked
from socialdesk.dal.table import Table
from socialdesk.domain.errors import Conflict
from socialdesk.domain.mention import Mention
from socialdesk.domain.priority import Priority
from socialdesk.domain.ticket import Ticket, TicketChange, TicketEvent, TicketStatus, conversation_ticket_id
from socialdesk.domain.timeutil import months_touched

QUEUE_INDEX = "QueueIndex"
DUE_INDEX = "DueIndex"
#: the due index is sharded so that no single partition takes every open ticket's writes
DUE_SHARDS = 8
#: statuses listed in a team's queue (closed tickets never are)
QUEUED_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)
#: attributes of a ticket item that are not the aggregate's state
_ITEM_ONLY = {
    "PK",
    "SK",
    "entity",
    "changes",
    "queue_pk",
    "queue_sk",
    "due_pk",
    "due_sk",
    "due_next",
    "report_pk",
    "report_sk",
    "priority_rank",  # written by earlier versions (the rank is in queue_sk)
}
REPORT_INDEX = "ReportIndex"
#: the attributes of a ticket item that place it in the queue and due indexes (the sweep repairs them)
_INDEX_KEYS = ("queue_pk", "queue_sk", "due_pk", "due_sk", "due_next")


def report_keys(team: str, created_at: datetime, ticket_id: str) -> dict[str, str]:
    """ReportIndex keys: a team's tickets by the month they opened, in opening order (keys only)."""
    return {
        "report_pk": f"REPORT#{team}#{created_at.astimezone(UTC):%Y-%m}",
        "report_sk": f"{_stamp(created_at)}#{ticket_id}",
    }


def ticket_key(ticket_id: str) -> dict[str, dict[str, str]]:
    """Primary key of a ticket."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": "TICKET"}}


def conversation_key(digest: str) -> dict[str, dict[str, str]]:
    """Primary key of a conversation link (digest → its ticket), as earlier versions wrote them."""
    return {"PK": {"S": f"CONV#{digest}"}, "SK": {"S": "CONV"}}


def event_key(ticket_id: str, version: int, index: int) -> dict[str, dict[str, str]]:
    """A deterministic audit-event key: the ticket version that caused it, and its place in the change."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": f"EVENT#{version:010d}#{index:02d}"}}


def reply_key(ticket_id: str, reply_id: str) -> dict[str, dict[str, str]]:
    """Primary key of an agent's reply."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": f"REPLY#{reply_id}"}}


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "9999"


def queue_keys(
    team: str, status: TicketStatus, priority: Priority, deadline: datetime | None, ticket_id: str
) -> dict[str, str]:
    """Queue-index attributes: partition = team + status, sort = priority rank, deadline, id."""
    return {
        "queue_pk": f"QUEUE#{team}#{status.value}",
        "queue_sk": f"{priority.rank}#{_stamp(deadline)}#{ticket_id}",
    }


def due_shard(ticket_id: str) -> int:
    """The due-index shard of a ticket (stable)."""
    return int(hashlib.sha256(ticket_id.encode()).hexdigest()[:8], 16) % DUE_SHARDS


#: fields every ticket item carries even at their default (stream consumers read them from the image)
_ALWAYS = {"ticket_id", "version", "status", "team", "priority", "channel", "created_at", "updated_at"}
#: fields kept as plain attributes (when set); every other field and the change's events are packed
_PLAIN = {*_ALWAYS, "assignee", "incident_id"}
#: the attribute holding a ticket's packed fields and the change's events (binary, ``items.packed``)
COLD = "z"
#: packed format 1: raw deflate against this dictionary, a ticket's cold fields as routing and the
#: clocks write them. FROZEN: items are stored with it; a different dictionary is a new format.
_DICTIONARY_1 = (
    b'{"assignee":"agent:","backed_by":["x#"],"backup":1,"breached":true,"close_reason":"merged",'
    b'"delivered_replies":["R-"],"engagement":1,"first_response_at":"2026-","first_response_by":"agent:",'
    b'"last_response_at":"2026-","max_escalation_level":1,"merged_from":["T-"],"merged_into":"T-",'
    b'"previous_ticket_id":"T-","private":true,"resolved_at":"2026-","tags":["vip","risk","amplified"],'
    b'"triage_error":"","warned":true,"csat":{"requested_at":"2026-","reply_id":"R-","score":5,'
    b'"answered_at":"2026-","answer":"x#"},"customer_tier":"vip","incident_id":"I-","actor":"agent:",'
    b'"details":{"from":"normal","to":"high","level":1,"reply_id":"R-","kind":"next_response","to_team":"",'
    b'"reason":"","note":""},"type":"TicketEscalated"},{"type":"PriorityRaised"},{"type":"ReplyDelivered"},'
    b'{"type":"TicketAssigned"},{"type":"MessageAdded"},{"type":"ContextAdded"},{"type":"ClockStarted"},'
    b'{"type":"TicketResolved"},{"type":"TicketReopened"},{"type":"TicketMoved"},{"type":"IncidentJoined"},'
    b'{"brand_account":"","changes":[{"actor":"system:route-mention","at":"2026-","details":{"message":"x#"},'
    b'"notify":false,"type":"TicketOpened"},{"actor":"system:route-mention","at":"2026-","details":{'
    b'"deadline":"2026-","intent":"complaint","late_by_minutes":1,"priority":"normal","rule":"complaint",'
    b'"sla":"standard","team":"customer-care","topic":"customer_service","why":["rule:complaint",'
    b'"model:routing-2026.","p(complaint)=0.9"]},"notify":true,"type":"TicketRouted"}],"conversation":"",'
    b'"created_at":"2026-","customer":{"handle":"","id":"","name":""},"due_at":"2026-","due_from":"2026-",'
    b'"first_response_due":"2026-","intent":"complaint","language":"en","last_customer_message_at":"2026-",'
    b'"messages":[{"at":"2026-","ref":"x#","role":"customer"},{"at":"2026-","ref":"x#","role":"context"}],'
    b'"reach":"low","resolution_clock":{"deadline":"2026-","started_at":"2026-","target_minutes":4320},'
    b'"response":{"deadline":"2026-","kind":"first_response","level":1,"late_by_minutes":1,'
    b'"started_at":"2026-","target_minutes":240},"rule":"complaint","sentiment":-0.9,"sla_policy":"standard",'
    b'"thread_root":"","topic":"customer_service","updated_at":"2026-","why":["rule:complaint",'
    b'"model:routing-2026.","p(complaint)=0.9"]}'
)
_DICTIONARIES = {1: _DICTIONARY_1}


def ticket_item(ticket: Ticket, events: tuple[TicketEvent, ...] = ()) -> dict[str, Any]:
    """The one mapping ticket → item: state, index keys (derived), and the change's events (outbox).

    Fields at their default value are left out (reading fills them in). The fields the table and a
    glance at the item need stay plain; the rest and the events are packed into :data:`COLD` (a
    routed ticket's item is then about 700 B, one write unit, instead of 1.7 KB).
    """
    state = {
        **ticket.model_dump(mode="json", exclude_defaults=True),
        **ticket.model_dump(mode="json", include=_ALWAYS),
    }
    cold = {k: v for k, v in state.items() if k not in _PLAIN}
    if events:
        cold["changes"] = [e.model_dump(mode="json") for e in events]
    values: dict[str, Any] = {
        **{k: v for k, v in state.items() if k in _PLAIN},
        "entity": "ticket",
        COLD: packed(cold, version=1, dictionary=_DICTIONARY_1),
    }
    if ticket.status in QUEUED_STATUSES and ticket.team:
        values.update(
            queue_keys(ticket.team, ticket.status, ticket.priority, ticket.deadline, ticket.ticket_id)
        )
    if ticket.team:
        values.update(report_keys(ticket.team, ticket.created_at, ticket.ticket_id))
    if ticket.due_at is not None:
        values.update(
            {
                "due_pk": f"DUE#{due_shard(ticket.ticket_id)}",
                "due_sk": f"{_stamp(ticket.due_from or ticket.due_at)}#{ticket.ticket_id}",
                "due_next": _stamp(ticket.due_at),  # projected: the run filters on it
            }
        )
    return values


def ticket_image(item: dict[str, Any]) -> dict[str, Any]:
    """A ticket item (or stream image) as plain fields: its packed fields and events unpacked.

    An item written before the packing, or an image already unpacked, is returned as it is.
    """
    if COLD not in item:
        return item
    plain = {k: v for k, v in item.items() if k != COLD}
    return {**unpacked(item[COLD], _DICTIONARIES), **plain}


def ticket_from_item(item: dict[str, Any]) -> Ticket:
    """The one mapping item → ticket."""
    return Ticket.model_validate({k: v for k, v in ticket_image(item).items() if k not in _ITEM_ONLY})


def events_of(item: dict[str, Any]) -> list[TicketEvent]:
    """The events a ticket (or incident) item's write carried."""
    return [TicketEvent.model_validate(e) for e in ticket_image(item).get("changes") or []]


def _versioned_put(change: TicketChange) -> dict[str, Any]:
    """The conditional put that stores ``change``: new (no item yet), or still at the expected version."""
    ticket = change.ticket
    put: dict[str, Any] = {"key": ticket_key(ticket.ticket_id), "values": ticket_item(ticket, change.events)}
    if change.expected_version is None:
        put["condition"] = "attribute_not_exists(PK)"
    else:
        put.update(
            condition="#version = :expected",
            names={"#version": "version"},
            condition_values={":expected": change.expected_version},
        )
    return put


class DynamoTicketRepository:
    """Tickets in the single table.

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._table = Table(client, table_name, "ticket store")

    # -- the aggregate ------------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket, or None."""
        item = self._table.get(ticket_key(ticket_id))
        return ticket_from_item(item) if item and item.get("entity") == "ticket" else None

    def get_many(self, ticket_ids: list[str]) -> list[Ticket]:
        """Tickets by id (missing ones left out)."""
        items = self._table.get_many([ticket_key(t) for t in dict.fromkeys(ticket_ids)])
        return [ticket_from_item(i) for i in items if i.get("entity") == "ticket"]

    def save(self, change: TicketChange) -> None:
        """One conditional put: the new state with its events, if the stored version is the expected one."""
        if not change.changed:
            return
        self._table.put(
            **_versioned_put(change), conflict=f"ticket {change.ticket.ticket_id} changed underneath"
        )

    def save_all(self, changes: list[TicketChange]) -> None:
        """Several tickets' changes in one transaction (a merge): all stored, or Conflict and none."""
        puts = [_versioned_put(c) for c in changes if c.changed]
        if puts:
            self._table.transact_put(puts, conflict="a ticket changed underneath")

    # -- conversations (their tickets have derived ids; links were written by earlier versions) -------
    def conversation_start(self, digest: str) -> tuple[Ticket | None, str | None]:
        """(the conversation's first ticket, generation 0; the ticket an earlier version linked the
        conversation to), in one BatchGetItem: strongly consistent, so the link costs a read unit
        rather than half, and the lookup one request rather than two."""
        first = ticket_key(conversation_ticket_id(digest, 0))
        items = self._table.get_many([first, conversation_key(digest)], consistent=True)
        ticket = next((ticket_from_item(i) for i in items if i.get("entity") == "ticket"), None)
        link = next((str(i["ticket_id"]) for i in items if i.get("PK") == f"CONV#{digest}"), None)
        return ticket, link

    def unlink_conversation(self, digest: str) -> None:
        """Delete the conversation's link, if an earlier version wrote one (erasure)."""
        self._table.delete(conversation_key(digest))

    # -- queues and the due index -----------------------------------------------------------------
    def queue(
        self, team: str, status: TicketStatus, limit: int = 50, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """A team's queue, most urgent first then earliest deadline, one page at a time."""
        request: dict[str, Any] = {
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "queue_pk = :q",
            "ExpressionAttributeValues": {":q": {"S": f"QUEUE#{team}#{status.value}"}},
            "Limit": limit,
        }
        page, last = self._tickets_page(request, cursor)
        return [t for t in page if t.team == team and t.status is status], last

    def due(
        self, shard: int, now: datetime, limit: int = 100, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """Tickets of one due-index shard whose next escalation moment is at or before ``now``.

        The index files a ticket under the due time its clocks last set (``due_sk``) and projects the
        next level's time (``due_next``): the key range holds the tickets that came due, the filter
        keeps those with a level due now (one already escalated waits for its next level there).
        """
        request: dict[str, Any] = {
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_pk = :shard AND due_sk <= :upto",
            "FilterExpression": "due_next <= :now",
            "ExpressionAttributeValues": {
                ":shard": {"S": f"DUE#{shard}"},
                ":upto": {"S": _stamp(now) + "~"},
                ":now": {"S": _stamp(now)},
            },
            "Limit": limit,
        }
        page, last = self._tickets_page(request, cursor)
        return [t for t in page if t.due_at is not None and _stamp(t.due_at) <= _stamp(now)], last

    def opened_between(self, team: str, start: datetime, end: datetime) -> list[Ticket]:
        """The team's tickets opened in [start, end): the period's months on ReportIndex (keys only),
        then the tickets themselves, so the cost follows the period's tickets, not the team's history."""
        keys = []
        for month in months_touched(start, end):
            keys.extend(
                self._table.query(
                    IndexName=REPORT_INDEX,
                    KeyConditionExpression="report_pk = :p AND report_sk BETWEEN :from AND :to",
                    ExpressionAttributeValues={
                        ":p": {"S": f"REPORT#{team}#{month}"},
                        ":from": {"S": _stamp(start)},
                        ":to": {"S": _stamp(end)},
                    },
                )
            )
        found = self.get_many([str(k["report_sk"]).rsplit("#", 1)[1] for k in keys])
        return [t for t in found if start <= t.created_at < end and t.team == team]

    def _tickets_page(
        self, request: dict[str, Any], cursor: dict[str, Any] | None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """One page of an index (keys only), then its tickets, in the index's order.

        The indexes project keys only, so a ticket's writes touch them only when its keys change; a
        page costs a BatchGetItem more (reads are a fifth of the price of writes). A ticket that
        changed since the index was written comes back as it is now; callers check that it still
        belongs (status, team, due time).
        """
        if cursor:
            request["ExclusiveStartKey"] = cursor
        keys, last = self._table.page(request)
        return self._in_order(keys), last

    def _in_order(self, keys: list[dict[str, Any]]) -> list[Ticket]:
        wanted = [str(k["PK"]) for k in keys if str(k.get("PK", "")).startswith("TICKET#")]
        found = {
            str(i["PK"]): i
            for i in self._table.get_many([{"PK": {"S": pk}, "SK": {"S": "TICKET"}} for pk in wanted])
            if i.get("entity") == "ticket"
        }
        return [ticket_from_item(found[pk]) for pk in wanted if pk in found]

    # -- repairs (the sweep) ------------------------------------------------------------------------
    def index_drift(self, item: dict[str, Any]) -> bool:
        """Whether a stored ticket item's index entries disagree with what its state derives."""
        derived = ticket_item(ticket_from_item(item))
        return any(item.get(k) != derived.get(k) for k in _INDEX_KEYS)

    def reindex(self, ticket: Ticket) -> None:
        """Rewrite the ticket's index entries from its state, if it is still at that version."""
        derived = ticket_item(ticket)
        present = {k: derived[k] for k in _INDEX_KEYS if k in derived}
        absent = [k for k in _INDEX_KEYS if k not in derived]
        expression = ""
        if present:
            expression += "SET " + ", ".join(f"{k} = :{k}" for k in present)
        if absent:
            expression += " REMOVE " + ", ".join(absent)
        values = {f":{k}": v for k, v in present.items()}
        values[":v"] = ticket.version
        self._table.update(
            ticket_key(ticket.ticket_id),
            expression.strip(),
            values,
            names={"#version": "version"},
            condition="#version = :v",
            conflict="the ticket changed; the next sweep looks again",
        )

    def has_events(self, ticket_id: str, version: int) -> bool:
        """Whether the audit events of ``version`` were stored (the outbox delivered that change)."""
        return self._table.get(event_key(ticket_id, version, 0), consistent=False) is not None

    # -- the audit trail (written by the outbox consumer from the stream) -----------------------------
    def events(self, ticket_id: str) -> list[dict[str, Any]]:
        """The ticket's stored audit trail, oldest first, one entry per event."""
        found = []
        for item in self._table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":e": {"S": "EVENT#"}},
        ):
            if "events" not in item:  # written one item per event by earlier versions
                found.append(item)
                continue
            base = {k: v for k, v in item.items() if k != "events"}
            found.extend({**base, **event} for event in item["events"])
        return found

    def record_events(self, ticket_id: str, version: int, events: list[TicketEvent]) -> None:
        """Store a change's audit events as one item under a deterministic key (a redelivered record
        rewrites it): a write is billed per item and KB, and a change's events are a few hundred bytes."""
        self.record_many([(ticket_id, version, events)])

    def record_many(self, changes: Sequence[tuple[str, int, list[TicketEvent]]]) -> None:
        """Store several changes' audit events, an item each, in as few requests as they fill (25 each).

        A change seen twice (a rewrite of the same version) is stored once: a request may not name a key
        twice."""
        latest = {(ticket_id, version): events for ticket_id, version, events in changes}
        self._table.write_many(
            [
                {
                    **event_key(ticket_id, version, 0),
                    **to_attributes(
                        {
                            "entity": "ticket_event",
                            "version": version,
                            "events": [event.model_dump(mode="json") for event in events],
                        }
                    ),
                }
                for (ticket_id, version), events in latest.items()
                if events
            ]
        )

    # -- replies ----------------------------------------------------------------------------------
    def add_reply(self, reply: dict[str, Any]) -> bool:
        """Store a new reply; False when a reply with that id exists already (a retried request)."""
        try:
            self._table.put(
                reply_key(reply["ticket_id"], reply["reply_id"]),
                {"entity": "reply", **reply},
                condition="attribute_not_exists(PK)",
            )
        except Conflict:
            return False
        return True

    def reply(self, ticket_id: str, reply_id: str) -> dict[str, Any] | None:
        """One stored reply, or None."""
        return self._table.get(reply_key(ticket_id, reply_id))

    def replies(self, ticket_id: str) -> list[dict[str, Any]]:
        """The ticket's replies, oldest first."""
        found = self._table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :r)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":r": {"S": "REPLY#"}},
        )
        return sorted(found, key=lambda r: r.get("created_at", ""))

    def update_reply(
        self, ticket_id: str, reply_id: str, values: dict[str, Any], *, expected_status: tuple[str, ...] = ()
    ) -> None:
        """Record a delivery step on a reply (Conflict when its status is not one of ``expected_status``)."""
        present = {k: v for k, v in values.items() if v is not None}
        absent = [k for k, v in values.items() if v is None]
        names = {f"#f{i}": key for i, key in enumerate([*present, *absent])}
        expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(present)))
        if absent:
            expression += " REMOVE " + ", ".join(f"#f{len(present) + i}" for i in range(len(absent)))
        attribute_values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(present.values())}
        condition = "attribute_exists(PK)"
        if expected_status:
            names["#status"] = "status"
            marks = []
            for i, status in enumerate(expected_status):
                attribute_values[f":s{i}"] = status
                marks.append(f":s{i}")
            condition += f" AND #status IN ({', '.join(marks)})"
        self._table.update(
            reply_key(ticket_id, reply_id),
            expression,
            attribute_values,
            names=names,
            condition=condition,
            conflict="the reply changed underneath",
        )

    def record_sent_message(self, message: Mention, ticket_id: str) -> None:
        """Remember a reply the platform accepted as the brand's message.

        A customer answering it then threads onto the ticket, and the platform's echo of it is a
        duplicate rather than a second brand reply.
        """
        try:
            self._table.put(
                {
                    "PK": {"S": f"OUTBOUND#{message.channel.value}#{message.external_id}"},
                    "SK": {"S": "MESSAGE"},
                },
                {
                    **message.model_dump(mode="json"),
                    "entity": "sent_reply",
                    "ticket_id": ticket_id,
                    "status": "active",
                },
                condition="attribute_not_exists(PK)",
            )
        except Conflict:
            return
