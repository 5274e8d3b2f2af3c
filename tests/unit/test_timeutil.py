"""Every timestamp shape the platforms send normalises to the same UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from socialdesk.domain.timeutil import to_utc

INSTANT = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        1795424400,  # Meta feed created_time (seconds)
        1795424400000,  # Messenger timestamp (milliseconds)
        "1795424400",  # WhatsApp timestamp (string seconds)
        "1795424400000",  # X created_timestamp / timestamp_ms (string milliseconds)
        "2026-11-23T09:00:00.000Z",  # XAA ISO 8601
        "2026-11-23T10:00:00+01:00",  # offset
        "2026-11-23T09:00:00",  # naive ISO means UTC
        "Mon Nov 23 09:00:00 +0000 2026",  # X v1.1 created_at
        datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_every_shape_is_the_same_instant(value: object) -> None:
    assert to_utc(value) == INSTANT
    assert to_utc(value).tzinfo is UTC


@pytest.mark.parametrize(
    "value", [None, True, "yesterday", -1, float("nan"), 10**30, 10**400, -(10**400), [], {}]
)
def test_non_timestamps_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        to_utc(value)
