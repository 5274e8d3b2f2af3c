"""The documented JSON schema a generic source (blog, review site, form, automation tool) posts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from socialdesk.domain.mention import MentionKind
from socialdesk.domain.model import Model
from socialdesk.domain.timeutil import to_utc


class GenericAuthor(Model):
    """Who wrote it, as the source knows them."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, max_length=256)
    handle: str | None = Field(default=None, max_length=256)
    name: str | None = Field(default=None, max_length=256)
    followers: int | None = Field(default=None, ge=0, le=10**15)
    verified: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class GenericMention(Model):
    """One item: ``{"id", "text", "created_at", ...}``; ``event`` says created, updated or deleted."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=256)
    event: Literal["created", "updated", "deleted"] = "created"
    kind: Literal["post", "comment", "reply", "review", "direct_message"] = "comment"
    text: str = Field(default="", max_length=40_000)
    title: str | None = Field(default=None, max_length=1_000)
    created_at: datetime
    author: GenericAuthor = Field(default_factory=GenericAuthor)
    thread_id: str | None = Field(default=None, max_length=256)
    parent_id: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2_048)
    language: str | None = Field(default=None, max_length=16)
    rating: float | None = Field(default=None, ge=0, le=10)
    brand_account: str | None = Field(default=None, max_length=256)
    from_brand: bool = False

    @field_validator("id", "thread_id", "parent_id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("created_at", mode="before")
    @classmethod
    def _utc(cls, value: object) -> datetime:
        return to_utc(value)

    @property
    def mention_kind(self) -> MentionKind:
        """The domain kind of this item."""
        return MentionKind(self.kind)


class GenericDelivery(Model):
    """A batch: ``{"mentions": [...]}`` (a single item object is accepted too)."""

    model_config = ConfigDict(extra="ignore")

    mentions: list[GenericMention] = Field(min_length=1, max_length=100)
