"""Property-based fuzzing of the webhook handler: any body, any header → never a 5xx, never a crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.gateway import LocalGateway
from local.stack import LocalStack
from tests.support.fuzz import GENERIC_SHAPED, META_SHAPED, X_SHAPED, XAA_SHAPED, json_values
from tests.support.platforms import post_generic, post_meta, post_x


@pytest.fixture(scope="module")
def fuzz_gateway() -> Iterator[LocalGateway]:
    stack = LocalStack()
    try:
        yield LocalGateway(stack)
    finally:
        stack.close()


def _assert_sane(response: Any) -> None:
    assert response.status < 500, response.body
    body = response.json()
    assert "Traceback" not in json.dumps(body)
    if response.status >= 400:
        assert body["reason"]


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(payload=st.one_of(json_values, X_SHAPED, XAA_SHAPED))
def test_x_webhook_never_fails_on_signed_json(fuzz_gateway: LocalGateway, payload: Any) -> None:
    _assert_sane(post_x(fuzz_gateway, payload))


@FUZZ
@given(payload=st.one_of(json_values, META_SHAPED))
def test_meta_webhook_never_fails_on_signed_json(fuzz_gateway: LocalGateway, payload: Any) -> None:
    _assert_sane(post_meta(fuzz_gateway, payload))


@FUZZ
@given(payload=st.one_of(json_values, GENERIC_SHAPED))
def test_generic_webhook_never_fails_on_signed_json(fuzz_gateway: LocalGateway, payload: Any) -> None:
    _assert_sane(post_generic(fuzz_gateway, "forms", payload))


@FUZZ
@given(body=st.binary(max_size=300), signature=st.text(max_size=80))
def test_arbitrary_bytes_and_headers_are_refused_cleanly(
    fuzz_gateway: LocalGateway, body: bytes, signature: str
) -> None:
    for path, header in (
        ("/webhooks/x", "x-twitter-webhooks-signature"),
        ("/webhooks/meta", "x-hub-signature-256"),
        ("/webhooks/generic/blog", "x-socialdesk-signature"),
    ):
        response = fuzz_gateway.request(
            "POST", path, {"content-type": "application/json", header: signature}, body
        )
        assert response.status in (400, 401), response.body
