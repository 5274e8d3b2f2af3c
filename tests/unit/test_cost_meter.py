"""The cost meter's DynamoDB accounting (benchmarks/costs.py): item sizes, index writes as billed."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.costs import Index, Meter, item_size, sns_payload, write_units
from benchmarks.routing import parameter_overrides

TABLE_KEYS = ("PK", "SK")


def _meter() -> Meter:
    meter = Meter.__new__(Meter)  # the accounting only: no stack
    meter.table_keys = TABLE_KEYS
    return meter


def _ticket(**values: Any) -> dict[str, Any]:
    base = {
        "PK": {"S": "TICKET#T-1"},
        "SK": {"S": "TICKET"},
        "status": {"S": "open"},
        "note": {"S": "x" * 900},
    }
    return {**base, **{k: {"S": v} for k, v in values.items()}}


def test_an_item_is_sized_by_its_attribute_names_and_values() -> None:
    # Given strings, a number, a boolean, a list and a map
    item = {
        "PK": {"S": "ab"},  # 2 + 2
        "n": {"N": "12345"},  # 1 + (3 digit pairs + 1)
        "ok": {"BOOL": True},  # 2 + 1
        "l": {"L": [{"S": "abc"}, {"S": "d"}]},  # 1 + 3 + (3 + 1) + (1 + 1)
        "m": {"M": {"k": {"S": "v"}}},  # 1 + 3 + (1 + 1 + 1)
    }
    # Then its size is DynamoDB's sum of names and values
    assert item_size(item) == 4 + 5 + 3 + 10 + 7
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(0) == 1


def test_a_keys_only_index_is_written_when_an_item_enters_leaves_or_moves_in_it() -> None:
    meter = _meter()
    queue = Index("QueueIndex", ("queue_pk", "queue_sk"), "KEYS_ONLY")
    old = _ticket(queue_pk="QUEUE#care#open", queue_sk="2#a")
    # a change that leaves the keys alone writes nothing to a keys-only index
    assert meter._index_units(queue, old, {**old, "note": {"S": "y" * 900}}) == 0
    # a key change is a delete and a put
    assert meter._index_units(queue, old, _ticket(queue_pk="QUEUE#care#open", queue_sk="1#a")) == 2
    # entering or leaving is one write
    assert meter._index_units(queue, None, old) == 1
    assert meter._index_units(queue, old, _ticket()) == 1
    # an item without the keys never touches it
    assert meter._index_units(queue, _ticket(), _ticket()) == 0


def test_an_all_projection_is_rewritten_at_the_items_size_on_every_change() -> None:
    meter = _meter()
    queue = Index("QueueIndex", ("queue_pk", "queue_sk"), "ALL")
    old = _ticket(queue_pk="QUEUE#care#open", queue_sk="2#a", more="z" * 300)
    assert meter._index_units(queue, old, {**old, "note": {"S": "y" * 900}}) == 2  # 1.2 KB entry
    assert meter._index_units(queue, old, old) == 0  # nothing projected changed


def test_an_include_projection_is_written_when_a_projected_attribute_changes() -> None:
    meter = _meter()
    due = Index("DueIndex", ("due_pk", "due_sk"), "INCLUDE", ("due_next",))
    old = _ticket(due_pk="DUE#1", due_sk="2026-01-01T00:00:00Z#T-1", due_next="2026-01-01T00:00:00Z")
    assert meter._index_units(due, old, {**old, "due_next": {"S": "2026-01-01T01:00:00Z"}}) == 1
    assert meter._index_units(due, old, {**old, "note": {"S": "other"}}) == 0


def test_a_publish_is_sized_by_its_messages_and_attributes_summed_over_a_batch() -> None:
    # Given a batch of ten 6 KB notifications, each with a team attribute
    entry = {
        "Id": "0",
        "Message": "x" * 6000,
        "MessageAttributes": {"team": {"DataType": "String", "StringValue": "care"}},
    }
    one = 6000 + len("team") + len("String") + len("care")
    # Then a Publish pays for its message and attributes, a PublishBatch for all its entries
    assert sns_payload("Publish", {"TopicArn": "arn", **entry}) == one
    batch = {"TopicArn": "arn", "PublishBatchRequestEntries": [{**entry, "Id": str(i)} for i in range(10)]}
    assert sns_payload("PublishBatch", batch) == 10 * one  # 60 KB: one billed request; 11 would be two


def test_the_routing_benchmark_reads_template_parameters_as_name_value_pairs() -> None:
    assert parameter_overrides("") == {}
    assert parameter_overrides("RawPayloadRetentionDays=0, LogLevel=INFO") == {
        "RawPayloadRetentionDays": "0",
        "LogLevel": "INFO",
    }
    with pytest.raises(SystemExit, match="Name=value"):
        parameter_overrides("RawPayloadRetentionDays")
