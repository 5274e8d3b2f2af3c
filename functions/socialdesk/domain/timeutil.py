"""Timestamp normalisation: seconds, milliseconds, numeric strings, ISO 8601 and Twitter's format → UTC."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

_TWITTER_FORMAT = "%a %b %d %H:%M:%S %z %Y"
#: numbers above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973)
_MS_THRESHOLD = 100_000_000_000


def to_utc(value: object) -> datetime:
    """Return ``value`` as a timezone-aware UTC datetime.

    Parameters
    ----------
    value
        A datetime, epoch seconds or milliseconds (int, float or numeric string), an ISO 8601
        string (``Z`` or offset; naive means UTC) or Twitter's ``"Wed Nov 21 00:13:13 +0000 2018"``.

    Raises
    ------
    ValueError
        When the value is none of those.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float (10**400): no timestamp
            raise ValueError("timestamp out of range: too many digits") from None
        return _from_epoch(number)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _from_epoch(float(text))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.strptime(text, _TWITTER_FORMAT)
            except ValueError:
                raise ValueError(f"unrecognised timestamp: {value!r}") from None
        return to_utc(parsed)
    raise ValueError(f"not a timestamp: {value!r}")


def months_touched(start: datetime, end: datetime) -> list[str]:
    """Every month (``YYYY-MM``, UTC) the period [start, end) touches."""
    month, last = start.astimezone(UTC).replace(day=1), end.astimezone(UTC)
    found = []
    while month < last:
        found.append(f"{month:%Y-%m}")
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0)
    return found


def _from_epoch(number: float) -> datetime:
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise ValueError(f"not a timestamp: {number!r}")
    seconds = number / 1000 if number >= _MS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp out of range: {number!r}") from None
