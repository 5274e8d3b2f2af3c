"""SLA clocks in business time: calendars (time zone, weekly hours, holidays), targets, escalation levels."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from socialdesk.domain.model import Model
from socialdesk.domain.priority import Priority

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: how far ahead a deadline may be searched for (a calendar with almost no open hours)
_MAX_DAYS = 800


class ClockKind(StrEnum):
    """Which response the customer is waiting for."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"


class Calendar(Model):
    """When the clock runs: a time zone, opening hours per weekday, holidays. No hours = 24/7.

    ``hours`` maps ``mon``…``sun`` to ``[["09:00", "17:30"], ...]``; an interval whose end is not
    after its start runs past midnight (``["22:00", "06:00"]``). Days missing from ``hours`` are
    closed. Opening hours are wall-clock times in ``timezone``, so DST changes move them correctly.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    hours: dict[str, tuple[tuple[str, str], ...]] | None = None
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(
        cls, value: dict[str, tuple[tuple[str, str], ...]] | None
    ) -> dict[str, tuple[tuple[str, str], ...]] | None:
        if value is None:
            return None
        for day, intervals in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {WEEKDAYS}")
            for start, end in intervals:
                time.fromisoformat(start)
                time.fromisoformat(end)
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def always_open(self) -> bool:
        """24/7: no opening hours and no holidays."""
        return self.hours is None and not self.holidays

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC intervals the clock runs in that begin on local ``day`` (none on holidays)."""
        if day in self.holidays:
            return []
        spans = (("00:00", "00:00"),) if self.hours is None else self.hours.get(WEEKDAYS[day.weekday()], ())
        intervals = []
        for start, end in spans:
            opens = _local(day, time.fromisoformat(start), self.zone)
            end_day = day if time.fromisoformat(end) > time.fromisoformat(start) else day + timedelta(days=1)
            closes = _local(end_day, time.fromisoformat(end), self.zone)
            intervals.append((opens, closes))
        return intervals

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of open time have passed since ``start``."""
        if self.always_open:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # an overnight span may cover start
        for _ in range(_MAX_DAYS):
            for opens, closes in self.open_intervals(day):
                begin = max(opens, start)
                if begin >= closes:
                    continue
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no open time within two years")

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Open minutes between ``start`` and ``end`` (0 when end ≤ start)."""
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds() / 60
        total = timedelta()
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        while day <= end.astimezone(self.zone).date():
            for opens, closes in self.open_intervals(day):
                begin, finish = max(opens, start), min(closes, end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 60


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC. A time skipped by DST (spring forward) lands after the gap."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


class Targets(Model):
    """Minutes per priority."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urgent: int = Field(default=15, ge=1)
    high: int = Field(default=60, ge=1)
    normal: int = Field(default=240, ge=1)
    low: int = Field(default=1440, ge=1)

    def minutes(self, priority: Priority) -> int:
        """The target for ``priority``."""
        return int(getattr(self, priority.value))


class SlaPolicy(Model):
    """Response and resolution targets, the calendar they run on, and how breaches escalate.

    A plain ``{urgent: 15, high: 60, ...}`` mapping is accepted as shorthand: the same targets for
    the first and every next response, 24/7, the ``standard`` escalation policy.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar: str = "24x7"
    first_response: Targets = Field(default_factory=Targets)
    next_response: Targets = Field(default_factory=Targets)
    resolution: Targets | None = None
    escalation: str | None = "standard"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if isinstance(data, dict) and data and set(data) <= {p.value for p in Priority}:
            return {"first_response": data, "next_response": data}
        return data

    def target(self, kind: ClockKind, priority: Priority) -> int:
        """Minutes allowed for ``kind`` at ``priority``."""
        targets = self.first_response if kind is ClockKind.FIRST_RESPONSE else self.next_response
        return targets.minutes(priority)

    def resolution_target(self, priority: Priority) -> int | None:
        """Minutes allowed from the first customer message to resolution (None: no target)."""
        return self.resolution.minutes(priority) if self.resolution else None


Notify = Literal["assignee", "team", "lead", "manager", "escalation_team"]


class EscalationLevel(Model):
    """One step: when it fires (before or after the deadline) and what it does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    percent_of_target: float | None = Field(default=None, gt=0, lt=100)
    after_breach_minutes: int | None = Field(default=None, ge=0)
    notify: tuple[Notify, ...] = ()
    raise_priority: bool = False
    reassign_to: str | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> EscalationLevel:
        if (self.percent_of_target is None) == (self.after_breach_minutes is None):
            raise ValueError("give exactly one of percent_of_target or after_breach_minutes")
        return self

    @property
    def is_breach(self) -> bool:
        """Whether this level fires at or after the deadline."""
        return self.after_breach_minutes is not None


class EscalationPolicy(Model):
    """Ordered levels (warnings first, then breach steps)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[EscalationLevel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        keys = [
            (1, lv.after_breach_minutes) if lv.is_breach else (0, lv.percent_of_target) for lv in self.levels
        ]
        if keys != sorted(keys) or len(set(keys)) != len(keys):
            raise ValueError("levels must be in firing order: warnings by percent, then breaches by minutes")
        return self

    def fires_at(
        self,
        level: EscalationLevel,
        clock_started: datetime,
        target_minutes: int,
        deadline: datetime,
        calendar: Calendar,
    ) -> datetime:
        """When ``level`` fires for a clock that started at ``clock_started`` (business time)."""
        if level.percent_of_target is not None:
            return calendar.add(clock_started, target_minutes * level.percent_of_target / 100)
        return calendar.add(deadline, level.after_breach_minutes or 0)


DEFAULT_ESCALATION = EscalationPolicy(
    levels=(
        EscalationLevel(name="warning", percent_of_target=80, notify=("assignee",)),
        EscalationLevel(name="breach", after_breach_minutes=0, notify=("lead",), raise_priority=True),
        EscalationLevel(
            name="reassign", after_breach_minutes=30, notify=("escalation_team",), reassign_to="escalations"
        ),
        EscalationLevel(name="manager", after_breach_minutes=120, notify=("manager",)),
    )
)
ALWAYS_OPEN = Calendar()
