"""X (Twitter): Account Activity API v1.1 and X Activity API v2 webhooks."""

from __future__ import annotations

from socialdesk.channels.x.parse import parse_delivery
from socialdesk.channels.x.signature import (
    SIGNATURE_HEADER,
    checked_crc_token,
    crc_response_token,
    sign,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADER",
    "checked_crc_token",
    "crc_response_token",
    "parse_delivery",
    "sign",
    "verify_signature",
]
