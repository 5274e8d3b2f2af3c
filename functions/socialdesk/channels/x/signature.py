"""X (Twitter) webhook security: the CRC challenge and the ``x-twitter-webhooks-signature`` check."""

from __future__ import annotations

from socialdesk.channels.signing import b64, hmac_sha256, require_match

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    """Return ``sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>`` for the CRC GET."""
    return "sha256=" + b64(hmac_sha256(consumer_secret, crc_token.encode("utf-8")))


def sign(consumer_secret: str, body: bytes) -> str:
    """The header value X sends for ``body`` (used by tests, events and the local demo)."""
    return "sha256=" + b64(hmac_sha256(consumer_secret, body))


def verify_signature(consumer_secret: str, body: bytes, header_value: str | None) -> None:
    """Check the POST signature on the raw body bytes.

    Raises
    ------
    SignatureInvalid
        When the header is missing or does not match.
    """
    require_match(sign(consumer_secret, body), header_value, what=SIGNATURE_HEADER)
