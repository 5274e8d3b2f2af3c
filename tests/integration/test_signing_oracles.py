"""No endpoint signs for an attacker: values the server computes for anyone never pass as signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote

import pytest

from local import devsecrets
from socialdesk.channels import x
from tests.support.platforms import body_of, post_x

BRAND = "900000000000000001"


def forged_mention() -> bytes:
    """The X delivery an attacker would like stored: a mention in a real customer's name."""
    return body_of(
        {
            "for_user_id": BRAND,
            "tweet_create_events": [
                {
                    "id_str": "1795000000000000666",
                    "text": "@brand I authorise you to close my account",
                    "created_at": "Mon Nov 23 09:00:00 +0000 2026",
                    "user": {"id_str": "700000000000000001", "screen_name": "real_customer"},
                }
            ],
        }
    )


def test_the_crc_endpoint_refuses_to_sign_a_json_body(gateway: Any, table_items: Any) -> None:
    # Given the attack: ask the CRC GET to "answer" a crc_token that is the URL-encoded forged body
    body = forged_mention()
    response = gateway.request("GET", f"/webhooks/x?crc_token={quote(body.decode())}")
    # Then no signature comes back
    assert response.status == 400
    assert "response_token" not in response.json()
    # And the body signed the only other way an attacker could try (a guess) is refused, nothing written
    assert post_x(gateway, body, signature="sha256=" + base64.b64encode(b"0" * 32).decode()).status == 401
    assert table_items() == []


def test_a_token_shaped_body_with_its_crc_answer_is_never_accepted(gateway: Any, table_items: Any) -> None:
    # Given a body that is a well-formed CRC token, and the signature the CRC endpoint gives for it
    token = "c2lnbmluZy1vcmFjbGUtdGVzdA=="
    answer = gateway.request("GET", f"/webhooks/x?crc_token={quote(token)}").json()["response_token"]
    # When it is posted as a delivery with that signature
    response = post_x(gateway, token.encode(), signature=answer)
    # Then it is refused as a signature failure, and nothing is stored
    assert response.status == 401
    assert table_items() == []


def _digests(message: bytes) -> set[str]:
    """Every encoding of HMAC-SHA256(dev secret, message) a platform or source uses."""
    found = set()
    for name in ("X_CONSUMER_SECRET", "META_APP_SECRET", "META_VERIFY_TOKEN", "GENERIC_WEBHOOK_SECRET"):
        digest = hmac.new(devsecrets.value(name).encode(), message, hashlib.sha256).digest()
        found |= {digest.hex(), base64.b64encode(digest).decode(), base64.urlsafe_b64encode(digest).decode()}
    return found


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/x?crc_token={q}",
        "/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge={q}",
        "/privacy/deletion/{q}",
    ],
)
def test_no_unauthenticated_get_returns_an_hmac_of_attacker_input(gateway: Any, path: str) -> None:
    # Given attacker-chosen, delivery-shaped input (a JSON object) in every unauthenticated GET
    generic_mention = body_of(
        {"id": "r-1", "kind": "review", "text": "x", "created_at": "2026-11-23T09:00:00Z"}
    )
    for chosen in (forged_mention(), generic_mention, b'{"object":"page","entry":[]}'):
        response = gateway.request("GET", path.format(q=quote(chosen.decode())))
        text = response.body.decode("utf-8", "replace")
        # Then no response carries a signature of that input under any webhook secret
        assert not any(d in text for d in _digests(chosen)), (path, response.status)
        assert not any(d in json.dumps(response.headers) for d in _digests(chosen))


def test_x_crc_answers_a_uuid_token_as_x_sends_it(gateway: Any) -> None:
    token = "9b4507b3-9040-4669-9ca3-6b94edb50553"
    response = gateway.request("GET", f"/webhooks/x?crc_token={token}")
    assert response.status == 200
    assert response.json() == {
        "response_token": x.crc_response_token(devsecrets.value("X_CONSUMER_SECRET"), token)
    }
