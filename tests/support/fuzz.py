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
