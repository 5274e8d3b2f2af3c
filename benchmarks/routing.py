"""Routing cost: every AWS call of the whole route, webhook → stream → dispatch → route-mention → ticket
→ outbox, counted on the local stack and priced component by component (benchmarks/costs.py).

Mentions go in through the webhook (HTTP API → Lambda) as real-shaped X Activity API deliveries
(the recorded ``post.mention.create`` sample, one airline tweet's text each), are stored, flow
through the stream to dispatch, through the real route-mention ASL (moto) to a ticket, and through
the outbox (audit events, notifications). Deliveries arrive in bursts of the dispatch mapping's
``BatchSize`` (busy traffic: each stream batch is full); the fixed cost of a batch is printed too.

``ROUTING_PARAMETERS`` overrides template parameters for the run, e.g.
``ROUTING_PARAMETERS=RawPayloadRetentionDays=0`` prices a desk that keeps no raw payloads.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import random
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TWEETS = SHARED / "datasets" / "airline" / "Tweets.csv"
SAMPLE = SHARED / "platforms" / "samples" / "x-xaa_post-mention_1.json"
MENTIONS = 200


def _texts(n: int) -> list[str]:
    if TWEETS.is_file():
        with TWEETS.open(encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["tweet_id"]) % 2 == 1]
        random.Random(7).shuffle(rows)
        return [r["text"] for r in rows[:n]]
    return [f"@SkyHighAir flight {i} delayed again, no answer on the phone" for i in range(n)]


def delivery(i: int, text: str) -> dict[str, Any]:
    """One X Activity API mention delivery, shaped as the recorded sample, for tweet ``i``."""
    if SAMPLE.is_file():
        payload = copy.deepcopy(json.loads(SAMPLE.read_text()))
    else:  # the sample's essentials
        payload = {
            "data": {
                "event_type": "post.mention.create",
                "filter": {"user_id": "1111111111111111111"},
                "payload": {"author_id": "2", "id": "1", "text": ""},
                "includes": {"users": [{"id": "2", "username": "u"}], "tweets": []},
            }
        }
    data = payload["data"]
    tweet_id, author = str(2_080_765_813_578_191_303 + i), str(3_000_000_000 + i)
    data["event_uuid"] = tweet_id
    post = data["payload"]
    post.update({"id": tweet_id, "conversation_id": tweet_id, "author_id": author, "text": text})
    post["edit_history_tweet_ids"] = [tweet_id]
    includes = data.get("includes") or {}
    for user in includes.get("users", []):
        if user.get("id") == "2222222222222222222":
            user.update({"id": author, "username": f"flyer{i}", "name": f"Flyer {i}"})
    includes["tweets"] = [dict(post)]
    return payload


def parameter_overrides(spec: str) -> dict[str, str]:
    """``Name=value,Name=value`` (``ROUTING_PARAMETERS``) as template parameter overrides."""
    pairs = [part.partition("=") for part in spec.split(",") if part.strip()]
    if any(not sep or not name.strip() for name, sep, _ in pairs):
        raise SystemExit(f"ROUTING_PARAMETERS: expected Name=value[,Name=value], got {spec!r}")
    return {name.strip(): value.strip() for name, _, value in pairs}


def measure(
    n: int | None = None, parameters: dict[str, str] | None = None
) -> tuple[Any, int, dict[str, Any]]:
    """Route ``n`` mentions end to end under the cost meter; return (meter, mentions, run facts)."""
    from benchmarks.costs import Meter
    from local.gateway import LocalGateway
    from local.stack import LocalStack
    from tests.support.platforms import post_x

    n = n or MENTIONS
    stack = LocalStack(parameter_overrides=parameters)
    gateway = LocalGateway(stack)
    mapping = next(m for m in stack.stream_mappings() if m["function"] == "DispatchFunction")
    burst = int(mapping.get("BatchSize", 25))
    meter = Meter(stack)
    texts = _texts(n + 1)
    meter.install()
    try:
        gateway.request("GET", "/webhooks/x?crc_token=warm-up-token")
        assert post_x(gateway, delivery(n, texts[n])).status == 200  # warm: services, policy, model
        stack.pump(timeout=600)
        meter.reset()
        bodies = 0
        for i, text in enumerate(texts[:n]):
            body = delivery(i, text)
            bodies += len(json.dumps(body))
            assert post_x(gateway, body).status == 200
            if i % burst == burst - 1:
                stack.pump(timeout=600)
        stack.pump(timeout=600)
    finally:
        meter.uninstall()
        stack.close()
    return meter, n, {"burst": burst, "body_bytes": bodies / n}


def main() -> None:
    """Print calls per mention by function and the cost table per million mentions."""
    from benchmarks.costs import CALL_MS, bill, print_bill

    parameters = parameter_overrides(os.environ.get("ROUTING_PARAMETERS", ""))
    meter, n, facts = measure(parameters=parameters)
    tally = meter.tally
    print(
        f"== Routing: {n} airline tweets as X deliveries ({facts['body_bytes'] / 1024:.1f} KB each), "
        f"in bursts of {facts['burst']} (the dispatch BatchSize)"
        + (f"; template parameters {parameters}" if parameters else "")
    )
    for function, calls in sorted(tally.calls_by_function.items()):
        detail = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(calls.items()))
        print(f"  {function:20s} {tally.invocations[function] / n:5.3f} invocations/mention; calls: {detail}")
    print(f"  Step Functions executions per mention: {tally.executions / n:.3f}")
    print("  table writes per mention (item kind, operation: writes, mean item size):")
    for what, count in tally.writes.most_common():
        print(f"    {what:32s} {count / n:5.2f}  {tally.write_bytes[what] / count:6.0f} B")
    print(
        f"== AWS cost per million routed mentions (us-east-1 list prices, {meter.architecture}, "
        f"LogLevel {meter.log_level}; benchmarks/costs.py)"
    )
    lines = bill(meter, n)
    print_bill(lines)
    print(f"  assumed call latencies (ms): {CALL_MS}")
