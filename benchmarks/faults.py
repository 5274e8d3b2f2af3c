"""The fault suite: issue 12's faults injected into the local stack, and what they did, counted.

A *faulted* desk and a *control* desk get the same day — customers tweeting and DMing (some twice in
one conversation), some deleting a tweet, escalation running for six hours, agents replying — the
faulted one with 10% of its functions' DynamoDB, Step Functions, SNS, S3 and SQS attempts throttled
and every webhook delivery the desk does not acknowledge redelivered up to 3 times (as the
platforms do). "Nothing lost, nothing twice" means the faulted desk ends exactly as the control desk
does; every row counts a way it could differ. Targeted scenarios put one fault at one precise point
(the write recording "sent" fails after the platform accepted; the platform accepts and the
connection times out).

``make faults`` prints the table at full size; ``tests/integration/test_fault_suite.py`` runs it small
in ``make test`` and asserts every row is 0. Retry waits are compressed (:func:`compressed_backoff`):
the counts, not the waits, are what is measured.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local import platforms as fake
from local.faults import FailedCalls, ThrottledAttempts, compressed_backoff
from local.gateway import LocalGateway
from local.stack import LocalStack
from local.token import mint
from socialdesk import bootstrap
from socialdesk.dal.items import from_attributes
from tests.support.archive import archived

BRAND = "1500000000000000001"
BASE_ID = 1795424400000000000
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOTIFIED = ["TicketRouted", "TicketEscalated", "IncidentOpened", "TicketReassigned"]
COMPLAINTS = [
    "@SkyHighAir flight SH{n} cancelled and nobody answers the phone, I want a refund",
    "@SkyHighAir my bag never arrived on SH{n}, three days now, where is it?",
    "@SkyHighAir charged twice for my seat on SH{n}, please fix this",
    "@SkyHighAir the crew on SH{n} was rude to my mother, unacceptable",
    "@SkyHighAir SH{n} delayed 5 hours and no food vouchers. Worst airline",
    "@SkyHighAir how do I change the name on booking SH{n}? App keeps failing",
]


@dataclass(frozen=True)
class Row:
    """One line of the table: how many of how many went wrong."""

    what: str
    count: int
    of: int


@dataclass
class Day:
    """The scripted input both desks get."""

    customers: int
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    replies: list[int] = field(default_factory=list)  # customers an agent answers

    @classmethod
    def of(cls, messages: int, replies: int) -> Day:
        """``messages`` customer messages: a third of the customers write twice, every fifth one by DM."""
        customers = max(1, (messages * 3) // 4)
        day = cls(customers=customers)
        for n in range(messages):
            customer, second = (n, False) if n < customers else ((n - customers) * 3 % customers, True)
            minute = (n * 50) // max(1, messages)
            text = COMPLAINTS[customer % len(COMPLAINTS)].format(n=100 + customer)
            if second:
                text = f"@SkyHighAir still waiting on this ({n})"
            if customer % 5 == 4:
                day.deliveries.append(_dm(n, customer, text, minute))
            else:
                day.deliveries.append(
                    _tweet(n, customer, text, minute, reply_to=customer if second else None)
                )
        day.deletes = [_delete(n, customer=n) for n in range(customers) if n % 7 == 3 and n % 5 != 4]
        day.replies = [c for c in range(customers) if c % 5 != 4 and c % 7 != 3][:replies]
        return day


def _user(customer: int) -> dict[str, Any]:
    return {"id_str": str(9_000_000 + customer), "screen_name": f"c{customer}", "followers_count": 120}


def _tweet(n: int, customer: int, text: str, minute: int, reply_to: int | None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "id_str": str(BASE_ID + n),
        "text": text,
        "created_at": f"Mon Nov 23 09:{minute:02d}:00 +0000 2026",
        "timestamp_ms": str(int((MORNING + timedelta(minutes=minute)).timestamp() * 1000)),
        "user": _user(customer),
        "favorite_count": 0,
        "retweet_count": 0,
    }
    if reply_to is not None:
        status["in_reply_to_status_id_str"] = str(BASE_ID + reply_to)
    return {"for_user_id": BRAND, "tweet_create_events": [status]}


def _dm(n: int, customer: int, text: str, minute: int) -> dict[str, Any]:
    sender = str(9_000_000 + customer)
    return {
        "for_user_id": BRAND,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": str(BASE_ID + n),
                "created_timestamp": str(int((MORNING + timedelta(minutes=minute)).timestamp() * 1000)),
                "message_create": {
                    "target": {"recipient_id": BRAND},
                    "sender_id": sender,
                    "message_data": {"text": text},
                },
            }
        ],
        "users": {
            sender: {"id": sender, "screen_name": f"c{customer}", "name": f"C {customer}"},
            BRAND: {"id": BRAND, "screen_name": "SkyHighAir", "name": "SkyHigh"},
        },
    }


def _delete(n: int, customer: int) -> dict[str, Any]:
    return {
        "for_user_id": BRAND,
        "tweet_delete_events": [
            {
                "status": {"id": str(BASE_ID + n), "user_id": str(9_000_000 + customer)},
                "timestamp_ms": str(int((MORNING + timedelta(hours=1)).timestamp() * 1000)),
            }
        ],
    }


# -- running a desk ------------------------------------------------------------------------------------
@contextlib.contextmanager
def desk() -> Iterator[tuple[LocalGateway, fake.FakePlatforms]]:
    """A fresh local stack whose replies go to a local platform server."""
    with fake.FakePlatforms() as platforms:
        stack = LocalStack.replying_to(platforms)
        try:
            yield LocalGateway(stack), platforms
        finally:
            stack.close()


@contextlib.contextmanager
def clock_at(moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """Set the functions' clock; yields a setter."""
    original = bootstrap.clock
    now = [moment]
    bootstrap.clock = lambda: now[0]
    try:
        yield lambda value: now.__setitem__(0, value)
    finally:
        bootstrap.clock = original


def _post_x(gateway: LocalGateway, payload: dict[str, Any], redeliveries: int) -> int:
    """Deliver as X does: an unacknowledged delivery is sent again (up to ``redeliveries`` times)."""
    import base64
    import hashlib
    import hmac

    from local import devsecrets

    body = json.dumps(payload).encode()
    secret = devsecrets.value("X_CONSUMER_SECRET").encode()
    signature = "sha256=" + base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    status = 0
    for _ in range(redeliveries + 1):
        status = gateway.request(
            "POST",
            "/webhooks/x",
            {"content-type": "application/json", "x-twitter-webhooks-signature": signature},
            body,
        ).status
        if status == 200:
            break
    return status


def _reply(gateway: LocalGateway, ticket_id: str, key: str, patience: float = 30.0) -> int:
    """An agent's reply, sent again under the same idempotency key while its outcome is unknown.

    As the console's ``Api.postOnce`` does: a 503 (the reply may be recorded already) or a 409
    "in_progress" (an earlier attempt still holds the key) is repeated with backoff for up to
    ``patience`` seconds.
    """
    headers = {
        "authorization": f"Bearer {mint([], 'admin', 'agent-1')}",
        "content-type": "application/json",
        "idempotency-key": key,
    }
    body = json.dumps({"text": f"Sorry about this, we are on it ({key})"}).encode()
    deadline = time.monotonic() + patience
    delay = 0.5
    while True:
        response = gateway.request("POST", f"/tickets/{ticket_id}/replies", headers, body)
        if os.environ.get("FAULTS_DEBUG"):
            print("reply", ticket_id, key, response.status, response.body[:200], file=sys.stderr)
        unknown = response.status == 503 or response.json().get("error") == "in_progress"
        if not unknown or time.monotonic() + delay > deadline:
            return response.status
        time.sleep(delay)
        delay = min(delay * 2, 4.0)


@dataclass
class Outcome:
    """What a desk ended with, read from its table, its subscribers and the platform server."""

    accepted: set[str]
    items: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    posts: Counter[str]
    leftover_payloads: int
    drifted: int
    confirmed_replies: set[str]

    def of(self, entity: str) -> list[dict[str, Any]]:
        """Every item of one entity type."""
        return [i for i in self.items if i.get("entity") == entity]

    @property
    def tickets(self) -> dict[str, dict[str, Any]]:
        """Tickets by id."""
        return {t["ticket_id"]: t for t in self.of("ticket")}

    def events(self) -> dict[str, list[dict[str, Any]]]:
        """Each ticket's audit trail."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in self.of("ticket_event"):
            trail = found[item["PK"].removeprefix("TICKET#")]
            if "events" not in item:  # one item per event (earlier versions)
                trail.append(item)
                continue
            base = {k: v for k, v in item.items() if k != "events"}
            for n, event in enumerate(item["events"]):  # one item per change: its events, in order
                trail.append({**base, **event, "SK": f"EVENT#{int(item['version']):010d}#{n:02d}"})
        return found


#: the two ways AWS calls fail: an attempt throttled (the SDK retries it), a call failed for good
#: (the SDK's retries spent, as in a sustained throttling burst or a service outage)
MODELS = {
    "attempts": "10% of attempts throttled (the SDK retries them)",
    "calls": "10% of calls failed after the SDK's retries",
}


def run_day(day: Day, *, rate: float, model: str = "calls", seed: int = 7) -> Outcome:
    """Run ``day`` on a fresh desk with ``rate`` of the functions' attempts (or calls) failing."""
    with desk() as (gateway, platforms), clock_at(MORNING) as set_clock, compressed_backoff():
        stack = gateway.stack
        feed = stack.subscribe_queue("fault-suite-feed", NOTIFIED)
        faults: ThrottledAttempts | FailedCalls = (
            FailedCalls.at_rate(rate, seed=seed) if model == "calls" else ThrottledAttempts(rate, seed=seed)
        )
        faults.install_functions()
        accepted: set[str] = set()
        confirmed: set[str] = set()
        with contextlib.redirect_stdout(io.StringIO()):
            for payload in day.deliveries:
                events = payload.get("tweet_create_events") or payload.get("direct_message_events")
                ref = str(events[0].get("id_str") or events[0].get("id"))
                if _post_x(gateway, payload, redeliveries=3) == 200:
                    accepted.add(ref)
                stack.pump()
            # agents answer 40 minutes in, ahead of the first deadlines: a reply the API could not
            # finish goes out on its delayed check (30 s on the retry queue; while a dead sender's 60 s
            # lease holds, the queue's next receive 120 s later), which the desk's minutes below run.
            # The suite counts lost and doubled effects; a retry's minutes of latency are not one.
            set_clock(MORNING + timedelta(minutes=40))
            tickets = _tickets_by_customer(stack)
            for customer in day.replies:
                ticket_id = tickets.get(str(9_000_000 + customer))
                if ticket_id and _reply(gateway, ticket_id, f"reply-{customer}") in (200, 201, 202):
                    confirmed.add(ticket_id)
            for minute in range(41, 60):
                set_clock(MORNING + timedelta(minutes=minute))
                stack.pump()
            set_clock(MORNING + timedelta(hours=1))
            for payload in day.deletes:
                _post_x(gateway, payload, redeliveries=3)
            stack.pump()
            for minutes in range(60, 7 * 60, 10):  # escalation, every 10 minutes for six hours
                moment = MORNING + timedelta(minutes=minutes)
                set_clock(moment)
                stack.tick(moment)
                stack.pump()
            faults.enabled = False  # the burst ends; the schedules' next run catches up what it left
            stack.tick(moment)
            stack.pump()
        return Outcome(
            accepted=accepted,
            items=_scan(stack),
            notifications=_drain(stack, feed),
            posts=_posts(platforms),
            leftover_payloads=len(archived(stack)),  # the raw archive: table items and bucket objects
            drifted=_drifted(stack),
            confirmed_replies=confirmed,
        )


def _scan(stack: LocalStack) -> list[dict[str, Any]]:
    """Every item as plain Python (a ticket's packed fields unpacked, as its readers see it)."""
    from socialdesk.dal.tickets import ticket_image

    client, table = stack.client("dynamodb"), stack.environment["TABLE_NAME"]
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in map(from_attributes, page["Items"]):
            items.append(ticket_image(item) if item.get("entity") == "ticket" else item)
    return items


def _drain(stack: LocalStack, url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _posts(platforms: fake.FakePlatforms) -> Counter[str]:
    """Replies the platform accepted, by the message they answer (tweet) or the customer (DM)."""
    posts: Counter[str] = Counter()
    for request in platforms.requests:
        if request.method != "POST":
            continue
        if request.path.endswith("/2/tweets"):
            posts[str(((request.body or {}).get("reply") or {}).get("in_reply_to_tweet_id"))] += 1
        elif request.path.endswith("/messages") and "/dm_conversations/with/" in request.path:
            posts[f"dm:{request.path.split('/with/')[1].split('/')[0]}"] += 1
    return posts


def _tickets_by_customer(stack: LocalStack) -> dict[str, str]:
    return {
        str((t.get("customer") or {}).get("id")): str(t["ticket_id"])
        for t in _scan(stack)
        if t.get("entity") == "ticket" and t.get("status") != "closed"
    }


def _drifted(stack: LocalStack) -> int:
    from socialdesk.dal.tickets import DynamoTicketRepository

    repository = DynamoTicketRepository(stack.client("dynamodb"), stack.environment["TABLE_NAME"])
    return sum(repository.index_drift(i) for i in _scan(stack) if i.get("entity") == "ticket")


# -- comparing -----------------------------------------------------------------------------------------
def compare(control: Outcome, faulted: Outcome, day: Day) -> list[Row]:
    """Every way the faulted desk ended differently from the control desk."""
    tickets, reference = faulted.tickets, control.tickets
    mentions = {m["external_id"]: m for m in faulted.of("mention")}
    lost = [r for r in faulted.accepted if not (mentions.get(r) or {}).get("ticket_id")]
    by_conversation: Counter[str] = Counter(
        f"{t['channel']}:{(t.get('customer') or {}).get('id')}"
        for t in tickets.values()
        if not t.get("merged_into")
    )
    changed = [
        tid
        for tid, ref in reference.items()
        if tid not in tickets
        or (tickets[tid].get("team"), tickets[tid].get("priority"), tickets[tid].get("status"))
        != (ref.get("team"), ref.get("priority"), ref.get("status"))
    ]
    triaged = [t for t in tickets.values() if t.get("team") == "triage"]
    events, reference_events = faulted.events(), control.events()

    def counts(trail: dict[str, list[dict[str, Any]]], kind: str) -> Counter[str]:
        return Counter({tid: sum(e["type"] == kind for e in found) for tid, found in trail.items()})

    routed, reference_routed = counts(events, "TicketRouted"), counts(reference_events, "TicketRouted")
    escalated = counts(events, "TicketEscalated")
    expected_keys = {
        f"{e['type']}:{tid}:{int(e['version'])}:{int(e['SK'].rsplit('#', 1)[1])}": e["type"]
        for tid, found in events.items()
        for e in found
        if e.get("notify") and e["type"] in NOTIFIED
    }
    received = Counter(n["idempotency_key"] for n in faulted.notifications)
    missing = [k for k in expected_keys if k not in received]
    escalation_levels = {tid: t.get("max_escalation_level", 0) for tid, t in tickets.items()}
    reference_levels = {tid: t.get("max_escalation_level", 0) for tid, t in reference.items()}
    if os.environ.get("FAULTS_DEBUG"):
        for tid in changed + [
            t for t, level in reference_levels.items() if escalation_levels.get(t) != level
        ]:
            keys = (
                "team",
                "priority",
                "status",
                "max_escalation_level",
                "first_response_at",
                "last_reply_status",
            )
            print(
                "differs",
                tid,
                {k: (tickets.get(tid, {}).get(k), reference[tid].get(k)) for k in keys},
                file=sys.stderr,
            )

    def incidents(outcome: Outcome) -> list[str]:
        return sorted(n["incident_id"] for n in outcome.notifications if n["event"] == "IncidentOpened")

    posted_twice = sum(1 for count in faulted.posts.values() if count > 1)
    confirmed_unsent = len(faulted.confirmed_replies) - sum(
        1
        for tid in faulted.confirmed_replies
        if any(r.get("status") == "sent" for r in faulted.of("reply") if r.get("ticket_id") == tid)
    )
    return [
        Row("customer messages accepted (200) but on no ticket", len(lost), len(faulted.accepted)),
        Row(
            "conversations split into two tickets",
            sum(c > 1 for c in by_conversation.values()),
            len(by_conversation),
        ),
        Row(
            "tickets whose team, priority or status differ from the control run", len(changed), len(reference)
        ),
        Row("tickets pushed into triage", len(triaged), len(tickets)),
        Row(
            "tickets with a duplicate or missing TicketRouted",
            sum(routed[t] != reference_routed[t] for t in reference_routed),
            len(reference_routed),
        ),
        Row("tickets with an index entry that disagrees with the ticket", faulted.drifted, len(tickets)),
        Row(
            "escalation levels applied but never notified",
            sum(1 for k in missing if expected_keys[k] == "TicketEscalated"),
            sum(escalated.values()),
        ),
        Row(
            "tickets whose escalation level differs from the control run",
            sum(escalation_levels.get(t) != level for t, level in reference_levels.items()),
            len(reference_levels),
        ),
        Row(
            "team notifications never published (routed, escalated, reassigned)",
            len(missing),
            len(expected_keys),
        ),
        Row(
            "incidents opened differently from the control run",
            int(incidents(faulted) != incidents(control)),
            1,
        ),
        Row("replies posted to a customer twice", posted_twice, max(1, len(faulted.posts))),
        Row(
            "replies confirmed to the agent but never sent", confirmed_unsent, len(faulted.confirmed_replies)
        ),
        Row(
            "archived payloads of deleted messages left in the archive",
            max(0, faulted.leftover_payloads - control.leftover_payloads),
            len(day.deletes),
        ),
    ]


# -- targeted faults on the reply path -----------------------------------------------------------------
def reply_faults(replies: int) -> list[Row]:
    """The platform accepts, then (a) the write recording "sent" fails, (b) the connection times out."""
    rows = []
    previous = os.environ.get("OUTBOUND_TIMEOUT_SECONDS")
    os.environ["OUTBOUND_TIMEOUT_SECONDS"] = "0.5"
    for label, arm in (
        (
            "agent reply: platform accepts, the 'sent' write fails, agent clicks again → posted twice",
            _fail_sent,
        ),
        (
            "agent reply: platform accepts, the connection times out, agent clicks again → posted twice",
            _time_out,
        ),
    ):
        with (
            desk() as (gateway, platforms),
            clock_at(MORNING),
            compressed_backoff(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            for customer in range(replies):
                _post_x(gateway, _tweet(customer, customer, COMPLAINTS[0].format(n=customer), 0, None), 3)
            gateway.stack.pump()
            tickets = _tickets_by_customer(gateway.stack)
            fired = 0
            for customer in range(replies):
                fault = arm(platforms)
                _reply(gateway, tickets[str(9_000_000 + customer)], f"r-{customer}")
                gateway.stack.pump()
                fired += fault()
            twice = sum(1 for count in _posts(platforms).values() if count > 1)
        rows.append(Row(label, twice, fired))  # "of": the faults that really fired
    if previous is None:
        os.environ.pop("OUTBOUND_TIMEOUT_SECONDS")
    else:
        os.environ["OUTBOUND_TIMEOUT_SECONDS"] = previous
    return rows


def _fail_sent(platforms: fake.FakePlatforms) -> Callable[[], int]:
    def recording_sent(service: str, operation: str, params: dict[str, Any]) -> bool:
        return operation == "UpdateItem" and '"sent"' in json.dumps(
            params.get("ExpressionAttributeValues", {})
        )

    fault = FailedCalls(recording_sent, times=1)
    fault.install_functions(("dynamodb",))
    return lambda: sum(fault.failed.values())


def _time_out(platforms: fake.FakePlatforms) -> Callable[[], int]:
    before = len(platforms.attempts)
    platforms.answer_late_next(1, seconds=1.5)  # posted; the answer arrives after the sender's timeout
    return lambda: int(len(platforms.attempts) > before)


# -- the table -----------------------------------------------------------------------------------------
def suite(
    messages: int = 300,
    replies: int = 40,
    reply_faults_count: int = 8,
    rate: float = 0.10,
    models: tuple[str, ...] = tuple(MODELS),
) -> dict[str, list[Row]]:
    """Every row, measured: per fault model, and the targeted reply faults."""
    day = Day.of(messages, replies)
    control = run_day(day, rate=0.0)
    tables = {MODELS[m]: compare(control, run_day(day, rate=rate, model=m), day) for m in models}
    tables["one fault at one point on the reply path"] = reply_faults(reply_faults_count)
    return tables


def print_table(tables: dict[str, list[Row]], seconds: float) -> None:
    """The tables, as the issue has them: every row should read 0."""
    width = max(len(r.what) for rows in tables.values() for r in rows)
    print(
        f"\n# Fault suite ({seconds:.0f} s; a delivery the desk does not acknowledge is redelivered 3 times)"
    )
    for title, rows in tables.items():
        print(f"\n## {title}\n")
        print(f"| {'what':<{width}} | {'count':>5} | {'of':>5} |")
        print(f"|{'-' * (width + 2)}|------:|------:|")
        for row in rows:
            print(f"| {row.what:<{width}} | {row.count:>5} | {row.of:>5} |")


def main() -> None:
    """``make faults``: the full-size run (``FAULT_MESSAGES`` customer messages, default 300)."""
    started = time.monotonic()
    tables = suite(messages=int(os.environ.get("FAULT_MESSAGES", "300")))
    print_table(tables, time.monotonic() - started)
    if any(r.count for rows in tables.values() for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
