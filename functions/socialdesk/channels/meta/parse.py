"""Parse a verified Meta delivery (Page feed, mentions, Messenger, Instagram, WhatsApp) into domain events."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from socialdesk.channels.meta.payloads import (
    Change,
    Entry,
    Envelope,
    FeedComment,
    FeedHead,
    FeedValue,
    IgComment,
    IgMention,
    MessageEdit,
    MessagingItem,
    MessagingMessage,
    ReplyTo,
    WaContact,
    WaContent,
    WaMessage,
    WaValue,
)
from socialdesk.channels.validation import describe
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.mention import Attachment, Author, Channel, Direction, Mention, MentionKind
from socialdesk.domain.timeutil import to_utc
from socialdesk.domain.webhook import (
    BackupReceived,
    EventIgnored,
    InboundEvent,
    MentionDeleted,
    MentionEdited,
    MentionReceived,
    OutboundMessageSeen,
)

_M = TypeVar("_M", bound=BaseModel)
_MAX_ERRORS = 3
_MAX_REASON_TAIL = 64
#: the dashboard's "Test" button delivers with this entry id
_TEST_ENTRY_ID = "0"


def parse_delivery(payload: object) -> list[InboundEvent]:
    """Turn one decoded Meta webhook body into domain events, one per delivered item.

    Every ``entry[]`` item's ``changes[]``, ``messaging[]`` and ``standby[]`` items yield one event
    each (a WhatsApp ``messages`` change yields one per message and per status).

    Parameters
    ----------
    payload
        The JSON-decoded body, its ``X-Hub-Signature-256`` already checked on the raw bytes:
        ``{"object": "page" | "instagram" | "whatsapp_business_account" | ..., "entry": [...]}``.

    Returns
    -------
    list[InboundEvent]
        ``MentionReceived``, ``OutboundMessageSeen``, ``MentionEdited``, ``MentionDeleted`` or
        ``EventIgnored`` (dashboard tests, reactions, reads, statuses, unknown objects and fields).

    Raises
    ------
    PayloadInvalid
        When the body is not an object with a string ``object`` and an ``entry`` list, or an item
        we read does not match its documented shape; the reason names the field path.
    """
    if not isinstance(payload, dict):
        raise PayloadInvalid("body: expected a JSON object")
    envelope = _validate(Envelope, payload, "")
    platform = _PLATFORMS.get(envelope.object)
    if platform is None:
        return [EventIgnored(reason=f"unknown_object:{_tail(envelope.object)}")]
    events: list[InboundEvent] = []
    for index, raw in enumerate(envelope.entry):
        path = f"entry.{index}"
        with _domain_errors(path):
            events.extend(_entry_events(platform, _Ctx(_validate(Entry, raw, path), path)))
    return events


# --- plumbing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """The entry being parsed and its path in the body (for error reasons)."""

    entry: Entry
    path: str

    def when(self, own: datetime | None, path: str) -> datetime:
        """The item's own timestamp, else ``entry.time``."""
        if own is not None:
            return own
        if self.entry.time is not None:
            return self.entry.time
        raise PayloadInvalid(f"{path}: Field required (and {self.path}.time is missing)")


_ChangeParser = Callable[[_Ctx, object, str], list[InboundEvent]]


@dataclass(frozen=True)
class _Platform:
    """What one ``object`` value delivers: change fields and the channel of its DMs."""

    change_channel: Channel
    change_parsers: Mapping[str, _ChangeParser]
    dm_channel: Channel | None


def _validate(model: type[_M], data: object, path: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise PayloadInvalid(describe(error, path)) from None


@contextmanager
def _domain_errors(path: str) -> Iterator[None]:
    """Turn a domain-model ValidationError (a value the payload models let through) into PayloadInvalid."""
    try:
        yield
    except ValidationError as error:
        raise PayloadInvalid(describe(error, path)) from None


def _tail(text: str) -> str:
    return text[:_MAX_REASON_TAIL]


def _ignored(reason: str, channel: Channel | None) -> EventIgnored:
    return EventIgnored(reason=reason, channel=channel)


# --- entries, changes, messaging items --------------------------------------------------------


def _entry_events(platform: _Platform, ctx: _Ctx) -> Iterator[InboundEvent]:
    entry = ctx.entry
    dm_items = [("messaging", i, raw) for i, raw in enumerate(entry.messaging)]
    dm_items += [("standby", i, raw) for i, raw in enumerate(entry.standby)]
    if entry.id == _TEST_ENTRY_ID:
        yield from (_ignored("test_delivery", platform.change_channel) for _ in entry.changes)
        yield from (_ignored("test_delivery", platform.dm_channel) for _ in dm_items)
        return
    for index, raw in enumerate(entry.changes):
        yield from _change_events(platform, ctx, raw, f"{ctx.path}.changes.{index}")
    for container, index, raw in dm_items:
        yield _messaging_event(platform, ctx, raw, f"{ctx.path}.{container}.{index}")


def _change_events(platform: _Platform, ctx: _Ctx, raw: object, path: str) -> list[InboundEvent]:
    change = _validate(Change, raw, path)
    parser = platform.change_parsers.get(change.field)
    if parser is None:
        return [_ignored(f"unknown_field:{_tail(change.field)}", platform.change_channel)]
    return parser(ctx, change.value, f"{path}.value")


#: messaging items that are not messages, by the key that marks them (first match wins)
_MESSAGING_IGNORED: tuple[tuple[str, str], ...] = (
    ("reaction", "reaction"),
    ("read", "read"),
    ("delivery", "delivery"),
    ("postback", "postback"),
    ("referral", "referral"),
    ("optin", "optin"),
    ("account_linking", "account_linking"),
    ("pass_thread_control", "handover"),
    ("take_thread_control", "handover"),
    ("request_thread_control", "handover"),
    ("app_roles", "app_roles"),
    ("policy_enforcement", "policy_enforcement"),
)


def _messaging_event(platform: _Platform, ctx: _Ctx, raw: object, path: str) -> InboundEvent:
    channel = platform.dm_channel
    if channel is None:
        return _ignored("unexpected_messaging", platform.change_channel)
    if not isinstance(raw, dict):
        raise PayloadInvalid(f"{path}: Input should be a valid dictionary")
    if "message" in raw or "message_edit" in raw:
        item = _validate(MessagingItem, raw, path)
        if item.message is not None:
            return _dm_message(channel, ctx, item, item.message, path)
        if item.message_edit is not None:
            return _dm_edit(channel, ctx, item, item.message_edit, path)
        return _ignored("empty_message", channel)
    reason = next((reason for key, reason in _MESSAGING_IGNORED if key in raw), "unknown_messaging")
    return _ignored(reason, channel)


# --- Messenger and Instagram DMs --------------------------------------------------------------


def _dm_message(
    channel: Channel, ctx: _Ctx, item: MessagingItem, message: MessagingMessage, path: str
) -> InboundEvent:
    when = ctx.when(item.timestamp, f"{path}.timestamp")
    if message.is_deleted:
        return MentionDeleted(
            channel=channel, external_id=message.mid, deleted_at=when, author_id=item.sender.id
        )
    mention = _dm_mention(
        channel,
        item,
        outbound=message.is_echo,
        external_id=message.mid,
        text=message.text or "",
        when=when,
        parent_id=_reply_parent(message.reply_to),
        attachments=_dm_attachments(message),
    )
    return OutboundMessageSeen(message=mention) if message.is_echo else MentionReceived(mention=mention)


def _dm_edit(channel: Channel, ctx: _Ctx, item: MessagingItem, edit: MessageEdit, path: str) -> InboundEvent:
    when = ctx.when(item.timestamp, f"{path}.timestamp")
    mention = _dm_mention(
        channel,
        item,
        outbound=item.sender.id == ctx.entry.id,
        external_id=edit.mid,
        text=edit.text or "",
        when=when,
    )
    return MentionEdited(mention=mention, edited_at=when)


def _dm_mention(
    channel: Channel,
    item: MessagingItem,
    *,
    outbound: bool,
    external_id: str,
    text: str,
    when: datetime,
    parent_id: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Mention:
    """A DM: the customer is the sender, or the recipient when the brand sent it (echo)."""
    customer, brand = (item.recipient.id, item.sender.id) if outbound else (item.sender.id, item.recipient.id)
    return Mention(
        channel=channel,
        external_id=external_id,
        kind=MentionKind.DIRECT_MESSAGE,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        source=channel.value,
        thread_root_id=f"dm:{customer}",
        parent_id=parent_id,
        author=Author(id=item.sender.id),
        text=text,
        created_at=when,
        brand_account=brand,
        attachments=attachments,
    )


def _reply_parent(reply_to: ReplyTo | None) -> str | None:
    if reply_to is None:
        return None
    return reply_to.mid or (reply_to.story.id if reply_to.story else None)


def _dm_attachments(message: MessagingMessage) -> tuple[Attachment, ...]:
    attachments = tuple(
        Attachment(type=item.type, url=item.payload.url if item.payload else None)
        for item in message.attachments
    )
    if message.is_unsupported and not attachments:
        return (Attachment(type="unsupported"),)
    return attachments


# --- Facebook Page feed and mention -----------------------------------------------------------

_FEED_POST_ITEMS = frozenset({"post", "status", "photo", "video", "share"})
#: items that are never messages (reactions to a post or comment)
_FEED_IGNORED_ITEMS = {"reaction": "reaction", "like": "like"}
#: verbs that change visibility or relationships, not content
_FEED_IGNORED_VERBS = {
    "hide": "hidden",
    "unhide": "unhidden",
    "block": "blocked",
    "unblock": "unblocked",
    "mute": "muted",
    "follow": "followed",
}


def _feed(ctx: _Ctx, value: object, path: str) -> list[InboundEvent]:
    """A Page ``feed`` change, or a ``mention`` change (the Page @mentioned in a post or comment)."""
    head = _validate(FeedHead, value, path)
    item, verb = head.item, head.verb or "add"
    if item in _FEED_IGNORED_ITEMS:
        return [_reaction(ctx, value, item, verb)]

    if verb in _FEED_IGNORED_VERBS:
        return [_ignored(_FEED_IGNORED_VERBS[verb], Channel.FACEBOOK)]
    action = _FEED_ACTIONS.get(verb)
    if action is None:
        return [_ignored(f"feed_verb:{_tail(verb)}", Channel.FACEBOOK)]
    is_comment = item == "comment" or (item is None and isinstance(value, dict) and "comment_id" in value)
    if not is_comment and item is not None and item not in _FEED_POST_ITEMS:
        return [_ignored(f"feed_item:{_tail(item)}", Channel.FACEBOOK)]
    feed = _validate(FeedComment if is_comment else FeedValue, value, path)
    return [action(ctx, feed, path)]


def _feed_added(ctx: _Ctx, feed: FeedValue, path: str) -> InboundEvent:
    mention = _feed_mention(ctx, feed, path)
    if mention.direction is Direction.OUTBOUND:
        return OutboundMessageSeen(message=mention)
    return MentionReceived(mention=mention)


def _feed_edited(ctx: _Ctx, feed: FeedValue, path: str) -> InboundEvent:
    mention = _feed_mention(ctx, feed, path)
    return MentionEdited(mention=mention, edited_at=mention.created_at)


def _feed_removed(ctx: _Ctx, feed: FeedValue, path: str) -> InboundEvent:
    return MentionDeleted(
        channel=Channel.FACEBOOK,
        external_id=_feed_ids(feed)[0],
        deleted_at=ctx.when(feed.created_time, f"{path}.created_time"),
        author_id=feed.author_id,
    )


_FEED_ACTIONS: dict[str, Callable[[_Ctx, FeedValue, str], InboundEvent]] = {
    "add": _feed_added,
    "edited": _feed_edited,
    "edit": _feed_edited,
    "remove": _feed_removed,
    "delete": _feed_removed,
}


def _feed_ids(feed: FeedValue) -> tuple[str, MentionKind, str | None]:
    """(external id, kind, parent id): a post is its own root; a comment answers its parent or the post."""
    if isinstance(feed, FeedComment):
        parent = feed.parent_id or feed.post_id
        kind = MentionKind.COMMENT if parent == feed.post_id else MentionKind.REPLY
        return feed.comment_id, kind, parent
    return feed.post_id, MentionKind.POST, None


def _feed_mention(ctx: _Ctx, feed: FeedValue, path: str) -> Mention:
    external_id, kind, parent_id = _feed_ids(feed)
    author = Author(id=feed.author_id, name=feed.author_name)
    own = author.id is not None and author.id == ctx.entry.id
    media = (("photo", feed.photo), ("video", feed.video), ("link", feed.link))
    return Mention(
        channel=Channel.FACEBOOK,
        external_id=external_id,
        kind=kind,
        direction=Direction.OUTBOUND if own else Direction.INBOUND,
        source="facebook",
        thread_root_id=feed.post_id,
        parent_id=parent_id,
        author=author,
        text=feed.message or "",
        created_at=ctx.when(feed.created_time, f"{path}.created_time"),
        permalink=(feed.post.permalink_url if feed.post else None)
        or f"https://www.facebook.com/{external_id}",
        brand_account=ctx.entry.id,
        attachments=tuple(Attachment(type=kind_, url=url) for kind_, url in media if url),
    )


# --- Instagram comments and mentions ----------------------------------------------------------


def _ig_comment(ctx: _Ctx, value: object, path: str) -> list[InboundEvent]:
    """``comments`` / ``live_comments``: a comment or reply on the account's media."""
    comment = _validate(IgComment, value, path)
    author = Author(id=comment.from_.id, handle=comment.from_.username) if comment.from_ else Author()
    own = author.id is not None and author.id == ctx.entry.id
    media_id = comment.media.id if comment.media else None
    mention = Mention(
        channel=Channel.INSTAGRAM,
        external_id=comment.id,
        kind=MentionKind.REPLY if comment.parent_id else MentionKind.COMMENT,
        direction=Direction.OUTBOUND if own else Direction.INBOUND,
        source="instagram",
        thread_root_id=media_id,
        parent_id=comment.parent_id or media_id,
        author=author,
        text=comment.text or "",
        created_at=ctx.when(None, f"{path}.timestamp"),
        brand_account=ctx.entry.id,
    )
    return [OutboundMessageSeen(message=mention) if own else MentionReceived(mention=mention)]


def _ig_mention(ctx: _Ctx, value: object, path: str) -> list[InboundEvent]:
    """``mentions``: ids only; the text must be fetched through the API, so it is left empty."""
    mention = _validate(IgMention, value, path)
    is_comment = mention.comment_id is not None
    return [
        MentionReceived(
            mention=Mention(
                channel=Channel.INSTAGRAM,
                external_id=mention.external_id,
                kind=MentionKind.COMMENT if is_comment else MentionKind.POST,
                source="instagram",
                thread_root_id=mention.media_id,
                parent_id=mention.media_id if is_comment else None,
                created_at=ctx.when(None, f"{path}.timestamp"),
                brand_account=ctx.entry.id,
            )
        )
    ]


# --- WhatsApp Cloud API -----------------------------------------------------------------------

_WA_MEDIA = ("image", "video", "document", "audio", "sticker")
_WA_IGNORED_TYPES = {"reaction": "reaction", "system": "system", "request_welcome": "request_welcome"}
_WA_DELETED_TYPES = frozenset({"revoke", "deleted"})


def _wa_messages(ctx: _Ctx, value: object, path: str) -> list[InboundEvent]:
    """A ``messages`` change: one event per ``messages[]`` item and per ``statuses[]`` item."""
    change = _validate(WaValue, value, path)
    events = [
        _wa_message(change, _validate(WaMessage, raw, f"{path}.messages.{index}"))
        for index, raw in enumerate(change.messages)
    ]
    events += [_ignored("status", Channel.WHATSAPP) for _ in change.statuses]
    return events or [_ignored("empty_change", Channel.WHATSAPP)]


def _wa_message(change: WaValue, message: WaMessage) -> InboundEvent:
    if message.type in _WA_IGNORED_TYPES:
        return _ignored(_WA_IGNORED_TYPES[message.type], Channel.WHATSAPP)
    if message.type in _WA_DELETED_TYPES:
        original = message.revoke.original_message_id if message.revoke else None
        return MentionDeleted(
            channel=Channel.WHATSAPP,
            external_id=original or message.id,
            deleted_at=message.timestamp,
            author_id=message.customer_id,
        )
    if message.type == "edit":
        edit = message.edit
        original = edit.original_message_id if edit else None
        mention = _wa_mention(change, message, original or message.id, edit.message if edit else None)
        return MentionEdited(mention=mention, edited_at=message.timestamp)
    return MentionReceived(mention=_wa_mention(change, message, message.id, message))


def _wa_mention(change: WaValue, message: WaMessage, external_id: str, content: WaContent | None) -> Mention:
    text, attachments = _wa_content(content) if content is not None else ("", ())
    contact = _wa_contact(change.contacts, message)
    profile = contact.profile if contact else None
    username = profile.username if profile else None
    return Mention(
        channel=Channel.WHATSAPP,
        external_id=external_id,
        kind=MentionKind.DIRECT_MESSAGE,
        source="whatsapp",
        thread_root_id=f"wa:{message.group_id or message.customer_id}",
        parent_id=message.context.id if message.context else None,
        author=Author(
            id=message.customer_id,
            name=profile.name if profile else None,
            handle=username.removeprefix("@") if username else None,
        ),
        text=text,
        created_at=message.timestamp,
        brand_account=change.metadata.phone_number_id,
        attachments=attachments,
    )


def _wa_contact(contacts: list[WaContact], message: WaMessage) -> WaContact | None:
    """The ``contacts[]`` profile of the sender, matched on phone number or business-scoped user id."""
    ids = {message.from_, message.from_user_id} - {None}
    return next((c for c in contacts if c.wa_id in ids or c.user_id in ids), None)


def _wa_reply_title(content: WaContent) -> str | None:
    interactive = content.interactive
    reply = (interactive.button_reply or interactive.list_reply) if interactive else None
    return reply.title if reply else None


_WA_TEXT: dict[str, Callable[[WaContent], str | None]] = {
    "text": lambda content: content.text.body if content.text else None,
    "button": lambda content: content.button.text if content.button else None,
    "interactive": _wa_reply_title,
}


def _wa_content(content: WaContent) -> tuple[str, tuple[Attachment, ...]]:
    """(text, attachments): the body, a media caption, or an attachment naming the type."""
    if content.type in _WA_TEXT:
        return _WA_TEXT[content.type](content) or "", ()
    if content.type in _WA_MEDIA:
        media = getattr(content, content.type)
        caption = media.caption if media else None
        return caption or "", (Attachment(type=content.type, url=media.url if media else None),)
    # unsupported, location, contacts, order, ...: kept as a typed attachment with no text
    return "", (Attachment(type=content.type),)


_PLATFORMS: dict[str, _Platform] = {
    "page": _Platform(Channel.FACEBOOK, {"feed": _feed, "mention": _feed}, Channel.MESSENGER),
    "instagram": _Platform(
        Channel.INSTAGRAM,
        {"comments": _ig_comment, "live_comments": _ig_comment, "mentions": _ig_mention},
        Channel.INSTAGRAM,
    ),
    "whatsapp_business_account": _Platform(Channel.WHATSAPP, {"messages": _wa_messages}, None),
}


def _reaction(ctx: _Ctx, value: object, item: str, verb: str) -> InboundEvent:
    """A like or reaction added to a post or comment: backup for it (one per person and target).

    The Page's own reactions are not backup.
    """
    if verb != "add" or not isinstance(value, dict):
        return _ignored(_FEED_IGNORED_ITEMS[item], Channel.FACEBOOK)
    target = value.get("comment_id") or value.get("post_id")
    source: dict[str, object] = value["from"] if isinstance(value.get("from"), dict) else {}
    who = str(source.get("id") or value.get("sender_id") or "")
    if not target or who == ctx.entry.id:
        return _ignored(_FEED_IGNORED_ITEMS[item], Channel.FACEBOOK)
    try:
        at = to_utc(value.get("created_time"))
    except ValueError:
        return _ignored(_FEED_IGNORED_ITEMS[item], Channel.FACEBOOK)
    digest = hashlib.sha256(f"{who}|{target}".encode()).hexdigest()[:24]
    return BackupReceived(
        channel=Channel.FACEBOOK,
        backup_id=f"reaction-{digest}",
        target_id=str(target),
        kind="reaction",
        at=at,
    )
