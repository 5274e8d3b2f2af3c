"""Term lists as data: urgency categories (the safety net) matched by words, prefixes and phrases."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+")
#: scripts written without spaces: their terms match as substrings
_UNSPACED_RE = re.compile(r"[\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff]")


def words_of(text: str) -> list[str]:
    """Lower-case words (letters, inner apostrophes; digits apart) of ``text``."""
    return _WORD_RE.findall(text.lower().replace("\u2019", "'"))


@dataclass
class TermMatcher:
    """Finds which categories' terms occur in a text, in one pass over its words.

    A term is a word, a word prefix (``injur*``), a phrase of several words (its last word may be a
    prefix too), or, in scripts without spaces, a substring.
    """

    _words: dict[str, set[str]] = field(default_factory=dict)
    #: the first three letters of a prefix term → (prefix, category); shorter prefixes keyed whole
    _prefixes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _phrases: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    _substrings: list[tuple[str, str]] = field(default_factory=list)
    order: tuple[str, ...] = ()

    @classmethod
    def of(cls, terms: Mapping[str, Iterable[str]]) -> TermMatcher:
        """A matcher for ``category → terms``."""
        matcher = cls(order=tuple(terms))
        for category, listed in terms.items():
            for raw in listed:
                term = str(raw).strip().lower().replace("\u2019", "'")
                if not term:
                    continue
                if _UNSPACED_RE.search(term):
                    matcher._substrings.append((term, category))
                    continue
                parts = words_of(term.rstrip("*"))
                if not parts:
                    continue
                prefix = term.endswith("*")
                if len(parts) > 1:
                    key = (*parts[:-1], parts[-1] + ("*" if prefix else ""))
                    matcher._phrases.setdefault(parts[0], []).append((key, category))
                elif prefix:
                    matcher._prefixes.setdefault(parts[0][:3], []).append((parts[0], category))
                else:
                    matcher._words.setdefault(parts[0], set()).add(category)
        return matcher

    def categories(self, text: str, words: list[str] | None = None) -> tuple[str, ...]:
        """The categories found in ``text`` (``words``: its :func:`words_of`, if already known), in order."""
        words = words_of(text) if words is None else words
        found: set[str] = set()
        present = set(words)  # set operations find the few words that start a term, at C speed
        for word in present & self._words.keys():
            found |= self._words[word]
        prefixes = self._prefixes
        for stem in {word[:3] for word in present} & prefixes.keys():
            for prefix, category in prefixes[stem]:
                if any(word[:3] == stem and word.startswith(prefix) for word in present):
                    found.add(category)
        for first in present & self._phrases.keys():
            for i, word in enumerate(words):
                if word != first:
                    continue
                for phrase, category in self._phrases[first]:
                    if category not in found and _phrase_at(words, i, phrase):
                        found.add(category)
        if self._substrings and _UNSPACED_RE.search(text):
            lowered = text.lower()
            found.update(category for term, category in self._substrings if term in lowered)
        return tuple(c for c in self.order if c in found)


def _phrase_at(words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    for offset, part in enumerate(phrase):
        word = words[i + offset]
        if part.endswith("*"):
            if not word.startswith(part[:-1]):
                return False
        elif word != part:
            return False
    return True


def flatten(by_language: Mapping[str, Iterable[str]] | Iterable[str]) -> list[str]:
    """A category's terms, whether given per language (a mapping) or as one list."""
    if isinstance(by_language, Mapping):
        return [term for terms in by_language.values() for term in terms]
    return list(by_language)
