"""Contract tests: every saved Meta sample (fb_, messenger_, ig_, wa_) gives the outcome read off the file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialdesk.channels.meta import parse_delivery
from socialdesk.domain import (
    Attachment,
    Direction,
    EventIgnored,
    MentionDeleted,
    MentionEdited,
    MentionReceived,
    OutboundMessageSeen,
)

pytestmark = pytest.mark.shared

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "platforms" / "samples"
PREFIXES = ("fb_", "messenger_", "ig_", "wa_")

if not SAMPLES.is_dir():
    pytest.skip(
        f"Meta samples not found at {SAMPLES}: these contract tests need ../shared beside the checkout",
        allow_module_level=True,
    )

# Every sample on disk is already a full delivery envelope ({"object", "entry": [...]}), so none is
# wrapped here. A future sample holding only a ``value`` or one ``messaging[]`` item must be wrapped
# the way Meta delivers it (object + entry[{id, time, changes|messaging}]) in ``load`` below.

# (event type, channel, kind or ignore reason, external id), read off each file by hand.
Row = tuple[str, str | None, str | None, str | None]
EXPECTED: dict[str, list[Row]] = {
    # two entries whose changes have fields we do not read (and no value at all)
    "fb_batched-entries_1.json": [
        ("event_ignored", "facebook", "unknown_field:parking", None),
        ("event_ignored", "facebook", "unknown_field:payment_options", None),
    ],
    # sender_id 1234567890321 == entry.id: the Page edited its own comment (kept as an edit, outbound)
    "fb_feed-comment-edited_1.json": [
        ("mention_edited", "facebook", "comment", "900728623356296_900744590021366"),
    ],
    # sender_id == entry.id: the Page's own comment (old sender_id shape, with a photo)
    "fb_feed-comment-photo_1.json": [
        ("outbound_message_seen", "facebook", "comment", "901097836652708_903438993085259"),
    ],
    "fb_feed-comment-remove_1.json": [
        ("mention_deleted", "facebook", None, "905578656204626_905579239537901"),
    ],
    # from.id == entry.id: the restfb fixture is the Page commenting on its own post
    "fb_feed-comment_1.json": [
        ("outbound_message_seen", "facebook", "comment", "901097836652708_903438993085259"),
    ],
    "fb_feed-post_1.json": [
        ("mention_received", "facebook", "post", "1234567890321_7293787835232"),
    ],
    "fb_feed-reaction_1.json": [
        ("event_ignored", "facebook", "reaction", None),
    ],
    "fb_mention-comment_1.json": [
        ("mention_received", "facebook", "comment", "7363534231324_3754798971271444"),
    ],
    "fb_mention-post_1.json": [
        ("mention_received", "facebook", "post", "1234567890321_98722536423179"),
    ],
    # entry.id "0": a dashboard Test delivery
    "ig_comment_1.json": [
        ("event_ignored", "instagram", "test_delivery", None),
    ],
    "ig_dm-unsupported-attachment_1.json": [
        (
            "mention_received",
            "instagram",
            "direct_message",
            "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDUyNjkxNjAwMDk4OjM0MDI4MjM2Njg0MTcxMDMwMDk0OTEy"
            "ODUyNTYwOTEwODQ0ODU4MjozMDc2OTU4MTA5OTY0OTI5MzAzMjAwODc1MDUxMTE2MTM0NAZDZD",
        ),
    ],
    # entry.id "0": a dashboard Test delivery
    "ig_mention_1.json": [
        ("event_ignored", "instagram", "test_delivery", None),
    ],
    "messenger_deleted_1.json": [
        ("mention_deleted", "messenger", None, "message_id"),
    ],
    "messenger_echo_1.json": [
        ("outbound_message_seen", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    "messenger_edit_1.json": [
        ("mention_edited", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    "messenger_image_1.json": [
        ("mention_received", "messenger", "direct_message", "mid.1458696618141:b4ef9d19ec21086067"),
    ],
    "messenger_reaction_1.json": [
        ("event_ignored", "messenger", "reaction", None),
    ],
    "messenger_reply_1.json": [
        ("mention_received", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    "messenger_standby-echo_1.json": [
        ("outbound_message_seen", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    "messenger_text_1.json": [
        ("mention_received", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    "messenger_text_2.json": [
        ("mention_received", "messenger", "direct_message", "mid.1457764197618:41d102a3e1ae206a38"),
    ],
    # the revoke names the deleted message; docs placeholders <...> are plain strings
    "wa_deleted_1.json": [
        ("mention_deleted", "whatsapp", None, "<ORIGINAL_WHATSAPP_MESSAGE_ID>"),
    ],
    # the edit is keyed on the original message, not the edit event's own wamid
    "wa_edited_1.json": [
        (
            "mention_edited",
            "whatsapp",
            "direct_message",
            "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
        ),
    ],
    "wa_image_1.json": [
        (
            "mention_received",
            "whatsapp",
            "direct_message",
            "wamid.HBgNNDkxNTIwOTgzMzM5OBUCABIYHGDEHJVFHJEVCFHJEVBCMTkyODk1OEIyAA==",
        ),
    ],
    "wa_image_2.json": [
        ("mention_received", "whatsapp", "direct_message", "wamid.xyzxyz"),
    ],
    "wa_reaction_1.json": [
        ("event_ignored", "whatsapp", "reaction", None),
    ],
    "wa_reply_1.json": [
        ("mention_received", "whatsapp", "direct_message", "wamid.xyzxyz"),
    ],
    "wa_status-failed_1.json": [
        ("event_ignored", "whatsapp", "status", None),
    ],
    "wa_status-read_1.json": [
        ("event_ignored", "whatsapp", "status", None),
    ],
    "wa_text-bsuid-no-phone_4.json": [
        (
            "mention_received",
            "whatsapp",
            "direct_message",
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        ),
    ],
    "wa_text-meta-docs_3.json": [
        (
            "mention_received",
            "whatsapp",
            "direct_message",
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        ),
    ],
    "wa_text-real-signed_2.json": [
        (
            "mention_received",
            "whatsapp",
            "direct_message",
            "wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA",
        ),
    ],
    "wa_text_1.json": [
        ("mention_received", "whatsapp", "direct_message", "wamid.xyzxyz"),
    ],
    "wa_unsupported_1.json": [
        ("mention_received", "whatsapp", "direct_message", "wamid.randomwhatsappmessageid"),
    ],
}

SAMPLE_FILES = sorted(path.name for path in SAMPLES.glob("*.json") if path.name.startswith(PREFIXES))


def load(name: str) -> Any:
    """The decoded body exactly as delivered (json.loads of the raw bytes)."""
    return json.loads((SAMPLES / name).read_bytes())


def summary(event: Any) -> Row:
    """(type, channel, kind or reason, external id) of one event."""
    if isinstance(event, MentionReceived | MentionEdited):
        mention = event.mention
        return (event.type, mention.channel.value, mention.kind.value, mention.external_id)
    if isinstance(event, OutboundMessageSeen):
        message = event.message
        return (event.type, message.channel.value, message.kind.value, message.external_id)
    if isinstance(event, MentionDeleted):
        return (event.type, event.channel.value, None, event.external_id)
    assert isinstance(event, EventIgnored)
    return (event.type, event.channel.value if event.channel else None, event.reason, None)


def only_mention(name: str) -> Any:
    """The Mention of a sample that yields exactly one message event."""
    (event,) = parse_delivery(load(name))
    return event.message if isinstance(event, OutboundMessageSeen) else event.mention


def at(seconds: float) -> datetime:
    """A UTC datetime from epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def test_every_meta_sample_on_disk_is_covered_and_no_expectation_is_stale() -> None:
    # Given the samples directory and the hand-written table
    # When they are compared
    # Then each file has an expectation and each expectation a file
    assert len(SAMPLE_FILES) == 34
    assert set(SAMPLE_FILES) == set(EXPECTED)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_parses_to_the_expected_events(name: str) -> None:
    # Given a saved Meta delivery
    payload = load(name)
    # When it is parsed
    events = parse_delivery(payload)
    # Then the events match what the file says, in order
    assert [summary(event) for event in events] == EXPECTED[name]


# --- details worth pinning ------------------------------------------------------------------------


def test_feed_post_author_and_entry_time_fallback() -> None:
    # Given a visitor post without created_time
    mention = only_mention("fb_feed-post_1.json")
    # Then the author comes from from{} and the time from entry.time
    assert (mention.author.id, mention.author.name) == ("8423678347823", "John Doe")
    assert mention.created_at == at(1454707020)
    assert mention.thread_root_id == "1234567890321_7293787835232"
    assert mention.permalink == "https://www.facebook.com/1234567890321_7293787835232"


def test_feed_own_comment_with_numeric_sender_id_and_photo() -> None:
    # Given the Page's own comment in the older numeric sender_id shape
    mention = only_mention("fb_feed-comment-photo_1.json")
    # Then the id is a string, the direction outbound, the photo kept
    assert mention.author.id == "1234567890321"
    assert mention.direction is Direction.OUTBOUND
    assert mention.attachments[0].type == "photo"
    assert mention.attachments[0].url is not None


def test_feed_edit_carries_new_text_and_time() -> None:
    # Given the edited comment
    (event,) = parse_delivery(load("fb_feed-comment-edited_1.json"))
    # Then the new text and the edit time are given
    assert event.mention.text == "Let's see the Webhooks in action :D"
    assert event.edited_at == at(1448555737)


def test_page_mention_comment_answers_its_post() -> None:
    # Given the Page @mentioned in a comment (no parent_id, no author)
    mention = only_mention("fb_mention-comment_1.json")
    # Then the post is both parent and root
    assert mention.parent_id == mention.thread_root_id == "1234567890321_7363534231324"
    assert mention.text == "Just a test message"


def test_messenger_numeric_ids_become_strings() -> None:
    # Given the image message whose ids are JSON numbers
    mention = only_mention("messenger_image_1.json")
    # Then every id is a string and the image is kept
    assert (mention.author.id, mention.brand_account) == ("987654321432", "12345654332")
    assert mention.thread_root_id == "dm:987654321432"
    assert mention.attachments == (Attachment(type="image", url="IMAGE_URL"),)
    assert mention.text == ""


def test_messenger_echo_uses_the_recipient_as_the_customer() -> None:
    # Given the echo fixture (its sender/recipient look swapped: the rule is still sender = brand)
    mention = only_mention("messenger_echo_1.json")
    # Then the recipient keys the conversation
    assert mention.direction is Direction.OUTBOUND
    assert mention.thread_root_id == "dm:12345654332"


def test_messenger_reply_points_at_the_original() -> None:
    # Given a reply_to message
    mention = only_mention("messenger_reply_1.json")
    # Then the parent is the replied-to mid
    assert mention.parent_id == "very_long_id_representing_the_original_message"


def test_instagram_unsupported_dm_keeps_the_typed_attachment() -> None:
    # Given the real Instagram DM with an unsupported_type attachment
    mention = only_mention("ig_dm-unsupported-attachment_1.json")
    # Then the attachment type and URL, the ids and the ms timestamp are kept
    assert mention.attachments[0].type == "unsupported_type"
    assert mention.attachments[0].url.startswith("https://lookaside.fbsbx.com/")
    assert (mention.author.id, mention.brand_account) == ("5614879045272581", "17841452691600098")
    assert mention.created_at == datetime(2022, 11, 9, 19, 32, 13, 735000, tzinfo=UTC)


def test_whatsapp_real_delivery_bytes() -> None:
    # Given the exact bytes of a real WhatsApp delivery
    mention = only_mention("wa_text-real-signed_2.json")
    # Then the text, author, business number and time are read
    assert mention.text == "Hey there! I am using PyWa."
    assert (mention.author.id, mention.author.name) == ("972544401243", "PyWa Tests")
    assert mention.brand_account == "277321005464405"
    assert mention.thread_root_id == "wa:972544401243"
    assert mention.created_at == at(1730231903)


def test_whatsapp_group_message_without_phone_number() -> None:
    # Given the BSUID group message (no from, no wa_id)
    mention = only_mention("wa_text-bsuid-no-phone_4.json")
    # Then the business-scoped id, the username and the group thread are used
    assert mention.author.id == "US.13491208655302741918"
    assert (mention.author.name, mention.author.handle) == ("Sheena Nelson", "realsheenanelson")
    assert mention.thread_root_id == "wa:120363418770915618@g.us"


def test_whatsapp_image_caption_despite_double_escaped_fixture() -> None:
    # Given the image fixture with the double-escaped mime type
    mention = only_mention("wa_image_1.json")
    # Then the caption is the text and the image an attachment (no URL in this payload)
    assert mention.text == "Some awesome image"
    assert mention.attachments == (Attachment(type="image", url=None),)


def test_whatsapp_reply_and_edit_details() -> None:
    # Given the reply and the edited image caption
    reply = only_mention("wa_reply_1.json")
    (edited,) = parse_delivery(load("wa_edited_1.json"))
    # Then the reply's parent and the edit's new caption are read
    assert reply.parent_id == "wamid.xyzxyz=="
    assert edited.mention.text == "Updated image caption"
    assert edited.edited_at == at(1749854575)


def test_whatsapp_unsupported_takes_no_name_from_a_non_matching_contact() -> None:
    # Given the unsupported message whose contacts[] is a different number
    mention = only_mention("wa_unsupported_1.json")
    # Then it is kept as unsupported, without borrowing that contact's name
    assert mention.attachments == (Attachment(type="unsupported"),)
    assert (mention.author.id, mention.author.name) == ("333333333333", None)
