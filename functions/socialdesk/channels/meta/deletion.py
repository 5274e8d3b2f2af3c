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


def verify_signed_request(signed_request: str, app_secret: str) -> dict[str, object]:
    """``<base64url HMAC-SHA256(app secret, payload)>.<base64url JSON payload>`` → the payload.

    Raises
    ------
    PayloadInvalid
        When it is not two base64url parts with a JSON object naming a ``user_id``.
    SignatureInvalid
        When the signature does not match or the algorithm is not HMAC-SHA256.
    """
    signature_part, _, payload_part = signed_request.strip().partition(".")
    if not signature_part or not payload_part:
        raise PayloadInvalid("signed_request must be <signature>.<payload>")
    try:
        signature = _b64url(signature_part)
        payload = json.loads(_b64url(payload_part))
    except (binascii.Error, ValueError):
        raise PayloadInvalid("signed_request is not base64url JSON") from None
    if not isinstance(payload, dict) or not str(payload.get("user_id") or ""):
        raise PayloadInvalid("signed_request names no user_id")
    if str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        raise SignatureInvalid("signed_request algorithm must be HMAC-SHA256")
    expected = hmac.new(app_secret.encode(), payload_part.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureInvalid("signed_request signature does not match")
    return payload


def sign_request(payload: dict[str, object], app_secret: str) -> str:
    """Build a ``signed_request`` the way Meta does (tests and the local demo)."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    digest = hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + "." + body
