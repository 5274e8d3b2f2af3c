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
from tests.support.platforms import post_generic, post_meta, post_x

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
#: envelope-shaped values, so the fuzzer reaches the parsers and not only the JSON decoder
ids = st.one_of(st.text(max_size=25), st.integers(min_value=0, max_value=2**64))
x_shaped = st.fixed_dictionaries(
    {"for_user_id": ids},
    optional={
        "tweet_create_events": st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "id_str",
                        "id",
                        "text",
                        "user",
                        "created_at",
                        "timestamp_ms",
                        "truncated",
                        "extended_tweet",
                        "in_reply_to_status_id_str",
                        "retweeted_status",
                        "lang",
                    ]
                ),
                json_values,
                max_size=8,
            ),
            max_size=3,
        ),
        "direct_message_events": st.lists(json_values, max_size=3),
        "tweet_delete_events": st.lists(json_values, max_size=3),
        "users": json_values,
    },
)
xaa_shaped = st.fixed_dictionaries(
    {
        "data": st.fixed_dictionaries(
            {
                "event_type": st.sampled_from(
                    [
                        "post.mention.create",
                        "post.reply.create",
                        "post.quote.create",
                        "dm.received",
                        "post.delete",
                        "x.y",
                    ]
                ),
                "payload": json_values,
            },
            optional={"filter": json_values, "includes": json_values},
        )
    }
)
meta_shaped = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram", "whatsapp_business_account", "user"]),
        "entry": st.lists(
            st.fixed_dictionaries(
                {"id": ids},
                optional={
                    "time": json_values,
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {
                                "field": st.sampled_from(
                                    ["feed", "mention", "comments", "mentions", "messages", "other"]
                                ),
                                "value": json_values,
                            }
                        ),
                        max_size=3,
                    ),
                    "messaging": st.lists(json_values, max_size=3),
                    "standby": st.lists(json_values, max_size=3),
                },
            ),
            max_size=3,
        ),
    }
)
generic_shaped = st.dictionaries(
    st.sampled_from(
        ["id", "text", "kind", "event", "created_at", "author", "rating", "mentions", "thread_id"]
    ),
    json_values,
    max_size=9,
)


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


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(payload=st.one_of(json_values, x_shaped, xaa_shaped))
def test_x_webhook_never_fails_on_signed_json(fuzz_gateway: LocalGateway, payload: Any) -> None:
    _assert_sane(post_x(fuzz_gateway, payload))


@FUZZ
@given(payload=st.one_of(json_values, meta_shaped))
def test_meta_webhook_never_fails_on_signed_json(fuzz_gateway: LocalGateway, payload: Any) -> None:
    _assert_sane(post_meta(fuzz_gateway, payload))


@FUZZ
@given(payload=st.one_of(json_values, generic_shaped))
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
