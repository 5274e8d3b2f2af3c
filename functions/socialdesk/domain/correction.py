"""A correction an agent made to a routed ticket: a labelled example the routing model learns from."""

from __future__ import annotations

import zlib
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from socialdesk.domain.classification import Intent
from socialdesk.domain.model import Model

#: one correction in this many (by ticket) is held out to evaluate a refit, never trained on
HELD_OUT_ONE_IN = 5


class CorrectionKind(StrEnum):
    """What the agent changed."""

    INTENT = "intent"
    TEAM = "team"
    SPAM = "spam"
    NOT_SPAM = "not_spam"


class Correction(Model):
    """The customer's message with the label an agent gave it.

    The label is ``corrected_intent`` when the agent set one, spam for a "mark as spam", and the
    predicted intent when the agent only moved the ticket to another team (they saw the intent and
    left it). A "not spam" without an intent teaches only that it is not spam, so it has no label.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    ticket_id: str = Field(min_length=1, max_length=128)
    kind: CorrectionKind
    text: str = Field(default="", max_length=40_000)
    channel: str = Field(min_length=1, max_length=32)
    language: str = Field(default="und", max_length=8)
    brand: str | None = Field(default=None, max_length=128)
    predicted_intent: Intent | None = None
    corrected_intent: Intent | None = None
    predicted_team: str | None = None
    corrected_team: str | None = None
    corrected_topic: str | None = Field(default=None, max_length=64)
    model_version: str | None = None
    agent: str = Field(min_length=1, max_length=128)
    recorded_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> Correction:
        if self.kind is CorrectionKind.INTENT and self.corrected_intent is None:
            raise ValueError("an intent correction names the corrected intent")
        if self.kind is CorrectionKind.TEAM and not self.corrected_team:
            raise ValueError("a team correction names the team the ticket moved to")
        if self.kind is CorrectionKind.SPAM and self.corrected_intent not in (None, Intent.SPAM):
            raise ValueError("marking as spam sets the intent to spam")
        if self.kind is CorrectionKind.NOT_SPAM and self.corrected_intent is Intent.SPAM:
            raise ValueError("'not spam' cannot set the intent to spam")
        return self

    @property
    def month(self) -> str:
        """``yyyy-mm`` of when it was recorded (the store's partition)."""
        return self.recorded_at.strftime("%Y-%m")

    @property
    def identity(self) -> str:
        """What makes two corrections of one ticket the same one (a retried click): kind and new labels."""
        parts = (self.kind.value, self.corrected_intent, self.corrected_team, self.corrected_topic)
        return "#".join(str(part) if part else "-" for part in parts)

    @property
    def label(self) -> Intent | None:
        """The intent this correction teaches (None: it teaches no intent)."""
        if self.kind is CorrectionKind.SPAM:
            return Intent.SPAM
        if self.corrected_intent is not None:
            return self.corrected_intent
        if self.kind is CorrectionKind.TEAM:
            return self.predicted_intent
        return None

    @property
    def held_out(self) -> bool:
        """Whether it belongs to the evaluation corrections (stable, by ticket)."""
        return zlib.crc32(self.ticket_id.encode("utf-8")) % HELD_OUT_ONE_IN == 0
