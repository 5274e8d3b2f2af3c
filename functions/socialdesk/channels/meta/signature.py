"""Meta webhook security: the ``hub.challenge`` handshake and the ``X-Hub-Signature-256`` check."""

from __future__ import annotations

import hmac

from socialdesk.channels.signing import hmac_sha256, require_match
from socialdesk.domain.errors import VerificationFailed

SIGNATURE_HEADER = "x-hub-signature-256"


def answer_challenge(mode: str | None, verify_token: str | None, challenge: str | None, expected: str) -> str:
    """Return the challenge to echo when mode is ``subscribe`` and the verify token matches.

    Raises
    ------
    VerificationFailed
        On a wrong mode, a wrong or missing token, or a missing challenge.
    """
    if mode != "subscribe" or challenge is None or verify_token is None:
        raise VerificationFailed("hub.mode must be subscribe with hub.verify_token and hub.challenge")
    if not hmac.compare_digest(verify_token.encode("utf-8"), expected.encode("utf-8")):
        raise VerificationFailed("hub.verify_token does not match")
    return challenge


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta sends for ``body``: ``sha256=<lowercase hex>``."""
    return "sha256=" + hmac_sha256(app_secret, body).hex()


def verify_signature(app_secret: str, body: bytes, header_value: str | None) -> None:
    """Check ``X-Hub-Signature-256`` on the raw body bytes (the legacy SHA-1 header is not accepted).

    Raises
    ------
    SignatureInvalid
        When the header is missing or does not match.
    """
    presented = header_value.strip().lower() if header_value else header_value
    require_match(sign(app_secret, body), presented, what=SIGNATURE_HEADER)
