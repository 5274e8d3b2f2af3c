"""The fuzz benchmark: ``FUZZ_BODIES`` hostile bodies to every POST route of the local stack, counted.

The routes, bodies and senders are ``tests/support/fuzz_routes.py`` (``FUZZ_ROUTES=replies,/webhooks/x``
keeps only the routes containing one of those). Every answer must be a 2xx, or a 4xx whose JSON names its
``reason``: ``make fuzz`` exits 1 on any 5xx or reasonless 4xx. ``tests/integration/test_api_fuzz.py`` runs
a few hundred bodies per route in ``make test``; this runs the 10,000.
"""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

import contextlib
import io
import sys
import time
import warnings

from local.seed import teams_of
from local.token import mint
from tests.support.fuzz_routes import Tally, Target, fuzz, seeded_desk, targets


def print_table(tallies: list[tuple[Target, Tally]], parameters: dict[str, str]) -> None:
    """One row per route; then up to 3 example bodies of each route's failures."""
    width = max(len(t.route) for _, t in tallies)
    print(
        f"\n# Fuzzed POST routes (ticket {parameters['ticket_id']}, incident {parameters['incident_id']})\n"
    )
    head = f"| {'sent':>6} | {'2xx':>6} | {'4xx':>6} | {'5xx':>4} | 4xx no reason | bodies/s |"
    print(f"| {'route':<{width}} {head}")
    print(f"|{'-' * (width + 2)}|-------:|-------:|-------:|-----:|--------------:|---------:|")
    for _, t in tallies:
        rate = t.sent / t.seconds if t.seconds else 0.0
        print(
            f"| {t.route:<{width}} | {t.sent:>6} | {t.ok:>6} | {t.client:>6} | {t.server:>4} "
            f"| {t.reasonless:>13} | {rate:>8.0f} |"
        )
    notes = [(target, t) for target, t in tallies if target.note and target.note != "signed"]
    for target, t in notes:
        print(f"  {t.route}: {target.note}")
    for _, t in tallies:
        for status, body, answer in t.failures:
            print(f"\n{t.route} → {status}: body {body[:120]!r}{'…' if len(body) > 120 else ''}")
            print(f"  answer {answer[:200]!r}")


def main() -> None:
    """``make fuzz``: ``FUZZ_BODIES`` (default 10,000) per POST route; 1 on a 5xx or reasonless 4xx."""
    examples = int(os.environ.get("FUZZ_BODIES", "10000"))
    warnings.filterwarnings("ignore", "No application metrics")
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()), seeded_desk() as (gateway, parameters):
        token = mint(teams_of(gateway), "admin", "fuzz-admin")
        tallies = []
        only = [part for part in os.environ.get("FUZZ_ROUTES", "").split(",") if part]
        for target in targets(gateway, parameters, token):
            if only and not any(part in target.route.route_key for part in only):
                continue
            tally = fuzz(gateway, target, examples)
            tallies.append((target, tally))
            print(f"{tally.route}: {tally.sent} in {tally.seconds:.0f} s", file=sys.stderr)
    print_table(tallies, parameters)
    print(f"\n{sum(t.sent for _, t in tallies)} bodies in {time.monotonic() - started:.0f} s")
    if any(t.server or t.reasonless for _, t in tallies):
        sys.exit(1)


if __name__ == "__main__":
    main()
