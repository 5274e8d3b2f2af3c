"""The routing model's scores are the documented tf-idf linear model, whatever the rows' signs and repeats.

The model adds a text's rows as packed integers; these tests recompute the scores column by column in
floats, as the module docstring states them, on a small hand-made model with negative weights, large
values and repeated n-grams, and on the shipped model.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from socialdesk.learning.features import FeatureSpec, char_grams, char_tokens, sublinear, tokens, word_grams
from socialdesk.learning.model import RoutingModel
from socialdesk.learning.runtime import packaged_model

SPEC = FeatureSpec(word_ngrams=2, char_min=3, char_max=4)


def reference_scores(model: RoutingModel, text: str) -> list[float]:
    """``bias + W/‖W‖ + C/‖C‖`` in floats: a repeat weighs ``1 + ln count`` (its idf² squared)."""

    def block(counts: Counter[str], table: dict[str, tuple[int, ...]]) -> list[float] | None:
        rows = []
        for gram, count in counts.items():
            if gram in table:
                w = sublinear(count)
                row = table[gram]
                rows.append([*(v * w for v in row[:-1]), row[-1] * w * w])
        return [sum(column) for column in zip(*rows, strict=True)] if rows else None

    toks = tokens(text)
    words = block(Counter(word_grams(toks, text, model.spec)), model.words)
    chars: list[float] | None = None
    for tok in char_tokens(toks):
        summed = block(Counter(char_grams(tok, model.spec)), model.chars)
        if summed is not None:
            chars = summed if chars is None else [a + b for a, b in zip(chars, summed, strict=True)]
    scores = list(model.bias)
    for b in (words, chars):
        if b is not None and b[-1] > 0:
            factor = 1.0 / math.sqrt(b[-1] * model.scale)
            scores = [s + v * factor for s, v in zip(scores, b, strict=False)]
    return scores


def small_model() -> RoutingModel:
    """Two intents, one topic: negative columns, values near a million, n-grams that repeat."""
    return RoutingModel(
        version="test-scoring",
        intents=("complaint", "praise"),
        topics=("payment",),
        words={
            "refund": (1200, -800, 950_000, 4_000),
            "never": (-3, 7, -1, 900),
            "refund refund": (5, -5, 0, 2_500),
            "!": (40, -999_999, 12, 100),
        },
        chars={"<re": (-250_000, 250_000, -7, 1_600), "ref": (9, -9, 900_001, 400), "und": (1, 1, -1, 30)},
        bias=[0.25, -0.5, -1.0],
        spec=SPEC,
    )


@pytest.mark.parametrize(
    "text",
    [
        "refund",
        "refund refund refund never !!!",
        "never never",  # one word repeated: its row weighs 1 + ln 2
        "nothing this model knows",
        "Refunded? refund! RE-REFUND",
        "",
    ],
)
def test_scores_are_the_tfidf_model_whatever_the_signs_and_repeats(text: str) -> None:
    model = small_model()
    scores, _ = model.raw_scores(text)
    assert scores == pytest.approx(reference_scores(model, text), rel=1e-12, abs=1e-12)


def test_the_shipped_model_scores_real_texts_as_documented() -> None:
    model = packaged_model()
    texts = [
        "@AmericanAir my bag never arrived and nobody answers the phone!!! #worst",
        "thanks thanks thanks @Delta, the crew was lovely",
        "¿dónde está mi pedido? llevo dos semanas esperando",
        "is the app down for anyone else?? cant log in cant log in",
    ]
    for text in texts:
        scores, known = model.raw_scores(text)
        assert known > 0
        assert scores == pytest.approx(reference_scores(model, text), rel=1e-12, abs=1e-12)


def test_scores_stay_right_when_the_memos_fill_and_start_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("socialdesk.learning.model.TOKEN_CACHE_SIZE", 2)
    model = small_model()
    # "refrefund": a token whose character n-grams repeat (its memo keeps what the repeats add)
    texts = [
        "refund never",
        "refrefund! refund refund",
        "und refrefund",
        "refrefund never und",
        "never refund",
        "nothing",
        "refund",
    ]
    for text in texts * 3:
        scores, _ = model.raw_scores(text)
        assert scores == pytest.approx(reference_scores(model, text), rel=1e-12, abs=1e-12)
