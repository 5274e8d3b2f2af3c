"""Use case: the sweep — find and repair every inconsistent state the pipeline can leave behind.

A pass reads every item once (a scan: a scheduled job and an operator's last resort); a run reads
as much of the pass as its time allows and leaves its place for the next (:func:`sweep_run`), so a
table of any size is swept, and a pass starts at most once per ``SWEEP_PASS_HOURS``. It repairs:

- a customer's message stored but never routed (routing failed past every retry and the DLQ) → routed
- a deleted message still live on its ticket (the deletion's routing failed past every retry) → the
  deletion routed again (the ticket is withdrawn when it was the customer's last message)
- a ticket whose index entries disagree with its state (a queue or due entry missing, or a due entry
  for a closed or answered ticket) → the entries rewritten from the state
- a ticket whose latest change was never delivered by the outbox (its audit events are missing) →
  delivered again (the notifications' idempotency keys make a repeat harmless)
- an archived payload of a deleted message still in the bucket → deleted
- a reply stuck queued, sending past its lease, failed retryably or unknown → delivered or checked
- a reply delivered whose ticket never counted it (the clock still runs) → its delivery completed
- an agent's held tickets (what automatic assignment counts) that disagree with the tickets: an
  open or pending ticket assigned to them that they do not hold → held (the tickets assigned before
  the held sets existed, after an upgrade); one they hold that is no longer theirs → released

Everything it does is idempotent: two sweeps at once, or a sweep racing the pipeline, end the same.
A storage fault retries the page read or the repair it hit (:class:`TransientRetry`, within a budget
per run), not the run: a run gives up, and the next repeats it from its place, only when the fault
outlasts that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, Protocol

from socialdesk.dal.ports import AgentDirectory, MentionRepository, RawPayloadArchive, SweepPass, SweepPasses
from socialdesk.domain.assignment import holder
from socialdesk.domain.model import Model
from socialdesk.domain.ticket import Ticket
from socialdesk.logic.transient import TransientRetry

#: how long an item is left alone before the sweep takes it for stuck (the pipeline may be on it)
GRACE = timedelta(minutes=10)
#: how far back a delivered reply is checked against its ticket (a ticket remembers its recent ones)
DELIVERED_LOOKBACK = timedelta(days=7)


class SweepReport(Model):
    """What one sweep found and repaired."""

    scanned: int = 0
    unrouted: int = 0
    deletions: int = 0
    reindexed: int = 0
    outbox_redelivered: int = 0
    payloads_deleted: int = 0
    replies_retried: int = 0
    holds_repaired: int = 0

    @property
    def repaired(self) -> int:
        """Everything it fixed."""
        return (
            self.unrouted
            + self.deletions
            + self.reindexed
            + self.outbox_redelivered
            + self.payloads_deleted
            + self.replies_retried
            + self.holds_repaired
        )


class TicketRepairs(Protocol):
    """What the sweep needs of the ticket store beyond the aggregate's repository."""

    def index_drift(self, item: dict[str, Any]) -> bool:
        """Whether a stored ticket item's index entries disagree with its state."""
        ...

    def reindex(self, ticket: Ticket) -> None:
        """Rewrite a ticket's index entries from its state (no state change, no version bump)."""
        ...

    def has_events(self, ticket_id: str, version: int) -> bool:
        """Whether the audit events of that version were stored."""
        ...

    def get(self, ticket_id: str) -> Ticket | None:
        """A ticket the run has not read (a reply's or a deleted message's ticket in another run)."""
        ...


#: a page of the table's items and the key to continue after it (None: it was the last)
Page = tuple[list[dict[str, Any]], dict[str, Any] | None]
#: how early a scheduled run may start the next pass (schedules fire within a window, not on the dot)
PASS_SLACK = timedelta(minutes=10)
#: how long a run may wait in all between retries of storage calls that failed past the SDK's retries
RETRY_BUDGET_SECONDS = 60.0


class SweepRun(Model):
    """One run of the sweep: what it repaired, and whether the pass is finished."""

    report: SweepReport
    pass_complete: bool
    #: the run started no pass: the last one is more recent than the pass interval
    skipped: bool = False


def sweep_run(
    pages: Callable[[dict[str, Any] | None], Iterable[Page]],
    passes: SweepPasses,
    now: datetime,
    *,
    out_of_time: Callable[[], bool],
    pass_every: timedelta,
    start: Literal["schedule", "resume", "from_start"] = "schedule",
    retry: TransientRetry | None = None,
    **ports: Any,
) -> SweepRun:
    """Sweep the table from where the last run stopped until the pass ends or time runs out.

    ``pages(cursor)`` reads the table from a scan key, a page at a time; ``out_of_time()`` is asked
    after each page. The place is kept when the run ends (some repairs are made after the run's
    last page: the messages to route, the deletions to apply), so a run that fails is repeated from
    where it started (every repair is idempotent). ``start``: ``schedule`` continues a pass under
    way or starts one when the last began ``pass_every`` ago; ``resume`` continues or starts one now;
    ``from_start`` starts a new pass now. ``ports`` are :func:`sweep`'s. A page read or a repair that
    fails on storage is retried by ``retry`` (a fresh one per run by default).
    """
    retry = retry or TransientRetry(budget_seconds=RETRY_BUDGET_SECONDS)
    state = retry.run(passes.load)
    if start == "from_start":
        state = SweepPass(finished_at=state.finished_at)
    elif (
        start == "schedule"
        and state.cursor is None
        and state.started_at is not None
        and now - state.started_at < pass_every - PASS_SLACK
    ):
        return SweepRun(report=SweepReport(), pass_complete=True, skipped=True)
    started_at = state.started_at if state.cursor is not None else now
    place: list[dict[str, Any] | None] = [state.cursor]

    def items() -> Iterator[dict[str, Any]]:
        while True:
            # one page from the place: a read that fails is read again from there
            page, after = retry.run(lambda: next(iter(pages(place[0])), ([], None)))
            yield from page
            place[0] = after
            if after is None or out_of_time():
                return

    report = sweep(items(), now, retry=retry, **ports)
    cursor = place[0]
    reached = SweepPass(
        cursor=cursor, started_at=started_at, finished_at=now if cursor is None else state.finished_at
    )
    retry.run(lambda: passes.save(reached))
    return SweepRun(report=report, pass_complete=cursor is None)


def sweep(
    items: Iterable[dict[str, Any]],
    now: datetime,
    *,
    route: Callable[[list[dict[str, Any]]], int],
    repairs: TicketRepairs,
    redeliver: Callable[[dict[str, Any]], None],
    mentions: MentionRepository,
    archive: RawPayloadArchive,
    retry_reply: Callable[[str, str], None],
    agents: AgentDirectory,
    retry: TransientRetry | None = None,
) -> SweepReport:
    """Repair what ``items`` (every table item, as plain Python) show to be inconsistent.

    ``route`` routes stored messages again (the dispatch path: an active one as new, a deleted one as
    its deletion), returning how many it took;
    ``redeliver`` runs the outbox on a ticket item; ``retry_reply`` delivers a reply again; ``agents``
    (the rosters) get their held tickets repaired; ``retry`` retries each of these (and each read) on a
    storage fault.
    """
    from socialdesk.dal.tickets import ticket_from_item, ticket_image

    run = (retry or TransientRetry(budget_seconds=RETRY_BUDGET_SECONDS)).run
    report = SweepReport()
    unrouted: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []  # deleted messages that were on a ticket
    live: dict[str, set[str]] = {}  # ticket → the refs of its messages not deleted
    #: ticket whose clock runs → (the replies it counted, when its clock started)
    delivered: dict[str, tuple[set[str], datetime] | None] = {}
    sent: list[tuple[str, str, datetime]] = []  # recently delivered replies: (ticket, reply, sent at)
    holds = _Holds()
    for item in items:
        report.scanned += 1
        entity = item.get("entity")
        if entity == "mention":
            if (
                item.get("status") == "active"
                and not item.get("ticket_id")
                and _older(item.get("received_at"), now)
            ):
                unrouted.append(item)
            if (
                item.get("status") == "deleted"
                and item.get("ticket_id")
                and _older(item.get("deleted_at"), now)
            ):
                deleted.append(item)
            if item.get("status") == "deleted" and (item.get("raw_refs") or item.get("raw_ref")):
                report.payloads_deleted += _forget_payloads(item, archive, mentions, run)
        elif entity == "ticket":
            image = ticket_image(item)  # its packed fields and the change's events, as plain fields
            ticket = ticket_from_item(image)
            live[ticket.ticket_id] = _live(ticket)
            delivered[ticket.ticket_id] = _counted(ticket)
            settled = _older(image.get("updated_at"), now)  # the pipeline is done with it
            if settled:
                holds.ticket(ticket.ticket_id, holder(ticket.status.value, ticket.team, ticket.assignee))
            if repairs.index_drift(image):
                run(partial(repairs.reindex, ticket))
                report.reindexed += 1
            if (
                image.get("changes")
                and settled
                and not run(partial(repairs.has_events, ticket.ticket_id, ticket.version))
            ):
                run(partial(redeliver, image))
                report.outbox_redelivered += 1
        elif entity == "reply" and _stuck(item, now):
            run(partial(retry_reply, str(item["ticket_id"]), str(item["reply_id"])))
            report.replies_retried += 1
        elif entity == "reply" and _recently_delivered(item, now):
            sent.append((str(item["ticket_id"]), str(item["reply_id"]), _stamp(item["sent_at"])))
        elif entity == "agent":
            holds.agent((str(item["team"]), str(item["subject"])), set(item.get("open_tickets") or ()))

    def lookup(ticket_id: str) -> Ticket | None:  # a ticket another run reads, by key
        return run(partial(repairs.get, ticket_id))

    report.replies_retried += _complete_deliveries(sent, delivered, lookup, retry_reply, run)
    report.holds_repaired = holds.repair(agents, lookup, now, run)
    if unrouted:
        report.unrouted = route(unrouted)
    for ticket_id in {str(m["ticket_id"]) for m in deleted} - live.keys():
        live[ticket_id] = _live(lookup(ticket_id))
    still_live = [m for m in deleted if f"{m['channel']}#{m['external_id']}" in live[str(m["ticket_id"])]]
    if still_live:
        report.deletions = route(still_live)
    return report


def _complete_deliveries(
    sent: list[tuple[str, str, datetime]],
    delivered: dict[str, tuple[set[str], datetime] | None],
    ticket: Callable[[str], Ticket | None],
    retry_reply: Callable[[str, str], None],
    run: Callable[..., Any],
) -> int:
    """Retry each recently sent reply its ticket's running clock never counted; how many."""
    retried = 0
    for ticket_id, reply_id, sent_at in sent:
        if ticket_id not in delivered:  # its ticket is in a part of the table another run reads
            delivered[ticket_id] = _counted(ticket(ticket_id))
        counted = delivered[ticket_id]
        if counted is not None and reply_id not in counted[0] and sent_at >= counted[1]:
            run(partial(retry_reply, ticket_id, reply_id))  # a sent reply's retry completes its delivery
            retried += 1
    return retried


def _forget_payloads(
    item: dict[str, Any], archive: RawPayloadArchive, mentions: MentionRepository, run: Callable[..., Any]
) -> int:
    """Delete a deleted message's archived payloads and forget them on its item; how many."""
    refs = {*(item.get("raw_refs") or ()), *([item["raw_ref"]] if item.get("raw_ref") else [])}
    for ref in refs:
        run(partial(archive.delete, str(ref)))
    run(partial(mentions.forget_payloads, str(item["channel"]), str(item["external_id"])))
    return len(refs)


class _Holds:
    """Who should hold which ticket, and what the rosters say they hold, as one run reads them."""

    def __init__(self) -> None:
        #: ticket (unchanged for longer than GRACE) → the (team, agent) who should hold it, or None
        self.holder: dict[str, tuple[str, str] | None] = {}
        #: (team, agent) → the tickets their roster item holds (the agents this run read)
        self.held: dict[tuple[str, str], set[str]] = {}

    def ticket(self, ticket_id: str, agent: tuple[str, str] | None) -> None:
        self.holder[ticket_id] = agent

    def agent(self, agent: tuple[str, str], tickets: set[str]) -> None:
        self.held[agent] = tickets

    def repair(
        self,
        agents: AgentDirectory,
        ticket: Callable[[str], Ticket | None],
        now: datetime,
        run: Callable[[Callable[[], Any]], Any],
    ) -> int:
        """Hold what is missing and release what is no longer theirs; how many were repaired.

        An agent whose roster item another run reads is read by key; a held ticket another run reads
        is read by key, and left alone when it changed within GRACE (the outbox may be on it).
        """
        repaired = 0
        held: dict[tuple[str, str], set[str] | None] = dict(self.held)
        for ticket_id, agent in self.holder.items():
            if agent is None:
                continue
            if agent not in held:
                state = run(partial(agents.get, *agent))
                held[agent] = set(state.open_tickets) if state is not None else None
            tickets = held[agent]
            if tickets is not None and ticket_id not in tickets:  # (no roster item: nothing to hold)
                run(partial(agents.holds, *agent, ticket_id))
                tickets.add(ticket_id)
                repaired += 1
        for agent, tickets in self.held.items():
            for ticket_id in sorted(tickets):
                if ticket_id in self.holder:
                    should = self.holder[ticket_id]
                else:
                    found = ticket(ticket_id)
                    if found is not None and now - found.updated_at <= GRACE:
                        continue
                    should = holder(found.status.value, found.team, found.assignee) if found else None
                if should != agent:
                    run(partial(agents.released, *agent, ticket_id))
                    repaired += 1
        return repaired


def _live(ticket: Ticket | None) -> set[str]:
    """The refs of a ticket's messages that are not deleted."""
    return {m.ref for m in ticket.messages if not m.deleted} if ticket else set()


def _counted(ticket: Ticket | None) -> tuple[set[str], datetime] | None:
    """The replies a ticket's running clock counted and when it started (None: no clock runs, so
    nothing a late completion could stop); a reply sent before the clock started is not its answer."""
    if ticket is None or ticket.response is None:
        return None
    return set(ticket.delivered_replies), ticket.response.started_at


def _older(stamp: Any, now: datetime) -> bool:
    if not stamp:
        return True
    return now - datetime.fromisoformat(str(stamp)) > GRACE


def _stamp(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _recently_delivered(reply: dict[str, Any], now: datetime) -> bool:
    sent_at = reply.get("sent_at")
    return (
        reply.get("status") == "sent"
        and reply.get("kind", "reply") != "survey"
        and bool(sent_at)
        and GRACE < now - datetime.fromisoformat(str(sent_at)) < DELIVERED_LOOKBACK
    )


def _stuck(reply: dict[str, Any], now: datetime) -> bool:
    status = reply.get("status")
    if status == "queued":
        return _older(reply.get("created_at"), now)
    if status == "sending":
        lease = reply.get("lease_until")
        return not lease or datetime.fromisoformat(str(lease)) < now
    if status in ("failed", "unknown"):
        return bool(reply.get("retryable")) and _older(reply.get("last_attempt_at"), now)
    return False
