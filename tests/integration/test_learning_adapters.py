"""The learning loop's DynamoDB and S3 adapters on the local stack (moto, built from template.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.stack import LocalStack
from socialdesk.dal.corrections import DynamoCorrectionStore
from socialdesk.dal.model_registry import CachedModelSource, S3ModelRegistry
from socialdesk.domain.classification import Intent
from socialdesk.domain.correction import Correction, CorrectionKind
from socialdesk.domain.errors import Conflict
from socialdesk.learning.trainer import Example, TrainingConfig, train
from socialdesk.tools.refit import run

AT = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def correction(ticket_id: str, at: datetime, intent: Intent = Intent.COMPLAINT) -> Correction:
    return Correction(
        ticket_id=ticket_id,
        kind=CorrectionKind.INTENT,
        text=f"my card was declined at checkout again ({ticket_id})",
        channel="x",
        corrected_intent=intent,
        predicted_intent=Intent.QUESTION,
        agent="ann",
        recorded_at=at,
    )


def test_corrections_are_stored_once_per_month_partition_and_read_back_across_months(
    stack: LocalStack,
) -> None:
    # Given the table and two corrections either side of a month boundary
    store = DynamoCorrectionStore(stack.client("dynamodb"), stack.environment["TABLE_NAME"])
    november, december = correction("T-1", AT), correction("T-2", AT + timedelta(hours=2))
    # When both are stored, the first one twice
    assert store.add(november) is True
    assert store.add(november) is False
    assert store.add(december) is True
    # Then a window over both months reads both back, oldest first, and a narrower one only its own
    assert store.between(AT - timedelta(days=1), AT + timedelta(days=1)) == [november, december]
    assert store.between(AT + timedelta(hours=1), AT + timedelta(days=1)) == [december]
    item = stack.client("dynamodb").get_item(
        TableName=stack.environment["TABLE_NAME"],
        Key={"PK": {"S": "CORRECTION#2026-11"}, "SK": {"S": f"{AT.isoformat()}#T-1#intent"}},
    )
    assert item["Item"]["entity"] == {"S": "correction"}


def tiny(version: str) -> object:
    examples = [
        Example("my order never arrived", "complaint"),
        Example("what time do you open", "question"),
        Example("thank you, love it", "praise"),
    ]
    return train(
        examples,
        topics=(),
        version=version,
        config=TrainingConfig(epochs=5, min_count_words=1, min_count_chars=1),
    )


def test_the_registry_publishes_versions_moves_the_pointer_conditionally_and_rolls_back(
    stack: LocalStack,
) -> None:
    registry = S3ModelRegistry(
        stack.client("s3"),
        stack.client("dynamodb"),
        stack.environment["MODEL_BUCKET"],
        stack.environment["TABLE_NAME"],
    )
    assert registry.current_version() is None
    first, second = tiny("routing-a"), tiny("routing-b")
    registry.publish(first, actor="t", at=AT, reason="first", metrics={"x": 1.0}, expected_current=None)  # type: ignore[arg-type]
    # a publisher that read an old pointer loses the race
    with pytest.raises(Conflict):
        registry.publish(second, actor="t", at=AT, reason="stale", metrics={}, expected_current="routing-zzz")  # type: ignore[arg-type]
    registry.publish(
        second,
        actor="t",
        at=AT + timedelta(minutes=1),
        reason="second",
        metrics={},
        expected_current="routing-a",
    )  # type: ignore[arg-type]
    assert registry.current_version() == "routing-b"
    assert registry.load("routing-b").to_bytes() == second.to_bytes()  # type: ignore[attr-defined]
    registry.rollback("routing-a", actor="ops", at=AT + timedelta(minutes=2), reason="bad")
    assert registry.current_version() == "routing-a"
    assert [v.version for v in registry.versions()] == ["routing-a", "routing-b"]
    assert [(e.action, e.version) for e in registry.history()] == [
        ("publish", "routing-a"),
        ("publish", "routing-b"),
        ("rollback", "routing-a"),
    ]
    cached = CachedModelSource(registry).current_model()
    assert cached is not None and cached.version == "routing-a"
    with pytest.raises(Conflict):
        registry.rollback("routing-unknown", actor="ops", at=AT, reason="typo")


def test_the_refit_tool_reads_corrections_and_reports_without_enough_of_them(stack: LocalStack) -> None:
    store = DynamoCorrectionStore(stack.client("dynamodb"), stack.environment["TABLE_NAME"])
    for i in range(3):
        store.add(correction(f"T-{i}", AT - timedelta(days=1, minutes=i)))
    outcome = run(
        dynamodb=stack.client("dynamodb"),
        s3=stack.client("s3"),
        table=stack.environment["TABLE_NAME"],
        bucket=stack.environment["MODEL_BUCKET"],
        now=AT,
    )
    assert not outcome.published
    assert outcome.trained_on + outcome.held_out == 3


def test_classify_uses_the_published_version_once_the_composition_root_installs_the_registry(
    stack: LocalStack,
) -> None:
    from socialdesk import bootstrap
    from socialdesk.common.settings import Settings
    from socialdesk.domain.classification import classify
    from socialdesk.domain.mention import Channel, Mention, MentionKind
    from socialdesk.learning.runtime import packaged_model

    table, bucket = stack.environment["TABLE_NAME"], stack.environment["MODEL_BUCKET"]
    mention = Mention(
        channel=Channel.X,
        external_id="1",
        kind=MentionKind.POST,
        source="x",
        created_at=AT,
        text="thank you, love it",
    )
    settings = Settings(table_name=table, raw_payload_bucket=bucket, model_bucket=bucket)
    try:
        # Given a registry with nothing published: the packaged model answers
        bootstrap.install_model_source(settings)
        assert classify(mention).model_version == packaged_model().version
        # When a version is published
        registry = S3ModelRegistry(stack.client("s3"), stack.client("dynamodb"), bucket, table)
        registry.publish(tiny("routing-a"), actor="t", at=AT, reason="", metrics={}, expected_current=None)  # type: ignore[arg-type]
        bootstrap.install_model_source(settings)  # a new execution environment (the cache is per process)
        # Then Classify uses it
        assert classify(mention).model_version == "routing-a"
    finally:
        bootstrap.reset()
    assert classify(mention).model_version == packaged_model().version
