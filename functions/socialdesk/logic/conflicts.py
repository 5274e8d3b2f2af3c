"""Optimistic concurrency: re-read and re-apply a change until its conditional write wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from socialdesk.domain.errors import Conflict

T = TypeVar("T")

#: how many times a read-change-write cycle is tried before the conflict propagates
ATTEMPTS = 6


def retry_on_conflict(attempt: Callable[[], T], *, attempts: int = ATTEMPTS, what: str = "change") -> T:
    """Run ``attempt`` (read, decide, conditional write) again while it raises :class:`Conflict`.

    Raises
    ------
    Conflict
        When every attempt lost its race (the caller's own retry, or the state machine's, takes over).
    """
    for _ in range(attempts - 1):
        try:
            return attempt()
        except Conflict:
            continue
    try:
        return attempt()
    except Conflict as conflict:
        raise Conflict(f"the {what} kept racing: {conflict.reason}") from conflict
