"""Replay figures: real tweets through the served local desk from concurrent clients (figures only).

The desk is the one ``make serve`` runs (:func:`local.serve.desk`, the same HTTP server and the same
background loop: stream pump and schedules), served on 127.0.0.1 in this process, unseeded. Each of
``REPLAY_CLIENTS`` clients (default 4) sends signed X webhook deliveries, one tweet each, over its own
keep-alive connection, as fast as the desk acknowledges them, or paced at ``REPLAY_RATE`` tweets per
second in all (the latency of a desk that keeps up, rather than of its backlog). The tweets are
``REPLAY_TWEETS`` (default 5,000) real inbound tweets, airline and TWCS alternately, read at run time:
the airline set from ``../shared/datasets`` (the suite says so and stops when it is absent), TWCS
from its three CSVs there when all are present, otherwise the 1,806 TWCS inbound tweets labelled in
``benchmarks/data`` (``twcs_labelled.jsonl``, ``twcs_train.jsonl``; airline tweets make up the rest
of the count once they run out). Each is stamped with the time it is sent, so the desk sees live
traffic.

Printed: the TWCS source and how many tweets of each kind were sent, webhook ack p50/p99 (request
sent → 200 read), webhook → ticket in its queue p50/p99 (request sent → the stream record of the
mention attached to its ticket, which the router writes after the ticket: the ticket's queue keys
are written by then), throughput, and the process's peak RSS (server and clients share it; the
clients hold a few MB). Every tweet must end on a ticket that is in a queue; the ones that do not
are counted and named.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import http.client
import json
import os
import resource
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local import devsecrets
from local.make_events import BRAND_X_ID

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
AIRLINE = DATASETS / "airline" / "Tweets.csv"
TWCS = (
    DATASETS / "twcs" / "twcs_head_monalisapatra26.csv",
    DATASETS / "twcs" / "twcs_kaggle_sample.csv",
    DATASETS / "twcs" / "twcs_spotifycares_inbound_stepanaromanov.csv",
)
#: the TWCS inbound tweets labelled in this repository (no author ids), used when the CSVs are absent
TWCS_LABELLED = (
    Path(__file__).resolve().parent / "data" / "twcs_labelled.jsonl",
    Path(__file__).resolve().parent / "data" / "twcs_train.jsonl",
)
#: how long the desk may take to route the last tweet after its ack before the run counts it unrouted
SETTLE_SECONDS = 300.0


@dataclass(frozen=True)
class Tweet:
    """One real inbound tweet: its id, its author, its text and its data set (airline or TWCS)."""

    tweet_id: str
    user_id: str
    handle: str
    text: str
    kind: str = "airline"


@dataclass
class ReplayResult:
    """What one replay measured (seconds unless named otherwise)."""

    tweets: int
    clients: int
    #: tweets per second offered in all (None: each client sends its next as soon as it is acknowledged)
    rate: float | None = None
    acks: list[float] = field(default_factory=list)
    in_queue: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    sending_seconds: float = 0.0
    not_in_queue: list[str] = field(default_factory=list)
    #: tweets sent, by data set (airline, TWCS)
    sent: Counter[str] = field(default_factory=Counter)
    teams: Counter[str] = field(default_factory=Counter)
    rss_start_mb: float = 0.0
    rss_peak_mb: float = 0.0
    #: process CPU seconds (user + system) from the first request to the last tweet in its queue
    cpu_seconds: float = 0.0
    #: AWS calls the functions made, by service and operation
    calls: Counter[str] = field(default_factory=Counter)


def _stable_id(text: str) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest()[:12], 16))


def _airline() -> Iterator[Tweet]:
    with AIRLINE.open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            yield Tweet(row["tweet_id"], _stable_id(row["name"]), row["name"], row["text"])


def _twcs_id(tweet_id: str) -> str:
    """TWCS ids are small integers: keep them apart from the airline set's."""
    return str(10**17 + int(tweet_id))


def _twcs_csv() -> Iterator[Tweet]:
    seen: set[str] = set()
    for path in TWCS:
        with path.open(newline="", encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                if row.get("inbound") != "True" or row["tweet_id"] in seen:
                    continue
                seen.add(row["tweet_id"])
                yield Tweet(
                    _twcs_id(row["tweet_id"]), row["author_id"], f"u{row['author_id']}", row["text"], "TWCS"
                )


def _twcs_labelled() -> Iterator[Tweet]:
    """The labelled TWCS tweets; each gets an author of its own, derived from its id (they carry none)."""
    seen: set[str] = set()
    for path in TWCS_LABELLED:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if row["tweet_id"] in seen:
                    continue
                seen.add(row["tweet_id"])
                user = _stable_id(f"twcs:{row['tweet_id']}")
                yield Tweet(_twcs_id(row["tweet_id"]), user, f"u{user}", row["text"], "TWCS")


def _twcs_csvs_present() -> bool:
    return all(path.is_file() for path in TWCS)


def twcs_source() -> str:
    """Where the TWCS tweets come from: its three CSVs when all are present, else the labelled sets."""
    if _twcs_csvs_present():
        return f"{len(TWCS)} CSVs in {TWCS[0].parent}"
    return " + ".join(path.name for path in TWCS_LABELLED) + " (benchmarks/data)"


def real_tweets(count: int) -> list[Tweet] | None:
    """``count`` real inbound tweets, airline and TWCS alternately; None when the airline set is absent.

    TWCS comes from its CSVs when all three are present, else from the labelled sets
    (:func:`twcs_source`); airline tweets make up the count when TWCS runs out.
    """
    if not AIRLINE.is_file():
        return None
    airline = _airline()
    twcs = _twcs_csv() if _twcs_csvs_present() else _twcs_labelled()
    tweets: list[Tweet] = []
    while len(tweets) < count:
        pair = [t for t in (next(airline, None), next(twcs, None)) if t is not None]
        if not pair:
            break
        tweets.extend(pair)
    return tweets[:count]


def delivery(tweet: Tweet, at: datetime) -> bytes:
    """An X Account Activity delivery of ``tweet`` to the desk's brand account, created ``at``."""
    status = {
        "id_str": tweet.tweet_id,
        "text": tweet.text,
        "created_at": at.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "timestamp_ms": str(int(at.timestamp() * 1000)),
        "user": {"id_str": tweet.user_id, "screen_name": tweet.handle, "followers_count": 100},
        "lang": "en",
    }
    return json.dumps({"for_user_id": BRAND_X_ID, "tweet_create_events": [status]}).encode()


def _client(
    port: int,
    tweets: Iterator[tuple[int, Tweet]],
    lock: threading.Lock,
    result: ReplayResult,
    sent: dict[str, float],
    schedule: Any,
) -> None:
    from socialdesk.channels.x.signature import sign

    secret = devsecrets.value("X_CONSUMER_SECRET")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        with lock:
            index, tweet = next(tweets, (0, None))
        if tweet is None:
            connection.close()
            return
        due = schedule(index)
        if due > time.time():  # paced: the tweet's turn has not come yet
            time.sleep(due - time.time())
        started = time.time()
        body = delivery(tweet, datetime.fromtimestamp(started, UTC))
        headers = {"content-type": "application/json", "x-twitter-webhooks-signature": sign(secret, body)}
        connection.request("POST", "/webhooks/x", body, headers)
        response = connection.getresponse()
        response.read()
        acked = time.time()
        with lock:
            sent[tweet.tweet_id] = started
            result.acks.append(acked - started)
            result.statuses[response.status] += 1
            result.sent[tweet.kind] += 1


class _Attachments:
    """Reads the table's stream in-process: when each mention was attached to its ticket."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.position = 0
        self.at: dict[str, tuple[float, str]] = {}

    def read(self) -> None:
        from moto.dynamodb.models import dynamodb_backends

        from local import moto_patches

        table_name = self.stack.environment["TABLE_NAME"]
        with moto_patches.LOCK:
            shard = dynamodb_backends["123456789012"]["us-east-1"].get_table(table_name).stream_shard
            records = [r.record for r in shard.items[self.position :]]
        self.position += len(records)
        for record in records:
            stream = record["dynamodb"]
            pk = stream["Keys"]["PK"]["S"]
            new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
            if pk.startswith("MENTION#x#") and "ticket_id" in new and "ticket_id" not in old:
                moment = stream["ApproximateCreationDateTime"].replace(tzinfo=UTC).timestamp()
                self.at.setdefault(pk.removeprefix("MENTION#x#"), (moment, new["ticket_id"]["S"]))

    def queue_of(self, ticket_id: str) -> tuple[str | None, str | None]:
        """The ticket's queue partition and team, read in-process."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        from local import moto_patches

        table_name = self.stack.environment["TABLE_NAME"]
        with moto_patches.LOCK:
            table = dynamodb_backends["123456789012"]["us-east-1"].get_table(table_name)
            item = table.get_item(DynamoType({"S": f"TICKET#{ticket_id}"}), DynamoType({"S": "TICKET"}))
            attrs = item.to_json()["Attributes"] if item is not None else {}
        return (attrs.get("queue_pk") or {}).get("S"), (attrs.get("team") or {}).get("S")


def _count_calls(calls: Counter[str]) -> Any:
    """Count the functions' AWS calls into ``calls``; returns the function that stops counting."""
    import boto3

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}.{model.name}"] += 1

    boto3.DEFAULT_SESSION.events.register("before-parameter-build", count, unique_id="replay-calls")  # type: ignore[union-attr]
    return lambda: boto3.DEFAULT_SESSION.events.unregister(  # type: ignore[union-attr]
        "before-parameter-build", unique_id="replay-calls"
    )


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def replay(tweets: list[Tweet], clients: int = 4, rate: float | None = None) -> ReplayResult:
    """Serve the desk, send ``tweets`` from ``clients`` connections, wait until every one is routed.

    ``rate``: tweets per second offered in all (the i-th is sent no earlier than i / rate seconds in);
    None sends each as soon as a client is free.
    """
    from local.serve import background, desk, make_server

    result = ReplayResult(tweets=len(tweets), clients=clients)
    with desk() as (gateway, _):
        stack = gateway.stack
        server = make_server(gateway, 0, log=False, yield_to_routing=True)
        port = server.server_address[1]
        stop = threading.Event()
        threads = [
            threading.Thread(target=server.serve_forever, daemon=True, name="replay-server"),
            threading.Thread(target=background, args=(stack, stop), daemon=True, name="replay-background"),
        ]
        for thread in threads:
            thread.start()
        attachments = _Attachments(stack)
        result.rss_start_mb = _rss_mb()
        sent: dict[str, float] = {}
        lock = threading.Lock()
        source = iter(enumerate(tweets))
        counting = _count_calls(result.calls)
        cpu = time.process_time()
        began = time.time()

        def schedule(index: int) -> float:
            return began + index / rate if rate else 0.0

        result.rate = rate
        senders = [
            threading.Thread(
                target=_client, args=(port, source, lock, result, sent, schedule), name=f"replay-client-{i}"
            )
            for i in range(clients)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        result.sending_seconds = time.time() - began
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            attachments.read()
            if all(tweet.tweet_id in attachments.at for tweet in tweets):
                break
            time.sleep(0.05)
        result.cpu_seconds = time.process_time() - cpu
        counting()
        stop.set()
        server.shutdown()
        server.server_close()
        threads[1].join(timeout=SETTLE_SECONDS)  # the background loop finishes its pump first
        _collect(result, tweets, attachments, sent, began)
        result.rss_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _collect(
    result: ReplayResult, tweets: list[Tweet], attachments: _Attachments, sent: dict[str, float], began: float
) -> None:
    """Each tweet's time to its queue, the teams, the ones not in a queue, and the run's length."""
    last = began
    for tweet in tweets:
        found = attachments.at.get(tweet.tweet_id)
        if found is None:
            result.not_in_queue.append(tweet.tweet_id)
            continue
        moment, ticket_id = found
        queue, team = attachments.queue_of(ticket_id)
        if queue is None:
            result.not_in_queue.append(tweet.tweet_id)
            continue
        result.teams[team or "-"] += 1
        result.in_queue.append(moment - sent[tweet.tweet_id])
        last = max(last, moment)
    result.seconds = last - began


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(values: list[float]) -> str:
    """p50 and p99 of ``values`` (seconds) in milliseconds."""
    return f"p50 {_quantile(values, 0.5) * 1000:7.1f} ms   p99 {_quantile(values, 0.99) * 1000:7.1f} ms"


def report(result: ReplayResult) -> list[str]:
    """The figures, one line each."""
    routed = len(result.in_queue)
    statuses = ", ".join(f"{status} x{n}" for status, n in sorted(result.statuses.items()))
    missing = ", ".join(result.not_in_queue[:5]) + (" …" if len(result.not_in_queue) > 5 else "")
    slowest = max(result.in_queue, default=float("nan")) * 1000
    return [
        f"tweets {result.tweets} (sent: "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(result.sent.items()))
        + f"), {result.clients} concurrent clients "
        f"{f'offering {result.rate:g}/s in all' if result.rate else 'sending as fast as acknowledged'}, "
        f"load average {os.getloadavg()[0]:.2f} at the end",
        f"webhook ack        {_ms(result.acks)}   (HTTP {statuses})",
        f"webhook → in queue {_ms(result.in_queue)}   max {slowest:.0f} ms",
        f"throughput         {result.tweets / result.sending_seconds:7.1f} acks/s over "
        f"{result.sending_seconds:.1f} s; {routed / result.seconds if result.seconds else 0:.1f} tweets/s "
        f"in their queues, the last {result.seconds:.1f} s after the first was sent",
        f"in a queue         {routed} of {result.tweets}" + (f" (not: {missing})" if missing else ""),
        f"peak RSS           {result.rss_peak_mb:.0f} MB (after start-up {result.rss_start_mb:.0f} MB; "
        "one process: the desk and its clients)",
        f"CPU                {result.cpu_seconds / max(1, result.tweets) * 1000:.1f} ms per tweet "
        f"(process, all threads; {result.cpu_seconds:.1f} s)",
        "AWS calls / tweet  "
        + ", ".join(f"{name} {n / max(1, result.tweets):.2f}" for name, n in result.calls.most_common(8)),
        "teams              " + ", ".join(f"{team} {n}" for team, n in result.teams.most_common()),
    ]


def main() -> None:
    """Print the replay figures (REPLAY_TWEETS, REPLAY_CLIENTS, REPLAY_RATE)."""
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # as make serve runs its functions
    count = int(os.environ.get("REPLAY_TWEETS") or 5000)
    clients = int(os.environ.get("REPLAY_CLIENTS") or 4)
    rate = float(os.environ.get("REPLAY_RATE") or 0) or None
    print(f"\n== replay: {count} real tweets through the served local desk ({clients} clients)")
    tweets = real_tweets(count)
    if tweets is None:
        print(f"   skipped: the airline data set is absent ({AIRLINE})")
        return
    print(f"   TWCS tweets from {twcs_source()}")
    # the functions' metric lines (powertools prints every 100 values, disabled or not)
    with open(os.devnull, "w", encoding="utf-8") as quiet, contextlib.redirect_stdout(quiet):
        result = replay(tweets, clients, rate)
    for line in report(result):
        print("   " + line)
