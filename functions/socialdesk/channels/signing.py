"""HMAC helpers shared by every channel: constant-time comparison of signatures over raw bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac

from socialdesk.domain.errors import SignatureInvalid


def hmac_sha256(secret: str, message: bytes) -> bytes:
    """Return the raw HMAC-SHA256 digest of ``message`` under ``secret`` (UTF-8)."""
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def require_match(expected: str, presented: str | None, *, what: str) -> None:
    """Raise :class:`SignatureInvalid` unless ``presented`` equals ``expected`` (constant time)."""
    if not presented:
        raise SignatureInvalid(f"missing {what}")
    if not hmac.compare_digest(expected.encode("ascii"), presented.strip().encode("ascii", "replace")):
        raise SignatureInvalid(f"{what} does not match")


def b64(digest: bytes) -> str:
    """Standard base64 text of ``digest``."""
    return base64.b64encode(digest).decode("ascii")
