"""Business-time arithmetic: 24/7, office hours, holidays, overnight spans and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from socialdesk.domain.priority import Priority
from socialdesk.domain.sla import Calendar, ClockKind, EscalationLevel, EscalationPolicy, SlaPolicy

OFFICE = Calendar(
    timezone="Europe/London",
    hours={d: (("09:00", "17:00"),) for d in ("mon", "tue", "wed", "thu", "fri")},
    holidays=(date(2026, 12, 25),),
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_always_open_adds_wall_clock_minutes() -> None:
    assert Calendar().add(utc(2026, 11, 23, 23, 50), 15) == utc(2026, 11, 24, 0, 5)


def test_within_office_hours_the_clock_runs() -> None:
    # Monday 10:00 London (GMT in November) + 60 min
    assert OFFICE.add(utc(2026, 11, 23, 10, 0), 60) == utc(2026, 11, 23, 11, 0)


def test_after_hours_the_clock_waits_for_the_next_morning() -> None:
    # Monday 16:30 + 60 min = 30 min today, 30 min on Tuesday from 09:00
    assert OFFICE.add(utc(2026, 11, 23, 16, 30), 60) == utc(2026, 11, 24, 9, 30)


def test_weekend_and_overnight_messages_start_on_monday_morning() -> None:
    saturday_night = utc(2026, 11, 28, 23, 0)
    assert OFFICE.add(saturday_night, 15) == utc(2026, 11, 30, 9, 15)


def test_holidays_are_skipped() -> None:
    # Thursday 24 Dec 16:00 + 120 min: 60 min on the 24th; Friday the 25th is a holiday, then the
    # weekend; the last 60 min run on Monday the 28th from 09:00
    assert OFFICE.add(utc(2026, 12, 24, 16, 0), 120) == utc(2026, 12, 28, 10, 0)


def test_office_hours_follow_the_local_clock_across_the_dst_change() -> None:
    # London moves to BST on Sunday 29 March 2026: 09:00 local is 09:00 UTC on Friday, 08:00 UTC on Monday
    friday_afternoon = utc(2026, 3, 27, 16, 30)  # 16:30 GMT
    assert OFFICE.add(friday_afternoon, 60) == utc(2026, 3, 30, 8, 30)  # Monday 09:30 BST


def test_an_overnight_span_runs_past_midnight() -> None:
    night = Calendar(timezone="UTC", hours={"mon": (("22:00", "06:00"),)})
    assert night.add(utc(2026, 11, 23, 23, 0), 120) == utc(2026, 11, 24, 1, 0)
    assert night.add(utc(2026, 11, 24, 5, 0), 120) == utc(2026, 11, 30, 23, 0)  # next Monday night


def test_a_skipped_wall_time_does_not_break_a_24_7_local_calendar() -> None:
    new_york = Calendar(
        timezone="America/New_York",
        hours={d: (("00:00", "00:00"),) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    )
    start = utc(2026, 3, 8, 6, 30)  # 01:30 EST, half an hour before clocks jump to 03:00 EDT
    assert new_york.add(start, 60) == utc(2026, 3, 8, 7, 30)  # elapsed real time, not wall time


def test_elapsed_counts_only_open_minutes() -> None:
    assert OFFICE.elapsed(utc(2026, 11, 23, 16, 30), utc(2026, 11, 24, 9, 30)) == 60


def test_sla_shorthand_and_targets() -> None:
    policy = SlaPolicy.model_validate({"urgent": 5, "high": 10, "normal": 20, "low": 30})
    assert policy.target(ClockKind.NEXT_RESPONSE, Priority.HIGH) == 10
    assert policy.escalation == "standard"


def test_escalation_levels_must_be_in_firing_order() -> None:
    with pytest.raises(ValueError, match="firing order"):
        EscalationPolicy(
            levels=(
                EscalationLevel(name="late", after_breach_minutes=30),
                EscalationLevel(name="early", after_breach_minutes=0),
            )
        )
    with pytest.raises(ValueError, match="exactly one"):
        EscalationLevel(name="x")


def test_unknown_time_zone_or_weekday_is_rejected() -> None:
    with pytest.raises(ValueError):
        Calendar(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="weekday"):
        Calendar(hours={"someday": (("09:00", "17:00"),)})
