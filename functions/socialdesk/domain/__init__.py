"""Pure support-domain model: mentions, webhook outcomes, errors (no boto3, no framework)."""

from __future__ import annotations

from socialdesk.domain.errors import (
    DomainError,
    MentionNotFound,
    PayloadInvalid,
    PayloadTooLarge,
    SignatureInvalid,
    StorageUnavailable,
    VerificationFailed,
)
from socialdesk.domain.mention import (
    Attachment,
    Author,
    Channel,
    Direction,
    Engagement,
    Mention,
    MentionKind,
    MentionStatus,
    StoredMention,
)
from socialdesk.domain.timeutil import to_utc
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

__all__ = [
    "Attachment",
    "Author",
    "BackupReceived",
    "Channel",
    "Direction",
    "DomainError",
    "Engagement",
    "EventIgnored",
    "InboundEvent",
    "Mention",
    "MentionDeleted",
    "MentionEdited",
    "MentionKind",
    "MentionNotFound",
    "MentionReceived",
    "MentionStatus",
    "OutboundMessageSeen",
    "PayloadInvalid",
    "PayloadTooLarge",
    "PersonErasureRequested",
    "SignatureInvalid",
    "StorageUnavailable",
    "StoredMention",
    "VerificationFailed",
    "to_utc",
]
