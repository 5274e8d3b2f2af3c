"""The generic webhook signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, 300 s window."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from socialdesk.channels.generic import sign, verify_signature
from socialdesk.domain.errors import SignatureInvalid

SECRET = "s3cret"
BODY = b'{"id":"1","text":"hi","created_at":"2026-11-23T09:00:00Z"}'
NOW = 1_795_424_400


def test_header_is_the_documented_hmac() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"
    verify_signature(SECRET, BODY, sign(SECRET, BODY, NOW), now=NOW + 299)


@pytest.mark.parametrize("age", [301, -301])
def test_outside_the_window_is_rejected(age: int) -> None:
    with pytest.raises(SignatureInvalid, match="300 s"):
        verify_signature(SECRET, BODY, sign(SECRET, BODY, NOW), now=NOW + age)


def test_rotation_accepts_any_matching_v1() -> None:
    old = sign("old-secret", BODY, NOW).split("v1=")[1]
    header = f"{sign(SECRET, BODY, NOW)},v1={old}"
    verify_signature("old-secret", BODY, header, now=NOW)
    verify_signature(SECRET, BODY, header, now=NOW)


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=abc", f"t={NOW}", "t=abc,v1=00", f"t={NOW},v1=" + "0" * 64, f"t={NOW}, v2=ff"],
)
def test_missing_malformed_or_wrong_headers_are_rejected(header: str | None) -> None:
    with pytest.raises(SignatureInvalid):
        verify_signature(SECRET, BODY, header, now=NOW)


def test_timestamp_is_bound_into_the_signature() -> None:
    forged = sign(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 100}")
    with pytest.raises(SignatureInvalid):
        verify_signature(SECRET, BODY, forged, now=NOW + 100)
