"""Pydantic models of the X webhook shapes SocialDesk reads: AAA v1.1 envelopes and X Activity API v2."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from socialdesk.domain.model import Model
from socialdesk.domain.timeutil import to_utc


def _id_text(value: object) -> object:
    """Turn an integer id into its exact decimal string; leave the rest to string validation."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _timestamp(value: object) -> object:
    """Parse ms/s epochs, ISO 8601 and Twitter's format to UTC, as a ValueError when impossible."""
    try:
        return to_utc(value)
    except (ValueError, OverflowError, OSError):
        raise ValueError("not a recognised timestamp") from None


def _lenient_bool(value: object) -> bool | None:
    """``user_has_blocked`` is documented as ``"false"`` and captured as ``false``: read both."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _prefer(data: object, wanted: str, fallback: str) -> object:
    """Copy ``fallback`` into ``wanted`` when only the fallback key is given (``id`` → ``id_str``)."""
    if isinstance(data, dict) and data.get(wanted) is None and data.get(fallback) is not None:
        return {**data, wanted: data[fallback]}
    return data


def _unwrap_data(value: object) -> object:
    """XAA sometimes nests a v2 user as ``{"data": {...}}``; return the inner object."""
    if isinstance(value, dict) and "id" not in value and isinstance(value.get("data"), dict):
        return value["data"]
    return value


#: an X id: always a string (tweet ids exceed 2^53); JSON integers are turned into exact strings
IdStr = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=64)]
#: a timestamp in any of X's formats, normalised to UTC
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
#: a count (likes, followers, ...); v2 may send it as a numeric string
Count = Annotated[int, Field(ge=0, le=10**15)]
#: a flag X sends as a boolean or as the string "true"/"false"
LenientBool = Annotated[bool | None, BeforeValidator(_lenient_bool)]


class _Model(Model):
    """Base: unknown fields are ignored, the model is read-only."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# --- AAA v1.1 -------------------------------------------------------------------------------------


class V1User(_Model):
    """A v1.1 user (tweet ``user`` or an entry of the DM ``users`` map)."""

    id_str: IdStr | None = None
    screen_name: str | None = None
    name: str | None = None
    followers_count: Count | None = None
    verified: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _id_from_id(cls, data: object) -> object:
        return _prefer(data, "id_str", "id")


class V1Media(_Model):
    """One photo, video or GIF in ``entities.media`` / ``extended_entities.media`` / a DM attachment."""

    type: str = "media"
    media_url_https: str | None = None
    media_url: str | None = None


class V1Entities(_Model):
    """The part of tweet entities we read: the media list."""

    media: list[V1Media] = Field(default_factory=list)


class ExtendedTweet(_Model):
    """The full text and entities of a tweet longer than 140 characters."""

    full_text: str | None = None
    entities: V1Entities | None = None
    extended_entities: V1Entities | None = None


class TweetRef(_Model):
    """A nested tweet (``quoted_status``) of which only the id is read."""

    id_str: IdStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _id_from_id(cls, data: object) -> object:
        return _prefer(data, "id_str", "id")


class Tweet(_Model):
    """A v1.1 Tweet object as delivered in ``tweet_create_events``."""

    id_str: IdStr
    text: str | None = None
    full_text: str | None = None
    truncated: bool | None = None
    extended_tweet: ExtendedTweet | None = None
    in_reply_to_status_id_str: IdStr | None = None
    in_reply_to_user_id_str: IdStr | None = None
    quoted_status_id_str: IdStr | None = None
    quoted_status: TweetRef | None = None
    retweeted_status: dict[str, Any] | None = None
    user: V1User = Field(default_factory=V1User)
    lang: str | None = None
    created_at: Timestamp | None = None
    timestamp_ms: Timestamp | None = None
    favorite_count: Count | None = None
    retweet_count: Count | None = None
    reply_count: Count | None = None
    quote_count: Count | None = None
    entities: V1Entities | None = None
    extended_entities: V1Entities | None = None

    @model_validator(mode="before")
    @classmethod
    def _ids_from_numbers(cls, data: object) -> object:
        data = _prefer(data, "id_str", "id")
        data = _prefer(data, "in_reply_to_status_id_str", "in_reply_to_status_id")
        data = _prefer(data, "in_reply_to_user_id_str", "in_reply_to_user_id")
        return _prefer(data, "quoted_status_id_str", "quoted_status_id")

    @model_validator(mode="after")
    def _has_time(self) -> Tweet:
        if self.timestamp_ms is None and self.created_at is None:
            raise ValueError("timestamp_ms or created_at is required")
        return self


class DmTarget(_Model):
    """Who a DM was sent to."""

    recipient_id: IdStr


class DmAttachment(_Model):
    """A DM attachment: ``{"type": "media", "media": {...}}``."""

    type: str | None = None
    media: V1Media | None = None


class DmMessageData(_Model):
    """The content of a DM."""

    text: str = ""
    attachment: DmAttachment | None = None


class DmMessageCreate(_Model):
    """The ``message_create`` body of a DM event."""

    target: DmTarget
    sender_id: IdStr
    message_data: DmMessageData = Field(default_factory=DmMessageData)


class DirectMessageEvent(_Model):
    """One item of ``direct_message_events`` (AAA and XAA ``dm.*`` payloads)."""

    type: str
    id: IdStr | None = None
    created_timestamp: Timestamp | None = None
    message_create: DmMessageCreate | None = None

    @model_validator(mode="after")
    def _complete_message(self) -> DirectMessageEvent:
        if self.type == "message_create":
            for name in ("id", "created_timestamp", "message_create"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name} is required for a message_create event")
        return self


class DeletedStatus(_Model):
    """The tweet a ``tweet_delete_events`` item removes."""

    id_str: IdStr
    user_id_str: IdStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _ids(cls, data: object) -> object:
        return _prefer(_prefer(data, "id_str", "id"), "user_id_str", "user_id")


class TweetDeleteEvent(_Model):
    """One item of ``tweet_delete_events``."""

    status: DeletedStatus
    timestamp_ms: Timestamp


class AaaEnvelope(_Model):
    """An Account Activity API delivery: ``for_user_id`` plus event arrays (other keys are read raw)."""

    for_user_id: IdStr | None = None
    user_has_blocked: LenientBool = None
    tweet_create_events: list[Tweet] = Field(default_factory=list)
    direct_message_events: list[DirectMessageEvent] = Field(default_factory=list)
    users: dict[str, V1User] = Field(default_factory=dict)
    tweet_delete_events: list[TweetDeleteEvent] = Field(default_factory=list)
    favorite_events: list[Any] = Field(default_factory=list)
    follow_events: list[Any] = Field(default_factory=list)
    block_events: list[Any] = Field(default_factory=list)
    mute_events: list[Any] = Field(default_factory=list)
    direct_message_indicate_typing_events: list[Any] = Field(default_factory=list)
    direct_message_mark_read_events: list[Any] = Field(default_factory=list)
    user_event: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _brand_when_needed(self) -> AaaEnvelope:
        if self.for_user_id is None and (self.tweet_create_events or self.direct_message_events):
            raise ValueError("for_user_id is required with tweet_create_events or direct_message_events")
        return self


# --- X Activity API (v2) --------------------------------------------------------------------------


class V2UserMetrics(_Model):
    """The user counts we read."""

    followers_count: Count | None = None


class V2User(_Model):
    """A v2 user (``includes.users[]`` or ``payload.users[id].data``)."""

    id: IdStr | None = None
    username: str | None = None
    name: str | None = None
    public_metrics: V2UserMetrics | None = None
    verified: bool | None = None
    is_identity_verified: bool | None = None


class V2PostMetrics(_Model):
    """A post's public counts (v2 also sends ``*_str`` copies, ignored)."""

    like_count: Count | None = None
    retweet_count: Count | None = None
    reply_count: Count | None = None
    quote_count: Count | None = None


class ReferencedTweet(_Model):
    """``referenced_tweets[]``: ``replied_to``, ``quoted`` or ``retweeted``."""

    type: str
    id: IdStr


class NoteTweet(_Model):
    """The full text of a post longer than 280 characters."""

    text: str | None = None


class V2Attachments(_Model):
    """Media keys of a post, resolved through ``includes.media``."""

    media_keys: list[str] = Field(default_factory=list)


class V2Media(_Model):
    """One ``includes.media[]`` item."""

    media_key: str | None = None
    type: str = "media"
    url: str | None = None
    preview_image_url: str | None = None


class V2Post(_Model):
    """A v2 Post object (XAA ``post.*`` payload)."""

    id: IdStr
    text: str = ""
    note_tweet: NoteTweet | None = None
    author_id: IdStr | None = None
    conversation_id: IdStr | None = None
    in_reply_to_user_id: IdStr | None = None
    in_reply_to_tweet_id: IdStr | None = None
    referenced_tweets: list[ReferencedTweet] = Field(default_factory=list)
    lang: str | None = None
    created_at: Timestamp
    public_metrics: V2PostMetrics | None = None
    attachments: V2Attachments | None = None

    def referenced(self, kind: str) -> str | None:
        """The id of the first referenced post of ``kind`` (``replied_to``, ``quoted``), if any."""
        return next((ref.id for ref in self.referenced_tweets if ref.type == kind), None)


class DeletedPost(_Model):
    """The XAA ``post.delete`` payload."""

    id: IdStr
    author_id: IdStr | None = None


class XaaIncludes(_Model):
    """Expanded objects: the users (bare or ``{"data": user}``) and media."""

    users: list[Annotated[V2User, BeforeValidator(_unwrap_data)]] = Field(default_factory=list)
    media: list[V2Media] = Field(default_factory=list)


class XaaDmPayload(_Model):
    """The XAA ``dm.received`` / ``dm.sent`` payload."""

    direct_message_events: list[DirectMessageEvent] = Field(default_factory=list)
    users: dict[str, Annotated[V2User, BeforeValidator(_unwrap_data)]] = Field(default_factory=dict)


class XaaFilter(_Model):
    """The subscription filter that matched; ``user_id`` is the brand account."""

    user_id: IdStr | None = None


class XaaHeadData(_Model):
    """Just enough of ``data`` to dispatch on: the event type and the brand filter."""

    event_type: str
    filter: XaaFilter = Field(default_factory=XaaFilter)


class XaaHead(_Model):
    """An XAA delivery read only for dispatch (the payload is validated per event type)."""

    data: XaaHeadData


P = TypeVar("P")


class XaaData(_Model, Generic[P]):
    """The ``data`` object of an XAA delivery, typed by its payload."""

    event_uuid: IdStr | None = None
    filter: XaaFilter = Field(default_factory=XaaFilter)
    event_type: str
    tag: str | None = None
    payload: P
    includes: XaaIncludes | None = None


class XaaEnvelope(_Model, Generic[P]):
    """An X Activity API delivery: ``{"data": {event_uuid, filter, event_type, payload, includes}}``."""

    data: XaaData[P]
