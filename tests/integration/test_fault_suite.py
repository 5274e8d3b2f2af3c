"""The fault suite, small: with 10% of attempts throttled, or 10% of calls failed after the SDK's
retries, and deliveries redelivered, nothing is lost or done twice (``make faults`` runs it at full
size and prints the table)."""

from __future__ import annotations

from benchmarks.faults import print_table, suite


def test_every_row_of_the_fault_table_is_zero() -> None:
    tables = suite(messages=30, replies=8, reply_faults_count=3)  # both models: attempts and calls
    print_table(tables, 0)
    rows = [row for found in tables.values() for row in found]
    assert all(row.of > 0 for row in rows), rows  # every row measured something
    assert [row for row in rows if row.count] == []
