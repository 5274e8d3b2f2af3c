"""Routing figures: AWS API calls per mention by service for the whole route, and the modelled cost.

Mentions go in through the webhook (HTTP API → Lambda), are stored, flow through the stream to
dispatch, and through the real route-mention ASL (moto) to a ticket. Every AWS API call made by
the functions and by the state machine's own service integrations is counted on boto3's default
session; the harness's own calls (stream polling, execution listing) use a separate session.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "airline" / "Tweets.csv"
MENTIONS = 100

#: public on-demand list prices, us-east-1, x86, as published by AWS (USD)
PRICES = {
    "apigw_http_per_million": 1.00,  # HTTP API, first 300M requests/month
    "lambda_request_per_million": 0.20,
    "lambda_gb_second": 0.0000166667,
    "sfn_express_request_per_million": 1.00,
    "sfn_express_gb_second": 0.00001667,  # billed in 64 MB blocks, 100 ms minimum
    "dynamodb_wru_per_million": 0.625,  # on-demand, since the Nov 2024 price cut
    "dynamodb_rru_per_million": 0.125,
    "s3_put_per_million": 5.00,  # $0.005 per 1,000 PUT
    "sns_publish_per_million": 0.50,  # publish requests (delivery to the subscriber is extra)
    "ssm_standard": 0.0,  # standard parameters, standard throughput: no charge
}
#: assumptions the price model needs (stated, not measured here)
ASSUMED = {"lambda_memory_gb": 0.5, "lambda_billed_ms": 60, "sfn_duration_ms": 400, "sfn_memory_gb": 0.0625}


def _texts(n: int) -> list[str]:
    if SHARED.is_file():
        with SHARED.open(encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if int(r["tweet_id"]) % 2 == 1]
        random.Random(7).shuffle(rows)
        return [r["text"] for r in rows[:n]]
    return [f"@SkyHighAir flight {i} delayed again, no answer on the phone" for i in range(n)]


def measure(n: int | None = None) -> tuple[Counter[str], Counter[str], int]:
    """Run ``n`` mentions end to end; return (calls by service:operation, DynamoDB units, mentions)."""
    import boto3

    n = n or MENTIONS
    from local.gateway import LocalGateway
    from local.stack import LocalStack
    from tests.support.platforms import post_x

    stack = LocalStack()
    gateway = LocalGateway(stack)
    calls: Counter[str] = Counter()
    units: Counter[str] = Counter()

    def count(params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        calls[f"{service}:{model.name}"] += 1
        if service == "dynamodb":
            if model.name == "TransactWriteItems":
                units["wru"] += 2 * len(params.get("TransactItems", []))
            elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
                units["wru"] += 2 if _in_queue_index(params) else 1
            elif model.name in ("GetItem", "Query"):
                units["rru"] += 1

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-parameter-build", count)
    texts = _texts(n)
    with contextlib.redirect_stdout(io.StringIO()):
        gateway.request("GET", "/webhooks/x?crc_token=warm-up-token")
        calls.clear()
        units.clear()
        for i, text in enumerate(texts):
            payload = {
                "for_user_id": "1500000000000000001",
                "tweet_create_events": [
                    {
                        "id_str": str(1795424400000000000 + i),
                        "text": text,
                        "created_at": "Mon Nov 23 09:00:00 +0000 2026",
                        "user": {
                            "id_str": str(10_000 + i),
                            "screen_name": f"flyer{i}",
                            "followers_count": 50 + i,
                        },
                    }
                ],
            }
            assert post_x(gateway, payload).status == 200
            if i % 20 == 19:
                stack.pump(timeout=600)
        stack.pump(timeout=600)
    boto3.DEFAULT_SESSION.events.unregister("before-parameter-build", count)
    stack.close()
    return calls, units, len(texts)


def _in_queue_index(params: dict[str, Any]) -> bool:
    text = json.dumps(params, default=str)
    return "queue_pk" in text


def cost_per_million(calls: Counter[str], units: Counter[str], n: int) -> dict[str, float]:
    """USD per million mentions, by service, from the counted calls and the stated prices."""
    per = {k: v / n for k, v in calls.items()}
    lambda_invocations = 1 + per.get("lambda:Invoke", 0) + 1 / 25  # webhook + tasks + dispatch batches
    executions = per.get("stepfunctions:StartExecution", 0)
    gb_s = lambda_invocations * ASSUMED["lambda_memory_gb"] * ASSUMED["lambda_billed_ms"] / 1000
    sfn_gb_s = executions * ASSUMED["sfn_memory_gb"] * ASSUMED["sfn_duration_ms"] / 1000
    million = 1_000_000
    return {
        "API Gateway (HTTP API)": million * PRICES["apigw_http_per_million"] / million,
        "Lambda requests + duration": lambda_invocations * PRICES["lambda_request_per_million"]
        + million * gb_s * PRICES["lambda_gb_second"],
        "Step Functions Express": executions * PRICES["sfn_express_request_per_million"]
        + million * sfn_gb_s * PRICES["sfn_express_gb_second"],
        "DynamoDB on-demand": units["wru"] / n * PRICES["dynamodb_wru_per_million"]
        + units["rru"] / n * PRICES["dynamodb_rru_per_million"],
        "S3 raw archive": per.get("s3:PutObject", 0) * PRICES["s3_put_per_million"],
        "SNS publish": per.get("sns:Publish", 0) * PRICES["sns_publish_per_million"],
    }


def main() -> None:
    """Print calls per mention by service and the modelled cost per million mentions."""
    calls, units, n = measure()
    print(f"== Routing: AWS API calls per mention, webhook → ticket ({n} airline tweets, odd split)")
    by_service: Counter[str] = Counter()
    for key, value in calls.items():
        by_service[key.split(":")[0]] += value
    for service, value in sorted(by_service.items()):
        detail = ", ".join(
            f"{k.split(':')[1]} {v / n:.2f}" for k, v in sorted(calls.items()) if k.startswith(service + ":")
        )
        print(f"  {service:14s} {value / n:5.2f}   ({detail})")
    print(f"  DynamoDB capacity per mention: {units['wru'] / n:.2f} WRU, {units['rru'] / n:.2f} RRU")
    print("== Modelled AWS cost per million mentions (USD, us-east-1 list prices; see PRICES/ASSUMED)")
    costs = cost_per_million(calls, units, n)
    for name, value in costs.items():
        print(f"  {name:28s} ${value:8.2f}")
    print(f"  {'total':28s} ${sum(costs.values()):8.2f}")
    print(f"  assumptions: {ASSUMED}")
