"""Pydantic models of the Meta webhook shapes SocialDesk reads (Page feed, Messenger, Instagram, WhatsApp)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from socialdesk.domain.model import Model
from socialdesk.domain.timeutil import to_utc


def _id_text(value: object) -> object:
    """Meta sends some ids as JSON numbers (Messenger ids, feed ``sender_id``): keep every id a string."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _timestamp(value: object) -> datetime | None:
    """Seconds, milliseconds or numeric strings → UTC; the message never echoes the input."""
    if value is None:
        return None
    try:
        return to_utc(value)
    except (ValueError, OverflowError, TypeError):
        raise ValueError("not a recognised timestamp") from None


def _text_or_none(value: object) -> object:
    """URL-ish fields are informative only: anything but a string is dropped, never fatal."""
    return value if isinstance(value, str) else None


def _dict_or_none(value: object) -> object:
    return value if isinstance(value, dict) else None


Id = Annotated[str, BeforeValidator(_id_text), StringConstraints(min_length=1, max_length=512)]
Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]
RequiredTimestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Url = Annotated[str | None, BeforeValidator(_text_or_none)]


class _Model(Model):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- envelope ---------------------------------------------------------------------------------


class Envelope(_Model):
    """``{"object": ..., "entry": [...]}``; entries are validated one by one for precise error paths."""

    object: str = Field(min_length=1)
    entry: list[Any]


class Entry(_Model):
    """One Page, Instagram account or WhatsApp Business Account; items are validated one by one."""

    id: Id
    time: Timestamp = None
    changes: list[Any] = Field(default_factory=list)
    messaging: list[Any] = Field(default_factory=list)
    standby: list[Any] = Field(default_factory=list)


class Change(_Model):
    """``{"field", "value"}``: the value's shape depends on the field."""

    field: str
    value: Any = None


# --- Facebook Page feed and mention -----------------------------------------------------------


class FeedHead(_Model):
    """Just enough of a feed/mention value to route it (reactions need nothing more)."""

    item: str | None = None
    verb: str | None = None


class FeedFrom(_Model):
    """``from{id, name}`` on current feed payloads."""

    id: Id
    name: str | None = None


class FeedPostRef(_Model):
    """``post{...}``: details of the post the change belongs to."""

    permalink_url: Url = None
    status_type: str | None = None
    is_published: bool | None = None


class FeedValue(_Model):
    """A Page ``feed`` or ``mention`` change about a post (status, photo, video, share)."""

    item: str | None = None
    verb: str | None = None
    post_id: Id
    comment_id: Id | None = None
    parent_id: Id | None = None
    from_: FeedFrom | None = Field(default=None, alias="from")
    sender_id: Id | None = None
    sender_name: str | None = None
    message: str | None = None
    created_time: Timestamp = None
    photo: Url = None
    video: Url = None
    link: Url = None
    post: Annotated[FeedPostRef | None, BeforeValidator(_dict_or_none)] = None

    @property
    def author_id(self) -> str | None:
        """``from.id``, else the older numeric ``sender_id``."""
        return self.from_.id if self.from_ else self.sender_id

    @property
    def author_name(self) -> str | None:
        """``from.name``, else the older ``sender_name``."""
        return self.from_.name if self.from_ and self.from_.name else self.sender_name


class FeedComment(FeedValue):
    """A feed/mention change about a comment: ``comment_id`` is required."""

    comment_id: Id


# --- Messenger and Instagram messaging --------------------------------------------------------


class Party(_Model):
    """``sender`` / ``recipient``: a PSID / IGSID, or the Page / IG account id."""

    id: Id


class AttachmentPayload(_Model):
    """``attachments[].payload``; only the URL is kept."""

    url: Url = None


class MessagingAttachment(_Model):
    """``{"type": "image"|"video"|"audio"|"file"|"sticker"|"story_mention"|"share"|..., "payload"}``."""

    type: str = "unknown"
    payload: Annotated[AttachmentPayload | None, BeforeValidator(_dict_or_none)] = None


class StoryRef(_Model):
    """``reply_to.story``: an Instagram story the customer replied to."""

    id: Id | None = None
    url: Url = None


class ReplyTo(_Model):
    """``reply_to{mid}`` (or ``reply_to{story}`` on Instagram)."""

    mid: Id | None = None
    story: Annotated[StoryRef | None, BeforeValidator(_dict_or_none)] = None


class MessagingMessage(_Model):
    """``message{mid, text, attachments, reply_to, is_echo, is_deleted, is_unsupported, quick_reply}``."""

    mid: Id
    text: str | None = None
    attachments: list[MessagingAttachment] = Field(default_factory=list)
    reply_to: ReplyTo | None = None
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False


class MessageEdit(_Model):
    """``message_edit{mid, text, num_edit}``."""

    mid: Id
    text: str | None = None
    num_edit: int | None = None


class MessagingItem(_Model):
    """One ``messaging[]`` / ``standby[]`` item that carries a message or an edit."""

    sender: Party
    recipient: Party
    timestamp: Timestamp = None
    message: MessagingMessage | None = None
    message_edit: MessageEdit | None = None


# --- Instagram changes ------------------------------------------------------------------------


class IgFrom(_Model):
    """``from{id, username}`` of an Instagram comment."""

    id: Id
    username: str | None = None


class IgMedia(_Model):
    """``media{id, media_product_type}``."""

    id: Id
    media_product_type: str | None = None


class IgComment(_Model):
    """``comments`` / ``live_comments`` value."""

    id: Id
    text: str | None = None
    from_: IgFrom | None = Field(default=None, alias="from")
    media: IgMedia | None = None
    parent_id: Id | None = None


class IgMention(_Model):
    """``mentions`` value: ids only (``comment_id`` is absent for a mention in a caption)."""

    comment_id: Id | None = None
    media_id: Id

    @property
    def external_id(self) -> str:
        """The comment that mentions the account, else the media whose caption does."""
        return self.comment_id or self.media_id


# --- WhatsApp Cloud API -----------------------------------------------------------------------


class WaMetadata(_Model):
    """``metadata{display_phone_number, phone_number_id}``: the business number that received it."""

    display_phone_number: str | None = None
    phone_number_id: Id


class WaProfile(_Model):
    """``contacts[].profile{name, username?}``."""

    name: str | None = None
    username: str | None = None


class WaContact(_Model):
    """``contacts[]``: the phone number (``wa_id``) and/or the business-scoped user id (``user_id``)."""

    profile: WaProfile | None = None
    wa_id: Id | None = None
    user_id: Id | None = None


class WaValue(_Model):
    """A ``messages`` change value; messages are validated one by one for precise error paths."""

    metadata: WaMetadata
    contacts: list[WaContact] = Field(default_factory=list)
    messages: list[Any] = Field(default_factory=list)
    statuses: list[Any] = Field(default_factory=list)


class WaText(_Model):
    """``text{body}``."""

    body: str = ""


class WaMedia(_Model):
    """``image`` / ``video`` / ``document`` / ``audio`` / ``sticker``."""

    id: Id | None = None
    caption: str | None = None
    url: Url = None
    mime_type: str | None = None


class WaButton(_Model):
    """``button{text, payload}``: a quick-reply button of a template."""

    text: str | None = None


class WaReply(_Model):
    """``interactive.button_reply`` / ``interactive.list_reply``."""

    title: str | None = None


class WaInteractive(_Model):
    """``interactive{type, button_reply | list_reply}``."""

    button_reply: WaReply | None = None
    list_reply: WaReply | None = None


class WaContext(_Model):
    """``context{from, id}``: the message this one answers."""

    id: Id | None = None


class WaContent(_Model):
    """What a message says: shared by a message and the new version inside ``edit``."""

    type: str = "unknown"
    context: WaContext | None = None
    text: WaText | None = None
    image: WaMedia | None = None
    video: WaMedia | None = None
    document: WaMedia | None = None
    audio: WaMedia | None = None
    sticker: WaMedia | None = None
    button: WaButton | None = None
    interactive: WaInteractive | None = None


class WaRevoke(_Model):
    """``revoke{original_message_id}``."""

    original_message_id: Id | None = None


class WaEdit(_Model):
    """``edit{original_message_id, message{...}}``."""

    original_message_id: Id | None = None
    message: WaContent | None = None


class WaMessage(WaContent):
    """``messages[]``: ``from`` (phone) and/or ``from_user_id`` (BSUID), ``group_id`` for groups."""

    from_: Id | None = Field(default=None, alias="from")
    from_user_id: Id | None = None
    group_id: Id | None = None
    id: Id
    timestamp: RequiredTimestamp
    type: str
    revoke: WaRevoke | None = None
    edit: WaEdit | None = None

    @model_validator(mode="after")
    def _has_sender(self) -> WaMessage:
        if self.from_ is None and self.from_user_id is None:
            raise ValueError("from or from_user_id is required")
        return self

    @property
    def customer_id(self) -> str:
        """The phone number when given, else the business-scoped user id."""
        return self.from_ or self.from_user_id or ""
