"""Run every benchmark and print its figures."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from benchmarks import classification, ingest, routing


def main() -> None:
    """Print the ingest, classification and routing figures."""
    ingest.main()
    classification.main()
    routing.main()


if __name__ == "__main__":
    main()
