"""Text → n-gram features for the routing model: word uni/bigrams and in-word character n-grams."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass

#: what a URL, a non-leading @handle and a number become, so no single one is learnt
URL_TOKEN = "_url_"  # noqa: S105 - a placeholder word, not a secret
HANDLE_TOKEN = "_user_"  # noqa: S105 - a placeholder word, not a secret

_RIGHT_QUOTE = "\u2019"
_URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*")
_LEADING_HANDLES_RE = re.compile(r"^(?:\W*@\w+)+")
_HANDLE_RE = re.compile(r"(?<![\w@])@\w+")
_DIGITS_RE = re.compile(r"\d")
#: words (with an apostrophe inside), hashtags, "?" and "!", and any other single symbol (emoji)
_TOKEN_RE = re.compile(r"#?[^\W_]+(?:'[^\W_]+)*|_url_|_user_|[!?]|[^\w\s]", re.UNICODE)
_PUNCT_NOISE = frozenset(".,;:\"'()[]{}-/\\*&%$+=<>|~`^\u2013\u2014")


@dataclass(frozen=True)
class FeatureSpec:
    """Which n-grams the model reads.

    Parameters
    ----------
    word_ngrams
        Longest word n-gram (1 = unigrams only, 2 = unigrams and bigrams).
    char_min, char_max
        Character n-gram lengths taken inside each word padded as ``<word>`` (0 disables them).
    """

    word_ngrams: int = 2
    char_min: int = 3
    char_max: int = 5

    def to_dict(self) -> dict[str, int]:
        """The spec as stored in a model file."""
        return {"word_ngrams": self.word_ngrams, "char_min": self.char_min, "char_max": self.char_max}


def normalise(text: str) -> str:
    """Lower-case, drop the leading @handles (the brand addressed), mask URLs, handles and digits."""
    text = text.replace(_RIGHT_QUOTE, "'")
    text = _LEADING_HANDLES_RE.sub(" ", text.strip())
    if "http" in text or "www." in text or "pic.twitter" in text:
        text = _URL_RE.sub(f" {URL_TOKEN} ", text)
    if "@" in text:
        text = _HANDLE_RE.sub(f" {HANDLE_TOKEN} ", text)
    return _DIGITS_RE.sub("0", text.lower())


def tokens(text: str) -> list[str]:
    """The normalised tokens of ``text`` (punctuation other than ``?`` and ``!`` dropped)."""
    return [t for t in _TOKEN_RE.findall(normalise(text)) if t not in _PUNCT_NOISE]


def char_tokens(toks: list[str]) -> list[str]:
    """The tokens whose character n-grams are read: words of two or more characters."""
    return [tok for tok in toks if len(tok) >= 2 and tok[-1].isalnum()]


def word_grams(toks: list[str], text: str, spec: FeatureSpec) -> list[str]:
    """Word n-grams of a tokenised text: the tokens, space-joined bigrams and shape tokens.

    Shape tokens: ``__caps__`` when most letters of ``text`` are capitals, ``__long__`` for long texts.
    """
    grams = list(toks)
    if spec.word_ngrams >= 2:
        grams.extend(f"{a} {b}" for a, b in itertools.pairwise(toks))
    letters = sum(map(str.isalpha, text))
    if letters >= 8 and sum(map(str.isupper, text)) > 0.6 * letters:
        grams.append("__caps__")
    if len(toks) > 40:
        grams.append("__long__")
    return grams


def char_grams(token: str, spec: FeatureSpec) -> list[str]:
    """Character n-grams of one token (hashtag sign removed), padded as ``<token>``."""
    padded = f"<{token.lstrip('#')}>"
    size = len(padded)
    grams: list[str] = []
    for n in range(spec.char_min, min(spec.char_max, size) + 1):
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def sublinear(count: int) -> float:
    """The weight of an n-gram seen ``count`` times: ``1 + ln(count)`` (tf-idf's sublinear tf)."""
    return 1.0 + math.log(count) if count > 1 else 1.0


def extract(text: str, spec: FeatureSpec) -> tuple[Counter[str], list[Counter[str]]]:
    """(word n-gram counts, character n-gram counts per word token) of ``text``.

    The model's features: each word n-gram weighs ``sublinear(count) * idf``, the word block divided by
    its L2 norm; each token's character n-grams likewise, the character block (all tokens, repeats
    included) divided by its own norm.
    """
    toks = tokens(text)
    chars = [Counter(char_grams(tok, spec)) for tok in char_tokens(toks)] if spec.char_max else []
    return Counter(word_grams(toks, text, spec)), chars
