"""The desk teaches the model: corrections recorded as labelled examples, refits published only when better.

Ports are in-memory fakes (tests/support/learning.py); the models are tiny ones trained here, so
each test runs in well under a second and checks the use cases, not the shipped weights.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from socialdesk.dal.model_registry import CachedModelSource
from socialdesk.domain.access import Principal, Role
from socialdesk.domain.classification import Intent
from socialdesk.domain.correction import Correction, CorrectionKind
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.ticket import CloseReason, Ticket
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.trainer import Example, TrainingConfig, train
from socialdesk.logic.record_correction import (
    CorrectionRefused,
    CorrectionRequest,
    TicketFacts,
    correct_routing,
    learning_from,
    record_correction,
)
from socialdesk.logic.refit_model import RefitOutcome, refit
from socialdesk.logic.respond import AssignRequest, ResolveRequest, TicketNotFound, assign, reopen, resolve
from tests.support.learning import InMemoryCorrections, InMemoryRegistry
from tests.unit.test_conversations import COMPLAINT, Desk, tweet

ANN = Principal(subject="ann", teams=frozenset({"customer-care"}), role=Role.AGENT)

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BASE = [
    Example("my order never arrived and nobody answers", "complaint"),
    Example("the parcel is late again, terrible", "complaint"),
    Example("what time do you open", "question"),
    Example("do you ship to canada", "question"),
    Example("thank you so much, love it", "praise"),
    Example("win free followers click link", "spam"),
    Example("good morning to everyone here", "other"),
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


def refit_a_day(store: InMemoryCorrections, registry: InMemoryRegistry, **options: Any) -> RefitOutcome:
    """The refit over the day of corrections from ``AT``, the tiny model live."""
    return refit(
        corrections=store,
        registry=registry,
        fallback=tiny_model(),
        since=AT,
        now=AT + timedelta(days=1),
        **options,
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
    outcome = refit_a_day(store, registry, min_held_out=5)
    assert not outcome.published
    assert registry.current_version() is None


def test_every_correction_of_a_ticket_is_trained_on_not_only_its_latest() -> None:
    # Given a ticket (not a held-out one) an agent corrected twice: its intent, then its team
    store, registry = InMemoryCorrections(), InMemoryRegistry()
    corrections_teaching(store, 30, "the app logs me out again, every single time", Intent.COMPLAINT)
    ticket_id = next(f"T-twice-{i}" for i in range(50) if zlib.crc32(f"T-twice-{i}".encode()) % 5)
    first = Correction(
        ticket_id=ticket_id,
        kind=CorrectionKind.INTENT,
        text="my card was charged twice for one order",
        channel="x",
        predicted_intent=Intent.QUESTION,
        corrected_intent=Intent.COMPLAINT,
        agent="ann",
        recorded_at=AT + timedelta(hours=2),
    )
    second = first.model_copy(
        update={
            "kind": CorrectionKind.TEAM,
            "predicted_intent": Intent.COMPLAINT,
            "corrected_intent": None,
            "predicted_team": "customer-care",
            "corrected_team": "billing",
            "recorded_at": AT + timedelta(hours=3),
        }
    )
    store.add(first)
    store.add(second)
    trained_before = sum(not c.held_out for c in store.between(AT, AT + timedelta(days=1)))
    # When the refit runs
    outcome = refit_a_day(store, registry, min_held_out=1, dry_run=True)
    # Then both corrections of that ticket are training examples (the ticket is not collapsed to one)
    assert outcome.trained_on == trained_before
    assert {c.kind for c in store.between(AT, AT + timedelta(days=1)) if c.ticket_id == ticket_id} == {
        CorrectionKind.INTENT,
        CorrectionKind.TEAM,
    }


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


# --- the desk's corrections: the API's use case and what desk actions teach (on the router's fakes) ---


def _desk_ticket() -> tuple[Desk, Ticket]:
    desk = Desk()
    mention = tweet(COMPLAINT, handle="erin")
    desk.receive(mention)
    return desk, desk.ticket_of(mention)


def _correct(
    desk: Desk,
    ticket_id: str,
    store: InMemoryCorrections,
    at: datetime = AT,
    principal: Principal = ANN,
    **body: object,
) -> Correction:
    return correct_routing(
        principal,
        ticket_id,
        CorrectionRequest.model_validate(body),
        at,
        tickets=desk.tickets,
        mentions=desk.mentions,
        store=store,
        teams=desk.policy.teams,
    )


def test_an_agent_corrects_a_routed_ticket_with_what_the_ticket_showed() -> None:
    # Given a complaint routed by the packaged model to the agent's team
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    # When the agent says it was a question
    stored = _correct(desk, routed.ticket_id, store, kind="intent", intent="question")
    # Then the customer's message is stored with the model's label, the agent's and the model version
    assert stored.text == COMPLAINT
    assert (stored.predicted_intent, stored.label) == (Intent.COMPLAINT, Intent.QUESTION)
    assert stored.predicted_team == routed.team and stored.agent == "ann"
    assert stored.model_version is not None and stored.model_version.startswith("routing-")
    assert store.between(AT, AT + timedelta(seconds=1)) == [stored]


def test_a_retried_correction_answers_with_the_first_and_stores_nothing_new() -> None:
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    first = _correct(desk, routed.ticket_id, store, kind="spam")
    again = _correct(desk, routed.ticket_id, store, at=AT + timedelta(seconds=3), kind="spam")
    assert again == first
    assert len(store.items) == 1
    # a different correction of the same ticket is a new one
    _correct(desk, routed.ticket_id, store, at=AT + timedelta(seconds=5), kind="intent", intent="praise")
    assert len(store.items) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"kind": "intent"}, "names the corrected intent"),
        ({"kind": "team"}, "names the team"),
        ({"kind": "not_spam", "intent": "spam"}, "cannot set the intent to spam"),
        ({"kind": "spam", "intent": "praise"}, "sets the intent to spam"),
        ({"kind": "team", "team": "no-such-team"}, "not a team of the routing policy"),
    ],
)
def test_a_contradictory_correction_is_refused_with_its_reason(body: dict[str, object], reason: str) -> None:
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    with pytest.raises(CorrectionRefused, match=reason):
        _correct(desk, routed.ticket_id, store, **body)
    assert store.items == {}


def test_only_an_agent_of_the_tickets_team_can_correct_it() -> None:
    desk, routed = _desk_ticket()
    outsider = Principal(subject="olga", teams=frozenset({"billing"}), role=Role.AGENT)
    with pytest.raises(TicketNotFound):
        _correct(desk, routed.ticket_id, InMemoryCorrections(), principal=outsider, kind="spam")


def _learning(desk: Desk, ticket_id: str, action: Any, store: Any) -> Ticket:
    return learning_from(
        action, ANN, ticket_id, AT, tickets=desk.tickets, mentions=desk.mentions, store=store
    )


def test_moving_a_ticket_to_another_team_is_kept_as_a_team_correction_once() -> None:
    # Given a routed ticket
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    other = next(team for team in desk.policy.teams if team != routed.team)

    def move() -> Ticket:
        return assign(
            ANN, routed.ticket_id, AssignRequest(team=other), AT, tickets=desk.tickets, policy=desk.policy
        )

    # When the agent moves it, and the click is retried (the ticket has left the agent's team: 404)
    moved = _learning(desk, routed.ticket_id, move, store)
    with pytest.raises(TicketNotFound):
        _learning(desk, routed.ticket_id, move, store)
    # Then one team correction teaches the team (and keeps the intent the agent saw)
    assert moved.team == other
    (correction,) = store.items.values()
    assert (correction.kind, correction.predicted_team, correction.corrected_team) == (
        CorrectionKind.TEAM,
        routed.team,
        other,
    )
    assert correction.label is Intent.COMPLAINT


def test_resolving_as_spam_and_reopening_routed_spam_teach_spam_and_not_spam() -> None:
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    resolved = _learning(
        desk,
        routed.ticket_id,
        lambda: resolve(
            ANN,
            routed.ticket_id,
            ResolveRequest(resolution="spam"),
            AT,
            tickets=desk.tickets,
            policy=desk.policy,
        ),
        store,
    )
    assert resolved.resolution == "spam"
    assert [c.kind for c in store.items.values()] == [CorrectionKind.SPAM]

    # routing closed a message as spam; the agent reopens it: not spam
    bot = tweet("FREE crypto giveaway!!! click bit.ly/xyz to win $1000 follow for follow", handle="bot")
    desk.receive(bot)
    closed = desk.ticket_of(bot)
    assert closed.close_reason is CloseReason.SPAM
    lead = Principal(subject="ann", teams=frozenset({closed.team, desk.policy.triage_team}), role=Role.AGENT)
    learning_from(
        lambda: reopen(lead, closed.ticket_id, AT, tickets=desk.tickets, policy=desk.policy),
        lead,
        closed.ticket_id,
        AT,
        tickets=desk.tickets,
        mentions=desk.mentions,
        store=store,
    )
    kinds = sorted(c.kind.value for c in store.items.values())
    assert kinds == ["not_spam", "spam"]


def test_an_action_that_teaches_nothing_stores_nothing_and_a_store_outage_does_not_fail_the_action() -> None:
    desk, routed = _desk_ticket()
    store = InMemoryCorrections()
    _learning(
        desk,
        routed.ticket_id,
        lambda: assign(
            ANN, routed.ticket_id, AssignRequest(assignee="ann"), AT, tickets=desk.tickets, policy=desk.policy
        ),
        store,
    )
    assert store.items == {}

    class Down(InMemoryCorrections):
        def add_once(self, correction: Correction) -> Correction:
            raise StorageUnavailable("throttled")

    other = next(team for team in desk.policy.teams if team != routed.team)
    moved = _learning(
        desk,
        routed.ticket_id,
        lambda: assign(
            ANN, routed.ticket_id, AssignRequest(team=other), AT, tickets=desk.tickets, policy=desk.policy
        ),
        Down(),
    )
    assert moved.team == other


def test_a_registry_outage_costs_one_read_per_retry_interval_and_keeps_the_loaded_model() -> None:
    registry = InMemoryRegistry()
    registry.publish(tiny_model("routing-a"), actor="t", at=AT, reason="", metrics={}, expected_current=None)
    now = [0.0]
    source = CachedModelSource(registry, max_age=300, retry_after=30, clock=lambda: now[0])
    assert source.current_model().version == "routing-a"  # type: ignore[union-attr]
    reads = []

    def down() -> str | None:
        reads.append(now[0])
        raise StorageUnavailable("registry: ThrottlingException")

    registry.current_version = down  # type: ignore[method-assign]
    for second in range(300, 400, 5):  # a classified message every 5 s during the outage
        now[0] = float(second)
        assert source.current_model().version == "routing-a"  # type: ignore[union-attr]
    assert reads == [300.0, 330.0, 360.0, 390.0]
    fresh = CachedModelSource(registry, retry_after=30, clock=lambda: now[0])
    with pytest.raises(StorageUnavailable):  # nothing loaded yet: Classify falls back to the packaged
        fresh.current_model()
    assert fresh.current_model() is None and len(reads) == 5  # ... and does not ask again at once
