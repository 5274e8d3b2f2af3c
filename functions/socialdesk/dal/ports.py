"""Ports: the storage and secret capabilities the logic depends on, as protocols."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from socialdesk.domain.mention import Channel, Mention, StoredMention


class WriteOutcome(StrEnum):
    """What one ingest write did."""

    ERASURE_REQUESTED = "erasure_requested"
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

    def tombstone(
        self, channel: Channel, external_id: str, deleted_at: datetime
    ) -> tuple[WriteOutcome, str | None]:
        """Remove the content and keep the id: TOMBSTONED (with the old raw_ref), or DUPLICATE."""
        ...

    def by_author(self, channel: str, author_id: str) -> list[dict[str, Any]]:
        """Keys (PK, SK) and archive refs of everything one person wrote on a channel."""
        ...

    def erase(self, key: dict[str, Any], at: datetime) -> None:
        """Remove one message's content and its author's identity."""
        ...

    def get(self, channel: str, external_id: str) -> StoredMention | None:
        """The stored mention, or None (tombstones included, with empty text)."""
        ...


class RawPayloadArchive(Protocol):
    """Keeps the exact bytes of every accepted delivery for a retention period."""

    def archive(self, channel: str, body: bytes) -> str:
        """Store ``body`` and return a reference to it (idempotent for identical bytes)."""
        ...

    def delete(self, ref: str) -> None:
        """Erase an archived payload (privacy); a missing one is fine."""
        ...


class ErasureRequests(Protocol):
    """Records a person's erasure request, once; the stream then carries it out."""

    def request(
        self, request_id: str, channels: list[str], author_id: str, reason: str, at: datetime
    ) -> bool:
        """Store the request (True) unless it exists already (False)."""
        ...


class SecretSource(Protocol):
    """Returns a named secret (webhook signing keys, verify tokens)."""

    def get(self, name: str) -> str | None:
        """The secret's value, or None when no such secret exists."""
        ...
