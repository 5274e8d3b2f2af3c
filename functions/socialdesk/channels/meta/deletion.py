"""Meta's data-deletion callback: verify the ``signed_request`` and read the user id it names."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from socialdesk.domain.errors import PayloadInvalid, SignatureInvalid


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


#: a signed request older than this (or this far in the future) is a replay, not Meta's callback
MAX_AGE_SECONDS = 24 * 3600
_FUTURE_SKEW_SECONDS = 300


def verify_signed_request(signed_request: str, app_secret: str, *, now: float) -> dict[str, object]:
    """``<base64url HMAC-SHA256(app secret, payload)>.<base64url JSON payload>`` → the payload.

    The signature is checked on the raw payload part before anything is decoded, and the request
    must have been issued within the last day (``issued_at``): an old signed request replayed by
    someone who captured it erases nothing.

    Raises
    ------
    SignatureInvalid
        When the signature does not match, the algorithm is not HMAC-SHA256, or it is too old.
    PayloadInvalid
        When it is not two base64url parts with a JSON object naming a ``user_id``.
    """
    signature_part, _, payload_part = signed_request.strip().partition(".")
    if not signature_part or not payload_part or len(signed_request) > 8192:
        raise PayloadInvalid("signed_request must be <signature>.<payload>")
    try:
        signature = _b64url(signature_part)
    except (binascii.Error, ValueError):
        raise PayloadInvalid("signed_request is not base64url") from None
    expected = hmac.new(app_secret.encode(), payload_part.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureInvalid("signed_request signature does not match")
    try:
        payload = json.loads(_b64url(payload_part))
    except (binascii.Error, ValueError, RecursionError):
        raise PayloadInvalid("signed_request is not base64url JSON") from None
    if not isinstance(payload, dict) or not str(payload.get("user_id") or ""):
        raise PayloadInvalid("signed_request names no user_id")
    if str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise SignatureInvalid("signed_request algorithm must be HMAC-SHA256")
    issued = payload.get("issued_at")
    if not isinstance(issued, int) or isinstance(issued, bool):
        raise PayloadInvalid("signed_request has no issued_at")
    if not now - MAX_AGE_SECONDS <= issued <= now + _FUTURE_SKEW_SECONDS:
        raise SignatureInvalid("signed_request was not issued within the last day")
    return payload


def sign_request(payload: dict[str, object], app_secret: str) -> str:
    """Build a ``signed_request`` the way Meta does (tests and the local demo)."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    digest = hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + "." + body
