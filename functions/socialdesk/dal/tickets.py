"""DynamoDB adapter for tickets: thread links, conditional transactions, the queue index, audit events."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from socialdesk.dal.items import from_attributes, mention_key, to_attributes
from socialdesk.domain.errors import Conflict, StorageUnavailable
from socialdesk.domain.ticket import Priority, Ticket, TicketStatus

QUEUE_INDEX = "QueueIndex"
DUE_INDEX = "DueIndex"
#: the due index is sharded so that no single partition takes every open ticket's writes
DUE_SHARDS = 8
#: statuses listed in a team's queue (closed-as-spam tickets never are)
QUEUED_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED)


def ticket_key(ticket_id: str) -> dict[str, dict[str, str]]:
    """Primary key of a ticket."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": "TICKET"}}


def thread_key(thread: str) -> dict[str, dict[str, str]]:
    """Primary key of a thread link (``<channel>#<root id>`` → ticket)."""
    return {"PK": {"S": f"THREAD#{thread}"}, "SK": {"S": "THREAD"}}


def queue_keys(
    team: str, status: TicketStatus, priority: Priority, deadline: datetime | None, ticket_id: str
) -> dict[str, str]:
    """Queue-index attributes: partition = team + status, sort = priority rank, deadline, id."""
    due = deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if deadline else "9999"
    return {"queue_pk": f"QUEUE#{team}#{status.value}", "queue_sk": f"{priority.rank}#{due}#{ticket_id}"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


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
        self._client = client
        self._table = table_name

    # -- reads -------------------------------------------------------------------------------------
    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket, or None."""
        item = self._get(ticket_key(ticket_id))
        return _ticket(item) if item else None

    def thread_ticket(self, thread: str) -> str | None:
        """The ticket id a thread is linked to, or None."""
        item = self._get(thread_key(thread))
        return str(item["ticket_id"]) if item else None

    def mention_item(self, channel: str, external_id: str) -> dict[str, Any] | None:
        """The raw stored mention (with routing attributes such as ``ticket_id``), or None."""
        return self._get(mention_key(channel, external_id))

    def message_item(self, channel: str, external_id: str) -> dict[str, Any] | None:
        """A stored mention or outbound message by id, whichever exists."""
        return self.mention_item(channel, external_id) or self._get(
            {"PK": {"S": f"OUTBOUND#{channel}#{external_id}"}, "SK": {"S": "MESSAGE"}}
        )

    def history(
        self, ticket_id: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """(mention links, audit events, replies) of a ticket, oldest first — one query."""
        replies: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"TICKET#{ticket_id}"},
                ":first": {"S": "EVENT#"},
                ":last": {"S": "REPLY$"},
            },
        }
        for item in self._query(kwargs):
            data = from_attributes(item)
            if data["SK"].startswith("MENTION#"):
                links.append(data)
            elif data["SK"].startswith("EVENT#"):
                events.append(data)
            elif data["SK"].startswith("REPLY#"):
                replies.append(data)
        return links, events, sorted(replies, key=lambda r: r.get("created_at", ""))

    def replies(self, ticket_id: str) -> list[dict[str, Any]]:
        """The ticket's replies (as stored), oldest first."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :r)",
            "ExpressionAttributeValues": {":pk": {"S": f"TICKET#{ticket_id}"}, ":r": {"S": "REPLY#"}},
        }
        return sorted(
            (from_attributes(i) for i in self._query(kwargs)), key=lambda r: r.get("created_at", "")
        )

    def reply(self, ticket_id: str, reply_id: str) -> dict[str, Any] | None:
        """One stored reply, or None."""
        return self._get(reply_key(ticket_id, reply_id))

    def record_reply(
        self, ticket: Ticket, expected_version: int, reply: dict[str, Any], actor: str, at: datetime
    ) -> None:
        """Store the reply, the ticket with its clock stopped, and the audit event — one transaction."""
        self.transact(
            [
                self.put_versioned(ticket, expected_version),
                self.put(reply_key(ticket.ticket_id, reply["reply_id"]), {"entity": "reply", **reply}),
                self.put(
                    event_key(ticket.ticket_id, at, "ReplyRecorded", reply["reply_id"]),
                    {
                        "entity": "ticket_event",
                        "type": "ReplyRecorded",
                        "actor": actor,
                        "ref": reply["reply_id"],
                        "at": _iso(at),
                        "private": reply.get("private"),
                        "channel": reply.get("channel"),
                    },
                ),
            ]
        )

    def record_sent_message(
        self, channel: str, external_id: str, ticket_id: str, thread: str, at: datetime
    ) -> None:
        """Remember a reply the platform accepted, so a customer answering it threads onto the ticket.

        Stored where the brand's own messages live (``OUTBOUND#``): the platform's echo of the same
        message is then a duplicate, not a second brand reply.
        """
        item = {
            "PK": {"S": f"OUTBOUND#{channel}#{external_id}"},
            "SK": {"S": "MESSAGE"},
            **to_attributes(
                {
                    "entity": "sent_reply",
                    "channel": channel,
                    "external_id": external_id,
                    "ticket_id": ticket_id,
                    "thread_key": thread,
                    "created_at": _iso(at),
                }
            ),
        }
        try:
            self._client.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(PK)"
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"ticket store: {_code(error)}") from error

    def update_reply(self, ticket_id: str, reply_id: str, values: dict[str, Any]) -> None:
        """Record a delivery attempt's outcome on a reply."""
        present = {k: v for k, v in values.items() if v is not None}
        absent = [k for k, v in values.items() if v is None]
        names = {f"#f{i}": key for i, key in enumerate([*present, *absent])}
        expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(present)))
        if absent:
            expression += " REMOVE " + ", ".join(f"#f{len(present) + i}" for i in range(len(absent)))
        attribute_values = {f":v{i}": value for i, value in enumerate(present.values())}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=reply_key(ticket_id, reply_id),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: v for k, v in to_attributes(attribute_values).items()},
                ConditionExpression="attribute_exists(PK)",
            )
        except ClientError as error:
            raise StorageUnavailable(f"ticket store: {_code(error)}") from error

    def queue(
        self, team: str, status: TicketStatus, limit: int = 50, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """A team's queue, most urgent first then earliest deadline, one page at a time."""
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "queue_pk = :q",
            "ExpressionAttributeValues": {":q": {"S": f"QUEUE#{team}#{status.value}"}},
            "Limit": limit,
        }
        return self._ticket_page(kwargs, cursor)

    def due(
        self, shard: int, now: datetime, limit: int = 100, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        """Tickets in one due-index shard whose next escalation is at or before ``now``, earliest first."""
        upto = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "~"
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_pk = :shard AND due_sk <= :upto",
            "ExpressionAttributeValues": {":shard": {"S": f"DUE#{shard}"}, ":upto": {"S": upto}},
            "Limit": limit,
        }
        return self._ticket_page(kwargs, cursor)

    def _ticket_page(
        self, kwargs: dict[str, Any], cursor: dict[str, Any] | None
    ) -> tuple[list[Ticket], dict[str, Any] | None]:
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        try:
            page = self._client.query(**kwargs)
        except ClientError as error:
            raise StorageUnavailable(f"ticket store: {_code(error)}") from error
        return [_ticket(from_attributes(i)) for i in page["Items"]], page.get("LastEvaluatedKey")

    # -- ticket lifecycle (each one transaction; every audit event keyed deterministically) ----------
    def open_ticket(
        self, ticket: Ticket, thread: str, ref: str, at: datetime, *, replaces: str | None = None
    ) -> None:
        """Create ``ticket`` for the conversation ``thread`` with its first mention ``ref``.

        ``replaces``: the old ticket id the thread pointed at (a conversation resolved long ago); the
        link moves only if it still points there. Raises Conflict when another mention won the race.
        """
        link = (
            self.update(
                thread_key(thread),
                "SET ticket_id = :new, updated_at = :at",
                {":new": ticket.ticket_id, ":old": replaces, ":at": _iso(at)},
                condition="ticket_id = :old",
            )
            if replaces
            else self.put(
                thread_key(thread),
                {
                    "entity": "thread_link",
                    "ticket_id": ticket.ticket_id,
                    "thread": thread,
                    "created_at": _iso(at),
                },
            )
        )
        self.transact(
            [
                link,
                self.put(ticket_key(ticket.ticket_id), ticket_values(ticket)),
                *self._attach(ticket.ticket_id, thread, ref, at, "opened"),
                self.put(
                    event_key(ticket.ticket_id, at, "TicketOpened", ref),
                    {
                        "entity": "ticket_event",
                        "type": "TicketOpened",
                        "actor": "system:route-mention",
                        "mention": ref,
                        "previous_ticket_id": replaces,
                        "at": _iso(at),
                    },
                ),
            ]
        )

    def join_ticket(self, ticket: Ticket, thread: str, ref: str, at: datetime, *, reopen: bool) -> None:
        """Add mention ``ref`` to ``ticket`` (reopening it when resolved); Conflict if it changed."""
        names = {"#status": "status", "#version": "version"}
        values: dict[str, Any] = {
            ":one": 1,
            ":at": _iso(at),
            ":expected": ticket.status.value,
            ":v": ticket.version,
        }
        expression = (
            "SET mention_count = mention_count + :one, updated_at = :at, "
            "last_customer_message_at = :at, #version = #version + :one"
        )
        if reopen:
            expression += ", #status = :open, queue_pk = :queue REMOVE resolved_at, resolution"
            values[":open"] = TicketStatus.OPEN.value
            values[":queue"] = f"QUEUE#{ticket.team}#{TicketStatus.OPEN.value}"
        kind = "TicketReopened" if reopen else "MentionJoined"
        self.transact(
            [
                self.update(
                    ticket_key(ticket.ticket_id),
                    expression,
                    values,
                    names,
                    condition="#status = :expected AND #version = :v",
                ),
                *self._attach(ticket.ticket_id, thread, ref, at, "reopened" if reopen else "joined"),
                self.put(
                    event_key(ticket.ticket_id, at, kind, ref),
                    {
                        "entity": "ticket_event",
                        "type": kind,
                        "actor": "system:route-mention",
                        "mention": ref,
                        "at": _iso(at),
                    },
                ),
            ]
        )

    def save(
        self,
        ticket: Ticket,
        expected_version: int,
        event: str,
        ref: str,
        at: datetime,
        details: dict[str, Any],
        actor: str = "system:route-mention",
    ) -> bool:
        """Write ``ticket`` over version ``expected_version`` with its audit event, once per (event, ref).

        Returns False when that event was already recorded (a repeated step: nothing written).
        Raises Conflict when the ticket changed underneath (the caller re-reads and retries).
        """
        try:
            self.transact(
                [
                    self.put_versioned(ticket, expected_version),
                    self.put(
                        event_key(ticket.ticket_id, at, event, ref),
                        {
                            "entity": "ticket_event",
                            "type": event,
                            "actor": actor,
                            "ref": ref,
                            "at": _iso(at),
                            **details,
                        },
                    ),
                ]
            )
        except Conflict as conflict:
            if conflict.failed == (1,):
                return False
            raise
        return True

    def _attach(
        self, ticket_id: str, thread: str, ref: str, at: datetime, action: str
    ) -> list[dict[str, Any]]:
        channel, _, external_id = ref.partition("#")
        return [
            self.put(
                {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": f"MENTION#{ref}"}},
                {
                    "entity": "ticket_mention",
                    "channel": channel,
                    "external_id": external_id,
                    "action": action,
                    "at": _iso(at),
                },
            ),
            self.update(
                mention_key(channel, external_id),
                "SET ticket_id = :t, thread_key = :thread, thread_action = :a",
                {":t": ticket_id, ":thread": thread, ":a": action},
                condition="attribute_exists(PK) AND attribute_not_exists(ticket_id)",
            ),
        ]

    # -- writes ------------------------------------------------------------------------------------
    def transact(self, operations: list[dict[str, Any]]) -> None:
        """Run a write transaction; a failed condition raises :class:`Conflict`."""
        try:
            self._client.transact_write_items(TransactItems=operations)
        except ClientError as error:
            if _code(error) == "TransactionCanceledException":
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                failed = tuple(i for i, code in enumerate(reasons) if code == "ConditionalCheckFailed")
                if failed:
                    raise Conflict("a condition failed: another writer was first", failed) from None
            raise StorageUnavailable(f"ticket store: {_code(error)}") from error

    def put(self, key: dict[str, Any], values: dict[str, Any], *, if_absent: bool = True) -> dict[str, Any]:
        """A transaction operation: put an item (only if absent, by default)."""
        put: dict[str, Any] = {"TableName": self._table, "Item": {**key, **to_attributes(values)}}
        if if_absent:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        return {"Put": put}

    def put_versioned(self, ticket: Ticket, expected_version: int) -> dict[str, Any]:
        """A transaction operation: write the whole ticket if it is still at ``expected_version``."""
        put = self.put(ticket_key(ticket.ticket_id), ticket_values(ticket), if_absent=False)["Put"]
        return {
            "Put": {
                **put,
                "ConditionExpression": "#version = :v",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
            }
        }

    def update(
        self,
        key: dict[str, Any],
        expression: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
        condition: str | None = None,
    ) -> dict[str, Any]:
        """A transaction operation: an update expression with values in plain Python."""
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeValues": to_attributes(values),
        }
        if names:
            update["ExpressionAttributeNames"] = names
        if condition:
            update["ConditionExpression"] = condition
        return {"Update": update}

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        except ClientError as error:
            raise StorageUnavailable(f"ticket store: {_code(error)}") from error
        return from_attributes(item) if item else None

    def _query(self, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            try:
                page = self._client.query(**kwargs)
            except ClientError as error:
                raise StorageUnavailable(f"ticket store: {_code(error)}") from error
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def due_shard(ticket_id: str) -> int:
    """The due-index shard of a ticket (stable)."""
    return int(hashlib.sha256(ticket_id.encode()).hexdigest()[:8], 16) % DUE_SHARDS


def due_keys(ticket: Ticket) -> dict[str, str]:
    """Due-index attributes — only for a ticket whose customer is waiting and that can still escalate."""
    if ticket.status is not TicketStatus.OPEN or ticket.due_at is None:
        return {}
    due = ticket.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"due_pk": f"DUE#{due_shard(ticket.ticket_id)}", "due_sk": f"{due}#{ticket.ticket_id}"}


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    """A ticket's attributes for a put: the queue-index and (sparse) due-index keys are derived here."""
    values = {**ticket.model_dump(mode="json"), "entity": "ticket", "priority_rank": ticket.priority.rank}
    if ticket.status in QUEUED_STATUSES and ticket.team:
        values.update(
            queue_keys(ticket.team, ticket.status, ticket.priority, ticket.deadline, ticket.ticket_id)
        )
    values.update(due_keys(ticket))
    return values


def reply_key(ticket_id: str, reply_id: str) -> dict[str, dict[str, str]]:
    """Primary key of an agent's reply."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": f"REPLY#{reply_id}"}}


def event_key(ticket_id: str, at: datetime, kind: str, ref: str) -> dict[str, dict[str, str]]:
    """A deterministic audit-event key: a retried step writes the same event, not a second one."""
    return {"PK": {"S": f"TICKET#{ticket_id}"}, "SK": {"S": f"EVENT#{_iso(at)}#{kind}#{ref}"}}


def _ticket(data: dict[str, Any]) -> Ticket:
    return Ticket.model_validate({k: v for k, v in data.items() if k in Ticket.model_fields})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
