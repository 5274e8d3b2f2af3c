"""What a webhook delivery means for SocialDesk, item by item (the output of every channel parser)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from socialdesk.domain.mention import Channel, Mention
from socialdesk.domain.model import Model


class MentionReceived(Model):
    """A customer's new message: store it once, then route it."""

    model_config = ConfigDict(frozen=True)
    type: Literal["mention_received"] = "mention_received"
    mention: Mention


class OutboundMessageSeen(Model):
    """The brand's own message (own tweet/DM, echo, the Page's own comment): record it, never a ticket."""

    model_config = ConfigDict(frozen=True)
    type: Literal["outbound_message_seen"] = "outbound_message_seen"
    message: Mention


class MentionEdited(Model):
    """The author edited a message: update the stored text (store it if the original never arrived)."""

    model_config = ConfigDict(frozen=True)
    type: Literal["mention_edited"] = "mention_edited"
    mention: Mention
    edited_at: datetime


class MentionDeleted(Model):
    """The author removed a message: tombstone it (content removed, id kept)."""

    model_config = ConfigDict(frozen=True)
    type: Literal["mention_deleted"] = "mention_deleted"
    channel: Channel
    external_id: str
    deleted_at: datetime
    author_id: str | None = None


class PersonErasureRequested(Model):
    """A person revoked access or asked for deletion: erase everything they wrote that we keep."""

    model_config = ConfigDict(frozen=True)
    type: Literal["person_erasure_requested"] = "person_erasure_requested"
    channels: tuple[Channel, ...]
    author_id: str
    reason: str
    requested_at: datetime


class BackupReceived(Model):
    """Someone backed up a message (repost, like, reaction): counted once on its ticket, never a ticket."""

    model_config = ConfigDict(frozen=True)
    type: Literal["backup_received"] = "backup_received"
    channel: Channel
    #: the platform's id of the backup (a retweet's id), or a digest of who backed what up
    backup_id: str
    #: the external id of the message backed up
    target_id: str
    kind: Literal["repost", "like", "reaction"]
    at: datetime


class EventIgnored(Model):
    """Acknowledged but not a mention: typing, read, reaction, status, dashboard test, unknown type."""

    model_config = ConfigDict(frozen=True)
    type: Literal["event_ignored"] = "event_ignored"
    reason: str
    channel: Channel | None = None


InboundEvent = Annotated[
    MentionReceived
    | OutboundMessageSeen
    | MentionEdited
    | MentionDeleted
    | PersonErasureRequested
    | BackupReceived
    | EventIgnored,
    Field(discriminator="type"),
]
