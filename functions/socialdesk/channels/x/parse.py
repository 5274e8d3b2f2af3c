"""Turn a decoded X webhook delivery (Account Activity API v1.1 or X Activity API v2) into domain events."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from socialdesk.channels.validation import describe
from socialdesk.channels.x.payloads import (
    AaaEnvelope,
    DeletedPost,
    DirectMessageEvent,
    DmMessageData,
    ExtendedTweet,
    Tweet,
    TweetDeleteEvent,
    V1Media,
    V1User,
    V2Post,
    V2PostMetrics,
    V2User,
    XaaDmPayload,
    XaaEnvelope,
    XaaHead,
    XaaIncludes,
)
from socialdesk.domain.errors import PayloadInvalid
from socialdesk.domain.mention import Attachment, Author, Channel, Direction, Engagement, Mention, MentionKind
from socialdesk.domain.timeutil import to_utc
from socialdesk.domain.webhook import (
    BackupReceived,
    EventIgnored,
    InboundEvent,
    MentionDeleted,
    MentionReceived,
    OutboundMessageSeen,
    PersonErasureRequested,
)

_SOURCE = "x"
#: top-level AAA keys that describe the delivery rather than carry events
_ENVELOPE_METADATA = frozenset({"for_user_id", "users", "apps", "user_has_blocked", "source"})
#: AAA events documented without ``for_user_id`` (``user_event.revoke``) or account-less (replay)
_BRANDLESS_EVENTS = frozenset({"user_event", "replay_job_status"})
#: AAA arrays acknowledged one ignore per item, with their reason
_IGNORED_ARRAYS = {
    "follow_events": "follow",
    "block_events": "block",
    "mute_events": "mute",
    "direct_message_indicate_typing_events": "typing",
    "direct_message_mark_read_events": "read",
}
#: an item ``type`` that refines its array's reason (an unfollow is not a follow)
_TYPED_REASONS = frozenset({"follow", "unfollow", "block", "unblock", "mute", "unmute"})
_XAA_POST_EVENTS = frozenset({"post.mention.create", "post.reply.create", "post.quote.create", "post.create"})
_XAA_FORCED_KINDS = {"post.reply.create": MentionKind.REPLY, "post.quote.create": MentionKind.QUOTE}
_XAA_DM_EVENTS = frozenset({"dm.received", "dm.sent"})
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")
_MAX_REASON = 200

_PostEnvelope = XaaEnvelope[V2Post]
_DmEnvelope = XaaEnvelope[XaaDmPayload]
_DeleteEnvelope = XaaEnvelope[DeletedPost]


def parse_delivery(payload: object) -> list[InboundEvent]:
    """Turn one X webhook delivery into domain events, one per delivered item.

    Parameters
    ----------
    payload
        The decoded JSON body (its signature already checked on the raw bytes): an Account Activity
        API envelope (``for_user_id`` plus event arrays) or an X Activity API envelope
        (``{"data": {"event_type", "filter", "payload", ...}}``).

    Returns
    -------
    list[InboundEvent]
        ``MentionReceived`` for customers' tweets and DMs, ``OutboundMessageSeen`` for the brand's own,
        ``MentionDeleted`` for deletions and ``EventIgnored`` for everything else, in delivery order.

    Raises
    ------
    PayloadInvalid
        When the body is not a JSON object, is neither X envelope, or a known event does not match
        its documented shape (the reason names the failing field path).
    """
    if not isinstance(payload, dict):
        raise PayloadInvalid("X delivery body is not a JSON object")
    try:
        if "for_user_id" in payload or not _BRANDLESS_EVENTS.isdisjoint(payload):
            return _aaa_events(payload)
        data = payload.get("data")
        if isinstance(data, dict) and "event_type" in data:
            return _xaa_events(payload)
    except ValidationError as error:
        raise PayloadInvalid(describe(error)) from None
    raise PayloadInvalid(
        "not an X delivery: expected for_user_id (Account Activity API) or data.event_type (X Activity API)"
    )


# --- Account Activity API (v1.1) ------------------------------------------------------------------


def _aaa_events(payload: dict[Any, Any]) -> list[InboundEvent]:
    envelope = AaaEnvelope.model_validate(payload)
    events: list[InboundEvent] = []
    for key in payload:
        events.extend(_aaa_key_events(str(key), envelope))
    return events


def _aaa_key_events(key: str, envelope: AaaEnvelope) -> list[InboundEvent]:
    brand = envelope.for_user_id
    if key in _ENVELOPE_METADATA:
        return []
    if key == "tweet_create_events":
        return [_tweet_event(tweet, brand) for tweet in envelope.tweet_create_events]
    if key == "direct_message_events":
        authors = {user_id: _v1_author(user, user_id) for user_id, user in envelope.users.items()}
        return [_dm_event(item, brand, authors, sent=False) for item in envelope.direct_message_events]
    if key == "tweet_delete_events":
        return [_tweet_delete_event(item) for item in envelope.tweet_delete_events]
    if key == "favorite_events":
        return [_favorite_event(item) for item in envelope.favorite_events]
    if key in _IGNORED_ARRAYS:
        return [_ignored(_item_reason(item, _IGNORED_ARRAYS[key])) for item in getattr(envelope, key)]
    if key == "user_event":
        return [_user_event(name, detail) for name, detail in envelope.user_event.items()]
    if key == "replay_job_status":
        return [_ignored("replay_job_status")]
    return [_ignored(f"unknown_event:{key}")]


def _favorite_event(item: object) -> InboundEvent:
    """A like: backup for the liked message (routing ignores it unless that is a customer's)."""
    if not isinstance(item, dict) or not isinstance(item.get("favorited_status"), dict):
        return _ignored("favorite")
    target = item["favorited_status"].get("id_str") or item["favorited_status"].get("id")
    user: dict[str, object] = item["user"] if isinstance(item.get("user"), dict) else {}
    liker = str(user.get("id_str") or user.get("id") or "")
    if not target:
        return _ignored("favorite")
    try:
        at = to_utc(item.get("timestamp_ms") or item.get("created_at"))
    except ValueError:
        at = datetime.now(UTC)
    digest = hashlib.sha256(f"{liker}|{target}".encode()).hexdigest()[:24]
    return BackupReceived(
        channel=Channel.X,
        backup_id=str(item.get("id") or f"like-{digest}"),
        target_id=str(target),
        kind="like",
        at=at,
    )


def _item_reason(item: object, default: str) -> str:
    kind = item.get("type") if isinstance(item, dict) else None
    return kind if isinstance(kind, str) and kind in _TYPED_REASONS else default


def _tweet_event(tweet: Tweet, brand: str | None) -> InboundEvent:
    if tweet.retweeted_status is not None:
        target = tweet.retweeted_status.get("id_str") or tweet.retweeted_status.get("id")
        if not target or (brand is not None and tweet.user.id_str == brand):
            return _ignored("retweet")  # the brand's own retweets are not backup
        return BackupReceived(
            channel=Channel.X,
            backup_id=tweet.id_str,
            target_id=str(target),
            kind="repost",
            at=tweet.timestamp_ms or tweet.created_at or datetime.now(UTC),
        )

    if brand is not None and tweet.user.id_str == brand:
        return OutboundMessageSeen(message=_tweet_mention(tweet, brand, Direction.OUTBOUND))
    return MentionReceived(mention=_tweet_mention(tweet, brand, Direction.INBOUND))


def _tweet_mention(tweet: Tweet, brand: str | None, direction: Direction) -> Mention:
    kind = _tweet_kind(tweet)
    return Mention(
        channel=Channel.X,
        external_id=tweet.id_str,
        kind=kind,
        direction=direction,
        source=_SOURCE,
        # v1.1 does not name a reply's conversation root: the router resolves it through parent_id
        thread_root_id=None if kind is MentionKind.REPLY else tweet.id_str,
        parent_id=tweet.in_reply_to_status_id_str,
        quoted_id=_quoted_id(tweet),
        author=_v1_author(tweet.user),
        text=_tweet_text(tweet),
        language=_language(tweet.lang),
        created_at=tweet.timestamp_ms or tweet.created_at,
        engagement=Engagement(
            likes=tweet.favorite_count,
            reposts=tweet.retweet_count,
            replies=tweet.reply_count,
            quotes=tweet.quote_count,
        ),
        permalink=_permalink(tweet.user.screen_name, tweet.id_str),
        brand_account=brand,
        attachments=_tweet_attachments(tweet),
    )


def _tweet_kind(tweet: Tweet) -> MentionKind:
    if tweet.in_reply_to_status_id_str:
        return MentionKind.REPLY
    if _quoted_id(tweet):
        return MentionKind.QUOTE
    return MentionKind.POST


def _quoted_id(tweet: Tweet) -> str | None:
    if tweet.quoted_status_id_str:
        return tweet.quoted_status_id_str
    return tweet.quoted_status.id_str if tweet.quoted_status is not None else None


def _tweet_text(tweet: Tweet) -> str:
    extended = tweet.extended_tweet
    if extended is not None and extended.full_text is not None:
        return extended.full_text
    return tweet.full_text if tweet.full_text is not None else tweet.text or ""


def _tweet_attachments(tweet: Tweet) -> tuple[Attachment, ...]:
    extended = tweet.extended_tweet or ExtendedTweet()
    for entities in (extended.extended_entities, tweet.extended_entities, extended.entities, tweet.entities):
        if entities is not None and entities.media:
            return _attachments(entities.media)
    return ()


def _attachments(media: Iterable[V1Media]) -> tuple[Attachment, ...]:
    return tuple(Attachment(type=item.type, url=item.media_url_https or item.media_url) for item in media)


def _v1_author(user: V1User, fallback_id: str | None = None) -> Author:
    return Author(
        id=user.id_str or fallback_id,
        handle=user.screen_name,
        name=user.name,
        followers=user.followers_count,
        verified=user.verified,
    )


def _tweet_delete_event(item: TweetDeleteEvent) -> MentionDeleted:
    return MentionDeleted(
        channel=Channel.X,
        external_id=item.status.id_str,
        author_id=item.status.user_id_str,
        deleted_at=item.timestamp_ms,
    )


# --- direct messages (AAA and XAA share the event shape) ------------------------------------------


def _dm_event(
    item: DirectMessageEvent, brand: str | None, authors: Mapping[str, Author], *, sent: bool
) -> InboundEvent:
    body = item.message_create
    if item.type != "message_create" or body is None or item.id is None or item.created_timestamp is None:
        return _ignored(f"dm_event:{item.type}")
    outbound = sent or (brand is not None and body.sender_id == brand)
    customer_id = body.target.recipient_id if outbound else body.sender_id
    mention = Mention(
        channel=Channel.X,
        external_id=item.id,
        kind=MentionKind.DIRECT_MESSAGE,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        source=_SOURCE,
        thread_root_id=f"dm:{customer_id}",
        author=authors.get(body.sender_id) or Author(id=body.sender_id),
        text=body.message_data.text,
        created_at=item.created_timestamp,
        brand_account=brand,
        attachments=_dm_attachments(body.message_data),
    )
    return OutboundMessageSeen(message=mention) if outbound else MentionReceived(mention=mention)


def _dm_attachments(data: DmMessageData) -> tuple[Attachment, ...]:
    media = data.attachment.media if data.attachment is not None else None
    return _attachments([media]) if media is not None else ()


# --- X Activity API (v2) --------------------------------------------------------------------------


def _xaa_events(payload: dict[Any, Any]) -> list[InboundEvent]:
    event_type = XaaHead.model_validate(payload).data.event_type
    if event_type in _XAA_POST_EVENTS:
        return [_xaa_post_event(payload, event_type)]
    if event_type in _XAA_DM_EVENTS:
        return _xaa_dm_events(payload, sent=event_type == "dm.sent")
    if event_type == "post.delete":
        return [_xaa_delete_event(payload)]
    return [_ignored(f"unknown_event:{event_type}")]


def _xaa_post_event(payload: dict[Any, Any], event_type: str) -> InboundEvent:
    data = _PostEnvelope.model_validate(payload).data
    brand, post = data.filter.user_id, data.payload
    outbound = brand is not None and post.author_id == brand
    if event_type == "post.create" and not outbound:
        return _ignored("post_create")
    direction = Direction.OUTBOUND if outbound else Direction.INBOUND
    mention = _post_mention(post, data.includes or XaaIncludes(), brand, event_type, direction)
    return OutboundMessageSeen(message=mention) if outbound else MentionReceived(mention=mention)


def _post_mention(
    post: V2Post, includes: XaaIncludes, brand: str | None, event_type: str, direction: Direction
) -> Mention:
    kind = _post_kind(post, event_type)
    user = next((user for user in includes.users if user.id is not None and user.id == post.author_id), None)
    metrics = post.public_metrics or V2PostMetrics()
    return Mention(
        channel=Channel.X,
        external_id=post.id,
        kind=kind,
        direction=direction,
        source=_SOURCE,
        thread_root_id=post.conversation_id or (None if kind is MentionKind.REPLY else post.id),
        parent_id=post.referenced("replied_to") or post.in_reply_to_tweet_id,
        quoted_id=post.referenced("quoted"),
        author=_v2_author(user, post.author_id),
        text=post.note_tweet.text if post.note_tweet and post.note_tweet.text else post.text,
        language=_language(post.lang),
        created_at=post.created_at,
        engagement=Engagement(
            likes=metrics.like_count,
            reposts=metrics.retweet_count,
            replies=metrics.reply_count,
            quotes=metrics.quote_count,
        ),
        permalink=_permalink(user.username if user else None, post.id),
        brand_account=brand,
        attachments=_post_attachments(post, includes),
    )


def _post_kind(post: V2Post, event_type: str) -> MentionKind:
    forced = _XAA_FORCED_KINDS.get(event_type)
    if forced is not None:
        return forced
    if post.referenced("replied_to") or post.in_reply_to_tweet_id or post.in_reply_to_user_id:
        return MentionKind.REPLY
    if post.referenced("quoted"):
        return MentionKind.QUOTE
    return MentionKind.POST


def _post_attachments(post: V2Post, includes: XaaIncludes) -> tuple[Attachment, ...]:
    keys = post.attachments.media_keys if post.attachments is not None else []
    by_key = {media.media_key: media for media in includes.media if media.media_key}
    found = [by_key[key] for key in keys if key in by_key]
    return tuple(Attachment(type=media.type, url=media.url or media.preview_image_url) for media in found)


def _v2_author(user: V2User | None, fallback_id: str | None) -> Author:
    if user is None:
        return Author(id=fallback_id)
    flags = (user.verified, user.is_identity_verified)
    return Author(
        id=user.id or fallback_id,
        handle=user.username,
        name=user.name,
        followers=user.public_metrics.followers_count if user.public_metrics else None,
        verified=True if True in flags else (False if False in flags else None),
    )


def _xaa_dm_events(payload: dict[Any, Any], *, sent: bool) -> list[InboundEvent]:
    data = _DmEnvelope.model_validate(payload).data
    authors = {user_id: _v2_author(user, user_id) for user_id, user in data.payload.users.items()}
    brand = data.filter.user_id
    return [_dm_event(item, brand, authors, sent=sent) for item in data.payload.direct_message_events]


def _xaa_delete_event(payload: dict[Any, Any]) -> MentionDeleted:
    post = _DeleteEnvelope.model_validate(payload).data.payload
    # post.delete carries no deletion time: the receipt time stands in for it
    return MentionDeleted(
        channel=Channel.X, external_id=post.id, author_id=post.author_id, deleted_at=datetime.now(UTC)
    )


# --- shared helpers -------------------------------------------------------------------------------


def _language(lang: str | None) -> str | None:
    return None if not lang or lang == "und" else lang


def _permalink(handle: str | None, post_id: str) -> str:
    if handle and _HANDLE.fullmatch(handle):
        return f"https://x.com/{handle}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


def _user_event(name: str, detail: object) -> InboundEvent:
    """``user_event.revoke``: the person withdrew the app's access — erase what we hold of theirs."""
    source = detail.get("source") if isinstance(detail, dict) else None
    user_id = source.get("user_id") if isinstance(source, dict) else None
    valid_id = isinstance(user_id, str | int) and not isinstance(user_id, bool) and str(user_id) != ""
    if name != "revoke" or not valid_id:
        return _ignored(f"user_{name}")
    when = detail.get("date_time") if isinstance(detail, dict) else None
    try:
        requested_at = to_utc(when) if when else datetime.now(UTC)
    except ValueError:
        requested_at = datetime.now(UTC)
    return PersonErasureRequested(
        channels=(Channel.X,), author_id=str(user_id), reason="x_user_revoke", requested_at=requested_at
    )


def _ignored(reason: str) -> EventIgnored:
    return EventIgnored(reason=reason[:_MAX_REASON], channel=Channel.X)
