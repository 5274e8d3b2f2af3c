"""Run every benchmark and print its figures."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from benchmarks import classification, escalation, ingest, reports, routing, routing_confusion


def main() -> None:
    """Print every suite's figures."""
    ingest.main()
    classification.main()
    routing_confusion.main()
    routing.main()
    escalation.main()
    reports.main()


if __name__ == "__main__":
    main()
