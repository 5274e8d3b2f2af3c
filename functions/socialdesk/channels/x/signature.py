"""X (Twitter) webhook security: the CRC challenge and the ``x-twitter-webhooks-signature`` check.

X signs both with the same key and the same function: the CRC answer is
``HMAC-SHA256(consumer secret, crc_token)`` and a POST's signature is
``HMAC-SHA256(consumer secret, body)``. An unauthenticated CRC GET is therefore a signing oracle
unless the two input spaces are kept apart. They are: a CRC token must look like the tokens X sends
(UUIDs and base64/base64url strings: letters, digits, ``- _ + / =``, 8-256 characters), and a POST
body is always a JSON object, which starts with ``{``, a character no token may contain. Both checks
are enforced, so no value the CRC endpoint signs can ever pass as a body signature.
"""

from __future__ import annotations

import re

from socialdesk.channels.signing import b64, hmac_sha256, require_match
from socialdesk.domain.errors import PayloadInvalid, SignatureInvalid

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
#: the shape of X's crc_token values; excludes every character a JSON object needs ("{", '"', ":")
CRC_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{8,256}")


def checked_crc_token(crc_token: str | None) -> str:
    """``crc_token`` when it has X's format.

    Raises
    ------
    PayloadInvalid
        When it is missing or not of X's format (it could then be a body an attacker wants signed).
    """
    if not crc_token:
        raise PayloadInvalid("crc_token is required")
    if not CRC_TOKEN.fullmatch(crc_token):
        raise PayloadInvalid("crc_token must be 8-256 characters of letters, digits, '-', '_', '+', '/', '='")
    return crc_token


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    """Return ``sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>`` for a well-formed CRC token."""
    token = checked_crc_token(crc_token)
    return "sha256=" + b64(hmac_sha256(consumer_secret, token.encode("utf-8")))


def sign(consumer_secret: str, body: bytes) -> str:
    """The header value X sends for ``body`` (used by tests, events and the local demo)."""
    return "sha256=" + b64(hmac_sha256(consumer_secret, body))


def verify_signature(consumer_secret: str, body: bytes, header_value: str | None) -> None:
    """Check the POST signature on the raw body bytes.

    A body that a CRC GET would sign (a token-shaped body) is refused whatever its signature: the
    signature could have come from the CRC endpoint rather than from X.

    Raises
    ------
    SignatureInvalid
        When the header is missing or does not match, or the body is token-shaped.
    """
    if CRC_TOKEN.fullmatch(body.decode("ascii", "replace").strip()):
        raise SignatureInvalid("a CRC-token-shaped body is never an X delivery")
    require_match(sign(consumer_secret, body), header_value, what=SIGNATURE_HEADER)
