"""Generic signed webhooks: ``X-SocialDesk-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>``.

The same scheme signs SocialDesk's replies to a source's callback URL, with a purpose prefix:
``X-SocialDesk-Reply-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "reply." t "." body)>``. An
inbound signed message always starts with the digits of ``t``, a reply's with ``reply.``, so a reply
SocialDesk signed can never be replayed to the inbound webhook as a delivery (no signing oracle).
"""

from __future__ import annotations

from socialdesk.channels.signing import hmac_sha256, require_match
from socialdesk.domain.errors import SignatureInvalid

SIGNATURE_HEADER = "x-socialdesk-signature"
#: the header of SocialDesk's signed replies to a source's callback URL
REPLY_SIGNATURE_HEADER = "x-socialdesk-reply-signature"
#: what a signed message starts with, per purpose: inbound deliveries have none, replies ``reply.``
INBOUND = b""
REPLY = b"reply."
#: deliveries signed more than this many seconds before (or after) now are rejected (replay protection)
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int, *, purpose: bytes = INBOUND) -> str:
    """The header value for ``body`` signed at ``timestamp`` (unix seconds) for ``purpose``."""
    digest = hmac_sha256(secret, purpose + str(timestamp).encode("ascii") + b"." + body).hex()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, body: bytes, header_value: str | None, *, now: float, purpose: bytes = INBOUND
) -> None:
    """Check the signature for ``purpose`` and its age against ``now`` (unix seconds).

    Several ``v1=`` values may be present (secret rotation); one match is enough.

    Raises
    ------
    SignatureInvalid
        When the header is missing or malformed, older than 300 s, or no ``v1`` matches.
    """
    if not header_value:
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER}")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header_value.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex>")
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} timestamp is outside the {TOLERANCE_SECONDS} s window")
    expected = sign(secret, body, timestamp, purpose=purpose).split("v1=", 1)[1]
    for candidate in candidates:
        try:
            require_match(expected, candidate, what=SIGNATURE_HEADER)
        except SignatureInvalid:
            continue
        return
    raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match")
