"""The desk teaches the model: corrections recorded as labelled examples, refits published only when better.

Ports are in-memory fakes (tests/support/learning.py); the models are tiny ones trained here, so
each test runs in well under a second and checks the use cases, not the shipped weights.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from socialdesk.dal.model_registry import CachedModelSource
from socialdesk.domain.classification import Intent
from socialdesk.domain.correction import Correction, CorrectionKind
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.trainer import Example, TrainingConfig, train
from socialdesk.logic.record_correction import CorrectionRequest, TicketFacts, record_correction
from socialdesk.logic.refit_model import refit
from tests.support.learning import InMemoryCorrections, InMemoryRegistry

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASE = [
    Example("my order never arrived and nobody answers", "complaint"),
    Example("the parcel is late again, terrible", "complaint"),
    Example("what time do you open", "question"),
    Example("do you ship to canada", "question"),
    Example("thank you so much, love it", "praise"),
    Example("win free followers click link", "spam"),
    Example("good morning everyone", "other"),
]


def tiny_model(version: str = "routing-base") -> RoutingModel:
    config = TrainingConfig(epochs=30, learning_rate=0.5, min_count_words=1, min_count_chars=1)
    model = train(BASE, topics=("delivery",), version=version, config=config)
    model.thresholds = {"complaint": 0.5, "no_reply": 0.8, "topic": 0.5, "rating_odds": 3.0}
    return model


def ticket(
    ticket_id: str = "T-1", text: str = "the app logs me out every hour", **fields: object
) -> TicketFacts:
    values: dict[str, object] = {
        "ticket_id": ticket_id,
        "channel": "x",
        "text": text,
        "language": "en",
        "intent": Intent.QUESTION,
        "team": "customer-care",
        "model_version": "routing-base",
    }
    values.update(fields)
    return TicketFacts.model_validate(values)


# --- recording corrections ------------------------------------------------------------------------


def test_an_intent_correction_is_stored_as_a_labelled_example() -> None:
    # Given a ticket the model called a question
    store = InMemoryCorrections()
    # When an agent corrects its intent to complaint
    stored = record_correction(
        ticket(),
        CorrectionRequest(kind=CorrectionKind.INTENT, intent=Intent.COMPLAINT),
        agent="ann",
        at=AT,
        store=store,
    )
    # Then the store holds the message with both labels, and it teaches "complaint"
    assert store.between(AT, AT + timedelta(seconds=1)) == [stored]
    assert (stored.predicted_intent, stored.corrected_intent, stored.label) == (
        Intent.QUESTION,
        Intent.COMPLAINT,
        Intent.COMPLAINT,
    )
    assert stored.text == "the app logs me out every hour"
    assert stored.month == "2026-11"


def test_marking_spam_labels_spam_and_a_team_move_keeps_the_seen_intent() -> None:
    store = InMemoryCorrections()
    spam = record_correction(
        ticket("T-1"), CorrectionRequest(kind=CorrectionKind.SPAM), agent="ann", at=AT, store=store
    )
    moved = record_correction(
        ticket("T-2"),
        CorrectionRequest(kind=CorrectionKind.TEAM, team="billing", topic="payment"),
        agent="ann",
        at=AT,
        store=store,
    )
    assert spam.label is Intent.SPAM
    assert (moved.corrected_team, moved.corrected_topic, moved.label) == (
        "billing",
        "payment",
        Intent.QUESTION,
    )


def test_not_spam_without_an_intent_teaches_no_intent() -> None:
    store = InMemoryCorrections()
    correction = record_correction(
        ticket(intent=Intent.SPAM),
        CorrectionRequest(kind=CorrectionKind.NOT_SPAM),
        agent="ann",
        at=AT,
        store=store,
    )
    assert correction.label is None


def test_a_retried_correction_is_stored_once() -> None:
    store = InMemoryCorrections()
    request = CorrectionRequest(kind=CorrectionKind.INTENT, intent=Intent.COMPLAINT)
    record_correction(ticket(), request, agent="ann", at=AT, store=store)
    record_correction(ticket(), request, agent="ann", at=AT, store=store)
    assert len(store.between(AT, AT + timedelta(days=1))) == 1


@pytest.mark.parametrize(
    "request_fields",
    [
        {"kind": CorrectionKind.INTENT},  # no intent
        {"kind": CorrectionKind.TEAM},  # no team
        {"kind": CorrectionKind.NOT_SPAM, "intent": Intent.SPAM},
    ],
)
def test_inconsistent_corrections_are_refused(request_fields: dict[str, object]) -> None:
    store = InMemoryCorrections()
    with pytest.raises(ValidationError):
        record_correction(
            ticket(), CorrectionRequest.model_validate(request_fields), agent="ann", at=AT, store=store
        )
    assert store.items == {}


# --- refit ----------------------------------------------------------------------------------------


def corrections_teaching(store: InMemoryCorrections, count: int, text: str, intent: Intent) -> None:
    for i in range(count):
        store.add(
            Correction(
                ticket_id=f"T-{i}",
                kind=CorrectionKind.INTENT,
                text=f"{text} {i}",
                channel="x",
                corrected_intent=intent,
                agent="ann",
                recorded_at=AT + timedelta(minutes=i),
            )
        )


def test_a_refit_that_beats_the_live_model_on_held_out_corrections_is_published() -> None:
    # Given a desk whose agents keep correcting "logs me out" questions to complaints
    store, registry = InMemoryCorrections(), InMemoryRegistry()
    corrections_teaching(store, 60, "the app logs me out again, every single time", Intent.COMPLAINT)
    live = tiny_model()
    # When the scheduled refit runs
    outcome = refit(
        corrections=store,
        registry=registry,
        fallback=live,
        since=AT,
        now=AT + timedelta(days=1),
        min_held_out=5,
    )
    # Then the candidate beats the live model on the held-out corrections and becomes current, audited
    assert outcome.published, outcome
    assert outcome.candidate_accuracy is not None and outcome.live_accuracy is not None
    assert outcome.candidate_accuracy > outcome.live_accuracy
    assert registry.current_version() == outcome.candidate_version
    assert [e.action for e in registry.history()] == ["publish"]
    assert registry.versions()[0].metrics["held_out"] == outcome.held_out


def test_a_refit_that_is_not_better_is_not_published() -> None:
    # Given corrections that only confirm what the live model already says
    store, registry = InMemoryCorrections(), InMemoryRegistry()
    corrections_teaching(store, 60, "thank you so much, love it", Intent.PRAISE)
    outcome = refit(
        corrections=store,
        registry=registry,
        fallback=tiny_model(),
        since=AT,
        now=AT + timedelta(days=1),
        min_held_out=5,
    )
    assert not outcome.published
    assert registry.current_version() is None


def test_too_few_corrections_publish_nothing() -> None:
    store, registry = InMemoryCorrections(), InMemoryRegistry()
    corrections_teaching(store, 4, "the app logs me out", Intent.COMPLAINT)
    outcome = refit(
        corrections=store, registry=registry, fallback=tiny_model(), since=AT, now=AT + timedelta(days=1)
    )
    assert not outcome.published
    assert "not enough" in outcome.reason


def test_rollback_points_back_and_the_cached_source_follows() -> None:
    # Given two published versions
    registry = InMemoryRegistry()
    first, second = tiny_model("routing-a"), tiny_model("routing-b")
    registry.publish(first, actor="t", at=AT, reason="", metrics={}, expected_current=None)
    registry.publish(second, actor="t", at=AT, reason="", metrics={}, expected_current="routing-a")
    source = CachedModelSource(registry, max_age=0)
    current = source.current_model()
    assert current is not None and current.version == "routing-b"
    # When an operator rolls back
    registry.rollback("routing-a", actor="ops", at=AT, reason="bad refit")
    # Then Classify's source serves the earlier version, and the audit shows both moves
    current = source.current_model()
    assert current is not None and current.version == "routing-a"
    assert [e.action for e in registry.history()] == ["publish", "publish", "rollback"]
