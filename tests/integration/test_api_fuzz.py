"""Fuzzing every POST route: any body gets a 2xx or a 4xx with a reason, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway import LocalGateway
from local.seed import teams_of
from local.token import mint
from tests.support.fuzz import nested
from tests.support.fuzz_routes import fuzz, seeded_desk, targets

#: bodies per POST route here (``make fuzz`` sends 10,000)
ROUTE_BODIES = 200


@pytest.fixture(scope="module")
def desk() -> Iterator[tuple[LocalGateway, dict[str, str]]]:
    """The fuzz benchmark's desk: a ticket, an incident, replies to the local platforms."""
    with seeded_desk() as (gateway, parameters):
        yield gateway, parameters


def _post(gateway: LocalGateway, path: str, body: bytes) -> Any:
    headers = {
        "authorization": f"Bearer {mint(['customer-care'], 'admin')}",
        "content-type": "application/json",
        "idempotency-key": "fuzz",
    }
    return gateway.request("POST", path, headers, body)


def test_every_post_route_answers_any_body_with_a_2xx_or_a_4xx_naming_its_reason(
    desk: tuple[LocalGateway, dict[str, str]],
) -> None:
    gateway, parameters = desk
    token = mint(teams_of(gateway), "admin", "fuzz-admin")
    routes = targets(gateway, parameters, token)
    posts = sum(route.method == "POST" for route in gateway.stack.routes)
    assert len(routes) == posts > 0, "every POST route of the template is fuzzed"
    tallies = [fuzz(gateway, target, ROUTE_BODIES) for target in routes]
    assert all(t.sent >= ROUTE_BODIES // 2 for t in tallies), [(t.route, t.sent) for t in tallies]
    failing = {t.route: t.failures for t in tallies if t.server or t.reasonless}
    assert not failing, failing


def test_a_recursion_bomb_and_a_huge_number_are_400s(desk: tuple[LocalGateway, dict[str, str]]) -> None:
    gateway, ticket_id = desk[0], desk[1]["ticket_id"]
    assert _post(gateway, f"/tickets/{ticket_id}/replies", nested(50_000)).status == 400
    assert _post(gateway, f"/tickets/{ticket_id}/replies", b'{"text": 1e400}').status in (400, 422)


def test_a_megabyte_comment_is_refused_with_its_reason_not_retried(
    desk: tuple[LocalGateway, dict[str, str]],
) -> None:
    from tests.support.platforms import post_generic

    gateway, _ = desk
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


def test_a_count_of_ten_to_the_400_is_a_400(desk: tuple[LocalGateway, dict[str, str]]) -> None:
    from tests.support.platforms import post_x

    gateway, _ = desk
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


def test_a_generic_timestamp_of_ten_to_the_400_is_a_400(desk: tuple[LocalGateway, dict[str, str]]) -> None:
    from tests.support.platforms import post_generic

    gateway, _ = desk
    body = ('{"id": "r-1", "kind": "review", "text": "hi", "created_at": ' + "9" * 400 + "}").encode()
    response = post_generic(gateway, "reviews", body)
    assert response.status == 400 and "created_at" in response.json()["reason"], response.body[:200]
