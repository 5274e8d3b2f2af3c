"""Language of a text from data (``config/languages.yaml``): function-word votes, letters, scripts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from socialdesk.learning.terms import words_of

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
#: platform codes that predate ISO 639-1's current ones (X still sends some)
_LEGACY_CODES = {"in": "id", "iw": "he", "ji": "yi"}


@dataclass(frozen=True)
class LanguageProfiles:
    """Votes per word, letter weights and script ranges, read from the languages data file."""

    votes: Mapping[str, tuple[tuple[str, float], ...]]
    letters: Mapping[str, tuple[str, float]]
    scripts: tuple[tuple[str, re.Pattern[str]], ...]
    min_score: float
    margin: float
    any_script: re.Pattern[str] | None = None

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> LanguageProfiles:
        """Profiles from the parsed ``languages.yaml`` document."""
        owners: dict[str, list[str]] = {}
        for language, words in doc["words"].items():
            for word in set(str(words).split()):
                owners.setdefault(word, []).append(language)
        votes = {w: tuple((lang, 1.0 / len(langs)) for lang in langs) for w, langs in owners.items()}
        letters = {str(k): (str(v[0]), float(v[1])) for k, v in doc.get("letters", {}).items()}
        ranges = [(str(code), str(chars)) for code, chars in doc.get("scripts", ())]
        scripts = tuple((code, re.compile(f"[{chars}]")) for code, chars in ranges)
        any_script = re.compile("[" + "".join(chars for _, chars in ranges) + "]") if ranges else None
        return cls(votes, letters, scripts, float(doc["min_score"]), float(doc["margin"]), any_script)

    def detect(self, text: str, words: list[str] | None = None) -> str:
        """ISO 639-1 code of ``text``, or "und" when unclear (scripts first, then word votes).

        ``words`` may give :func:`words_of` of the text when the caller has it already.
        """
        if self.any_script is not None and self.any_script.search(text):
            for code, pattern in self.scripts:
                if pattern.search(text):
                    return code
        if "@" in text and _EMAIL_RE.search(text):
            text = _EMAIL_RE.sub(" ", text)
            words = None
        lowered = text.lower()
        scores: dict[str, float] = {}
        for votes in map(self.votes.get, words_of(lowered) if words is None else words):
            for language, vote in votes or ():
                scores[language] = scores.get(language, 0.0) + vote
        for letter, (language, weight) in self.letters.items():
            if letter in lowered:
                scores[language] = scores.get(language, 0.0) + weight
        if not scores:
            return "und"
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score < self.min_score or score < runner_up * self.margin:
            return "und"
        return best


def given_language(language: str | None) -> str | None:
    """The platform's language tag as ISO 639-1, or None when absent, "und" or not a language."""
    if not language:
        return None
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    if len(primary) != 2 or not primary.isalpha():  # "und", X's "qme"/"zxx", ...
        return None
    return _LEGACY_CODES.get(primary, primary)
