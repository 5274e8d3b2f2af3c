"""Every published signature vector in ../shared/platforms/samples/sigvectors, checked two ways:
by the channel's verify function, and end to end through the webhook with the vector's secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialdesk.channels import meta, x
from socialdesk.domain.errors import SignatureInvalid
from tests.support.platforms import SAMPLES

VECTORS = SAMPLES / "sigvectors"
pytestmark = pytest.mark.shared
if not VECTORS.is_dir():
    pytest.skip(f"signature vectors not found at {VECTORS} (../shared is absent)", allow_module_level=True)


def _vectors() -> list[tuple[str, dict[str, Any], bytes]]:
    found = []
    for path in sorted(VECTORS.glob("*.json")):
        spec = json.loads(path.read_text())
        body = (VECTORS / spec["body_file"]).read_bytes()
        found.append((path.stem, spec, body))
    return found


ALL = _vectors()
POSTS = [v for v in ALL if "header" in v[1] and v[1]["header"].lower() != "x-hub-signature"]


def _secret(spec: dict[str, Any]) -> str:
    return spec.get("secret") or spec["secret(consumer_secret)"]


def test_all_ten_vectors_are_present() -> None:
    assert len(ALL) == 10


@pytest.mark.parametrize(("name", "spec", "body"), ALL, ids=[v[0] for v in ALL])
def test_vector_verifies_and_a_flipped_byte_does_not(name: str, spec: dict[str, Any], body: bytes) -> None:
    secret = _secret(spec)
    if "expected_response" in spec:  # X CRC: the body file holds the crc_token
        token = body.decode()
        assert x.crc_response_token(secret, token) == spec["expected_response"]["response_token"]
        assert x.crc_response_token(secret, token + "x") != spec["expected_response"]["response_token"]
        return
    header = spec["header"].lower()
    tampered = body[:-1] + bytes([body[-1] ^ 1])
    if header == x.SIGNATURE_HEADER:
        x.verify_signature(secret, body, spec["header_value"])
        with pytest.raises(SignatureInvalid):
            x.verify_signature(secret, tampered, spec["header_value"])
    elif header == meta.SIGNATURE_HEADER:
        meta.verify_signature(secret, body, spec["header_value"])
        with pytest.raises(SignatureInvalid):
            meta.verify_signature(secret, tampered, spec["header_value"])
    else:
        # Legacy X-Hub-Signature (SHA-1): deliberately not accepted; Meta sends SHA-256 with every event.
        assert header == "x-hub-signature"
        with pytest.raises(SignatureInvalid):
            meta.verify_signature(secret, body, spec["header_value"])


@pytest.mark.parametrize(("name", "spec", "body"), POSTS, ids=[v[0] for v in POSTS])
def test_vector_body_is_accepted_end_to_end(
    name: str, spec: dict[str, Any], body: bytes, gateway: Any, stack: Any
) -> None:
    # Given the webhook secret configured to the vector's secret
    header = spec["header"].lower()
    parameter = "inbound/x/consumer-secret" if header == x.SIGNATURE_HEADER else "inbound/meta/app-secret"
    prefix = stack.environment["SECRETS_PREFIX"]
    stack.client("ssm").put_parameter(
        Name=f"{prefix}/{parameter}", Value=_secret(spec), Type="SecureString", Overwrite=True
    )
    path = "/webhooks/x" if header == x.SIGNATURE_HEADER else "/webhooks/meta"
    # When the exact bytes arrive with the published header
    response = gateway.request(
        "POST", path, {"content-type": "application/json", header: spec["header_value"]}, body
    )
    # Then the signature is accepted (a 400 would mean a non-envelope test body, never a 401)
    assert response.status != 401, response.body
    if Path(spec["body_file"]).stem.startswith(("x_zammad", "meta_whatsapp")):
        assert response.status == 200, response.body
