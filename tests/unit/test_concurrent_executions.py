"""Two executions routing the same message, interleaved at every write routing makes, end as one did.

A stream batch retried, or an execution started twice, routes the same message in two Lambda
invocations at once: two routers over one store. Whatever write one of them is about to make (or
has just made) when the other runs through, the outcome is one ticket for the customer, the
message on it once, one ``TicketRouted``, one incident for the surge with the ticket in it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from socialdesk.dal.config import packaged_policy
from socialdesk.domain.mention import Author, Channel, Mention, MentionKind
from socialdesk.logic.route_messages import RouteItem, Router
from tests.support.fakes import NOW, FakeIncidents, FakeMentions, FakeSurge, FakeTickets

#: every write the Router makes for a customer message, and the reads that find its conversation's
#: ticket (a second execution run through right after one of them leaves the first acting on a read
#: that is out of date: its conditional write must refuse it), by port
WRITES = [
    ("tickets", "get"),
    ("tickets", "conversation_start"),
    ("tickets", "save"),
    ("mentions", "attach"),
    ("surge", "count"),
    ("incidents", "open"),
    ("incidents", "save"),
    ("incidents", "join"),
]
COMPLAINT = "@brand flight {n} cancelled, no refund, worst airline ever"


class Interleaved:
    """A port whose first call of ``method`` lets ``other`` run (before or after the call)."""

    def __init__(self, port: Any, method: str, when: str, other: Callable[[], None]) -> None:
        self._port, self._method, self._when, self._other = port, method, when, other
        self.fired = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._port, name)
        if name != self._method or self.fired:
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.fired = True
            if self._when == "before":
                self._other()
            result = real(*args, **kwargs)
            if self._when == "after":
                self._other()
            return result

        return call


def _tweet(n: int, handle: str) -> Mention:
    return Mention(
        channel=Channel.X,
        external_id=str(5000 + n),
        kind=MentionKind.POST,
        source="test",
        author=Author(id=f"u-{handle}", handle=handle),
        text=COMPLAINT.format(n=n),
        created_at=NOW + timedelta(seconds=n),
        brand_account="brand-1",
    )


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize(("port", "method"), WRITES)
def test_two_executions_of_one_message_interleaved_at_a_write_make_one_outcome(
    port: str, method: str, when: str
) -> None:
    policy = packaged_policy("default")
    stores = {
        "tickets": FakeTickets(),
        "mentions": FakeMentions(),
        "surge": FakeSurge(),
        "incidents": FakeIncidents(),
    }

    def router(**ports: Any) -> Router:
        return Router(**{**stores, **ports}, policy=policy)

    # Given enough similar complaints that the next one opens an incident (or joins the open one)
    joins = (port, method) == ("incidents", "join")
    earlier = [_tweet(n, f"c{n}") for n in range(policy.surge.threshold - 1 + joins)]
    for mention in earlier:
        stores["mentions"].add(mention)
        router().route(
            RouteItem(kind="mention", ref=mention.ref, mention=mention, received_at=mention.created_at)
        )
    message = _tweet(99, "zoe")
    stores["mentions"].add(message)
    item = RouteItem(kind="mention", ref=message.ref, mention=message, received_at=message.created_at)

    # When a second execution routes the same message while the first is at this write (or read)
    def second_execution() -> None:
        router().route(item)

    interleaved = Interleaved(stores[port], method, when, second_execution)
    first = router(**{port: interleaved}).route(item)

    # Then the store holds what one execution would have left
    assert interleaved.fired, f"routing never called {port}.{method}"
    tickets: FakeTickets = stores["tickets"]  # type: ignore[assignment]
    mentions: FakeMentions = stores["mentions"]  # type: ignore[assignment]
    incidents: FakeIncidents = stores["incidents"]  # type: ignore[assignment]
    (ticket,) = tickets.of_customer("zoe")
    assert first.ticket_id == ticket.ticket_id
    assert mentions.stored[message.ref].ticket_id == ticket.ticket_id
    assert [m.ref for m in ticket.customer_messages] == [message.ref]
    assert tickets.types(ticket.ticket_id).count("TicketRouted") == 1
    (incident,) = incidents.by_id.values()
    members = incidents.members(incident)
    assert ticket.incident_id == incident.incident_id and ticket.ticket_id in members
    assert sorted(members) == sorted({*members})
    assert all(tickets.get(t).incident_id == incident.incident_id for t in members)  # type: ignore[union-attr]
