"""Canned responses: a team's saved replies, with placeholders filled in for the ticket at hand."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import ConfigDict, Field, field_validator

from socialdesk.domain.model import Model

__all__ = ["PLACEHOLDERS", "CannedResponse", "render"]

#: what a canned response may refer to, and what each becomes
PLACEHOLDERS = {
    "customer.name": "the customer's name (else their handle, else 'there')",
    "customer.handle": "the customer's @handle (else their name)",
    "ticket.id": "the ticket's id",
    "agent.name": "the replying agent's name (their token's subject)",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+\.[a-z]+)\s*\}\}")


class CannedResponse(Model):
    """One saved reply of one team."""

    model_config = ConfigDict(frozen=True)

    canned_id: str = Field(pattern=r"^C-[a-z0-9]{6,40}$")
    team: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=10_000)
    version: int = Field(default=1, ge=1)
    updated_by: str
    updated_at: datetime

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        unknown = sorted({name for name in _PLACEHOLDER.findall(value) if name not in PLACEHOLDERS})
        if unknown:
            raise ValueError(f"unknown placeholders {unknown}; use {sorted(PLACEHOLDERS)}")
        return value


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with every ``{{ placeholder }}`` replaced by its value."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
