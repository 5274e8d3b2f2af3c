"""GET /mentions/{channel}/{external_id} behind the JWT authorizer, verified locally as API Gateway would."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from local import devsecrets
from local.token import mint
from tests.support.platforms import post_generic, post_x

TWEET_ID = "1795424400000000101"


@pytest.fixture
def stored(gateway: Any) -> None:
    """A tweet mention and a generic review, both stored."""
    post_x(
        gateway,
        {
            "for_user_id": "1500000000000000001",
            "tweet_create_events": [
                {
                    "id_str": TWEET_ID,
                    "text": "@SkyHighAir where is my refund?",
                    "created_at": "Mon Nov 23 09:00:00 +0000 2026",
                    "user": {"id_str": "42", "screen_name": "ann", "followers_count": 10, "verified": False},
                }
            ],
        },
    )
    post_generic(
        gateway, "reviews", {"id": "r-9", "kind": "review", "text": "Awful", "created_at": 1795424400}
    )


def _get(gateway: Any, path: str, token: str | None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return gateway.request("GET", path, headers)


def test_a_mention_is_readable_only_through_a_ticket_the_caller_can_see(gateway: Any, stored: None) -> None:
    # Given a stored mention that is not routed yet: only an admin may read it (no ticket, no team)
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", mint(["billing"], "agent")).status == 404
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", mint([], "admin")).status == 200
    # When it is routed (a refund question: billing), that team reads it and another team still cannot
    from tests.support.routing import quiet

    quiet(gateway.stack.pump)
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", mint(["customer-care"], "agent")).status == 404
    response = _get(gateway, f"/mentions/x/{TWEET_ID}", mint(["billing"], "agent"))
    assert response.status == 200
    body = response.json()
    assert body["status"] == "active"
    mention = body["mention"]
    assert mention["external_id"] == TWEET_ID  # exact, beyond 2^53
    assert mention["author"]["handle"] == "ann"
    assert mention["brand_account"] == "1500000000000000001"
    assert mention["created_at"] == "2026-11-23T09:00:00Z"


def test_generic_ids_are_namespaced_by_source(gateway: Any, stored: None) -> None:
    response = _get(gateway, "/mentions/generic/reviews:r-9", mint([], "admin"))
    assert response.status == 200
    assert response.json()["mention"]["source"] == "reviews"


def test_no_token_or_a_forged_token_is_401(gateway: Any, stored: None) -> None:
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", None).status == 401
    forged = jwt.encode(
        {"sub": "me", "role": "admin", "exp": int(time.time()) + 60},
        "not-the-local-dev-key-but-long-enough-for-hs256",
        "HS256",
    )
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", forged).status == 401


def test_expired_token_or_wrong_audience_is_401(gateway: Any, stored: None) -> None:
    expired = mint(["care"], ttl=-10)
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", expired).status == 401
    claims = jwt.decode(mint(["care"]), options={"verify_signature": False})
    wrong_aud = jwt.encode({**claims, "aud": "someone-else"}, devsecrets.JWT_DEV_KEY, "HS256")
    assert _get(gateway, f"/mentions/x/{TWEET_ID}", wrong_aud).status == 401


def test_unknown_role_is_403(gateway: Any, stored: None) -> None:
    claims = jwt.decode(mint(["care"]), options={"verify_signature": False})
    guest = jwt.encode({**claims, "role": "guest"}, devsecrets.JWT_DEV_KEY, "HS256")
    response = _get(gateway, f"/mentions/x/{TWEET_ID}", guest)
    assert response.status == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("path", ["/mentions/x/1", "/mentions/myspace/1", "/mentions/generic/reviews:nope"])
def test_unknown_mention_is_404(gateway: Any, stored: None, path: str) -> None:
    response = _get(gateway, path, mint(["care"]))
    assert response.status == 404
    assert response.json()["error"] == "not_found"
