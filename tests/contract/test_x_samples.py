"""Contract tests: every saved X sample (AAA v1.1 and XAA v2) parses to the outcome read off it by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from socialdesk.channels.x import parse_delivery
from socialdesk.domain import Attachment

pytestmark = pytest.mark.shared

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "platforms" / "samples"
if not SAMPLES.is_dir():
    pytest.skip(
        f"real X samples need {SAMPLES} (the ../shared checkout), absent here", allow_module_level=True
    )

#: Zammad captures wrap the delivered body as {"headers": {...}, "params": <body>}
ZAMMAD_WRAPPED = {
    "x_tweet-mention-media_1.json",
    "x_tweet-extended-reply_1.json",
    "x_dm-outbound_2.json",
    "x_dm-media_3.json",
}
#: bare v1.1 Tweet objects (docs examples), not envelopes
BARE_TWEETS = {"x_tweet-object-quote_1.json", "x_tweet-object-extended_1.json"}
#: a brand that wrote none of the bare tweets
OTHER_BRAND = "783214"

#: file -> [(event type, mention kind or ignore reason, external id)], read off each sample by hand
EXPECTED: dict[str, list[tuple[str, str | None, str | None]]] = {
    # customer 456 -> brand 123, photo attachment
    "x_dm-media_3.json": [("mention_received", "direct_message", "1063077238797725700")],
    # sender_id 123 == for_user_id 123: the brand's own DM
    "x_dm-outbound_2.json": [("outbound_message_seen", "direct_message", "1062015437679050760")],
    "x_dm-read_1.json": [("event_ignored", "read", None)],
    "x_dm-typing_1.json": [("event_ignored", "typing", None)],
    "x_dm_1.json": [("mention_received", "direct_message", "954491830116155396")],
    "x_tweet-delete_1.json": [("mention_deleted", None, "1045405559317569537")],
    # truncated @mention by 1205290247124217856 to brand 2975699229; no in_reply_to_status_id
    "x_tweet-extended-mention_2.DERIVED.json": [("mention_received", "post", "1209097192914313216")],
    # named "reply" but in_reply_to_status_id_str is null (only in_reply_to_user_id): a new post
    "x_tweet-extended-reply_1.json": [("mention_received", "post", "1065035365336141825")],
    # user.id_str 123 == for_user_id 123: zammadhq's own tweet
    "x_tweet-mention-media_1.json": [("outbound_message_seen", "post", "1063212927510081536")],
    "x_tweet-object-extended_1.json": [("mention_received", "post", "994633657141813248")],
    "x_tweet-object-quote_1.json": [("mention_received", "quote", "1081260794069671936")],
    # no for_user_id at all: the documented revoke shape
    "x_user-event-revoke_1.json": [("person_erasure_requested", "x_user_revoke", "63046977")],
    "x-xaa_dm-received_1.json": [("mention_received", "direct_message", "2080765901528535096")],
    # the filtered user deleting their own post
    "x-xaa_post-delete_1.json": [("mention_deleted", None, "2080761269309813134")],
    "x-xaa_post-mention_1.json": [("mention_received", "post", "2080765813578191303")],
    "x-xaa_post-quote_1.json": [("mention_received", "quote", "2090000000000000002")],
    "x-xaa_post-reply_1.json": [("mention_received", "reply", "2090000000000000001")],
}

#: (file, dotted attribute of the single event's message, expected value), read off the samples
DETAILS: list[tuple[str, str, object]] = [
    ("x_dm-media_3.json", "thread_root_id", "dm:456"),
    ("x_dm-media_3.json", "brand_account", "123"),
    ("x_dm-media_3.json", "author.handle", "medenhofer"),
    ("x_dm-media_3.json", "author.followers", 312),
    ("x_dm-media_3.json", "created_at", datetime(2018, 11, 15, 14, 32, 19, 406000, tzinfo=UTC)),
    (
        "x_dm-media_3.json",
        "attachments",
        (
            Attachment(
                type="photo",
                url="https://ton.twitter.com/1.1/ton/data/dm/1063077238797725700/1063077198536556545/9FZgsMdV.jpg",
            ),
        ),
    ),
    ("x_dm-outbound_2.json", "thread_root_id", "dm:456"),
    ("x_dm-outbound_2.json", "direction", "outbound"),
    ("x_dm-outbound_2.json", "author.handle", "zammadhq"),
    ("x_dm-outbound_2.json", "text", "Hey! Hello!"),
    ("x_dm_1.json", "thread_root_id", "dm:3001969357"),
    ("x_dm_1.json", "author.name", "Jordan Brinks"),
    ("x_dm_1.json", "brand_account", "4337869213"),
    ("x_dm_1.json", "text", "Hello World!"),
    ("x_tweet-extended-mention_2.DERIVED.json", "author.id", "1205290247124217856"),
    ("x_tweet-extended-mention_2.DERIVED.json", "author.handle", "pennbrooke1"),
    ("x_tweet-extended-mention_2.DERIVED.json", "brand_account", "2975699229"),
    ("x_tweet-extended-mention_2.DERIVED.json", "thread_root_id", "1209097192914313216"),
    ("x_tweet-extended-mention_2.DERIVED.json", "language", "en"),
    (
        "x_tweet-extended-mention_2.DERIVED.json",
        "created_at",
        datetime(2019, 12, 23, 13, 3, 29, 387000, tzinfo=UTC),
    ),
    ("x_tweet-extended-reply_1.json", "parent_id", None),
    ("x_tweet-extended-reply_1.json", "thread_root_id", "1065035365336141825"),
    ("x_tweet-extended-reply_1.json", "author.id", "219826253"),
    ("x_tweet-extended-reply_1.json", "language", "ro"),
    ("x_tweet-mention-media_1.json", "language", None),
    ("x_tweet-mention-media_1.json", "permalink", "https://x.com/zammadhq/status/1063212927510081536"),
    (
        "x_tweet-mention-media_1.json",
        "attachments",
        (Attachment(type="photo", url="https://pbs.twimg.com/media/DsFKfJRWkAAFEbo.jpg"),),
    ),
    ("x_tweet-object-extended_1.json", "author.id", "944480690"),
    ("x_tweet-object-extended_1.json", "created_at", datetime(2018, 5, 10, 17, 41, 57, tzinfo=UTC)),
    ("x_tweet-object-quote_1.json", "quoted_id", "1079578364904648705"),
    ("x_tweet-object-quote_1.json", "thread_root_id", "1081260794069671936"),
    ("x_tweet-object-quote_1.json", "author.id", None),
    ("x_tweet-object-quote_1.json", "author.handle", "furiouscamper"),
    ("x_tweet-object-quote_1.json", "engagement.likes", 1),
    ("x_tweet-object-quote_1.json", "text", "Quote test https://t.co/CE4m1qs3NJ"),
    ("x-xaa_dm-received_1.json", "thread_root_id", "dm:2222222222222222222"),
    ("x-xaa_dm-received_1.json", "author.handle", "OtherUser"),
    ("x-xaa_dm-received_1.json", "author.followers", 97),
    ("x-xaa_dm-received_1.json", "brand_account", "1111111111111111111"),
    ("x-xaa_dm-received_1.json", "text", "hello!"),
    ("x-xaa_post-mention_1.json", "thread_root_id", "2080765813578191303"),
    ("x-xaa_post-mention_1.json", "author.id", "2222222222222222222"),
    ("x-xaa_post-mention_1.json", "author.handle", "OtherUser"),
    ("x-xaa_post-mention_1.json", "author.verified", False),
    ("x-xaa_post-mention_1.json", "language", None),
    ("x-xaa_post-mention_1.json", "text", "hey @ExampleUser"),
    ("x-xaa_post-mention_1.json", "created_at", datetime(2026, 7, 24, 21, 23, 23, tzinfo=UTC)),
    ("x-xaa_post-reply_1.json", "parent_id", "2080761390344937796"),
    ("x-xaa_post-reply_1.json", "thread_root_id", "2080761390344937796"),
    ("x-xaa_post-reply_1.json", "author.id", "2222222222222222222"),
    ("x-xaa_post-reply_1.json", "language", "en"),
    ("x-xaa_post-quote_1.json", "quoted_id", "2080761390344937796"),
    ("x-xaa_post-quote_1.json", "thread_root_id", "2090000000000000002"),
    ("x-xaa_post-quote_1.json", "parent_id", None),
]


def load(name: str) -> object:
    """The body X would deliver for sample ``name``."""
    body: Any = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    if name in ZAMMAD_WRAPPED:
        return body["params"]
    if name in BARE_TWEETS:
        return {"for_user_id": OTHER_BRAND, "tweet_create_events": [body]}
    return body


def outcome(event: Any) -> tuple[str, str | None, str | None]:
    """(type, kind or reason, external id) of one parsed event."""
    message = getattr(event, "mention", None) or getattr(event, "message", None)
    if message is not None:
        return (event.type, message.kind.value, message.external_id)
    if event.type == "event_ignored":
        return (event.type, event.reason, None)
    if event.type == "person_erasure_requested":
        return (event.type, event.reason, event.author_id)
    return (event.type, None, event.external_id)


def dig(value: object, dotted: str) -> object:
    """Follow ``a.b.c`` attributes."""
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def test_the_table_covers_every_x_sample_on_disk() -> None:
    # Given the saved samples / Then every X JSON sample has an expected outcome, and no more
    on_disk = {path.name for pattern in ("x_*.json", "x-xaa_*.json") for path in SAMPLES.glob(pattern)}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_to_the_expected_events(name: str) -> None:
    # Given a saved X delivery
    body = load(name)
    # When it is parsed
    events = parse_delivery(body)
    # Then it yields exactly the events read off the sample, all on the X channel
    assert [outcome(event) for event in events] == EXPECTED[name]
    assert all(getattr(event, "channel", "x") == "x" for event in events)


@pytest.mark.parametrize(("name", "attribute", "expected"), DETAILS, ids=[f"{n}:{a}" for n, a, _ in DETAILS])
def test_sample_message_details(name: str, attribute: str, expected: object) -> None:
    # Given a saved X message delivery
    event = parse_delivery(load(name))[0]
    message = getattr(event, "mention", None) or event.message
    # When the normalised message is read / Then the field holds what the sample says
    assert dig(message, attribute) == expected


def test_big_ids_stay_exact_strings() -> None:
    # Given a sample whose tweet id exceeds 2^53
    message = parse_delivery(load("x_tweet-mention-media_1.json"))[0].message
    # Then the id is the exact string, not a rounded number
    assert message.external_id == "1063212927510081536"
    assert message.brand_account == "123"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_id_is_a_string(name: str) -> None:
    # Given any saved sample
    for event in parse_delivery(load(name)):
        message = getattr(event, "mention", None) or getattr(event, "message", None)
        ids = (
            [
                message.external_id,
                message.thread_root_id,
                message.parent_id,
                message.quoted_id,
                message.author.id,
            ]
            if message is not None
            else [getattr(event, "external_id", None), getattr(event, "author_id", None)]
        )
        # Then every id present is a string of digits (dm: thread keys aside)
        for value in filter(None, ids):
            assert isinstance(value, str)
            assert value.removeprefix("dm:").isdigit()


def test_truncated_samples_keep_the_full_text() -> None:
    # Given the truncated tweets (real Zammad captures and the docs example)
    derived = parse_delivery(load("x_tweet-extended-mention_2.DERIVED.json"))[0].mention
    reply = parse_delivery(load("x_tweet-extended-reply_1.json"))[0].mention
    documented = parse_delivery(load("x_tweet-object-extended_1.json"))[0].mention
    # Then the text is extended_tweet.full_text, not the 140-character cut
    assert derived.text.endswith('passed in an "extended_tweet" property.')
    assert reply.text.endswith("no sea takimata sanctus est Lore")
    assert "#documentation #parsingJSON #GeoTagged" in documented.text
    assert "…" not in derived.text + reply.text + documented.text


def test_deletes_name_their_author() -> None:
    # Given the AAA and XAA deletion samples
    aaa = parse_delivery(load("x_tweet-delete_1.json"))[0]
    xaa = parse_delivery(load("x-xaa_post-delete_1.json"))[0]
    # Then each tombstone names the author and, for AAA, the documented time
    assert aaa.author_id == "930524282358325248"
    assert aaa.deleted_at == datetime(2015, 5, 21, 17, 9, 15, 593000, tzinfo=UTC)
    assert xaa.author_id == "1111111111111111111"
