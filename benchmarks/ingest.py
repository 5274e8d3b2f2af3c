"""Ingest figures: CPU per mention (verify + parse + normalise), DynamoDB calls per mention.

The webhook's cold start is measured with every other handler's in :mod:`benchmarks.cold_start`.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from local import devsecrets

BRAND = "1500000000000000001"
ROUNDS = 2000


def _tweet_delivery(i: int) -> dict[str, Any]:
    return {
        "for_user_id": BRAND,
        "tweet_create_events": [
            {
                "id_str": str(1795424400000000000 + i),
                "text": "@SkyHighAir flight SH123 cancelled, 3 hours on hold and no refund. Unacceptable!",
                "created_at": "Mon Nov 23 09:00:00 +0000 2026",
                "timestamp_ms": "1795424400000",
                "user": {"id_str": "700000000000000001", "screen_name": "flyer", "followers_count": 812},
                "favorite_count": 3,
                "retweet_count": 1,
                "lang": "en",
            }
        ],
    }


def _messenger_delivery(i: int) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": "104000000000001",
                "time": 1795424400000,
                "messaging": [
                    {
                        "sender": {"id": "2500000000000001"},
                        "recipient": {"id": "104000000000001"},
                        "timestamp": 1795424400000,
                        "message": {"mid": f"m_{i}", "text": "My bag never arrived in Lisbon, ref LIS-4411"},
                    }
                ],
            }
        ],
    }


def _generic_delivery(i: int) -> dict[str, Any]:
    return {
        "id": f"r-{i}",
        "kind": "review",
        "text": "Terrible service",
        "created_at": "2026-11-23T09:00:00Z",
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_per_mention() -> dict[str, tuple[float, float]]:
    """p50/p99 µs of verify + JSON decode + parse + normalise, per webhook, without I/O."""
    from socialdesk.channels import generic, meta, x
    from socialdesk.handlers.webhook import decode_json

    x_secret, meta_secret = devsecrets.value("X_CONSUMER_SECRET"), devsecrets.value("META_APP_SECRET")
    generic_secret = devsecrets.value("GENERIC_WEBHOOK_SECRET")

    def x_path(body: bytes, header: str) -> Any:
        x.verify_signature(x_secret, body, header)
        return x.parse_delivery(decode_json(body))

    def meta_path(body: bytes, header: str) -> Any:
        meta.verify_signature(meta_secret, body, header)
        return meta.parse_delivery(decode_json(body))

    def generic_path(body: bytes, header: str) -> Any:
        generic.verify_signature(generic_secret, body, header, now=time.time())
        return generic.parse_delivery(decode_json(body), source="reviews")

    now = int(time.time())
    cases: dict[str, tuple[Callable[[int], Any], Callable[[bytes], str], Callable[[bytes, str], Any]]] = {
        "x tweet": (_tweet_delivery, lambda b: x.sign(x_secret, b), x_path),
        "messenger dm": (_messenger_delivery, lambda b: meta.sign(meta_secret, b), meta_path),
        "generic review": (_generic_delivery, lambda b: generic.sign(generic_secret, b, now), generic_path),
    }
    figures = {}
    for name, (make, sign, run) in cases.items():
        bodies = [json.dumps(make(i), separators=(",", ":")).encode() for i in range(ROUNDS)]
        signed = [(body, sign(body)) for body in bodies]
        for body, header in signed[:200]:  # warm up
            run(body, header)
        samples = []
        for body, header in signed:
            start = time.process_time_ns()
            run(body, header)
            samples.append((time.process_time_ns() - start) / 1000)
        figures[name] = (statistics.median(samples), _percentile(samples, 0.99))
    return figures


def dynamodb_calls_per_mention() -> dict[str, float]:
    """DynamoDB API calls per mention on the acknowledgement path, counted on the real client."""
    from local.gateway import LocalGateway
    from local.stack import LocalStack
    from socialdesk.channels import meta, x
    from socialdesk.common import clients

    stack = LocalStack()
    gateway = LocalGateway(stack)
    calls: Counter[str] = Counter()
    with contextlib.redirect_stdout(io.StringIO()):
        gateway.request("GET", "/webhooks/x?crc_token=warm-up-token")  # builds the services and clients
    for service in ("dynamodb", "s3", "ssm"):
        clients.client(service).meta.events.register(
            f"before-call.{service}", lambda model, _s=service, **_: calls.update([f"{_s}:{model.name}"])
        )
    counts = {}
    n = 200
    for name, make, sign, path, header in (
        (
            "x tweet",
            _tweet_delivery,
            lambda b: x.sign(devsecrets.value("X_CONSUMER_SECRET"), b),
            "/webhooks/x",
            x.SIGNATURE_HEADER,
        ),
        (
            "messenger dm",
            _messenger_delivery,
            lambda b: meta.sign(devsecrets.value("META_APP_SECRET"), b),
            "/webhooks/meta",
            meta.SIGNATURE_HEADER,
        ),
    ):
        calls.clear()
        for i in range(n):
            body = json.dumps(make(i), separators=(",", ":")).encode()
            with contextlib.redirect_stdout(io.StringIO()):  # EMF metric lines
                response = gateway.request(
                    "POST", path, {"content-type": "application/json", header: sign(body)}, body
                )
            assert response.status == 200, response.body
        dynamo = sum(v for k, v in calls.items() if k.startswith("dynamodb:"))
        counts[name] = dynamo / n
        counts[f"{name} (all AWS calls incl. S3 archive, SSM cached)"] = sum(calls.values()) / n
    stack.close()
    return counts


def main() -> None:
    """Print the ingest figures."""
    print("== Ingest: verify + parse + normalise, CPU per delivery of one mention (process time)")
    for name, (p50, p99) in cpu_per_mention().items():
        print(f"  {name:16s} p50 {p50:8.1f} µs   p99 {p99:8.1f} µs")
    print("== Ingest: AWS calls per mention on the acknowledgement path (200 deliveries each)")
    for name, value in dynamodb_calls_per_mention().items():
        print(f"  {name:60s} {value:.2f}")
