"""Refit the routing model from the desk's corrections; list versions; roll back.

Usage (with AWS credentials for the stack's account)::

    python -m socialdesk.tools.refit --table <TableName> --bucket <ModelBucket> [--days 90] [--dry-run]
    python -m socialdesk.tools.refit --table <TableName> --bucket <ModelBucket> --list
    python -m socialdesk.tools.refit --table <TableName> --bucket <ModelBucket> --rollback <version>

A refit reads the corrections of the last ``--days`` days, trains a candidate by a warm start from
the live model (the registry's current version, or the packaged file), and compares both on the
held-out corrections (one ticket in five, stable). It publishes the candidate as a new version only
when it is more accurate there. ``--base-data`` mixes in the base training data (from a checkout
with ``../shared``); without it the warm start carries what the base data taught. The same entry
point (:func:`run`) suits a scheduled Lambda: it needs no scikit-learn or numpy.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from socialdesk.dal.corrections import DynamoCorrectionStore
from socialdesk.dal.model_registry import S3ModelRegistry
from socialdesk.learning.runtime import packaged_model
from socialdesk.learning.trainer import Example
from socialdesk.logic.refit_model import RefitOutcome, refit


def run(
    *,
    dynamodb: Any,
    s3: Any,
    table: str,
    bucket: str,
    now: datetime,
    days: int = 90,
    dry_run: bool = False,
    base: list[Example] | None = None,
    actor: str = "refit",
) -> RefitOutcome:
    """One refit against the stack's table and bucket (clients injected)."""
    return refit(
        corrections=DynamoCorrectionStore(dynamodb, table),
        registry=S3ModelRegistry(s3, dynamodb, bucket, table),
        fallback=packaged_model(),
        since=now - timedelta(days=days),
        now=now,
        actor=actor,
        base=base or (),
        dry_run=dry_run,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m socialdesk.tools.refit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--table", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--days", type=int, default=90, help="corrections window (default 90 days)")
    parser.add_argument("--dry-run", action="store_true", help="evaluate, never publish")
    parser.add_argument("--base-data", action="store_true", help="mix in the base data (needs ../shared)")
    parser.add_argument("--list", action="store_true", help="list versions and the audit trail")
    parser.add_argument("--rollback", metavar="VERSION", help="make an earlier version current")
    parser.add_argument("--actor", default="refit-cli")
    args = parser.parse_args(argv)

    import boto3

    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    registry = S3ModelRegistry(s3, dynamodb, args.bucket, args.table)
    now = datetime.now(UTC)
    if args.list:
        current = registry.current_version()
        for version in registry.versions():
            mark = "*" if version.version == current else " "
            print(f"{mark} {version.version}  {version.created_at:%Y-%m-%d %H:%M}  {version.reason}")
        for event in registry.history():
            print(
                f"  {event.at:%Y-%m-%d %H:%M} {event.action} {event.previous} → {event.version} "
                f"by {event.actor}"
            )
        return 0
    if args.rollback:
        registry.rollback(args.rollback, actor=args.actor, at=now, reason="rollback from the command line")
        print(f"current model: {args.rollback}")
        return 0
    base = None
    if args.base_data:
        from training.corpus import DatasetsAbsent, base_examples

        try:
            base = base_examples()
        except DatasetsAbsent as error:
            print(f"socialdesk refit --base-data: {error}", file=sys.stderr)
            return 2
    outcome = run(
        dynamodb=dynamodb,
        s3=s3,
        table=args.table,
        bucket=args.bucket,
        now=now,
        days=args.days,
        dry_run=args.dry_run,
        base=base,
        actor=args.actor,
    )
    print(
        f"{outcome.reason}: live {outcome.live_version} {outcome.live_accuracy}, candidate "
        f"{outcome.candidate_version} {outcome.candidate_accuracy}; trained on {outcome.trained_on}, "
        f"held out {outcome.held_out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
