"""``python -m training.policy_thresholds``: a policy's complaint threshold, chosen on its dev tweets only.

The probe of ``make train`` (trained on four fifths of the base data, calibrated on the fifth; the
same seeded fit, so the same probe) reads the airline **dev-split** tweets (even ids) of the held-out
fifth: tweets it never trained on, as the shipped model meets a new airline tweet. The complaint
threshold with the best complaint F1 there is the one ``config/airline.yaml`` sets under
``classification.thresholds``. The test split (odd ids) is never read; ``make bench`` reports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from socialdesk.learning.model import RoutingModel
from socialdesk.learning.trainer import Example, TrainingConfig
from training.__main__ import VERSION, f1, fit_probe, folds
from training.corpus import base_examples

#: complaint thresholds tried (0.20 … 0.70)
GRID = tuple(round(0.2 + 0.01 * i, 2) for i in range(51))


def scored(probe: RoutingModel, validation: Sequence[Example], source: str) -> list[tuple[float, bool]]:
    """(complaint probability, is a complaint) of the validation examples from ``source``."""
    return [
        (probe.predict(e.text).intents["complaint"], e.intent == "complaint")
        for e in validation
        if e.source == source
    ]


def best_threshold(pairs: Sequence[tuple[float, bool]], grid: Sequence[float] = GRID) -> float:
    """The threshold of ``grid`` with the best F1 (ties: the one nearest 0.5)."""
    return max(grid, key=lambda t: (round(f1([(p >= t, a) for p, a in pairs]), 4), -abs(t - 0.5)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.policy_thresholds", description=__doc__)
    parser.add_argument("--source", default="airline", help="the training source whose dev rows decide")
    parser.add_argument("--probe", type=Path, help="a probe model file saved by an earlier run")
    parser.add_argument("--save-probe", type=Path, help="write the probe here, to skip training next time")
    args = parser.parse_args(argv)
    examples = base_examples()
    if args.probe:
        probe, validation = RoutingModel.load(args.probe), folds(examples)[1]
    else:
        probe, validation = fit_probe(examples, f"{VERSION}-probe", TrainingConfig())
    if args.save_probe:
        args.save_probe.write_bytes(probe.to_bytes())
    pairs = scored(probe, validation, args.source)
    print(f"{len(pairs)} {args.source} dev rows of the validation fifth (the probe never trained on them):")
    best = best_threshold(pairs)
    for t in sorted({*GRID[::5], best}):
        print(
            f"  complaint ≥ {t:.2f}: {line([(p >= t, a) for p, a in pairs])}{'  ← best' if t == best else ''}"
        )
    return 0


def line(pairs: Sequence[tuple[bool, bool]]) -> str:
    """P, R and F1 of (predicted, actual) pairs."""
    tp = sum(p and a for p, a in pairs)
    flagged, actual = sum(p for p, _ in pairs), sum(a for _, a in pairs)
    precision, recall = (tp / flagged if flagged else 0.0), (tp / actual if actual else 0.0)
    return f"P {precision:.3f} R {recall:.3f} F1 {f1(pairs):.3f}"


if __name__ == "__main__":
    sys.exit(main())
