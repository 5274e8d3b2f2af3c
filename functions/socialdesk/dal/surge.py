"""Surge counting in DynamoDB: per-topic sets of tickets in fixed windows, read as a sliding window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from socialdesk.dal.table import Table
from socialdesk.domain.errors import Conflict

COUNTER_TTL = timedelta(days=2)
#: a window stops listing tickets past this many (it is a surge by then; the incident lists the rest)
MAX_MEMBERS = 100


def _window_start(at: datetime, minutes: int) -> int:
    seconds = minutes * 60
    return int(at.timestamp()) // seconds * seconds


def _counter_key(topic: str, start: int) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"SURGE#{topic}#{start}"}, "SK": {"S": "COUNT"}}


class DynamoSurgeCounter:
    """Counts each complaining ticket once per topic and window (a string set: a retry adds nothing).

    Parameters
    ----------
    client
        A boto3 DynamoDB client (injected).
    table_name
        The SocialDesk table.
    """

    def __init__(self, client: Any, table_name: str) -> None:
        self._table = Table(client, table_name, "surge counter")

    def count(self, topic: str, ticket_id: str, at: datetime, window_minutes: int) -> tuple[float, list[str]]:
        """Count ``ticket_id`` once in its window; return the sliding count and the tickets counted.

        The sliding estimate is ``current + previous * (1 - elapsed fraction of the current window)``.
        """
        start = _window_start(at, window_minutes)
        expires = int((at + COUNTER_TTL).timestamp())
        try:
            current = self._add(topic, start, ticket_id, expires)
        except Conflict:
            current = self._table.get(_counter_key(topic, start)) or {}
        previous = self._table.get(_counter_key(topic, start - window_minutes * 60)) or {}
        now_members = sorted(current.get("members") or ())
        before = sorted(previous.get("members") or ())
        elapsed = (at.timestamp() - start) / (window_minutes * 60)
        return len(now_members) + len(before) * max(0.0, 1.0 - elapsed), [*before, *now_members]

    def _add(self, topic: str, start: int, ticket_id: str, expires: int) -> dict[str, Any]:
        return self._table.update(
            _counter_key(topic, start),
            "ADD members :t SET expires_at = :exp, entity = :e",
            {":t": {ticket_id}, ":exp": expires, ":e": "surge_counter", ":max": MAX_MEMBERS},
            condition="attribute_not_exists(members) OR size(members) < :max",
            returns="ALL_NEW",
            conflict="the window is full",
        )
