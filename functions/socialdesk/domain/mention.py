"""The normalised Mention: one shape for every platform's post, comment, reply, quote, DM or review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from socialdesk.domain.model import Model
from socialdesk.domain.timeutil import to_utc

#: the largest count (followers, likes) a platform can plausibly report; DynamoDB numbers hold 38 digits
MAX_COUNT = 10**15


class Channel(StrEnum):
    """Where the customer spoke to the brand."""

    X = "x"
    FACEBOOK = "facebook"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    GENERIC = "generic"


class MentionKind(StrEnum):
    """What sort of message it is, whatever the platform calls it."""

    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    QUOTE = "quote"
    DIRECT_MESSAGE = "direct_message"
    REVIEW = "review"


class Direction(StrEnum):
    """Inbound = from a customer (a mention); outbound = from the brand itself."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(Model):
    """Who wrote the message, as far as the payload tells."""

    model_config = ConfigDict(frozen=True)

    id: str | None = None
    handle: str | None = None
    name: str | None = None
    followers: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    verified: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_string(cls, value: object) -> object:
        return None if value is None else str(value)


class Engagement(Model):
    """The 'backup' other customers add: likes, reposts, replies, quotes (None = not given)."""

    model_config = ConfigDict(frozen=True)

    likes: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    reposts: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    replies: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    quotes: int | None = Field(default=None, ge=0, le=MAX_COUNT)


class Attachment(Model):
    """A photo, video, file, sticker or shared link attached to the message."""

    model_config = ConfigDict(frozen=True)

    type: str
    url: str | None = None


class Mention(Model):
    """One message on one channel, normalised.

    ``external_id`` is always a string (tweet ids exceed 2^53). ``thread_root_id`` is the id of
    the conversation's first message (the message itself for a new post or a DM conversation key),
    ``parent_id`` the message it directly answers. ``raw_ref`` points at the archived raw payload.
    """

    model_config = ConfigDict(frozen=True)

    channel: Channel
    external_id: str = Field(min_length=1, max_length=512)
    kind: MentionKind
    direction: Direction = Direction.INBOUND
    source: str = Field(min_length=1, max_length=64)
    thread_root_id: str | None = None
    parent_id: str | None = None
    quoted_id: str | None = None
    author: Author = Field(default_factory=Author)
    text: str = ""
    language: str | None = None
    created_at: datetime
    engagement: Engagement = Field(default_factory=Engagement)
    permalink: str | None = None
    brand_account: str | None = None
    attachments: tuple[Attachment, ...] = ()
    rating: float | None = None
    title: str | None = None
    raw_ref: str | None = None

    @field_validator(
        "external_id", "thread_root_id", "parent_id", "quoted_id", "brand_account", mode="before"
    )
    @classmethod
    def _ids_as_strings(cls, value: object) -> object:
        return None if value is None else str(value)

    @field_validator("created_at", mode="before")
    @classmethod
    def _utc(cls, value: object) -> datetime:
        return to_utc(value)

    @property
    def key(self) -> tuple[str, str]:
        """The natural key that makes ingest exactly-once: (channel, external id)."""
        return (self.channel.value, self.external_id)

    @property
    def ref(self) -> str:
        """``<channel>#<external id>``: how tickets refer to the message."""
        return f"{self.channel.value}#{self.external_id}"


class MentionStatus(StrEnum):
    """Lifecycle of a stored mention."""

    ACTIVE = "active"
    DELETED = "deleted"


class StoredMention(Model):
    """A mention as SocialDesk holds it: the message plus what happened to it since it arrived."""

    model_config = ConfigDict(frozen=True)

    mention: Mention
    status: MentionStatus = MentionStatus.ACTIVE
    received_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    #: the ticket the message is on once routed, and as what (``customer`` or ``context``)
    ticket_id: str | None = None
    role: str | None = None

    @property
    def ref(self) -> str:
        """``<channel>#<external id>``: how tickets refer to the message."""
        return f"{self.mention.channel.value}#{self.mention.external_id}"

    @property
    def deleted(self) -> bool:
        """Deleted (or erased) by its author."""
        return self.status is MentionStatus.DELETED
