"""Run every benchmark and print its figures."""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from benchmarks import ingest


def main() -> None:
    """Print the ingest figures (more suites join as the issues land)."""
    ingest.main()


if __name__ == "__main__":
    main()
