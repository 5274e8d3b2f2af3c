"""The routing model: a linear intent head (softmax) and topic head (one-vs-rest) over tf-idf n-grams.

Pure Python, no numpy. A model file is JSON (gzip-compressed), versioned. Each known word n-gram and
character n-gram has one integer row, ``scale`` times ``[w_1·idf, …, w_k·idf, idf²]``: its weights
per output premultiplied by its idf, then its idf squared (for the norm). Unknown n-grams are
ignored. A text's score per output is ``bias + W/‖W‖ + C/‖C‖``, W and C being the sums of its word
and character rows (weighted by ``1 + ln count`` for repeats) and ‖·‖ the L2 norm of each block, as
in a tf-idf vectoriser. Intent probabilities are a softmax at a temperature fitted on held-out data
(calibration); topic probabilities are sigmoids.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialdesk.learning.features import FeatureSpec, char_grams, char_tokens, sublinear, tokens, word_grams

MODEL_FORMAT = 2
#: one n-gram's integer row: ``scale · w · idf`` per output, then ``scale · idf²``
Row = tuple[int, ...]
#: how many distinct tokens' character-gram sums are memoised per model (cleared when full)
TOKEN_CACHE_SIZE = 100_000


@dataclass(frozen=True)
class Prediction:
    """What the model says about one text."""

    intents: dict[str, float]
    topics: dict[str, float]
    #: how many known n-grams the text had (0: the model knows nothing about it)
    evidence: int

    @property
    def intent(self) -> str:
        """The most probable intent."""
        return max(self.intents, key=self.intents.__getitem__)


@dataclass
class RoutingModel:
    """Weights and metadata of one model version.

    Parameters
    ----------
    version
        The version name (``routing-<yyyy.mm.dd>-<n>`` or a refit's name).
    intents, topics
        Output labels, in row order: the first ``len(intents)`` entries of a row are the intent head.
    words, chars
        n-gram → integer row: ``scale · w · idf`` per output, then ``scale · idf²``.
    bias
        Float bias per output.
    temperature
        Softmax temperature of the intent head (fitted on held-out data).
    thresholds
        Decision defaults shipped with the model (``complaint``, ``topic``, ``no_reply``).
    """

    version: str
    intents: tuple[str, ...]
    topics: tuple[str, ...]
    words: dict[str, Row]
    chars: dict[str, Row]
    bias: list[float]
    scale: float = 1000.0
    temperature: float = 1.0
    thresholds: dict[str, float] = field(default_factory=dict)
    spec: FeatureSpec = field(default_factory=FeatureSpec)
    metadata: dict[str, Any] = field(default_factory=dict)
    _token_cache: dict[str, list[float] | None] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ scoring

    def _token_chars(self, token: str) -> list[float] | None:
        """The summed character rows of one token (memoised: tokens repeat across mentions)."""
        if token in self._token_cache:
            return self._token_cache[token]
        summed, _ = _summed(char_grams(token, self.spec), self.chars)
        if len(self._token_cache) >= TOKEN_CACHE_SIZE:
            self._token_cache.clear()
        self._token_cache[token] = summed
        return summed

    def raw_scores(self, text: str) -> tuple[list[float], int]:
        """Linear scores per output (before softmax/sigmoid) and the number of known n-grams."""
        toks = tokens(text)
        word_block, known = _summed(word_grams(toks, text, self.spec), self.words)
        scores = list(self.bias)
        blocks = [word_block]
        if self.spec.char_max:
            rows = [row for tok in char_tokens(toks) if (row := self._token_chars(tok)) is not None]
            known += len(rows)
            blocks.append([sum(column) for column in zip(*rows, strict=True)] if rows else None)
        for block in blocks:
            if block is None or block[-1] <= 0:
                continue
            factor = 1.0 / math.sqrt(block[-1] * self.scale)
            scores = [s + b * factor for s, b in zip(scores, block, strict=False)]
        return scores, known

    def predict(self, text: str) -> Prediction:
        """Intent probabilities (calibrated softmax) and topic probabilities (sigmoid) of ``text``."""
        scores, count = self.raw_scores(text)
        k = len(self.intents)
        return Prediction(
            intents=dict(zip(self.intents, softmax(scores[:k], self.temperature), strict=True)),
            topics={t: sigmoid(s) for t, s in zip(self.topics, scores[k:], strict=True)},
            evidence=count,
        )

    def idf(self, row: Row) -> float:
        """The idf of an n-gram, read off its row's last column."""
        return math.sqrt(row[-1] / self.scale)

    # ------------------------------------------------------------------ (de)serialisation

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready document (n-grams sorted, so the file is reproducible)."""
        return {
            "format": MODEL_FORMAT,
            "version": self.version,
            "intents": list(self.intents),
            "topics": list(self.topics),
            "features": self.spec.to_dict(),
            "scale": self.scale,
            "temperature": self.temperature,
            "thresholds": dict(sorted(self.thresholds.items())),
            "bias": [round(b, 6) for b in self.bias],
            "metadata": self.metadata,
            "words": dict(sorted(self.words.items())),
            "chars": dict(sorted(self.chars.items())),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RoutingModel:
        """A model from its JSON document (``ValueError`` on an unknown format)."""
        if doc.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown routing model format {doc.get('format')!r}")
        intents = tuple(doc["intents"])
        width = len(intents) + len(doc["topics"])
        words, chars = doc["words"], doc["chars"]
        if (
            any(len(row) != width + 1 for row in (*words.values(), *chars.values()))
            or len(doc["bias"]) != width
        ):
            raise ValueError("routing model rows do not match its outputs")
        return cls(
            version=str(doc["version"]),
            intents=intents,
            topics=tuple(doc["topics"]),
            # tuples of ints are untracked by the garbage collector: no GC pauses over the model
            words={g: tuple(row) for g, row in words.items()},
            chars={g: tuple(row) for g, row in chars.items()},
            bias=[float(b) for b in doc["bias"]],
            scale=float(doc["scale"]),
            temperature=float(doc.get("temperature", 1.0)),
            thresholds={k: float(v) for k, v in doc.get("thresholds", {}).items()},
            spec=FeatureSpec(**doc["features"]),
            metadata=dict(doc.get("metadata", {})),
        )

    def to_bytes(self) -> bytes:
        """The gzip-compressed JSON file (byte-for-byte reproducible: no timestamp in the header)."""
        body = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return gzip.compress(body, compresslevel=9, mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> RoutingModel:
        """A model from a (gzip-compressed or plain) JSON file's bytes."""
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return cls.from_dict(json.loads(data))

    @classmethod
    def load(cls, path: Path) -> RoutingModel:
        """Read a model file."""
        return cls.from_bytes(path.read_bytes())


def _summed(grams: list[str], table: dict[str, Row]) -> tuple[list[float] | None, int]:
    """(Σ of the known n-grams' rows, how many): a repeat weighs ``1 + ln count`` (its idf² squared)."""
    rows: list[Sequence[float]]
    if len(set(grams)) == len(grams):  # most texts repeat no n-gram: look them all up at C speed
        rows = [row for row in map(table.get, grams) if row is not None]
    else:
        rows = []
        for gram, count in Counter(grams).items():
            row = table.get(gram)
            if row is None:
                continue
            if count > 1:
                weight = sublinear(count)
                rows.append([*(v * weight for v in row[:-1]), row[-1] * weight * weight])
            else:
                rows.append(row)
    if not rows:
        return None, 0
    return list(map(sum, zip(*rows, strict=True))), len(rows)


def softmax(scores: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax of ``scores / temperature``."""
    scaled = [s / temperature for s in scores]
    top = max(scaled)
    exps = [math.exp(s - top) for s in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def sigmoid(score: float) -> float:
    """The logistic function, safe for large magnitudes."""
    if score >= 0:
        return 1.0 / (1.0 + math.exp(-score))
    e = math.exp(score)
    return e / (1.0 + e)
