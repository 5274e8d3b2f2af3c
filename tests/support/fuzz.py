"""Hostile request bodies: random bytes, truncated and deeply nested JSON, huge numbers, wrong types,
unicode edge cases, bodies up to the limits and above (shared by the fuzz tests and benchmarks/fuzz.py)."""

from __future__ import annotations

import json

from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
EDGE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\u0000",
        "\ud800",  # a lone surrogate
        "\u202e\u200b\ufeff",  # RTL override, zero width, BOM
        "💥" * 300,
        "a" * 20_000,
        "\n\t\r",
        "{{customer_name}}",
        "<script>alert(1)</script>",
    ]
)
HUGE_NUMBERS = st.sampled_from(
    ["1e400", "10" + "0" * 400, "-1e400", "1e-400", "123456789012345678901234567890123456789012"]
)


#: envelope-shaped values, so the fuzzer reaches the parsers and not only the JSON decoder
ids = st.one_of(st.text(max_size=25), st.integers(min_value=0, max_value=2**64))
X_SHAPED = st.fixed_dictionaries(
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
XAA_SHAPED = st.fixed_dictionaries(
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
META_SHAPED = st.fixed_dictionaries(
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
GENERIC_SHAPED = st.dictionaries(
    st.sampled_from(
        ["id", "text", "kind", "event", "created_at", "author", "rating", "mentions", "thread_id"]
    ),
    json_values,
    max_size=9,
)
#: the payload inside Meta's data-deletion ``signed_request``
DELETION_SHAPED = st.fixed_dictionaries(
    {"user_id": ids},
    optional={
        "algorithm": st.sampled_from(["HMAC-SHA256", "hmac-sha256", "none", ""]) | json_values,
        "issued_at": st.integers(min_value=1_700_000_000, max_value=2_100_000_000) | json_values,
    },
)
#: webhook bodies by template path (each one signed by the sender)
WEBHOOK_SHAPES: dict[str, st.SearchStrategy[object]] = {
    "/webhooks/x": st.one_of(json_values, X_SHAPED, XAA_SHAPED),
    "/webhooks/meta": st.one_of(json_values, META_SHAPED),
    "/webhooks/generic/{source}": st.one_of(json_values, GENERIC_SHAPED),
    "/webhooks/meta/data-deletion": DELETION_SHAPED,
}
#: agent API request bodies by template path (POST), so hostile values reach the validators
AGENT_SHAPES: dict[str, st.SearchStrategy[object]] = {
    "/tickets/{ticket_id}/replies": st.fixed_dictionaries(
        {"text": st.text()}, optional={"private": st.booleans(), "in_reply_to": st.text()}
    ),
    "/tickets/{ticket_id}/assign": st.fixed_dictionaries(
        {}, optional={"assignee": st.text(), "team": st.text()}
    ),
    "/tickets/{ticket_id}/resolve": st.fixed_dictionaries(
        {}, optional={"resolution": st.text(), "note": st.text()}
    ),
    "/tickets/{ticket_id}/reopen": st.just({}),
    "/incidents/{incident_id}/replies": st.fixed_dictionaries({"text": st.text()}),
    "/privacy/erasures": st.fixed_dictionaries(
        {"author_id": st.text()}, optional={"channels": st.lists(st.text())}
    ),
}
#: the largest agent API body the fuzzers send around (API Gateway itself allows 10 MB)
AGENT_LIMIT = 256 * 1024


def fields_shape(fields: list[str]) -> st.SearchStrategy[object]:
    """A generic shape for a route without its own: any of ``fields`` (its schema's) with any value."""
    return st.dictionaries(
        st.sampled_from(fields or ["text"]), json_values | EDGE_TEXT, max_size=len(fields) or 1
    )


def _truncated(document: object) -> st.SearchStrategy[bytes]:
    text = json.dumps(document).encode()
    return st.integers(min_value=0, max_value=max(0, len(text) - 1)).map(lambda n: text[:n])


def nested(depth: int) -> bytes:
    """JSON nested ``depth`` deep (a recursion bomb for naive parsers)."""
    return b"[" * depth + b"]" * depth


def bodies(shape: st.SearchStrategy[object], *, limit: int) -> st.SearchStrategy[bytes]:
    """Bodies for one route: its own shape with hostile values, and everything around it."""
    field_values = st.one_of(json_values, EDGE_TEXT, st.integers(min_value=-(10**400), max_value=10**400))
    shaped = shape.flatmap(
        lambda doc: st.one_of(
            st.just(json.dumps(doc).encode()),
            _truncated(doc),
            st.dictionaries(
                st.sampled_from(sorted(doc) if isinstance(doc, dict) and doc else ["x"]),
                field_values,
                max_size=5,
            ).map(lambda d: json.dumps(d).encode()),
        )
    )
    return st.one_of(
        shaped,
        st.binary(max_size=500),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.integers(min_value=10, max_value=20_000).map(nested),
        HUGE_NUMBERS.map(lambda n: ('{"text": "x", "n": ' + n + "}").encode()),
        HUGE_NUMBERS.map(lambda n: ("[" + n + "]").encode()),
        st.sampled_from([limit - 1, limit, limit + 1]).map(
            lambda n: b'{"text": "' + b"x" * max(0, n - 12) + b'"}'
        ),
    )
