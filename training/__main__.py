"""``make train``: fit the routing model on the base data and write it to socialdesk/models."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from socialdesk.learning.model import RoutingModel
from socialdesk.learning.trainer import Example, TrainingConfig, calibrate, train
from training.corpus import TOPICS, DatasetsAbsent, base_examples, missing_datasets, split

MODELS = Path(__file__).resolve().parents[1] / "functions" / "socialdesk" / "models"
VERSION = "routing-2026.12.04"
#: complaint thresholds tried on the validation fold
COMPLAINT_GRID = tuple(round(0.2 + 0.025 * i, 3) for i in range(17))
#: the sources whose validation rows choose the complaint threshold (hand- and crowd-labelled tweets;
#: the weak labels are mostly complaints by construction and would always ask for a lower one)
THRESHOLD_SOURCES = ("airline", "twcs-hand")
#: how sure the model must be of praise/spam/other before a mention needs no reply (a support lead's
#: choice: a missed customer costs more than an agent skimming a thank-you)
NO_REPLY_AT_LEAST = 0.8
RATING_ODDS = 3.0
#: topic thresholds tried on the validation fold
TOPIC_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def f1(pairs: Sequence[tuple[bool, bool]]) -> float:
    """F1 of (predicted, actual) pairs."""
    tp = sum(p and a for p, a in pairs)
    flagged, actual = sum(p for p, _ in pairs), sum(a for _, a in pairs)
    return 2 * tp / (flagged + actual) if flagged + actual else 0.0


def choose_complaint_threshold(model: RoutingModel, validation: Sequence[Example]) -> float:
    """The threshold maximising the mean complaint F1 of the validation fold's tweet sources."""
    scored = [
        (e.source, model.predict(e.text).intents["complaint"], e.intent == "complaint") for e in validation
    ]
    sources = sorted({s for s, _, _ in scored if s in THRESHOLD_SOURCES})

    def mean_f1(t: float) -> float:
        return sum(f1([(p >= t, a) for s, p, a in scored if s == src]) for src in sources) / len(sources)

    return max(COMPLAINT_GRID, key=lambda t: (round(mean_f1(t), 4), -abs(t - 0.5)))


def choose_topic_threshold(model: RoutingModel, validation: Sequence[Example]) -> float:
    """The topic threshold maximising micro-F1 of the topics on the validation fold."""
    scored = [(model.predict(e.text).topics, set(e.topics or ())) for e in validation if e.topics is not None]

    def micro_f1(t: float) -> float:
        pairs = [(p >= t, topic in actual) for topics, actual in scored for topic, p in topics.items()]
        return f1(pairs)

    return max(TOPIC_GRID, key=lambda t: (round(micro_f1(t), 4), t))


def folds(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(the four fifths a probe trains on, the validation fifth), by a stable hash of the text."""
    marked = list(split(examples))
    return [e for held, e in marked if not held], [e for held, e in marked if held]


def fit_probe(
    examples: Sequence[Example], version: str, config: TrainingConfig
) -> tuple[RoutingModel, list[Example]]:
    """(a probe trained on four fifths and calibrated on the fifth, that validation fifth)."""
    training, validation = folds(examples)
    probe = train(training, topics=TOPICS, version=version, config=config)
    probe.temperature = calibrate(probe, validation)
    return probe, validation


def fit(examples: Sequence[Example], version: str, config: TrainingConfig) -> RoutingModel:
    """Train on four fifths, calibrate and pick thresholds on the fifth, then refit on everything."""
    probe, validation = fit_probe(examples, version, config)
    temperature = probe.temperature
    complaint_at = choose_complaint_threshold(probe, validation)
    topic_at = choose_topic_threshold(probe, validation)
    model = train(examples, topics=TOPICS, version=version, config=config)
    model.temperature = temperature
    model.thresholds = {
        "complaint": complaint_at,
        "no_reply": NO_REPLY_AT_LEAST,
        "rating_odds": RATING_ODDS,
        "topic": topic_at,
    }
    model.metadata["calibration"] = {
        "temperature": temperature,
        "complaint_threshold": complaint_at,
        "topic_threshold": topic_at,
    }
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--out", type=Path, default=MODELS)
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="train from the data sets that are there when some of ../shared/datasets is absent",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        examples = base_examples(allow_missing=args.allow_missing)
    except DatasetsAbsent as error:
        print(f"make train: {error}", file=sys.stderr)
        return 2
    for path in missing_datasets():
        print(f"make train: {path.name} absent; trained without it", file=sys.stderr)
    model = fit(examples, args.version, TrainingConfig())
    path = args.out / f"{args.version}.json.gz"
    path.write_bytes(model.to_bytes())
    (args.out / "CURRENT").write_text(path.name + "\n", encoding="utf-8")
    print(
        f"{path.name}: {len(examples)} examples, {len(model.words)} word + {len(model.chars)} char n-grams, "
        f"{path.stat().st_size / 1e6:.2f} MB, T={model.temperature}, thresholds {model.thresholds}, "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
