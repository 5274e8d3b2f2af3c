"""Use case: make a verified delivery durable — write each mention exactly once, then archive the raw bytes.

The raw bytes are archived only when the delivery stored something new: a redelivery, a second
envelope of a known message, or an old payload of an erased person archives nothing. The archive is
a best-effort copy for debugging and replays; the stored mentions are what the desk works from, so
an archive failure is counted (``RawArchiveFailures``) rather than refused to the platform.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from pydantic import ConfigDict

from socialdesk.dal.ports import ErasureRequests, MentionRepository, RawPayloadArchive, WriteOutcome
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.mention import Mention
from socialdesk.domain.model import Model
from socialdesk.domain.webhook import (
    BackupReceived,
    EventIgnored,
    InboundEvent,
    MentionDeleted,
    MentionEdited,
    MentionReceived,
    OutboundMessageSeen,
    PersonErasureRequested,
)

_EXCERPT = 60


class ItemOutcome(Model):
    """What happened to one item of a delivery (for metrics, the demo table and tests)."""

    model_config = ConfigDict(frozen=True)

    outcome: WriteOutcome
    event: str
    channel: str | None = None
    external_id: str | None = None
    kind: str | None = None
    author: str | None = None
    excerpt: str | None = None
    reason: str | None = None


class IngestReport(Model):
    """Every item's outcome, in delivery order."""

    model_config = ConfigDict(frozen=True)

    items: tuple[ItemOutcome, ...]
    archive_failed: bool = False

    def count(self, outcome: WriteOutcome) -> int:
        """How many items ended with ``outcome``."""
        return sum(1 for item in self.items if item.outcome is outcome)


def ingest_delivery(
    events: Sequence[InboundEvent],
    *,
    channel: str,
    body: bytes,
    mentions: MentionRepository,
    archive: RawPayloadArchive,
    erasures: ErasureRequests | None = None,
    workers: int = 16,
) -> IngestReport:
    """Archive ``body`` once, then apply every event with one conditional write each.

    Writes run concurrently for batches (Meta sends up to 1000 updates in one POST). Any storage
    failure propagates as :class:`~socialdesk.domain.errors.StorageUnavailable`, so the platform
    is asked to redeliver; items already written then come back as duplicates.

    Parameters
    ----------
    events
        The parsed delivery.
    channel
        Webhook family (``x``, ``meta``, ``generic-<source>``) used in the archive key.
    body
        The exact bytes that were verified.
    mentions, archive
        The ports.
    workers
        Upper bound on concurrent writes.
    """
    needs_storage = any(isinstance(e, MentionReceived | OutboundMessageSeen | MentionEdited) for e in events)
    raw_ref = archive.ref_for(channel, body) if needs_storage else None
    apply = _applier(mentions, archive, erasures, raw_ref)
    if len(events) <= 1:
        report = IngestReport(items=tuple(apply(event) for event in events))
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(events))) as pool:
            report = IngestReport(items=tuple(pool.map(apply, events)))
    new = {WriteOutcome.STORED, WriteOutcome.UPDATED, WriteOutcome.OUTBOUND}
    if raw_ref and any(item.outcome in new for item in report.items):
        try:
            archive.archive(channel, body)
        except StorageUnavailable:
            logging.getLogger(__name__).warning("raw payload not archived", extra={"webhook": channel})
            return report.model_copy(update={"archive_failed": True})
    return report


def _applier(
    mentions: MentionRepository,
    archive: RawPayloadArchive,
    erasures: ErasureRequests | None,
    raw_ref: str | None,
) -> Callable[[InboundEvent], ItemOutcome]:
    def with_ref(mention: Mention) -> Mention:
        return mention.model_copy(update={"raw_ref": raw_ref})

    def apply(event: InboundEvent) -> ItemOutcome:
        if isinstance(event, MentionReceived):
            return _described(event.type, mentions.add(with_ref(event.mention)), event.mention)
        if isinstance(event, OutboundMessageSeen):
            return _described(event.type, mentions.add_outbound(with_ref(event.message)), event.message)
        if isinstance(event, MentionEdited):
            outcome = mentions.apply_edit(with_ref(event.mention), event.edited_at)
            return _described(event.type, outcome, event.mention)
        if isinstance(event, MentionDeleted):
            outcome, payloads = mentions.tombstone(event.channel, event.external_id, event.deleted_at)
            if payloads:  # the author deleted it: its archived payloads go too (then their references)
                for ref in payloads:
                    archive.delete(ref)
                mentions.forget_payloads(event.channel.value, event.external_id)
            return ItemOutcome(
                outcome=outcome, event=event.type, channel=event.channel.value, external_id=event.external_id
            )
        if isinstance(event, PersonErasureRequested) and erasures is not None:
            recorded = erasures.request(
                erasure_id(event),
                [c.value for c in event.channels],
                event.author_id,
                event.reason,
                event.requested_at,
            )
            return ItemOutcome(
                outcome=WriteOutcome.ERASURE_REQUESTED if recorded else WriteOutcome.DUPLICATE,
                event=event.type,
                channel=event.channels[0].value,
                reason=event.reason,
            )
        if isinstance(event, BackupReceived):
            return ItemOutcome(
                outcome=mentions.add_backup(event),
                event=event.type,
                channel=event.channel.value,
                external_id=event.backup_id,
                kind=event.kind,
            )
        if isinstance(event, EventIgnored):
            return ItemOutcome(
                outcome=WriteOutcome.IGNORED,
                event=event.type,
                channel=event.channel.value if event.channel else None,
                reason=event.reason,
            )
        return ItemOutcome(outcome=WriteOutcome.IGNORED, event=event.type, reason="erasure not configured")

    return apply


def erasure_id(event: PersonErasureRequested) -> str:
    """A random confirmation code (24 hex): nobody can derive it from what they know of the person.

    A redelivered request gets another code; erasing twice erases nothing more.
    """
    return secrets.token_hex(12)


def _described(event: str, outcome: WriteOutcome, mention: Mention) -> ItemOutcome:
    author = mention.author.handle or mention.author.name or mention.author.id
    text = " ".join(mention.text.split())
    return ItemOutcome(
        outcome=outcome,
        event=event,
        channel=mention.channel.value,
        external_id=mention.external_id,
        kind=mention.kind.value,
        author=author,
        excerpt=text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else ""),
    )
