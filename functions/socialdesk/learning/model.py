"""The routing model: a linear intent head (softmax) and topic head (one-vs-rest) over tf-idf n-grams.

Pure Python, no numpy. A model file is JSON (gzip-compressed), versioned. Each known word n-gram and
character n-gram has one integer row, ``scale`` times ``[w_1·idf, …, w_k·idf, idf²]``: its weights
per output premultiplied by its idf, then its idf squared (for the norm). Unknown n-grams are
ignored. A text's score per output is ``bias + W/‖W‖ + C/‖C‖``, W and C being the sums of its word
and character rows (weighted by ``1 + ln count`` for repeats) and ‖·‖ the L2 norm of each block, as
in a tf-idf vectoriser. Intent probabilities are a softmax at a temperature fitted on held-out data
(calibration); topic probabilities are sigmoids.

In memory each row is also packed into one integer (:class:`_PackedTable`), so that a text's rows
add up in one integer addition per n-gram rather than one per column: the same sums, a fifth faster.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any

from socialdesk.learning.features import FeatureSpec, char_grams, char_tokens, sublinear, tokens, word_grams

MODEL_FORMAT = 2
#: one n-gram's integer row: ``scale · w · idf`` per output, then ``scale · idf²``
Row = tuple[int, ...]
#: how many distinct tokens' character-gram sums are memoised per model (cleared when full)
TOKEN_CACHE_SIZE = 100_000
_UNSEEN: Any = object()


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
    _token_cache: dict[str, int | None] = field(default_factory=dict, repr=False)
    #: what repeated character n-grams add to a memoised token's sum (the few tokens that have them)
    _token_repeats: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _packed: tuple[_PackedTable, _PackedTable] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ scoring

    def _tables(self) -> tuple[_PackedTable, _PackedTable]:
        """The word and character tables, packed (at the first prediction, then kept)."""
        if self._packed is None:
            self._packed = (_PackedTable.of(self.words), _PackedTable.of(self.chars))
        return self._packed

    def _token_chars(self, token: str, chars: _PackedTable) -> int | None:
        """The packed sum of the character rows of a token not memoised yet, memoised (tokens repeat
        across mentions)."""
        summed, _, repeats = chars.summed(char_grams(token, self.spec))
        self._token_cache[token] = summed
        if repeats is not None:
            self._token_repeats[token] = repeats
        return summed

    def raw_scores(self, text: str) -> tuple[list[float], int]:
        """Linear scores per output (before softmax/sigmoid) and the number of known n-grams."""
        words, chars = self._tables()
        if len(self._token_cache) >= TOKEN_CACHE_SIZE:
            self._token_cache.clear()
            self._token_repeats.clear()
        toks = tokens(text)
        word_sum, known, word_repeats = words.summed(word_grams(toks, text, self.spec))
        scores = list(self.bias)
        width = len(scores) + 1
        blocks = [_columns(word_sum, width, word_repeats)]
        if self.spec.char_max:
            char_toks = char_tokens(toks)
            memo = list(map(self._token_cache.get, char_toks, repeat(_UNSEEN)))  # at C speed: mostly hits
            if _UNSEEN in memo:
                memo = [
                    self._token_chars(tok, chars) if m is _UNSEEN else m
                    for tok, m in zip(char_toks, memo, strict=True)
                ]
            sums = [row for row in memo if row is not None]
            known += len(sums)
            repeats = [r for r in map(self._token_repeats.get, char_toks) if r is not None]
            blocks.append(_columns(sum(sums) if sums else None, width, _added(repeats)))
        for columns in blocks:
            if columns is None or columns[-1] <= 0:
                continue
            factor = 1.0 / math.sqrt(columns[-1] * self.scale)
            scores = [s + b * factor for s, b in zip(scores, columns, strict=False)]
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


def _columns(packed: int | None, width: int, repeats: list[float] | None) -> list[float] | None:
    """The ``width`` column sums of a packed sum (``None``: no row), plus what repeats add."""
    if packed is None:
        return None
    biased = (packed + _halves(width)).to_bytes(8 * width, "little")
    columns: list[float] = [column - (1 << 63) for column in struct.unpack(f"<{width}Q", biased)]
    return columns if repeats is None else [c + r for c, r in zip(columns, repeats, strict=True)]


def _added(rows: list[list[float]]) -> list[float] | None:
    """The column sums of ``rows`` (``None`` when there are none)."""
    if len(rows) < 2:
        return rows[0] if rows else None
    return list(map(sum, zip(*rows, strict=True)))


@dataclass
class _PackedTable:
    """One n-gram table with each row packed into one integer: column ``i`` in bits ``64 i`` to ``64 i + 63``.

    Packing is linear (a negative column borrows from the next, and :func:`_columns` undoes the
    borrows), so the sum of packed rows is the packed sum of the rows: a text's rows add up in one
    integer addition each, at C speed, instead of one addition per column, to the same integers.
    """

    plain: dict[str, Row]
    packed: _Packed
    repeats: dict[tuple[str, int], list[float]] = field(default_factory=dict)

    @classmethod
    def of(cls, plain: dict[str, Row]) -> _PackedTable:
        return cls(plain, _Packed(plain))

    def summed(self, grams: list[str]) -> tuple[int | None, int, list[float] | None]:
        """(packed Σ of the known n-grams' rows taken once, how many, what their repeats add): a repeat
        weighs ``1 + ln count`` (its idf² squared)."""
        if len(set(grams)) == len(grams):  # most texts repeat no n-gram: look them all up at C speed
            rows = [row for row in map(self.packed.__getitem__, grams) if row is not None]
            return (sum(rows) if rows else None), len(rows), None
        counts = Counter(grams)
        rows = [row for row in map(self.packed.__getitem__, counts) if row is not None]
        if not rows:
            return None, 0, None
        extra = [self._repeated(gram, n) for gram, n in counts.items() if n > 1 and gram in self.plain]
        return sum(rows), len(rows), _added(extra)

    def _repeated(self, gram: str, count: int) -> list[float]:
        """What ``count`` occurrences of ``gram`` add to its row taken once (memoised: "the", "!")."""
        extra = self.repeats.get((gram, count))
        if extra is None:
            weight = sublinear(count)
            row = self.plain[gram]
            extra = [*(v * weight - v for v in row[:-1]), row[-1] * weight * weight - row[-1]]
            if len(self.repeats) >= TOKEN_CACHE_SIZE:
                self.repeats.clear()
            self.repeats[(gram, count)] = extra
        return extra


class _Packed(dict[str, int | None]):
    """n-gram → its packed row, packed at its first lookup (a model loads as fast as before).

    ``None`` for an n-gram the model does not know; any text can bring new ones, so when it has been
    asked for more than ``TOKEN_CACHE_SIZE`` of those it starts again.
    """

    def __init__(self, plain: dict[str, Row]) -> None:
        super().__init__()
        self._plain = plain
        self._unknown = 0

    def __missing__(self, gram: str) -> int | None:
        row = self._plain.get(gram)
        if row is None:
            self._unknown += 1
            if self._unknown > TOKEN_CACHE_SIZE:
                self.clear()
                self._unknown = 0
            self[gram] = None
            return None
        packed = self[gram] = sum(v << (64 * i) for i, v in enumerate(row))
        return packed


@cache
def _halves(width: int) -> int:
    """``2**63`` in each of ``width`` packed columns."""
    return sum(1 << (64 * i + 63) for i in range(width))


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
