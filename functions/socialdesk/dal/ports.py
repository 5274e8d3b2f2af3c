"""Ports: the storage and secret capabilities the logic depends on, as protocols."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from socialdesk.domain.mention import Channel, Mention


class WriteOutcome(StrEnum):
    """What one ingest write did."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    UPDATED = "updated"
    TOMBSTONED = "tombstoned"
    OUTBOUND = "outbound"
    IGNORED = "ignored"


class MentionRepository(Protocol):
    """Stores mentions exactly once, keyed by channel + external id."""

    def add(self, mention: Mention) -> WriteOutcome:
        """Store a new mention once: STORED, or DUPLICATE when it is already there."""
        ...

    def add_outbound(self, message: Mention) -> WriteOutcome:
        """Record the brand's own message once: OUTBOUND, or DUPLICATE."""
        ...

    def apply_edit(self, mention: Mention, edited_at: datetime) -> WriteOutcome:
        """Update the stored text (UPDATED), store it if new (STORED), or DUPLICATE if stale/deleted."""
        ...

    def tombstone(self, channel: Channel, external_id: str, deleted_at: datetime) -> WriteOutcome:
        """Remove the content and keep the id: TOMBSTONED, or DUPLICATE when already gone."""
        ...

    def get(self, channel: str, external_id: str) -> Mention | None:
        """The stored mention, or None (tombstones included, with empty text)."""
        ...


class RawPayloadArchive(Protocol):
    """Keeps the exact bytes of every accepted delivery for a retention period."""

    def archive(self, channel: str, body: bytes) -> str:
        """Store ``body`` and return a reference to it (idempotent for identical bytes)."""
        ...


class SecretSource(Protocol):
    """Returns a named secret (webhook signing keys, verify tokens)."""

    def get(self, name: str) -> str | None:
        """The secret's value, or None when no such secret exists."""
        ...
