"""`make demo`: replay every event in events/ through the local stack and show what became of each,
then replay a scripted day on a simulated clock (:mod:`local.scripted_day`)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
warnings.filterwarnings("ignore", message="No application metrics to publish")

from local import devsecrets, scripted_day  # noqa: E402
from local.gateway import HttpResponse, LocalGateway  # noqa: E402
from local.stack import LocalStack  # noqa: E402
from local.template import ROOT  # noqa: E402

EVENTS = ROOT / "events"
#: scenario names that are meant to be refused; everything else is replayed with a valid signature
REFUSED = ("bad-signature", "malformed", "wrong-token", "stale")
COLUMNS = (("event", 30), ("channel", 9), ("kind", 14), ("author", 16), ("text", 44), ("outcome", 22))
ROUTING_COLUMNS = (
    ("mention", 22),
    ("ticket", 18),
    ("team", 14),
    ("priority", 8),
    ("intent", 9),
    ("reach", 10),
    ("why", 60),
)


def scenario_order(path: Path) -> tuple[str, bool, list[str]]:
    """Per webhook, originals before their -duplicate / -edited variants, and deletes last."""
    parts = path.stem.split("-")
    return (parts[0], "delete" in parts, parts)


def load_events() -> list[tuple[str, dict[str, Any]]]:
    """Every scenario event, in replay order."""
    paths = sorted((p for p in EVENTS.glob("*.json") if p.name != "env.json"), key=scenario_order)
    return [(p.stem, json.loads(p.read_text())) for p in paths]


def resign_generic(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Generic signatures expire after 300 s: sign again relative to now, keeping each scenario's intent."""
    if not event.get("rawPath", "").startswith("/webhooks/generic/"):
        return event
    from local import make_events
    from socialdesk.channels import generic

    now = int(time.time())
    secret, signed_at = devsecrets.value("GENERIC_WEBHOOK_SECRET"), now
    if "stale" in name:
        signed_at = now - (make_events.GENERIC_SIGNED_AT - make_events.GENERIC_STALE_SIGNED_AT)
    if "bad-signature" in name:
        secret = make_events.WRONG_SECRET
    header = generic.sign(secret, event["body"].encode("utf-8"), signed_at)
    return {**event, "headers": {**event["headers"], generic.SIGNATURE_HEADER: header}}


def parsed_items(event: dict[str, Any]) -> list[Any]:
    """The delivery's items as the channel parser sees them (for author and text columns)."""
    from socialdesk.channels import generic, meta, x

    path = event.get("rawPath", "")
    try:
        payload = json.loads(event.get("body") or "")
        if path == "/webhooks/x":
            return x.parse_delivery(payload)
        if path == "/webhooks/meta":
            return meta.parse_delivery(payload)
        return generic.parse_delivery(payload, source=path.rsplit("/", 1)[-1])
    except Exception:
        return []


def rows_for(name: str, event: dict[str, Any], response: HttpResponse) -> list[tuple[str, ...]]:
    """One row per item of the delivery (or one row for a handshake or a refusal)."""
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status >= 400:
        return [(name, "", "", "", body.get("reason", ""), f"rejected ({response.status})")]
    if event["requestContext"]["http"]["method"] == "GET":
        return [(name, "", "handshake", "", response.body.decode()[:44], f"answered ({response.status})")]
    rows = []
    parsed = parsed_items(event)
    for index, item in enumerate(body.get("items", [])):
        source = parsed[index] if index < len(parsed) else None
        mention = getattr(source, "mention", None) or getattr(source, "message", None)
        author = (mention.author.handle or mention.author.name or mention.author.id or "") if mention else ""
        text = " ".join(mention.text.split()) if mention else ""
        outcome = item["outcome"] + (f": {item['reason']}" if item.get("reason") else "")
        rows.append(
            (name if index == 0 else "", item.get("channel", ""), item.get("kind", ""), author, text, outcome)
        )
    return rows


def cell(value: str, width: int) -> str:
    """Fit ``value`` into ``width`` characters."""
    value = value.replace("\n", " ")
    return value.ljust(width) if len(value) <= width else value[: width - 1] + "…"


def print_table(rows: list[tuple[str, ...]], columns: tuple[tuple[str, int], ...] = COLUMNS) -> None:
    """A plain text table."""
    header = "  ".join(cell(title, width) for title, width in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        print("  ".join(cell(value, width) for value, (_, width) in zip(row, columns, strict=True)))


def routing_rows(stack: LocalStack) -> list[tuple[str, ...]]:
    """One row per routed item: the message, its ticket and what routing did, team, priority, why."""
    sfn = stack.client("stepfunctions")
    rows = []
    for arn in stack.state_machines.values():
        for summary in sfn.list_executions(stateMachineArn=arn)["executions"]:
            execution = sfn.describe_execution(executionArn=summary["executionArn"])
            state = json.loads(execution.get("output") or execution["input"])
            classified = state.get("classified") or {}
            outcomes = [*((state.get("routed") or {}).get("outcomes") or [])]
            outcomes += (state.get("triage") or {}).get("outcomes") or []
            for outcome in outcomes:
                c = classified.get(outcome["ref"]) or {}
                signals = [s for s in c.get("signals", []) if not s.startswith("rule:")][:3]
                why = f"rule {outcome.get('rule') or '-'}" + (f" ({', '.join(signals)})" if signals else "")
                channel, _, external_id = outcome["ref"].partition("#")
                rows.append(
                    (
                        f"{channel} {external_id[-12:]}",
                        f"{(outcome.get('ticket_id') or '')[-8:]} {outcome['action']}".strip(),
                        outcome.get("team") or "-",
                        outcome.get("priority") or "-",
                        c.get("intent", execution["status"].lower()),
                        c.get("reach", ""),
                        why,
                    )
                )
    return sorted(rows)


def main() -> int:
    """Replay events/ and the scripted day, print tables and reports; exit 1 on anything unexpected."""
    stack = LocalStack(parameter_overrides={"Stage": "local"})
    gateway = LocalGateway(stack)
    print(f"SocialDesk demo: local stack from template.yaml (moto, in-process); replaying {EVENTS.name}/\n")
    rows: list[tuple[str, ...]] = []
    surprises = []
    for name, recorded in load_events():
        event = resign_generic(name, recorded)
        matched = gateway.match(event["requestContext"]["http"]["method"], event["rawPath"])
        if matched is None:
            surprises.append(f"{name}: no route")
            continue
        with contextlib.redirect_stdout(io.StringIO()):  # the functions' EMF metric lines
            response = gateway.invoke(matched[0], event)
        refused = any(token in name for token in REFUSED)
        if refused != (response.status >= 400) or response.status >= 500:
            surprises.append(f"{name}: HTTP {response.status}")
        rows.extend(rows_for(name, event, response))
    print_table(rows)
    print("\nRouting: the stream feeds dispatch, which starts the real route-mention ASL per stream batch …")
    with contextlib.redirect_stdout(io.StringIO()):
        stack.pump()
    routed = routing_rows(stack)
    print_table(routed, ROUTING_COLUMNS)
    outcomes: dict[str, int] = {}
    for row in rows:
        key = row[-1].split(":")[0].split(" (")[0]
        outcomes[key] = outcomes.get(key, 0) + 1
    print("\nOutcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    table = stack.client("dynamodb").scan(TableName=stack.environment["TABLE_NAME"], Select="COUNT")["Count"]
    print(f"Items in the table: {table} (each mention once, whatever the redeliveries)")
    stack.close()
    surprises.extend(f"scripted day {what}" for what in scripted_day.main().surprises)
    if surprises:
        print("\nUnexpected:\n  " + "\n  ".join(surprises), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
