"""Fuzzing the agent API's POST routes: any body gets a 2xx or a 4xx with a reason, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from local.gateway import LocalGateway
from local.stack import LocalStack
from local.token import mint
from tests.support.fuzz import AGENT_LIMIT, AGENT_SHAPES, bodies, nested
from tests.support.routing import deliver, ticket_of, tweet

COMPLAINT = "@SkyHighAir my flight SH12 was cancelled and nobody answers the phone. Worst airline ever"


@pytest.fixture(scope="module")
def api_gateway() -> Iterator[tuple[LocalGateway, str]]:
    stack = LocalStack()
    gateway = LocalGateway(stack)
    try:
        deliver(gateway, tweet(1, COMPLAINT))
        yield gateway, str(ticket_of(gateway, 1)["ticket_id"])
    finally:
        stack.close()


def _post(gateway: LocalGateway, path: str, body: bytes) -> Any:
    headers = {
        "authorization": f"Bearer {mint(['customer-care'], 'admin')}",
        "content-type": "application/json",
        "idempotency-key": "fuzz",
    }
    return gateway.request("POST", path, headers, body)


def _assert_sane(response: Any) -> None:
    assert response.status < 500, response.body[:300]
    if response.status >= 400:
        body = response.json()
        assert body.get("reason") or body.get("error"), body
        assert "Traceback" not in json.dumps(body)


FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route", sorted(AGENT_SHAPES))
def test_agent_post_routes_answer_any_body_without_a_5xx(
    api_gateway: tuple[LocalGateway, str], route: str
) -> None:
    gateway, ticket_id = api_gateway

    @FUZZ
    @given(body=bodies(AGENT_SHAPES[route], limit=AGENT_LIMIT))
    def check(body: bytes) -> None:
        _assert_sane(_post(gateway, route.format(ticket_id=ticket_id, incident_id="INC-x"), body))

    check()


def test_a_recursion_bomb_and_a_huge_number_are_400s(api_gateway: tuple[LocalGateway, str]) -> None:
    gateway, ticket_id = api_gateway
    assert _post(gateway, f"/tickets/{ticket_id}/replies", nested(50_000)).status == 400
    assert _post(gateway, f"/tickets/{ticket_id}/replies", b'{"text": 1e400}').status in (400, 422)


def test_a_megabyte_comment_is_refused_with_its_reason_not_retried(
    api_gateway: tuple[LocalGateway, str],
) -> None:
    from tests.support.platforms import post_generic

    gateway, _ = api_gateway
    review = {
        "id": "big-1",
        "kind": "review",
        "text": "x" * 39_000,
        "created_at": "2026-11-23T09:00:00Z",
        "title": "t" * 500_000,
    }
    response = post_generic(gateway, "reviews", review)
    assert response.status in (400, 413), response.body[:200]
    assert response.json()["reason"]


def test_a_count_of_ten_to_the_400_is_a_400(api_gateway: tuple[LocalGateway, str]) -> None:
    from tests.support.platforms import post_x

    gateway, _ = api_gateway
    status = '{"id_str":"99","text":"hi","created_at":"Mon Nov 23 09:00:00 +0000 2026",'
    body = (
        '{"for_user_id":"1","tweet_create_events":['
        + status
        + '"user":{"id_str":"5","followers_count":1'
        + "0" * 400
        + "}}]}"
    ).encode()
    response = post_x(gateway, body)
    assert response.status == 400 and "followers" in response.json()["reason"]


def test_a_generic_timestamp_of_ten_to_the_400_is_a_400(api_gateway: tuple[LocalGateway, str]) -> None:
    from tests.support.platforms import post_generic

    gateway, _ = api_gateway
    body = ('{"id": "r-1", "kind": "review", "text": "hi", "created_at": ' + "9" * 400 + "}").encode()
    response = post_generic(gateway, "reviews", body)
    assert response.status == 400 and "created_at" in response.json()["reason"], response.body[:200]
