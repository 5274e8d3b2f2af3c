"""Fit a routing model in pure Python: multinomial logistic regression (intents) + one-vs-rest (topics).

Averaged stochastic gradient descent over the tf-idf n-gram features of
:mod:`socialdesk.learning.features` (idf smoothed as ``ln((1 + N) / (1 + df)) + 1``), seeded,
so the same examples and configuration give the same model file byte for byte. It needs no numpy or
scikit-learn, so a refit can run in a scheduled Lambda. A warm start (``init``) begins from an
existing model and pulls the weights towards it (L2 to the prior) instead of towards zero: a refit on
a few hundred corrections then adapts the model without forgetting what it knew.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from socialdesk.learning.features import FeatureSpec, extract, sublinear
from socialdesk.learning.model import RoutingModel, Row, sigmoid, softmax

INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "spam", "other")


@dataclass(frozen=True)
class Example:
    """One labelled text.

    Parameters
    ----------
    text
        The message as the customer wrote it.
    intent
        One of the model's intents.
    topics
        Its topics; ``None`` when unknown (the topic head then learns nothing from it).
    weight
        How much the example counts (e.g. a crowd label's confidence, a correction's boost).
    source
        Where it comes from (``airline``, ``bitext``, ``twcs-weak``, ``seed``, ``correction``).
    """

    text: str
    intent: str
    topics: tuple[str, ...] | None = ()
    weight: float = 1.0
    source: str = ""


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters (chosen on the airline dev split and the training data only)."""

    epochs: int = 6
    learning_rate: float = 0.8
    l2: float = 1e-5
    topic_weight: float = 1.0
    min_count_words: int = 2
    min_count_chars: int = 3
    seed: int = 20261201
    scale: float = 1000.0
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    #: return the average of the weights over all steps (averaged SGD), which generalises better
    average: bool = True


@dataclass
class _Encoded:
    features: list[tuple[int, float]]  # (feature index, value): tf-idf, each block L2-normalised
    target: int
    topics: list[float] | None
    weight: float


def train(
    examples: Sequence[Example],
    *,
    topics: Sequence[str],
    version: str,
    config: TrainingConfig | None = None,
    init: RoutingModel | None = None,
    intents: Sequence[str] = INTENTS,
) -> RoutingModel:
    """Fit a model on ``examples``.

    Parameters
    ----------
    examples
        Labelled texts (their order does not matter: they are sorted, then shuffled with the seed).
    topics
        The topic labels of the topic head, in row order.
    version
        The new model's version name.
    config
        Hyper-parameters; defaults to :class:`TrainingConfig`.
    init
        A model to start from (warm start); its vocabulary is kept and its weights are the prior.

    Returns
    -------
    RoutingModel
        The fitted model, temperature 1 (see :func:`calibrate`) and thresholds copied from ``init``.
    """
    config = config or TrainingConfig()
    # the same examples in any order give the same model: sort, then shuffle with the seed
    examples = sorted(examples, key=lambda e: (e.text, e.intent, e.topics or (), e.weight, e.source))
    spec = init.spec if init else config.spec
    intents, topics = tuple(init.intents if init else intents), tuple(init.topics if init else topics)
    width = len(intents) + len(topics)
    extracted = [extract(example.text, spec) for example in examples]
    word_index, char_index, idf = _vocabulary(extracted, config, init)
    grams = [*word_index, *char_index]
    offset = len(word_index)
    prior = _prior_rows(init, word_index, char_index, idf, width) if init else None
    rows = [list(row) for row in prior] if prior else [[0.0] * width for _ in grams]
    bias = list(init.bias) if init else [0.0] * width
    maybe = [
        _encode(example, words, chars, word_index, char_index, offset, idf, intents, topics)
        for example, (words, chars) in zip(examples, extracted, strict=True)
    ]
    encoded = [e for e in maybe if e is not None]
    k = len(intents)
    rng = random.Random(config.seed)  # noqa: S311 - a seeded shuffle, not cryptography
    order = list(range(len(encoded)))
    total = max(1, config.epochs * len(order))
    # averaged SGD, lazily: ``acc`` sums step * update, so the average is ``w - acc / (steps + 1)``
    acc: list[list[float]] | None = [[0.0] * width for _ in grams] if config.average else None
    bias_acc = [0.0] * width
    step = 0
    for _ in range(config.epochs):
        rng.shuffle(order)
        for i in order:
            lr = config.learning_rate * (1.0 - 0.9 * step / total)
            step += 1
            grad = _gradient(encoded[i], rows, bias, k, len(topics), config.topic_weight)
            bias_step = [lr * g for g in grad]
            bias = [b - d for b, d in zip(bias, bias_step, strict=True)]
            bias_acc = [a - step * d for a, d in zip(bias_acc, bias_step, strict=True)]
            _update(encoded[i], grad, rows, acc, prior, lr, lr * config.l2, step)
    if acc is not None:
        steps = step + 1
        rows = [
            [w - a / steps for w, a in zip(row, sums, strict=True)]
            for row, sums in zip(rows, acc, strict=True)
        ]
        bias = [b - a / steps for b, a in zip(bias, bias_acc, strict=True)]
    return _export(
        version, intents, topics, grams, offset, rows, idf, bias, config, spec, init, len(encoded), examples
    )


def _gradient(
    e: _Encoded, rows: list[list[float]], bias: list[float], k: int, n_topics: int, topic_weight: float
) -> list[float]:
    """d loss / d score per output for one example (softmax intents, sigmoid topics)."""
    scores = list(bias)
    for j, x in e.features:
        scores = [s + x * w for s, w in zip(scores, rows[j], strict=True)]
    probs = softmax(scores[:k])
    grad = [(p - (1.0 if c == e.target else 0.0)) * e.weight for c, p in enumerate(probs)]
    if e.topics is None:
        grad.extend([0.0] * n_topics)
    else:
        tw = topic_weight * e.weight
        grad.extend((sigmoid(s) - y) * tw for s, y in zip(scores[k:], e.topics, strict=True))
    return grad


def _update(
    e: _Encoded,
    grad: list[float],
    rows: list[list[float]],
    acc: list[list[float]] | None,
    prior: list[list[float]] | None,
    lr: float,
    decay: float,
    step: int,
) -> None:
    """Apply one example's gradient (and L2 towards zero or the prior) to the rows it touches."""
    for j, x in e.features:
        coef = lr * x
        row = rows[j]
        if prior is None:
            delta = [coef * g + decay * w for w, g in zip(row, grad, strict=True)]
        else:
            delta = [coef * g + decay * (w - w0) for w, g, w0 in zip(row, grad, prior[j], strict=True)]
        rows[j] = [w - d for w, d in zip(row, delta, strict=True)]
        if acc is not None:
            acc[j] = [a - step * d for a, d in zip(acc[j], delta, strict=True)]


def _vocabulary(
    extracted: list[tuple[Counter[str], list[Counter[str]]]],
    config: TrainingConfig,
    init: RoutingModel | None,
) -> tuple[dict[str, int], dict[str, int], list[float]]:
    """(word index, char index, idf per feature): n-grams in enough texts, plus the warm start's."""
    word_counts: Counter[str] = Counter()
    char_counts: Counter[str] = Counter()
    for word_grams, token_grams in extracted:
        word_counts.update(word_grams.keys())
        char_counts.update(set().union(*token_grams) if token_grams else ())
    keep_words = {g for g, n in word_counts.items() if n >= config.min_count_words}
    keep_chars = {g for g, n in char_counts.items() if n >= config.min_count_chars}
    documents = len(extracted)
    known: dict[str, float] = {}
    if init:
        keep_words |= set(init.words)
        keep_chars |= set(init.chars)
        documents = max(documents, int(init.metadata.get("documents", documents)))
        known = {g: init.idf(row) for table in (init.words, init.chars) for g, row in table.items()}
    words = {g: i for i, g in enumerate(sorted(keep_words))}
    chars = {g: i for i, g in enumerate(sorted(keep_chars))}

    def idf(gram: str, df: int) -> float:
        return known.get(gram) or math.log((1 + documents) / (1 + df)) + 1.0

    idfs = [idf(g, word_counts[g]) for g in words] + [idf(g, char_counts[g]) for g in chars]
    return words, chars, idfs


def _prior_rows(
    init: RoutingModel, words: dict[str, int], chars: dict[str, int], idf: list[float], width: int
) -> list[list[float]]:
    """The warm start's weights per feature (zero for n-grams it did not know)."""
    zero = [0.0] * width
    grams = [(g, init.words) for g in words] + [(g, init.chars) for g in chars]
    rows = []
    for (gram, table), weight in zip(grams, idf, strict=True):
        row = table.get(gram)
        rows.append([v / (init.scale * weight) for v in row[:-1]] if row else list(zero))
    return rows


def _encode(
    example: Example,
    words: Counter[str],
    chars: list[Counter[str]],
    word_index: dict[str, int],
    char_index: dict[str, int],
    offset: int,
    idf: list[float],
    intents: tuple[str, ...],
    topics: tuple[str, ...],
) -> _Encoded | None:
    """The example's tf-idf features, the word block and the character block each L2-normalised."""
    features: list[tuple[int, float]] = []
    block = [(j, sublinear(c) * idf[j]) for g, c in words.items() if (j := word_index.get(g)) is not None]
    _normalised(block, features)
    char_values: dict[int, float] = {}
    squares = 0.0
    for token in chars:
        for g, c in token.items():
            i = char_index.get(g)
            if i is not None:
                value = sublinear(c) * idf[offset + i]
                char_values[offset + i] = char_values.get(offset + i, 0.0) + value
                squares += value * value
    if squares:
        norm = math.sqrt(squares)
        features.extend((j, v / norm) for j, v in sorted(char_values.items()))
    if not features or example.intent not in intents:
        return None
    targets = None if example.topics is None else [1.0 if t in example.topics else 0.0 for t in topics]
    return _Encoded(
        features=features, target=intents.index(example.intent), topics=targets, weight=example.weight
    )


def _normalised(block: list[tuple[int, float]], into: list[tuple[int, float]]) -> None:
    norm = math.sqrt(sum(v * v for _, v in block))
    if norm:
        into.extend((j, v / norm) for j, v in sorted(block))


def _export(
    version: str,
    intents: tuple[str, ...],
    topics: tuple[str, ...],
    grams: list[str],
    offset: int,
    rows: list[list[float]],
    idf: list[float],
    bias: list[float],
    config: TrainingConfig,
    spec: FeatureSpec,
    init: RoutingModel | None,
    used: int,
    examples: Sequence[Example],
) -> RoutingModel:
    scale = init.scale if init else config.scale
    words: dict[str, Row] = {}
    chars: dict[str, Row] = {}
    for j, (gram, row, weight) in enumerate(zip(grams, rows, idf, strict=True)):
        (words if j < offset else chars)[gram] = (
            *(round(w * weight * scale) for w in row),
            round(weight * weight * scale),
        )
    sources = Counter(example.source or "unknown" for example in examples)
    return RoutingModel(
        version=version,
        intents=intents,
        topics=topics,
        words=words,
        chars=chars,
        bias=bias,
        scale=scale,
        temperature=1.0,
        thresholds=dict(init.thresholds) if init else {},
        spec=spec,
        metadata={
            "examples": used,
            "documents": max(len(examples), int(init.metadata.get("documents", 0)) if init else 0),
            "sources": dict(sorted(sources.items())),
            "epochs": config.epochs,
            "learning_rate": config.learning_rate,
            "l2": config.l2,
            "seed": config.seed,
            "warm_start": init.version if init else None,
        },
    )


def calibrate(model: RoutingModel, held_out: Sequence[Example]) -> float:
    """The softmax temperature minimising the intent log-loss on ``held_out`` (grid 0.3 to 4)."""
    scored = []
    for example in held_out:
        if example.intent in model.intents:
            scores, _ = model.raw_scores(example.text)
            scored.append((scores[: len(model.intents)], model.intents.index(example.intent)))
    if not scored:
        return model.temperature
    best, best_loss = 1.0, math.inf
    for step in range(3, 41):
        temperature = step / 10
        loss = -sum(math.log(max(softmax(s, temperature)[y], 1e-12)) for s, y in scored)
        if loss < best_loss:
            best, best_loss = temperature, loss
    return best
