"""Unit tests of the Meta delivery parser: Page feed and mentions, Messenger, Instagram, WhatsApp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdesk.channels.meta import parse_delivery
from socialdesk.domain import (
    Attachment,
    Channel,
    Direction,
    EventIgnored,
    MentionDeleted,
    MentionEdited,
    MentionKind,
    MentionReceived,
    OutboundMessageSeen,
    PayloadInvalid,
)

PAGE = "1234567890321"
PSID = "987654321432"
POST_ID = f"{PAGE}_901097836652708"
COMMENT_ID = "901097836652708_903438993085259"
IG_ACCOUNT = "17841452691600098"
IGSID = "5614879045272581"
WABA = "102290129340398"
PHONE_ID = "106540352242922"
CUSTOMER_PHONE = "16505551234"
ENTRY_TIME = 1449135000  # seconds (Page feed, Instagram changes)
ENTRY_TIME_MS = 1457764198246  # milliseconds (messaging)
CREATED = 1449135003


def at(seconds: float) -> datetime:
    """A UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def envelope(obj: str, *entries: dict[str, Any]) -> dict[str, Any]:
    """``{"object", "entry": [...]}``."""
    return {"object": obj, "entry": list(entries)}


def change_entry(field: str, *values: Any, entry_id: Any = PAGE, time: Any = ENTRY_TIME) -> dict[str, Any]:
    """An entry with one ``changes[]`` item per value."""
    return {"id": entry_id, "time": time, "changes": [{"field": field, "value": value} for value in values]}


def feed(**value: Any) -> dict[str, Any]:
    """A Page delivery with one ``feed`` change."""
    return envelope("page", change_entry("feed", value))


def comment_value(**fields: Any) -> dict[str, Any]:
    """A customer's top-level comment on the Page's post."""
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": COMMENT_ID,
        "post_id": POST_ID,
        "parent_id": POST_ID,
        "from": {"id": "555", "name": "Jo Customer"},
        "created_time": CREATED,
        "message": "my order never arrived",
    }
    return {**value, **fields}


def dm_item(sender: Any = PSID, recipient: Any = PAGE, **message: Any) -> dict[str, Any]:
    """A ``messaging[]`` item carrying a message."""
    body = {"mid": "m_abc", "text": "hello, world!", **message}
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": 1457764197627,
        "message": body,
    }


def messaging(obj: str, *items: dict[str, Any], entry_id: Any = PAGE, container: str = "messaging") -> dict:
    """A delivery with one entry whose ``messaging[]`` (or ``standby[]``) holds ``items``."""
    return envelope(obj, {"id": entry_id, "time": ENTRY_TIME_MS, container: list(items)})


def wa_message(**fields: Any) -> dict[str, Any]:
    """A WhatsApp text ``messages[]`` item from the customer's phone."""
    message = {
        "from": CUSTOMER_PHONE,
        "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        "timestamp": "1749416383",
        "type": "text",
        "text": {"body": "Does it come in another color?"},
    }
    return {**message, **fields}


def whatsapp(
    messages: list[Any] | None = None, statuses: list[Any] | None = None, contacts: list[Any] | None = None
) -> dict[str, Any]:
    """A WhatsApp delivery with one ``messages`` change."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_ID},
        "contacts": contacts
        if contacts is not None
        else [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER_PHONE}],
    }
    if messages is not None:
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return envelope("whatsapp_business_account", change_entry("messages", value, entry_id=WABA))


def only(events: list[Any]) -> Any:
    """The single event of a delivery."""
    assert len(events) == 1, events
    return events[0]


def invalid_reason(payload: object) -> str:
    """The PayloadInvalid reason parsing ``payload`` raises."""
    with pytest.raises(PayloadInvalid) as caught:
        parse_delivery(payload)
    return caught.value.reason


# --- Page feed ------------------------------------------------------------------------------------


def test_visitor_post_becomes_a_post_mention() -> None:
    # Given a visitor's post on the Page
    author = {"id": "8423678347823", "name": "John Doe"}
    value = {
        "item": "status",
        "verb": "add",
        "post_id": POST_ID,
        "from": author,
        "message": "Let's check this",
    }
    payload = feed(**value, created_time=CREATED)
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is a received POST rooted at itself, on the Page
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert (mention.channel, mention.source, mention.kind) == (Channel.FACEBOOK, "facebook", MentionKind.POST)
    assert mention.direction is Direction.INBOUND
    assert (mention.external_id, mention.thread_root_id, mention.parent_id) == (POST_ID, POST_ID, None)
    assert (mention.author.id, mention.author.name) == ("8423678347823", "John Doe")
    assert mention.text == "Let's check this"
    assert mention.created_at == at(CREATED)
    assert mention.brand_account == PAGE
    assert mention.permalink == f"https://www.facebook.com/{POST_ID}"


def test_post_uses_given_permalink_and_keeps_photo_and_falls_back_to_entry_time() -> None:
    # Given a photo post with a permalink and no created_time
    payload = feed(
        item="photo",
        verb="add",
        post_id=POST_ID,
        link="https://www.facebook.com/photo.php?fbid=1",
        photo="https://scontent.example/p.jpg",
        post={"permalink_url": "https://www.facebook.com/brand/posts/1", "status_type": "added_photos"},
    )
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then the permalink, the attachments and the entry time are used
    assert mention.kind is MentionKind.POST
    assert mention.permalink == "https://www.facebook.com/brand/posts/1"
    assert mention.attachments == (
        Attachment(type="photo", url="https://scontent.example/p.jpg"),
        Attachment(type="link", url="https://www.facebook.com/photo.php?fbid=1"),
    )
    assert mention.created_at == at(ENTRY_TIME)
    assert mention.author.id is None


def test_top_level_comment_answers_the_post() -> None:
    # Given a customer's comment whose parent is the post
    payload = feed(**comment_value())
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it is a COMMENT on the post's thread
    assert mention.kind is MentionKind.COMMENT
    assert mention.external_id == COMMENT_ID
    assert (mention.parent_id, mention.thread_root_id) == (POST_ID, POST_ID)
    assert (mention.author.id, mention.author.name) == ("555", "Jo Customer")
    assert mention.text == "my order never arrived"
    assert mention.permalink == f"https://www.facebook.com/{COMMENT_ID}"


def test_comment_whose_parent_is_another_comment_is_a_reply() -> None:
    # Given a reply to an earlier comment
    parent = "901097836652708_900000000000001"
    payload = feed(**comment_value(comment_id="901097836652708_903438993085260", parent_id=parent))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it is a REPLY to that comment, still rooted at the post
    assert mention.kind is MentionKind.REPLY
    assert (mention.parent_id, mention.thread_root_id) == (parent, POST_ID)


def test_comment_with_a_photo_keeps_the_attachment() -> None:
    # Given a comment carrying a photo URL
    payload = feed(**comment_value(photo="https://scontent.example/c.jpg"))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then the photo is an attachment
    assert mention.attachments == (Attachment(type="photo", url="https://scontent.example/c.jpg"),)


def test_older_numeric_sender_id_shape_gives_a_string_author_id() -> None:
    # Given the older feed shape: numeric sender_id and sender_name instead of from{}
    value = comment_value(sender_id=555123, sender_name="Tester")
    del value["from"]
    # When parsed
    mention = only(parse_delivery(feed(**value))).mention
    # Then the author id is a string
    assert (mention.author.id, mention.author.name) == ("555123", "Tester")


def test_the_pages_own_comment_is_outbound() -> None:
    # Given a comment written by the Page itself (from.id == entry.id)
    payload = feed(**comment_value(**{"from": {"id": PAGE, "name": "Brand"}}))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is recorded as the brand's own message, never a ticket
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.direction is Direction.OUTBOUND
    assert event.message.external_id == COMMENT_ID


def test_own_comment_in_old_shape_with_numeric_sender_id_is_outbound() -> None:
    # Given the Page's own comment with a numeric sender_id
    value = comment_value(sender_id=int(PAGE), sender_name="Brand")
    del value["from"]
    # When parsed
    event = only(parse_delivery(feed(**value)))
    # Then the numeric id still matches the Page
    assert isinstance(event, OutboundMessageSeen)


def test_edited_comment_gives_the_full_mention_with_new_text() -> None:
    # Given a customer edited their comment
    payload = feed(
        **comment_value(verb="edited", message="edited: still no order", created_time=CREATED + 60)
    )
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is an edit carrying the new text and the edit time
    assert isinstance(event, MentionEdited)
    assert event.mention.external_id == COMMENT_ID
    assert event.mention.text == "edited: still no order"
    assert event.mention.kind is MentionKind.COMMENT
    assert event.edited_at == at(CREATED + 60)


def test_edit_without_created_time_uses_entry_time() -> None:
    # Given an edit with no created_time
    value = comment_value(verb="edited")
    del value["created_time"]
    # When parsed
    event = only(parse_delivery(feed(**value)))
    # Then edited_at is the entry time
    assert event.edited_at == at(ENTRY_TIME)


def test_removed_comment_is_deleted() -> None:
    # Given a comment removal (no message, no created_time)
    payload = feed(item="comment", verb="remove", comment_id=COMMENT_ID, post_id=POST_ID, parent_id=POST_ID)
    # When parsed
    event = only(parse_delivery(payload))
    # Then the comment is tombstoned at the entry time
    assert isinstance(event, MentionDeleted)
    assert (event.channel, event.external_id) == (Channel.FACEBOOK, COMMENT_ID)
    assert event.deleted_at == at(ENTRY_TIME)


def test_removed_post_is_deleted_by_post_id() -> None:
    # Given a post removal
    payload = feed(item="status", verb="remove", post_id=POST_ID, sender_id=555)
    # When parsed
    event = only(parse_delivery(payload))
    # Then the post id is tombstoned, with its author
    assert isinstance(event, MentionDeleted)
    assert (event.external_id, event.author_id) == (POST_ID, "555")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"item": "reaction", "verb": "add", "post_id": POST_ID, "reaction_type": "love"}, "reaction"),
        ({"item": "like", "verb": "add", "post_id": POST_ID}, "like"),
        ({"item": "comment", "verb": "hide", "comment_id": COMMENT_ID, "post_id": POST_ID}, "hidden"),
        ({"item": "comment", "verb": "unhide", "comment_id": COMMENT_ID, "post_id": POST_ID}, "unhidden"),
        ({"item": "event", "verb": "add", "post_id": POST_ID}, "feed_item:event"),
        ({"item": "comment", "verb": "frobnicate", "post_id": POST_ID}, "feed_verb:frobnicate"),
    ],
)
def test_reactions_visibility_changes_and_other_items_are_ignored(value: dict[str, Any], reason: str) -> None:
    # Given a feed change that is not a new message
    # When parsed
    event = only(parse_delivery(feed(**value)))
    # Then it is acknowledged and ignored with a short reason
    assert isinstance(event, EventIgnored)
    assert (event.reason, event.channel) == (reason, Channel.FACEBOOK)


def test_feed_comment_without_comment_id_is_invalid_and_names_the_field() -> None:
    # Given a feed comment missing its comment_id
    value = comment_value()
    del value["comment_id"]
    # When parsed
    reason = invalid_reason(feed(**value))
    # Then the reason names the field path
    assert "entry.0.changes.0.value.comment_id" in reason


def test_invalid_timestamp_reason_never_echoes_the_input() -> None:
    # Given a comment whose created_time is text
    payload = feed(**comment_value(created_time="my secret words"))
    # When parsed
    reason = invalid_reason(payload)
    # Then the reason names the field but not the value
    assert "created_time" in reason
    assert "secret" not in reason


def test_page_mention_in_a_comment_without_parent_or_author_is_a_comment_on_the_post() -> None:
    # Given the Page was @mentioned in a comment (mention field: no parent_id, no from)
    value = {
        "message": "hey @Brand",
        "post_id": f"{PAGE}_7363534231324",
        "comment_id": "7363534231324_3754798971271444",
        "created_time": 1614340862,
        "item": "comment",
        "verb": "add",
    }
    payload = envelope("page", change_entry("mention", value))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it is an inbound COMMENT on that post, author unknown
    assert mention.kind is MentionKind.COMMENT
    assert mention.external_id == "7363534231324_3754798971271444"
    assert (mention.parent_id, mention.thread_root_id) == (f"{PAGE}_7363534231324", f"{PAGE}_7363534231324")
    assert mention.direction is Direction.INBOUND
    assert mention.author.id is None


def test_page_mention_in_a_post_is_a_post() -> None:
    # Given the Page was @mentioned in someone's post
    value = {
        "message": "A post",
        "post_id": "999_888",
        "created_time": 1614340562,
        "item": "post",
        "verb": "add",
    }
    # When parsed
    mention = only(parse_delivery(envelope("page", change_entry("mention", value)))).mention
    # Then it is a POST
    assert (mention.kind, mention.external_id) == (MentionKind.POST, "999_888")


# --- dashboard tests, unknown objects and fields ---------------------------------------------------


@pytest.mark.parametrize("entry_id", ["0", 0])
def test_dashboard_test_delivery_is_ignored_item_by_item(entry_id: Any) -> None:
    # Given a dashboard "Test" delivery (entry id 0) with two changes and a messaging item
    entry = change_entry("feed", comment_value(), {"garbage": True}, entry_id=entry_id)
    entry["messaging"] = [dm_item()]
    # When parsed
    events = parse_delivery(envelope("page", entry))
    # Then each item is ignored as a test, nothing else
    assert [(e.type, e.reason) for e in events] == [("event_ignored", "test_delivery")] * 3
    assert [e.channel for e in events] == [Channel.FACEBOOK, Channel.FACEBOOK, Channel.MESSENGER]


@pytest.mark.parametrize("obj", ["user", "permissions", "application"])
def test_unknown_object_is_ignored_once(obj: str) -> None:
    # Given a delivery for an object SocialDesk does not read
    payload = envelope(obj, {"id": "1", "time": 1, "changes": [{"field": "name"}, {"field": "email"}]})
    # When parsed
    event = only(parse_delivery(payload))
    # Then one ignored event names the object
    assert isinstance(event, EventIgnored)
    assert event.reason == f"unknown_object:{obj}"


def test_unknown_change_fields_are_ignored_one_by_one() -> None:
    # Given two Page entries whose changes have fields we do not read (and no value)
    payload = envelope(
        "page",
        {"id": PAGE, "time": 1449589360, "changes": [{"field": "parking"}]},
        {"id": PAGE, "time": 1449589369, "changes": [{"field": "payment_options"}]},
    )
    # When parsed
    events = parse_delivery(payload)
    # Then each is ignored with its field name
    assert [e.reason for e in events] == ["unknown_field:parking", "unknown_field:payment_options"]


# --- Messenger ------------------------------------------------------------------------------------


def test_messenger_text_becomes_a_direct_message() -> None:
    # Given a customer's Messenger text
    payload = messaging("page", dm_item())
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is a received DM in the customer's conversation
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert (mention.channel, mention.source) == (Channel.MESSENGER, "messenger")
    assert mention.kind is MentionKind.DIRECT_MESSAGE
    assert mention.external_id == "m_abc"
    assert mention.author.id == PSID
    assert mention.brand_account == PAGE
    assert mention.thread_root_id == f"dm:{PSID}"
    assert mention.text == "hello, world!"
    assert mention.created_at == datetime(2016, 3, 12, 6, 29, 57, 627000, tzinfo=UTC)


def test_messenger_numeric_ids_attachment_only_and_reply_to() -> None:
    # Given a message with numeric ids, an image and no text, replying to an earlier message
    item = dm_item(
        sender=int(PSID),
        recipient=int(PAGE),
        text=None,
        attachments=[{"type": "image", "payload": {"url": "https://cdn.example/i.png"}}],
        reply_to={"mid": "m_earlier"},
    )
    # When parsed
    mention = only(parse_delivery(messaging("page", item, entry_id=int(PAGE)))).mention
    # Then ids are strings, the text is empty and the attachment and parent are kept
    assert (mention.author.id, mention.brand_account) == (PSID, PAGE)
    assert mention.text == ""
    assert mention.attachments == (Attachment(type="image", url="https://cdn.example/i.png"),)
    assert mention.parent_id == "m_earlier"


def test_messenger_echo_is_the_brands_outbound_message() -> None:
    # Given an echo of a message the Page sent to the customer
    payload = messaging("page", dm_item(sender=PAGE, recipient=PSID, is_echo=True, app_id=1517776481860111))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is outbound, in the customer's conversation, sent by the Page
    assert isinstance(event, OutboundMessageSeen)
    message = event.message
    assert message.direction is Direction.OUTBOUND
    assert message.thread_root_id == f"dm:{PSID}"
    assert (message.author.id, message.brand_account) == (PAGE, PAGE)


def test_messenger_deleted_message_is_tombstoned() -> None:
    # Given the customer unsent a message
    payload = messaging("page", dm_item(is_deleted=True, text=None))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is deleted by mid
    assert isinstance(event, MentionDeleted)
    assert (event.channel, event.external_id, event.author_id) == (Channel.MESSENGER, "m_abc", PSID)


def test_messenger_message_edit_updates_the_text() -> None:
    # Given a message_edit item
    item = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE},
        "timestamp": 1457764197627,
        "message_edit": {"mid": "m_abc", "text": "hello again", "num_edit": "2"},
    }
    # When parsed
    event = only(parse_delivery(messaging("page", item)))
    # Then it is an edit of that message with the new text
    assert isinstance(event, MentionEdited)
    assert (event.mention.external_id, event.mention.text) == ("m_abc", "hello again")
    assert event.mention.direction is Direction.INBOUND
    assert event.edited_at == datetime(2016, 3, 12, 6, 29, 57, 627000, tzinfo=UTC)


def test_messenger_unsupported_message_keeps_an_unsupported_attachment() -> None:
    # Given a message Meta cannot render
    payload = messaging("page", dm_item(text=None, is_unsupported=True))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it still reaches the agents, marked unsupported
    assert mention.attachments == (Attachment(type="unsupported"),)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("read", "read"),
        ("delivery", "delivery"),
        ("reaction", "reaction"),
        ("postback", "postback"),
        ("referral", "referral"),
        ("optin", "optin"),
        ("pass_thread_control", "handover"),
        ("something_new", "unknown_messaging"),
    ],
)
def test_messenger_non_message_items_are_ignored(key: str, reason: str) -> None:
    # Given a messaging item that is not a message
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, key: {"watermark": 1}}
    # When parsed
    event = only(parse_delivery(messaging("page", item)))
    # Then it is ignored with a short reason
    assert isinstance(event, EventIgnored)
    assert (event.reason, event.channel) == (reason, Channel.MESSENGER)


def test_standby_items_are_read_like_messaging() -> None:
    # Given a standby (handover protocol) message and echo
    payload = messaging(
        "page", dm_item(), dm_item(sender=PAGE, recipient=PSID, is_echo=True, mid="m_2"), container="standby"
    )
    # When parsed
    events = parse_delivery(payload)
    # Then they are parsed as Messenger items
    assert [type(e) for e in events] == [MentionReceived, OutboundMessageSeen]
    assert events[0].mention.channel is Channel.MESSENGER


def test_messaging_without_timestamp_uses_entry_time() -> None:
    # Given a message item without its own timestamp
    item = dm_item()
    del item["timestamp"]
    # When parsed
    mention = only(parse_delivery(messaging("page", item))).mention
    # Then the entry time (ms) is used
    assert mention.created_at == at(ENTRY_TIME_MS / 1000)


def test_messaging_message_without_sender_is_invalid_and_names_the_field() -> None:
    # Given a message item with no sender
    item = dm_item()
    del item["sender"]
    # When parsed
    reason = invalid_reason(messaging("page", item))
    # Then the reason names the path
    assert "entry.0.messaging.0.sender" in reason


# --- Instagram ------------------------------------------------------------------------------------


def ig_comment(**fields: Any) -> dict[str, Any]:
    """An Instagram ``comments`` value by a customer."""
    value = {
        "id": "17865799348089039",
        "text": "love it @brand",
        "from": {"id": "1234536447", "username": "testuser"},
        "media": {"id": "76543987", "media_product_type": "FEED"},
    }
    return {**value, **fields}


def test_instagram_comment_becomes_a_comment_on_the_media() -> None:
    # Given a customer's comment on the account's media
    payload = envelope("instagram", change_entry("comments", ig_comment(), entry_id=IG_ACCOUNT))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is an Instagram COMMENT rooted at the media
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert (mention.channel, mention.source, mention.kind) == (
        Channel.INSTAGRAM,
        "instagram",
        MentionKind.COMMENT,
    )
    assert mention.external_id == "17865799348089039"
    assert (mention.thread_root_id, mention.parent_id) == ("76543987", "76543987")
    assert (mention.author.id, mention.author.handle) == ("1234536447", "testuser")
    assert mention.text == "love it @brand"
    assert mention.brand_account == IG_ACCOUNT
    assert mention.created_at == at(ENTRY_TIME)


def test_instagram_live_comment_reply_is_a_reply() -> None:
    # Given a live comment answering another comment
    payload = envelope(
        "instagram", change_entry("live_comments", ig_comment(parent_id="987"), entry_id=IG_ACCOUNT)
    )
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it is a REPLY to that comment
    assert (mention.kind, mention.parent_id) == (MentionKind.REPLY, "987")


def test_instagram_own_comment_is_outbound() -> None:
    # Given a comment by the account itself
    value = ig_comment(**{"from": {"id": IG_ACCOUNT, "username": "brand"}})
    payload = envelope("instagram", change_entry("comments", value, entry_id=IG_ACCOUNT))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is the brand's own message
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.direction is Direction.OUTBOUND


def test_instagram_mention_in_a_comment_has_ids_only() -> None:
    # Given a mentions change (the account @mentioned in someone's comment)
    value = {"comment_id": "17887498072083520", "media_id": "17887498072083511"}
    payload = envelope("instagram", change_entry("mentions", value, entry_id=IG_ACCOUNT))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then it is a COMMENT with empty text, rooted at the media
    assert (mention.kind, mention.external_id) == (MentionKind.COMMENT, "17887498072083520")
    assert mention.thread_root_id == "17887498072083511"
    assert mention.text == ""


def test_instagram_caption_mention_without_comment_id_is_a_post() -> None:
    # Given a mentions change for a caption (media_id only)
    payload = envelope("instagram", change_entry("mentions", {"media_id": "1788"}, entry_id=IG_ACCOUNT))
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then the media itself is the mention
    assert (mention.kind, mention.external_id) == (MentionKind.POST, "1788")


def test_instagram_dm_keeps_story_mention_attachment() -> None:
    # Given an Instagram DM that mentions the account in a story
    item = dm_item(
        sender=IGSID,
        recipient=IG_ACCOUNT,
        text=None,
        attachments=[{"type": "story_mention", "payload": {"url": "https://lookaside.example/s"}}],
    )
    # When parsed
    mention = only(parse_delivery(messaging("instagram", item, entry_id=IG_ACCOUNT))).mention
    # Then it is an Instagram DM with the story attachment
    assert (mention.channel, mention.source) == (Channel.INSTAGRAM, "instagram")
    assert mention.kind is MentionKind.DIRECT_MESSAGE
    assert mention.thread_root_id == f"dm:{IGSID}"
    assert mention.attachments == (Attachment(type="story_mention", url="https://lookaside.example/s"),)


def test_instagram_dm_echo_is_outbound() -> None:
    # Given an Instagram echo
    item = dm_item(sender=IG_ACCOUNT, recipient=IGSID, is_echo=True)
    # When parsed
    event = only(parse_delivery(messaging("instagram", item, entry_id=IG_ACCOUNT)))
    # Then it is outbound, in the customer's conversation
    assert isinstance(event, OutboundMessageSeen)
    assert (event.message.channel, event.message.thread_root_id) == (Channel.INSTAGRAM, f"dm:{IGSID}")


# --- WhatsApp -------------------------------------------------------------------------------------


def test_whatsapp_text_becomes_a_direct_message() -> None:
    # Given a WhatsApp text from a customer's phone
    payload = whatsapp(messages=[wa_message()])
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is a WhatsApp DM with the contact's name
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert (mention.channel, mention.source) == (Channel.WHATSAPP, "whatsapp")
    assert mention.kind is MentionKind.DIRECT_MESSAGE
    assert mention.external_id.startswith("wamid.")
    assert (mention.author.id, mention.author.name) == (CUSTOMER_PHONE, "Sheena Nelson")
    assert mention.brand_account == PHONE_ID
    assert mention.thread_root_id == f"wa:{CUSTOMER_PHONE}"
    assert mention.text == "Does it come in another color?"
    assert mention.created_at == at(1749416383)


def test_whatsapp_group_message_without_phone_number() -> None:
    # Given a group message from a username user: from_user_id, no phone number
    message = wa_message(from_user_id="US.134", group_id="120363@g.us")
    del message["from"]
    contacts = [{"profile": {"name": "Sheena", "username": "@sheena"}, "user_id": "US.134"}]
    # When parsed
    mention = only(parse_delivery(whatsapp(messages=[message], contacts=contacts))).mention
    # Then the business-scoped id is the author and the group is the thread
    assert (mention.author.id, mention.author.name, mention.author.handle) == ("US.134", "Sheena", "sheena")
    assert mention.thread_root_id == "wa:120363@g.us"


def test_whatsapp_reply_and_image_caption() -> None:
    # Given an image with a caption answering an earlier message
    message = wa_message(
        type="image",
        image={"caption": "this one", "mime_type": "image/jpeg", "id": "1", "url": "https://m.example/1"},
        context={"from": "15550783881", "id": "wamid.earlier"},
    )
    del message["text"]
    # When parsed
    mention = only(parse_delivery(whatsapp(messages=[message]))).mention
    # Then the caption is the text, the image an attachment and the context the parent
    assert mention.text == "this one"
    assert mention.attachments == (Attachment(type="image", url="https://m.example/1"),)
    assert mention.parent_id == "wamid.earlier"


def test_whatsapp_contact_not_matching_the_sender_gives_no_name() -> None:
    # Given a contacts[] entry for another number
    payload = whatsapp(messages=[wa_message()], contacts=[{"profile": {"name": "Other"}, "wa_id": "1"}])
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then no name is borrowed from it
    assert mention.author.name is None


def test_whatsapp_reaction_is_ignored() -> None:
    # Given a reaction to a message
    message = wa_message(type="reaction", reaction={"message_id": "wamid.x", "emoji": "\U0001f44d"})
    # When parsed
    event = only(parse_delivery(whatsapp(messages=[message])))
    # Then it is ignored
    assert isinstance(event, EventIgnored)
    assert (event.reason, event.channel) == ("reaction", Channel.WHATSAPP)


def test_whatsapp_statuses_are_ignored_one_each() -> None:
    # Given two delivery statuses
    status = {"id": "wamid.s", "status": "read", "timestamp": "1689380458", "recipient_id": CUSTOMER_PHONE}
    # When parsed
    events = parse_delivery(whatsapp(statuses=[status, {**status, "status": "delivered"}]))
    # Then each is ignored as a status
    assert [e.reason for e in events] == ["status", "status"]


def test_whatsapp_messages_and_statuses_in_one_change() -> None:
    # Given a change with one message and one status
    status = {"id": "wamid.s", "status": "sent", "timestamp": "1", "recipient_id": CUSTOMER_PHONE}
    # When parsed
    events = parse_delivery(whatsapp(messages=[wa_message()], statuses=[status]))
    # Then both are reported
    assert [e.type for e in events] == ["mention_received", "event_ignored"]


def test_whatsapp_change_with_neither_messages_nor_statuses() -> None:
    # Given a messages change with nothing in it
    # When parsed
    event = only(parse_delivery(whatsapp()))
    # Then it is ignored as empty
    assert event.reason == "empty_change"


def test_whatsapp_unsupported_message_is_kept_with_empty_text() -> None:
    # Given a message type WhatsApp does not support
    message = wa_message(type="unsupported", errors=[{"code": 131051, "title": "Message type unknown"}])
    del message["text"]
    # When parsed
    mention = only(parse_delivery(whatsapp(messages=[message]))).mention
    # Then agents still see it, marked unsupported
    assert mention.text == ""
    assert mention.attachments == (Attachment(type="unsupported"),)


def test_whatsapp_revoke_deletes_the_original_message() -> None:
    # Given the customer deleted a message
    message = wa_message(type="revoke", id="wamid.revoke", revoke={"original_message_id": "wamid.original"})
    # When parsed
    event = only(parse_delivery(whatsapp(messages=[message])))
    # Then the original message is tombstoned
    assert isinstance(event, MentionDeleted)
    assert (event.channel, event.external_id, event.author_id) == (
        Channel.WHATSAPP,
        "wamid.original",
        CUSTOMER_PHONE,
    )


def test_whatsapp_edit_updates_the_original_message() -> None:
    # Given the customer edited a text
    edit = {
        "original_message_id": "wamid.original",
        "message": {"type": "text", "text": {"body": "new text"}},
    }
    message = wa_message(type="edit", id="wamid.edit", edit=edit)
    del message["text"]
    # When parsed
    event = only(parse_delivery(whatsapp(messages=[message])))
    # Then the original message gets the new text
    assert isinstance(event, MentionEdited)
    assert (event.mention.external_id, event.mention.text) == ("wamid.original", "new text")
    assert event.edited_at == at(1749416383)


def test_whatsapp_interactive_reply_uses_the_title_and_location_is_an_attachment() -> None:
    # Given a button reply and a shared location
    button = wa_message(id="wamid.1", type="interactive", interactive={"button_reply": {"title": "Yes"}})
    location = wa_message(id="wamid.2", type="location", location={"latitude": 1, "longitude": 2})
    # When parsed
    first, second = (e.mention for e in parse_delivery(whatsapp(messages=[button, location])))
    # Then the title is the text and the location is a typed attachment
    assert first.text == "Yes"
    assert (second.text, second.attachments) == ("", (Attachment(type="location"),))


def test_whatsapp_message_without_any_sender_is_invalid() -> None:
    # Given a message with neither from nor from_user_id
    message = wa_message()
    del message["from"]
    # When parsed
    reason = invalid_reason(whatsapp(messages=[message]))
    # Then the reason points at the message
    assert "entry.0.changes.0.value.messages.0" in reason


# --- malformed bodies and batches -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ([], "body"),
        ("page", "body"),
        (None, "body"),
        (3, "body"),
        ({}, "object"),
        ({"object": 1, "entry": []}, "object"),
        ({"object": "page"}, "entry"),
        ({"object": "page", "entry": {"id": "1"}}, "entry"),
        ({"object": "page", "entry": ["x"]}, "entry.0"),
        ({"object": "page", "entry": [{"time": 1}]}, "entry.0.id"),
        ({"object": "page", "entry": [{"id": "1", "changes": ["x"]}]}, "entry.0.changes.0"),
        ({"object": "page", "entry": [{"id": "1", "messaging": [7]}]}, "entry.0.messaging.0"),
    ],
)
def test_malformed_bodies_are_payload_invalid(payload: object, where: str) -> None:
    # Given a body that is not a Meta envelope
    # When parsed
    reason = invalid_reason(payload)
    # Then PayloadInvalid names where it went wrong
    assert reason.startswith(where), reason


def test_a_batch_of_1000_messaging_items_gives_1000_events() -> None:
    # Given one entry with 1000 messages
    items = [dm_item(mid=f"m_{n}") for n in range(1000)]
    # When parsed
    events = parse_delivery(messaging("page", *items))
    # Then there is one event per item, in order
    assert len(events) == 1000
    assert [e.mention.external_id for e in events[:3]] == ["m_0", "m_1", "m_2"]


def test_a_batch_of_1000_entries_gives_1000_events() -> None:
    # Given 1000 entries of one change each
    entries = [change_entry("feed", comment_value(comment_id=f"1_{n}")) for n in range(1000)]
    # When parsed
    events = parse_delivery(envelope("page", *entries))
    # Then there is one event per entry
    assert len(events) == 1000


_KEYS = st.sampled_from(
    [
        "object",
        "entry",
        "id",
        "time",
        "changes",
        "messaging",
        "standby",
        "field",
        "value",
        "item",
        "verb",
        "post_id",
        "comment_id",
        "parent_id",
        "from",
        "sender_id",
        "message",
        "created_time",
        "sender",
        "recipient",
        "timestamp",
        "mid",
        "text",
        "attachments",
        "type",
        "payload",
        "is_echo",
        "media",
        "metadata",
        "phone_number_id",
        "contacts",
        "messages",
        "statuses",
        "from_user_id",
        "edit",
        "revoke",
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["0", "page", "instagram", "whatsapp_business_account", "feed", "comment", "add"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=30,
)
_ENVELOPES = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram", "whatsapp_business_account", "user"]),
        "entry": st.lists(
            st.fixed_dictionaries(
                {"id": st.sampled_from(["1", "0", 1]), "time": st.sampled_from([1, 1457764198246, None])},
                optional={
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {
                                "field": st.sampled_from(
                                    ["feed", "mention", "comments", "mentions", "messages"]
                                ),
                                "value": _JSON,
                            }
                        ),
                        max_size=2,
                    ),
                    "messaging": st.lists(_JSON, max_size=2),
                },
            ),
            max_size=2,
        ),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=_JSON | _ENVELOPES)
def test_any_json_gives_events_or_payload_invalid(payload: object) -> None:
    # Given any JSON value (biased towards Meta envelope keys)
    # When parsed
    try:
        events = parse_delivery(payload)
    except PayloadInvalid as error:
        # Then a failure is PayloadInvalid with a reason
        assert error.reason
        return
    # Then a success is a list of events
    assert isinstance(events, list)
