"""A team's long history, written straight into the local table: one routed ticket copied across many
days (the reports' scaling test and benchmark)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from local.gateway import LocalGateway
from local.stack import LocalStack
from socialdesk.dal.items import to_attributes
from socialdesk.dal.tickets import ticket_from_item, ticket_item
from tests.support.routing import deliver, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


def write_history(gateway: LocalGateway, tickets: int, until: datetime, every: timedelta) -> str:
    """Route one complaint, then store ``tickets`` copies of its ticket opened ``every`` apart up to
    ``until``; return the team."""
    deliver(gateway, tweet(1, COMPLAINT))
    model = ticket_from_item(ticket_of(gateway, 1))
    stack = gateway.stack

    def items() -> Iterator[dict[str, Any]]:
        for n in range(tickets):
            opened = until - every * (n + 1)
            copy = model.model_copy(update={"ticket_id": f"T-history{n:08d}", "created_at": opened})
            values = {k: v for k, v in ticket_item(copy).items() if k not in ("due_pk", "due_sk")}
            yield {"PK": f"TICKET#{copy.ticket_id}", "SK": "TICKET", **values}

    put_items(stack, items())
    return str(model.team)


def put_items(stack: LocalStack, items: Iterable[dict[str, Any]]) -> None:
    """Write plain-Python items straight into moto's table, in-process (set-up, not what is measured)."""
    from moto.dynamodb.models import dynamodb_backends

    from local import moto_patches

    table = stack.environment["TABLE_NAME"]
    with moto_patches.LOCK:
        backend = dynamodb_backends["123456789012"][stack.client("dynamodb").meta.region_name]
        for item in items:
            backend.put_item(table, to_attributes(item))


class ReadCounter:
    """Counts the items the functions read from DynamoDB (keys returned by queries and batch gets)."""

    def __init__(self) -> None:
        self.items = 0
        self._events: Any = None

    def __enter__(self) -> ReadCounter:
        from socialdesk.common import clients

        self._events = clients.client("dynamodb").meta.events  # the client every function shares
        self._events.register("after-call.dynamodb", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        self._events.unregister("after-call.dynamodb", self._count)

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items += len(parsed.get("Items", []))
        elif model.name == "BatchGetItem":
            self.items += sum(len(found) for found in parsed.get("Responses", {}).values())
        elif model.name == "GetItem" and parsed.get("Item"):
            self.items += 1
