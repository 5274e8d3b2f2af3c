"""Pure support-domain model: mentions, webhook outcomes, errors (no boto3, no framework).

The package's names load with their module on first use (PEP 562): importing any one domain
module (``socialdesk.domain.ticket``) does not build the mention and webhook models too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialdesk.domain.errors import (
        DomainError,
        MentionNotFound,
        NotFound,
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

_MODULE_OF = {
    **dict.fromkeys(
        (
            "DomainError",
            "MentionNotFound",
            "NotFound",
            "PayloadInvalid",
            "PayloadTooLarge",
            "SignatureInvalid",
            "StorageUnavailable",
            "VerificationFailed",
        ),
        "errors",
    ),
    **dict.fromkeys(
        (
            "Attachment",
            "Author",
            "Channel",
            "Direction",
            "Engagement",
            "Mention",
            "MentionKind",
            "MentionStatus",
            "StoredMention",
        ),
        "mention",
    ),
    "to_utc": "timeutil",
    **dict.fromkeys(
        (
            "BackupReceived",
            "EventIgnored",
            "InboundEvent",
            "MentionDeleted",
            "MentionEdited",
            "MentionReceived",
            "OutboundMessageSeen",
            "PersonErasureRequested",
        ),
        "webhook",
    ),
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


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
    "NotFound",
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
