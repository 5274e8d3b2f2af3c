"""A sweep run reads as much of the table as its time allows and keeps its place: the next run
continues the pass, a pass starts at most once per interval, and repairs that join two items read in
different runs still happen, and a storage fault retries its page or repair rather than the run (on
in-memory fakes of the ports)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from socialdesk.dal.ports import SweepPass
from socialdesk.dal.tickets import ticket_item
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.logic.sweep import sweep_run
from tests.support.fakes import NOW, FakeAgents
from tests.unit.test_conversations import COMPLAINT, Desk, tweet

DAY = timedelta(hours=24)


class Passes:
    """The sweep's place, in memory."""

    def __init__(self) -> None:
        self.state = SweepPass()
        self.saved: list[SweepPass] = []

    def load(self) -> SweepPass:
        return self.state

    def save(self, state: SweepPass) -> None:
        self.state = state
        self.saved.append(state)


class Table:
    """A table's items in scan pages of ``size``, with the keys a scan continues after."""

    def __init__(self, items: list[dict[str, Any]], size: int = 2) -> None:
        self.pages = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        self.read: list[int] = []

    def scan_pages(self, start: dict[str, Any] | None) -> Any:
        first = int(start["page"]) + 1 if start else 0
        for n in range(first, len(self.pages)):
            self.read.append(n)
            yield self.pages[n], ({"page": n} if n + 1 < len(self.pages) else None)


class Ports:
    """What :func:`sweep` is given, recording what it repaired."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.routed: list[str] = []
        self.agents = FakeAgents()

    def kwargs(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "repairs": self,
            "redeliver": lambda item: None,
            "mentions": self.desk.mentions,
            "archive": None,
            "retry_reply": lambda ticket_id, reply_id: None,
            "agents": self.agents,
        }

    def route(self, items: list[dict[str, Any]]) -> int:
        self.routed.extend(f"{i['channel']}#{i['external_id']}" for i in items)
        return len(items)

    def index_drift(self, item: dict[str, Any]) -> bool:
        return False

    def reindex(self, ticket: Any) -> None:
        raise AssertionError("nothing drifted")

    def has_events(self, ticket_id: str, version: int) -> bool:
        return True

    def get(self, ticket_id: str) -> Any:
        return self.desk.tickets.get(ticket_id)


def mention(n: int, *, ticket_id: str | None = None, deleted: bool = False) -> dict[str, Any]:
    old = (NOW - timedelta(hours=1)).isoformat()
    return {
        "entity": "mention",
        "channel": "x",
        "external_id": f"m{n}",
        "status": "deleted" if deleted else "active",
        "received_at": old,
        **({"ticket_id": ticket_id} if ticket_id else {}),
        **({"deleted_at": old} if deleted else {}),
    }


def filler(n: int) -> dict[str, Any]:
    return {"entity": "canned", "PK": f"CANNED#{n}"}


def deleted_on_its_ticket() -> tuple[Desk, Any, dict[str, Any]]:
    """(a desk, a ticket on it, the stored item of its customer's message, deleted, the deletion not
    yet applied to the ticket)."""
    desk = Desk()
    complaint = tweet(COMPLAINT, handle="erin")
    desk.receive(complaint)
    ticket = desk.ticket_of(complaint)
    deleted = {**mention(0, ticket_id=ticket.ticket_id, deleted=True), "external_id": complaint.external_id}
    return desk, ticket, deleted


def run(table: Table, passes: Passes, ports: Ports, *, pages: int | None = None, **options: Any) -> Any:
    """One run that has time for ``pages`` pages (None: all of them)."""
    budget = [pages]

    def out_of_time() -> bool:
        if budget[0] is None:
            return False
        budget[0] -= 1
        return budget[0] <= 0

    return sweep_run(
        table.scan_pages,
        passes,
        options.pop("now", NOW),
        out_of_time=out_of_time,
        pass_every=DAY,
        **options,
        **ports.kwargs(),
    )


def test_a_run_out_of_time_keeps_its_place_and_the_next_run_finishes_the_pass() -> None:
    # Given a table of four pages, an unrouted message on the last
    ports, passes = Ports(Desk()), Passes()
    table = Table([filler(1), filler(2), filler(3), filler(4), filler(5), filler(6), mention(7)])
    # When a run has time for two pages
    first = run(table, passes, ports, pages=2)
    # Then it stops there, repaired nothing yet, and keeps its place
    assert (first.pass_complete, table.read, ports.routed) == (False, [0, 1], [])
    assert passes.state.cursor == {"page": 1}
    # When the next scheduled run comes, Then it continues after that page and finishes the pass
    second = run(table, passes, ports, now=NOW + timedelta(hours=1))
    assert (second.pass_complete, table.read, ports.routed) == (True, [0, 1, 2, 3], ["x#m7"])
    assert second.report.unrouted == 1 and passes.state.cursor is None
    assert passes.state.started_at == NOW and passes.state.finished_at == NOW + timedelta(hours=1)


def test_a_scheduled_run_starts_a_pass_only_once_per_interval() -> None:
    ports, passes = Ports(Desk()), Passes()
    table = Table([filler(1), mention(2)])
    assert run(table, passes, ports).pass_complete
    # an hour later: the last pass is recent, nothing is read
    skipped = run(table, passes, ports, now=NOW + timedelta(hours=1))
    assert skipped.skipped and table.read == [0]
    # a day later (schedules fire within minutes of their time): a new pass from the beginning
    again = run(table, passes, ports, now=NOW + DAY - timedelta(minutes=5))
    assert not again.skipped and table.read == [0, 0]
    # an operator's run starts one whenever asked
    assert not run(table, passes, ports, now=NOW + DAY, start="resume").skipped
    assert table.read == [0, 0, 0]


def test_from_start_drops_a_pass_under_way() -> None:
    ports, passes = Ports(Desk()), Passes()
    table = Table([filler(n) for n in range(6)])
    run(table, passes, ports, pages=1)
    assert passes.state.cursor == {"page": 0}
    assert run(table, passes, ports, start="from_start", now=NOW + timedelta(minutes=1)).pass_complete
    assert table.read == [0, 0, 1, 2]


def test_a_deleted_message_whose_ticket_an_earlier_run_read_still_leaves_it() -> None:
    # Given a ticket whose message was deleted, the deletion's routing never applied; the ticket
    # item is on the first page, the deleted message on the last
    desk, ticket, deleted = deleted_on_its_ticket()
    ports, passes = Ports(desk), Passes()
    table = Table([ticket_item(ticket), filler(1), filler(2), filler(3), deleted])
    # When a run reads the first page only and the next one the rest
    run(table, passes, ports, pages=1)
    assert ports.routed == []
    second = run(table, passes, ports, now=NOW + timedelta(hours=1))
    # Then the second run looks the ticket up and routes the deletion
    assert second.report.deletions == 1 and ports.routed == [f"x#{deleted['external_id']}"]


class _Lambda:
    """The deployed sweep as ``redrive --sweep`` sees it: two runs to finish the pass."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        import io
        import json

        self.events.append(json.loads(request["Payload"]))
        report = {"scanned": 10, "unrouted": 1, "pass_complete": len(self.events) == 2, "skipped": False}
        return {"Payload": io.BytesIO(json.dumps(report).encode())}


def test_redrive_sweep_starts_a_pass_and_runs_until_it_is_done() -> None:
    from socialdesk.tools.redrive import run_sweep

    deployed = _Lambda()
    total = run_sweep(deployed, "sweep")
    assert deployed.events == [{"start": "from_start"}, {"start": "resume"}]
    assert (total["scanned"], total["unrouted"], total["runs"]) == (20, 2, 2)


class FlakyTable(Table):
    """A table whose scan fails on the first attempt at each page in ``failing``."""

    def __init__(self, items: list[dict[str, Any]], failing: set[int]) -> None:
        super().__init__(items)
        self.failing = failing

    def scan_pages(self, start: dict[str, Any] | None) -> Any:
        n = int(start["page"]) + 1 if start else 0
        if n in self.failing:
            self.failing.discard(n)
            raise StorageUnavailable("the table is throttling")
        yield from super().scan_pages(start)


class FlakyPorts(Ports):
    """Ports whose ticket lookup fails once, then answers."""

    def __init__(self, desk: Desk) -> None:
        super().__init__(desk)
        self.failures = 1

    def get(self, ticket_id: str) -> Any:
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable("the table is throttling")
        return super().get(ticket_id)


def test_a_page_read_or_a_repair_that_fails_on_storage_is_retried_not_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("socialdesk.logic.transient.pause", lambda seconds: None)
    # Given a ticket whose deleted message is on a page the first read of which fails, and a ticket
    # lookup that fails once
    desk, _, deleted = deleted_on_its_ticket()
    ports, passes = FlakyPorts(desk), Passes()
    table = FlakyTable([filler(1), filler(2), deleted, mention(3)], failing={1})
    # When one run sweeps the table
    swept = run(table, passes, ports)
    # Then it finished the pass in that run, with every page read once and both repairs made
    assert swept.pass_complete and passes.state.cursor is None
    assert table.read == [0, 1] and ports.failures == 0
    assert (swept.report.deletions, swept.report.unrouted) == (1, 1)


def test_a_fault_that_outlasts_the_retries_fails_the_run_and_the_next_repeats_it_from_its_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("socialdesk.logic.transient.pause", lambda seconds: None)
    ports, passes = Ports(Desk()), Passes()
    table = FlakyTable([filler(1), filler(2), filler(3), mention(4)], failing=set())
    run(table, passes, ports, pages=1)
    assert passes.state.cursor == {"page": 0}

    def down(start: dict[str, Any] | None) -> Any:
        raise StorageUnavailable("the table is unavailable")
        yield  # a generator, as a scan is

    with pytest.raises(StorageUnavailable):
        sweep_run(down, passes, NOW, out_of_time=lambda: False, pass_every=DAY, **ports.kwargs())
    assert passes.state.cursor == {"page": 0}
    assert run(table, passes, ports, now=NOW + timedelta(hours=1)).pass_complete
    assert table.read == [0, 1] and ports.routed == ["x#m4"]


def agent_item(state: Any) -> dict[str, Any]:
    """A roster item as a scan reads it."""
    return {"entity": "agent", **state.model_dump(mode="json"), "open_tickets": set(state.open_tickets)}


def test_held_tickets_that_disagree_with_the_tickets_are_held_and_released() -> None:
    # Given an agent who holds nothing although an open ticket is theirs (assigned before the held
    # sets existed), and holds a ticket resolved since and one that is another agent's now
    desk = Desk()
    tickets = []
    for handle in ("erin", "femi", "gus"):
        complaint = tweet(COMPLAINT, handle=handle)
        desk.receive(complaint)
        tickets.append(desk.ticket_of(complaint))
    theirs, resolved, handed = tickets
    later = NOW + timedelta(minutes=5)  # the sweep runs an hour after that
    desk.tickets.save(theirs.assign("ana", "lead", later))
    desk.tickets.save(
        resolved.assign("ana", "lead", later).then(lambda t: t.resolve("answered", "ana", later, desk.policy))
    )
    desk.tickets.save(handed.assign("bo", "lead", later))
    ports, passes = Ports(desk), Passes()
    team = theirs.team
    ports.agents.online(team, "ana", "bo")
    ports.agents.holds(team, "ana", resolved.ticket_id)
    ports.agents.holds(team, "ana", handed.ticket_id)
    stored = [desk.tickets.get(t.ticket_id) for t in tickets]
    items = [ticket_item(t) for t in stored if t is not None]
    # the roster items are read in this run; the ticket that is bo's now, by key
    table = Table(
        [agent_item(ports.agents.get(team, "ana")), *items[:2], agent_item(ports.agents.get(team, "bo"))]
    )
    # When a run sweeps a minute after the changes, Then it leaves them to the outbox
    assert run(table, Passes(), ports, now=later + timedelta(minutes=1)).report.holds_repaired == 0
    assert ports.agents.get(team, "ana").open_tickets == {resolved.ticket_id, handed.ticket_id}
    # When a run sweeps an hour later
    swept = run(table, passes, ports, now=NOW + timedelta(hours=1))
    # Then ana holds her open ticket only: the ticket that is bo's now was read by key to release it
    assert ports.agents.get(team, "ana").open_tickets == {theirs.ticket_id}
    assert swept.report.holds_repaired == 3
    # When the next pass reads bo's ticket (and not his roster item, which is read by key)
    again = run(Table(items), Passes(), ports, now=NOW + DAY)
    # Then he holds it, and a pass after that finds nothing to repair
    assert ports.agents.get(team, "bo").open_tickets == {handed.ticket_id}
    assert again.report.holds_repaired == 1
    roster = [agent_item(ports.agents.get(team, a)) for a in ("ana", "bo")]
    assert run(Table([*roster, *items]), Passes(), ports, now=NOW + 2 * DAY).report.holds_repaired == 0
