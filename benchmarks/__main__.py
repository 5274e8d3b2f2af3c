"""Run the benchmarks and print their figures: all suites, or those named (`python -m benchmarks ingest`)."""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

#: what ``make bench`` runs, in order (``make faults`` runs the fault suite)
SUITES = (
    "ingest",
    "cold_start",
    "classification",
    "routing_confusion",
    "routing",
    "assignment",
    "escalation",
    "reports",
    "replay",
)


def main(names: list[str]) -> None:
    """Print the figures of each suite in ``names`` (all of them when empty)."""
    unknown = sorted(set(names) - set(SUITES))
    if unknown:
        raise SystemExit(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    for name in names or SUITES:
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
