"""OAuth 1.0a user-context request signing (HMAC-SHA1), as X documents it and RFC 5849 defines it.

X's "Authorizing a request" and "Creating a signature" pages (docs.x.com/fundamentals/
authentication/oauth-1-0a/...):

1. Collect the parameters: the query string, a form-encoded body (a JSON body is *not* signed),
   and the ``oauth_*`` values (consumer key, nonce, ``HMAC-SHA1``, timestamp, token, ``1.0``).
2. Percent-encode every key and value (RFC 3986: only ``A-Z a-z 0-9 - . _ ~`` stay as they are),
   sort by encoded key then value, join as ``k=v`` with ``&``: the parameter string.
3. Signature base string: ``METHOD&enc(base URL)&enc(parameter string)``; the base URL has no query
   string, a lower-case scheme and host, and no default port.
4. Signing key: ``enc(consumer secret)&enc(token secret)``; the signature is
   ``base64(HMAC-SHA1(key, base string))``.
5. Header: ``Authorization: OAuth`` + the ``oauth_*`` values and ``oauth_signature``, each
   ``k="enc(v)"``, comma-separated.

User access tokens obtained this way do not expire (unlike OAuth 2.0 user tokens, two hours);
they stop working only when the user revokes the app or the app's keys are regenerated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import urllib.parse
from collections.abc import Iterable, Mapping

from pydantic import ConfigDict, Field

from socialdesk.domain.model import Model

SIGNATURE_METHOD = "HMAC-SHA1"
VERSION = "1.0"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class OAuth1Credentials(Model):
    """The app's consumer key and secret and the brand account's access token and secret."""

    model_config = ConfigDict(frozen=True)

    consumer_key: str = Field(min_length=1, repr=False)
    consumer_secret: str = Field(min_length=1, repr=False)
    token: str = Field(min_length=1, repr=False)
    token_secret: str = Field(min_length=1, repr=False)

    def secret_values(self) -> tuple[str, str, str, str]:
        """Every value, for scrubbing error messages."""
        return (self.consumer_key, self.consumer_secret, self.token, self.token_secret)


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding as OAuth 1.0a requires (UTF-8; only unreserved characters kept)."""
    return urllib.parse.quote(value, safe="-._~")


def base_url(url: str) -> str:
    """The signature's base URL: lower-case scheme and host, no default port, no query or fragment."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def parameter_string(parameters: Iterable[tuple[str, str]]) -> str:
    """Encoded, sorted ``k=v`` pairs joined with ``&``."""
    encoded = sorted((percent_encode(key), percent_encode(value)) for key, value in parameters)
    return "&".join(f"{key}={value}" for key, value in encoded)


def signature_base_string(method: str, url: str, parameters: Iterable[tuple[str, str]]) -> str:
    """``METHOD&enc(base URL)&enc(parameter string)``; ``url``'s own query string is collected too."""
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    return "&".join(
        [
            method.upper(),
            percent_encode(base_url(url)),
            percent_encode(parameter_string([*query, *parameters])),
        ]
    )


def sign(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """``base64(HMAC-SHA1(enc(consumer secret)&enc(token secret), base string))``."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base_string.encode(), hashlib.sha1).digest()).decode()


def oauth_parameters(
    credentials: OAuth1Credentials, *, nonce: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The ``oauth_*`` protocol parameters of one request (a fresh nonce each time)."""
    return {
        "oauth_consumer_key": credentials.consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": SIGNATURE_METHOD,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": credentials.token,
        "oauth_version": VERSION,
    }


def authorization_header(
    method: str,
    url: str,
    credentials: OAuth1Credentials,
    *,
    form: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The ``Authorization: OAuth ...`` value for a request to ``url`` (``form``: a form-encoded body).

    A JSON body is not part of the signature, so pass ``form`` only for
    ``application/x-www-form-urlencoded`` requests.
    """
    protocol = oauth_parameters(credentials, nonce=nonce, timestamp=timestamp)
    base = signature_base_string(method, url, [*protocol.items(), *(form or {}).items()])
    protocol["oauth_signature"] = sign(base, credentials.consumer_secret, credentials.token_secret)
    return "OAuth " + ", ".join(
        f'{percent_encode(key)}="{percent_encode(value)}"' for key, value in sorted(protocol.items())
    )


def parse_authorization_header(header: str) -> dict[str, str] | None:
    """The ``oauth_*`` values of an ``Authorization: OAuth ...`` header (decoded), or None if malformed."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        return None
    values: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, quoted = part.strip().partition("=")
        if not sep or len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
            return None
        name = urllib.parse.unquote(key)
        if name in values:
            return None
        values[name] = urllib.parse.unquote(quoted[1:-1])
    return values


__all__ = [
    "OAuth1Credentials",
    "authorization_header",
    "base_url",
    "oauth_parameters",
    "parameter_string",
    "parse_authorization_header",
    "percent_encode",
    "sign",
    "signature_base_string",
]
