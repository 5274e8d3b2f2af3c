"""How soon the brand must answer: the priority a queue sorts on."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """How soon the brand must answer; the queue sorts on :attr:`rank`."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for urgent … 3 for low (queues sort ascending)."""
        return list(Priority).index(self)

    def raised(self) -> Priority:
        """One step more urgent (urgent stays urgent)."""
        return list(Priority)[max(0, self.rank - 1)]

    @classmethod
    def most_urgent(cls, *priorities: Priority) -> Priority:
        """The most urgent of the given priorities."""
        return min(priorities, key=lambda p: p.rank)

    def above(self, other: Priority) -> bool:
        """Strictly more urgent than ``other``."""
        return self.rank < other.rank
