"""The seed sets are written by us; a test that classified one of their texts would test memory.

training/README.md says none of the texts in ``tests/`` is in the seed files: every string literal in
the tests (once the leading handles and links are stripped and case is folded) is checked against
every seed text.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from training.corpus import SEEDS

TESTS = Path(__file__).resolve().parents[1]
_HANDLES_AND_LINKS = re.compile(r"@\w+|https?://\S+")


def _plain(text: str) -> str:
    return " ".join(_HANDLES_AND_LINKS.sub(" ", text).lower().split())


def _test_strings() -> set[str]:
    found = set()
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and len(_plain(node.value)) >= 12
            ):
                found.add(_plain(node.value))
    return found


def test_no_text_of_the_tests_is_a_seed_text() -> None:
    # Given every seed text and every string in the tests
    seeds = {
        _plain(json.loads(line)["text"])
        for path in SEEDS.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(seeds) > 1000
    # Then no test string is a seed text
    assert sorted(_test_strings() & seeds) == []
