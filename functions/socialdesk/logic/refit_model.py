"""Use case: refit the routing model from the desk's corrections; publish only when it does better."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from socialdesk.dal.learning_ports import CorrectionStore, ModelRegistry
from socialdesk.domain.classification import decide_intent, decision_thresholds
from socialdesk.domain.correction import Correction
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.trainer import Example, TrainingConfig, train

#: how a refit trains: a warm start from the live model, a few passes, pulled towards the live weights
REFIT_CONFIG = TrainingConfig(epochs=6, learning_rate=0.3, l2=1e-4, min_count_words=1, min_count_chars=1)
#: a correction counts this many times a base example (the desk's own traffic)
CORRECTION_WEIGHT = 3.0
MIN_HELD_OUT = 20


@dataclass(frozen=True)
class RefitOutcome:
    """What a refit did, and the evidence."""

    published: bool
    reason: str
    live_version: str
    candidate_version: str | None
    trained_on: int
    held_out: int
    live_accuracy: float | None = None
    candidate_accuracy: float | None = None


def examples_of(corrections: Sequence[Correction]) -> list[Example]:
    """Corrections that teach an intent, as training examples (topic when the agent gave one)."""
    return [
        Example(
            text=c.text,
            intent=c.label.value,
            topics=(c.corrected_topic,) if c.corrected_topic else None,
            weight=CORRECTION_WEIGHT,
            source="correction",
        )
        for c in corrections
        if c.label is not None and c.text
    ]


def accuracy(model: RoutingModel, examples: Sequence[Example]) -> float:
    """Intent accuracy of ``model`` on ``examples`` (argmax with the model's complaint threshold)."""
    if not examples:
        return 0.0
    threshold = decision_thresholds(model)["complaint"]
    hits = sum(
        decide_intent(model.predict(example.text).intents, threshold).value == example.intent
        for example in examples
    )
    return hits / len(examples)


def refit_candidate(
    live: RoutingModel,
    corrections: Sequence[Correction],
    *,
    version: str,
    base: Sequence[Example] = (),
    config: TrainingConfig = REFIT_CONFIG,
) -> RoutingModel:
    """A candidate trained from the live model (warm start) on ``base`` plus the training corrections."""
    training = [*base, *examples_of([c for c in corrections if not c.held_out])]
    candidate = train(training, topics=live.topics, version=version, config=config, init=live)
    candidate.temperature = live.temperature
    candidate.thresholds = dict(live.thresholds)
    return candidate


def refit(
    *,
    corrections: CorrectionStore,
    registry: ModelRegistry,
    fallback: RoutingModel,
    since: datetime,
    now: datetime,
    actor: str = "refit",
    base: Sequence[Example] = (),
    min_held_out: int = MIN_HELD_OUT,
    min_gain: float = 0.0,
    dry_run: bool = False,
) -> RefitOutcome:
    """Train a candidate on the corrections since ``since`` and publish it if it beats the live model.

    Parameters
    ----------
    corrections, registry
        The desk's corrections and the model versions.
    fallback
        The model in use when the registry has none (the packaged one).
    since, now
        The corrections window; ``now`` also names the candidate (``routing-refit-<now>``).
    actor
        Who runs it (recorded in the audit).
    base
        Base training examples to mix in (optional: the warm start already carries them).
    min_held_out
        Fewer held-out corrections than this: nothing is published (not enough evidence).
    min_gain
        How much accuracy on the held-out corrections the candidate must gain over the live model.
    dry_run
        Evaluate but never publish.

    Returns
    -------
    RefitOutcome
        Whether it was published, and the accuracies of both models on the held-out corrections.
    """
    current = registry.current_version()
    live = registry.load(current) if current else fallback
    found = corrections.between(since, now)
    held_out = examples_of([c for c in found if c.held_out])
    trained_on = len(examples_of([c for c in found if not c.held_out]))
    if len(held_out) < min_held_out or not trained_on:
        return RefitOutcome(
            False,
            f"not enough corrections ({trained_on} to train, {len(held_out)} held out)",
            live.version,
            None,
            trained_on,
            len(held_out),
        )
    version = f"routing-refit-{now.strftime('%Y%m%dT%H%M%SZ')}"
    candidate = refit_candidate(live, found, version=version, base=base)
    live_accuracy, candidate_accuracy = accuracy(live, held_out), accuracy(candidate, held_out)
    better = candidate_accuracy > live_accuracy + min_gain
    if better and not dry_run:
        registry.publish(
            candidate,
            actor=actor,
            at=now,
            reason=f"held-out accuracy {live_accuracy:.3f} → {candidate_accuracy:.3f} "
            f"on {len(held_out)} corrections",
            metrics={
                "live_accuracy": live_accuracy,
                "candidate_accuracy": candidate_accuracy,
                "held_out": len(held_out),
            },
            expected_current=current,
        )
    reason = (
        "published" if better and not dry_run else ("dry run" if better else "not better than the live model")
    )
    return RefitOutcome(
        better and not dry_run,
        reason,
        live.version,
        version,
        trained_on,
        len(held_out),
        live_accuracy,
        candidate_accuracy,
    )
