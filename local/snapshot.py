"""The desk kept across a restart of ``make serve``: the local state snapshotted on stop, loaded on start.

moto keeps everything in memory. On stop, every template table's items and every template bucket's
objects are written to one gzipped JSON file (``.local/desk.json.gz`` unless ``SNAPSHOT`` names
another); on start they are written back into the fresh stack and the table's stream consumers are
moved past them, so nothing restored is routed, notified or sent a second time. Secrets are not
kept (the stack seeds its dev secrets on every start); neither are queues (their messages are
retries in flight) nor the local platform server's record of what it was sent.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

from local.stack import LocalStack
from local.template import resources

DEFAULT_PATH = Path(".local/desk.json.gz")
VERSION = 1


def save(stack: LocalStack, path: Path = DEFAULT_PATH) -> dict[str, int]:
    """Write the stack's tables and buckets to ``path``; return how many items and objects."""
    dynamodb, s3 = stack.client("dynamodb"), stack.client("s3")
    tables: dict[str, list[dict[str, Any]]] = {}
    for logical_id in resources(stack.template, "AWS::DynamoDB::Table"):
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=stack.resolver.physical[logical_id]):
            items.extend(page["Items"])
        tables[logical_id] = items
    buckets: dict[str, dict[str, str]] = {}
    for logical_id in resources(stack.template, "AWS::S3::Bucket"):
        name = stack.resolver.physical[logical_id]
        objects: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for entry in page.get("Contents", []):
                body = s3.get_object(Bucket=name, Key=entry["Key"])["Body"].read()
                objects[entry["Key"]] = base64.b64encode(body).decode()
        buckets[logical_id] = objects
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    with gzip.open(temporary, "wt", encoding="utf-8") as out:
        json.dump({"version": VERSION, "tables": tables, "buckets": buckets}, out, default=_bytes)
    temporary.replace(path)  # a crash while writing never leaves half a snapshot
    return {"items": sum(map(len, tables.values())), "objects": sum(map(len, buckets.values()))}


def load(stack: LocalStack, path: Path = DEFAULT_PATH) -> dict[str, int] | None:
    """Restore ``path`` into a fresh stack (None when there is no snapshot); return what was restored."""
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as source:
        snapshot = json.load(source, object_hook=_from_bytes)
    if snapshot.get("version") != VERSION:
        raise ValueError(f"{path} is a snapshot of another version; start with FRESH=1")
    dynamodb, s3 = stack.client("dynamodb"), stack.client("s3")
    restored = {"items": 0, "objects": 0}
    for logical_id, items in snapshot["tables"].items():
        if logical_id not in stack.resolver.physical:
            continue  # a table the template no longer has
        table = stack.resolver.physical[logical_id]
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            while requests:
                answer = dynamodb.batch_write_item(RequestItems={table: requests})
                requests = answer.get("UnprocessedItems", {}).get(table, [])
        restored["items"] += len(items)
    for logical_id, objects in snapshot["buckets"].items():
        if logical_id not in stack.resolver.physical:
            continue
        for key, body in objects.items():
            s3.put_object(Bucket=stack.resolver.physical[logical_id], Key=key, Body=base64.b64decode(body))
        restored["objects"] += len(objects)
    stack.streams.skip_to_end()  # what was restored was processed before the snapshot
    return restored


def _bytes(value: Any) -> Any:
    """Binary attribute values (the raw archive's compressed payloads) as base64 in the JSON."""
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(f"{type(value).__name__} is not serialisable")


def _from_bytes(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__bytes__"]) if set(value) == {"__bytes__"} else value
