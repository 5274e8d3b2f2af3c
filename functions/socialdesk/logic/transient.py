"""Riding out a throttling burst inside one invocation: a storage fault is retried with backoff.

The SDK already retries each call (standard mode, 3 attempts). A sustained burst outlasts that, and
the next layer up — the state machine's ``Retry``, the stream's retry of a batch — repeats the whole
batch from its start, work already done included. :class:`TransientRetry` retries just the unit of
work that failed (one message, one stream record, one ticket) with full-jitter exponential backoff,
under a budget per invocation, so one unlucky call costs one item's retry, not the batch's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from socialdesk.domain.errors import Conflict, StorageUnavailable

T = TypeVar("T")

#: how a retry waits (the fault suite compresses it along with the SDK's and the ASL's backoff)
pause: Callable[[float], None] = time.sleep

#: what is worth retrying: a storage call that failed past the SDK's retries, a race lost six times
TRANSIENT: tuple[type[Exception], ...] = (StorageUnavailable, Conflict)


#: backoff jitter, seeded once per process (seeding reads urandom; a generator per retry cost ~1 % of the
#: local replay's CPU)
_JITTER = random.Random()  # noqa: S311 - backoff jitter, not a secret


class TransientRetry:
    """Retries units of work on transient faults, within ``budget_seconds`` of waiting in all.

    Parameters
    ----------
    attempts
        Tries per unit of work (the first included).
    base_seconds, cap_seconds
        Full-jitter backoff: the n-th wait is uniform in ``[0, min(cap, base * 2**n)]``.
    budget_seconds
        Waiting allowed per instance (one invocation): once spent, a fault propagates at once and the
        caller's own retry (the state machine's, the stream's) takes over.
    """

    def __init__(
        self,
        *,
        attempts: int = 5,
        base_seconds: float = 0.1,
        cap_seconds: float = 2.0,
        budget_seconds: float = 10.0,
    ) -> None:
        self.attempts = attempts
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.budget_seconds = budget_seconds
        self.retried = 0

    def run(self, work: Callable[[], T], *, on: tuple[type[Exception], ...] = TRANSIENT) -> T:
        """``work()``, retried on the faults ``on`` names while attempts and budget last."""
        for attempt in range(self.attempts - 1):
            try:
                return work()
            except on:
                wait = _JITTER.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))
                if wait > self.budget_seconds:
                    raise
            self.budget_seconds -= wait
            self.retried += 1
            pause(wait)
        return work()
