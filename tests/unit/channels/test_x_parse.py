"""Unit tests of the X (Twitter) delivery parser: AAA v1.1 and X Activity API v2 envelopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdesk.channels.x import parse_delivery
from socialdesk.domain import (
    Attachment,
    BackupReceived,
    Channel,
    Direction,
    EventIgnored,
    MentionDeleted,
    MentionKind,
    MentionReceived,
    OutboundMessageSeen,
    PayloadInvalid,
)

BRAND = "4337869213"
CUSTOMER = "3001969357"
BIG_ID = "1063212927510081536"  # > 2^53: a float would round it


def tweet(tweet_id: str = BIG_ID, user_id: str = CUSTOMER, **fields: Any) -> dict[str, Any]:
    """A small v1.1 Tweet object by ``user_id``."""
    body: dict[str, Any] = {
        "id_str": tweet_id,
        "text": "@brand my order is late",
        "user": {
            "id_str": user_id,
            "screen_name": "furiouscamper",
            "name": "Jordan",
            "followers_count": 23,
            "verified": False,
        },
        "lang": "en",
        "created_at": "Wed Nov 21 00:13:13 +0000 2018",
        "timestamp_ms": "1542759193153",
        "favorite_count": 3,
        "retweet_count": 2,
        "reply_count": 1,
        "quote_count": 0,
    }
    return {**body, **fields}


def aaa(**events: Any) -> dict[str, Any]:
    """An Account Activity API envelope for the brand carrying ``events``."""
    return {"for_user_id": BRAND, **events}


def dm(sender: str, recipient: str, event_id: str = "954491830116155396", **data: Any) -> dict[str, Any]:
    """A ``message_create`` DM event."""
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": "1516403560557",
        "message_create": {
            "target": {"recipient_id": recipient},
            "sender_id": sender,
            "message_data": {"text": "Hello World!", **data},
        },
    }


def xaa(event_type: str, payload: dict[str, Any], includes: dict[str, Any] | None = None) -> dict[str, Any]:
    """An X Activity API envelope filtered on the brand."""
    return {
        "data": {
            "event_uuid": "2080765813578191303",
            "filter": {"user_id": BRAND},
            "event_type": event_type,
            "tag": "mentions",
            "payload": payload,
            "includes": includes or {},
        }
    }


def post(post_id: str = "2080765813578191303", author_id: str = CUSTOMER, **fields: Any) -> dict[str, Any]:
    """A small v2 Post object."""
    body = {
        "id": post_id,
        "text": "hey @brand",
        "author_id": author_id,
        "conversation_id": post_id,
        "created_at": "2026-07-24T21:23:23.000Z",
        "lang": "en",
        "public_metrics": {"like_count": 4, "retweet_count": "1", "reply_count": 0, "quote_count": 2},
    }
    return {**body, **fields}


def v2_user(user_id: str = CUSTOMER) -> dict[str, Any]:
    """A v2 user as found in ``includes.users``."""
    return {
        "id": user_id,
        "username": "OtherUser",
        "name": "Other User",
        "public_metrics": {"followers_count": 97, "followers_count_str": "97"},
        "verified": False,
        "is_identity_verified": True,
    }


def only(events: list[Any]) -> Any:
    """The single event of a delivery."""
    assert len(events) == 1, events
    return events[0]


# --- tweets (AAA) ---------------------------------------------------------------------------------


def test_customer_tweet_becomes_a_post_mention_with_author_engagement_and_permalink() -> None:
    # Given a customer's tweet that neither replies nor quotes
    payload = aaa(tweet_create_events=[tweet()])
    # When the delivery is parsed
    event = only(parse_delivery(payload))
    # Then it is a received POST for the brand, with the tweet's details
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert (mention.channel, mention.source, mention.kind) == (Channel.X, "x", MentionKind.POST)
    assert mention.direction is Direction.INBOUND
    assert mention.external_id == BIG_ID
    assert mention.thread_root_id == BIG_ID
    assert mention.parent_id is None
    assert mention.brand_account == BRAND
    assert mention.author.id == CUSTOMER
    assert mention.author.handle == "furiouscamper"
    assert mention.author.name == "Jordan"
    assert mention.author.followers == 23
    assert mention.author.verified is False
    assert (mention.engagement.likes, mention.engagement.reposts) == (3, 2)
    assert (mention.engagement.replies, mention.engagement.quotes) == (1, 0)
    assert mention.language == "en"
    assert mention.permalink == f"https://x.com/furiouscamper/status/{BIG_ID}"
    assert mention.created_at == datetime(2018, 11, 21, 0, 13, 13, 153000, tzinfo=UTC)


def test_created_at_falls_back_to_twitter_date_and_und_language_is_dropped() -> None:
    # Given a tweet without timestamp_ms and with language "und"
    body = tweet(lang="und")
    del body["timestamp_ms"]
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then created_at comes from created_at and no language is set
    assert mention.created_at == datetime(2018, 11, 21, 0, 13, 13, tzinfo=UTC)
    assert mention.language is None


def test_brand_own_tweet_is_outbound_not_a_mention() -> None:
    # Given a tweet written by the subscribed account itself
    payload = aaa(tweet_create_events=[tweet(user_id=BRAND, in_reply_to_status_id_str="1065035365336141825")])
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is recorded as the brand's own outbound reply, never a ticket
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.direction is Direction.OUTBOUND
    assert event.message.kind is MentionKind.REPLY
    assert event.message.parent_id == "1065035365336141825"
    assert event.message.brand_account == BRAND


def test_a_customers_retweet_is_backup_for_the_retweeted_message() -> None:
    # Given a customer's retweet of another tweet
    payload = aaa(tweet_create_events=[tweet("9", user_id=CUSTOMER, retweeted_status=tweet("1"))])
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is backup for the retweeted message, keyed by the retweet's own id
    assert isinstance(event, BackupReceived)
    assert (event.backup_id, event.target_id, event.kind, event.channel) == ("9", "1", "repost", Channel.X)


def test_the_brands_own_retweet_is_ignored() -> None:
    payload = aaa(tweet_create_events=[tweet(user_id=BRAND, retweeted_status=tweet("1"))])
    event = only(parse_delivery(payload))
    assert isinstance(event, EventIgnored)
    assert (event.reason, event.channel) == ("retweet", Channel.X)


def test_a_like_is_backup_for_the_liked_tweet_and_names_nobody() -> None:
    like = {
        "id": "f-1",
        "timestamp_ms": "1795424400000",
        "favorited_status": tweet("77"),
        "user": {"id_str": "5"},
    }
    event = only(parse_delivery(aaa(favorite_events=[like])))
    assert isinstance(event, BackupReceived)
    assert (event.backup_id, event.target_id, event.kind) == ("f-1", "77", "like")
    assert "5" not in event.model_dump_json().replace("1795424400", "")


def test_truncated_tweet_uses_extended_full_text_and_media() -> None:
    # Given a truncated tweet whose full text and photo are only in extended_tweet
    full = "@brand " + "x" * 250
    body = tweet(
        truncated=True,
        text="@brand xxxx… https://t.co/abc",
        extended_tweet={
            "full_text": full,
            "extended_entities": {"media": [{"type": "photo", "media_url_https": "https://pbs/a.jpg"}]},
        },
    )
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then the full text and the attachment are kept
    assert mention.text == full
    assert mention.attachments == (Attachment(type="photo", url="https://pbs/a.jpg"),)


def test_full_text_is_used_when_there_is_no_extended_tweet() -> None:
    # Given an extended-mode tweet carrying full_text
    body = tweet(full_text="the whole text")
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then full_text wins over text
    assert mention.text == "the whole text"


def test_media_falls_back_to_entities() -> None:
    # Given a tweet with media only in entities.media
    body = tweet(entities={"media": [{"type": "photo", "media_url": "http://pbs/b.jpg"}]})
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then the media becomes an attachment
    assert mention.attachments == (Attachment(type="photo", url="http://pbs/b.jpg"),)


def test_reply_names_its_parent_and_leaves_the_root_to_the_router() -> None:
    # Given a customer's reply to a tweet
    body = tweet(in_reply_to_status_id_str="1065035365336141825", in_reply_to_user_id_str=BRAND)
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then it is a REPLY with a parent and no root (v1.1 does not give the conversation id)
    assert mention.kind is MentionKind.REPLY
    assert mention.parent_id == "1065035365336141825"
    assert mention.thread_root_id is None


def test_reply_to_a_user_without_a_status_is_a_post() -> None:
    # Given a tweet that only starts with @brand (in_reply_to_user_id set, no status id)
    body = tweet(in_reply_to_status_id_str=None, in_reply_to_user_id_str=BRAND)
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then it is a new POST
    assert mention.kind is MentionKind.POST
    assert mention.parent_id is None


@pytest.mark.parametrize(
    "fields",
    [
        {"quoted_status_id_str": "1079578364904648705"},
        {"quoted_status": {"id_str": "1079578364904648705", "text": "AHHHHH"}},
    ],
)
def test_quote_names_the_quoted_tweet_and_roots_itself(fields: dict[str, Any]) -> None:
    # Given a quote tweet (by id field or by the embedded quoted_status)
    body = tweet(is_quote_status=True, **fields)
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then it is a QUOTE rooted at itself
    assert mention.kind is MentionKind.QUOTE
    assert mention.quoted_id == "1079578364904648705"
    assert mention.thread_root_id == BIG_ID


def test_19_digit_ids_stay_exact_strings() -> None:
    # Given X's own example: the numeric id already rounded, the id_str exact
    body = tweet(tweet_id="1924465506158878979", id=1924465506158879000)
    body["user"] = {"id": 1205290247124217856, "screen_name": "pennbrooke1"}
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then id_str wins, and a numeric-only id is turned into its exact decimal string
    assert mention.external_id == "1924465506158878979"
    assert mention.author.id == "1205290247124217856"
    assert isinstance(mention.external_id, str)


def test_a_numeric_only_tweet_id_is_read_exactly() -> None:
    # Given a tweet with only the numeric id
    body = tweet()
    del body["id_str"]
    body["id"] = 1209097192914313216
    # When parsed
    mention = only(parse_delivery(aaa(tweet_create_events=[body]))).mention
    # Then the id is the exact string
    assert mention.external_id == "1209097192914313216"


def test_every_tweet_in_the_array_is_parsed_in_order() -> None:
    # Given three tweets in one delivery: customer, brand, retweet
    tweets = [tweet("111"), tweet("222", user_id=BRAND), tweet("333", retweeted_status={"id_str": "1"})]
    # When parsed
    events = parse_delivery(aaa(tweet_create_events=tweets))
    # Then there is one event per item, in order
    assert [type(event) for event in events] == [MentionReceived, OutboundMessageSeen, BackupReceived]
    assert events[0].mention.external_id == "111"
    assert events[1].message.external_id == "222"


@pytest.mark.parametrize("blocked", ["false", False, "true", True])
def test_user_has_blocked_is_metadata_string_or_bool(blocked: object) -> None:
    # Given an @mention delivery with user_has_blocked as a string or a boolean
    payload = {"for_user_id": BRAND, "user_has_blocked": blocked, "tweet_create_events": [tweet()]}
    # When parsed
    events = parse_delivery(payload)
    # Then the flag is not an event and the mention is parsed
    assert [type(event) for event in events] == [MentionReceived]


# --- direct messages (AAA) ------------------------------------------------------------------------


def test_inbound_dm_is_a_direct_message_threaded_by_customer() -> None:
    # Given a DM from a customer to the brand, with the users map
    users = {
        CUSTOMER: {"id": CUSTOMER, "screen_name": "furiouscamper", "name": "Jordan", "followers_count": 22}
    }
    payload = aaa(direct_message_events=[dm(CUSTOMER, BRAND)], users=users, apps={"1": {"id": "1"}})
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is a DIRECT_MESSAGE in the customer's DM thread, authored from the users map
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert mention.kind is MentionKind.DIRECT_MESSAGE
    assert mention.external_id == "954491830116155396"
    assert mention.thread_root_id == f"dm:{CUSTOMER}"
    assert (mention.author.id, mention.author.handle, mention.author.followers) == (
        CUSTOMER,
        "furiouscamper",
        22,
    )
    assert mention.text == "Hello World!"
    assert mention.created_at == datetime(2018, 1, 19, 23, 12, 40, 557000, tzinfo=UTC)
    assert mention.brand_account == BRAND


def test_outbound_dm_is_seen_in_the_same_thread() -> None:
    # Given a DM the brand sent to the customer
    payload = aaa(direct_message_events=[dm(BRAND, CUSTOMER, event_id="1062015437679050760")])
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is outbound and keyed on the customer, so both directions share one thread
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.direction is Direction.OUTBOUND
    assert event.message.thread_root_id == f"dm:{CUSTOMER}"
    assert event.message.author.id == BRAND


def test_dm_media_becomes_an_attachment() -> None:
    # Given a DM with a photo
    media = {"type": "media", "media": {"type": "photo", "media_url_https": "https://ton/x.jpg"}}
    payload = aaa(direct_message_events=[dm(CUSTOMER, BRAND, attachment=media)])
    # When parsed
    mention = only(parse_delivery(payload)).mention
    # Then the photo is attached
    assert mention.attachments == (Attachment(type="photo", url="https://ton/x.jpg"),)


def test_other_dm_event_types_are_ignored() -> None:
    # Given a DM event that is not a message_create
    payload = aaa(direct_message_events=[{"type": "participants_join", "id": "1"}])
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is ignored
    assert isinstance(event, EventIgnored)
    assert event.reason == "dm_event:participants_join"


# --- deletes and ignored events (AAA) -------------------------------------------------------------


def test_tweet_delete_becomes_mention_deleted() -> None:
    # Given a tweet deletion
    payload = aaa(
        tweet_delete_events=[{"status": {"id": BIG_ID, "user_id": CUSTOMER}, "timestamp_ms": "1432228155593"}]
    )
    # When parsed
    event = only(parse_delivery(payload))
    # Then the stored tweet is to be tombstoned
    assert isinstance(event, MentionDeleted)
    assert (event.channel, event.external_id, event.author_id) == (Channel.X, BIG_ID, CUSTOMER)
    assert event.deleted_at == datetime(2015, 5, 21, 17, 9, 15, 593000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "items", "reasons"),
    [
        (
            "direct_message_indicate_typing_events",
            [{"sender_id": "1"}, {"sender_id": "2"}],
            ["typing", "typing"],
        ),
        ("direct_message_mark_read_events", [{"last_read_event_id": "9"}], ["read"]),
        ("favorite_events", [{"id": "a"}], ["favorite"]),
        ("follow_events", [{"type": "follow"}, {"type": "unfollow"}], ["follow", "unfollow"]),
        ("block_events", [{"type": "unblock"}], ["unblock"]),
        ("mute_events", [{"type": "mute"}], ["mute"]),
    ],
)
def test_non_message_events_are_ignored_one_per_item(key: str, items: list[Any], reasons: list[str]) -> None:
    # Given an array of events that are not messages
    payload = aaa(**{key: items}, users={"1": {"id": "1", "screen_name": "a"}})
    # When parsed
    events = parse_delivery(payload)
    # Then each item is acknowledged and ignored with a short reason
    assert all(isinstance(event, EventIgnored) for event in events)
    assert [event.reason for event in events] == reasons


def test_user_revoke_without_for_user_id_is_ignored() -> None:
    # Given the documented revoke event, which has no for_user_id
    payload = {
        "user_event": {"revoke": {"date_time": "2018-05-24T09:48:12+00:00", "target": {"app_id": "1"}}}
    }
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is ignored as a revoke
    assert isinstance(event, EventIgnored)
    assert event.reason == "user_revoke"


def test_unknown_top_level_key_is_ignored_and_metadata_is_not_an_event() -> None:
    # Given an envelope with metadata and an event key SocialDesk does not know
    payload = aaa(users={}, apps={}, source="x", tweet_edit_events=[{"id_str": "1"}])
    # When parsed
    event = only(parse_delivery(payload))
    # Then only the unknown key yields an ignored event
    assert isinstance(event, EventIgnored)
    assert event.reason == "unknown_event:tweet_edit_events"


def test_envelope_without_events_yields_nothing() -> None:
    # Given an envelope with only for_user_id
    # When parsed
    events = parse_delivery({"for_user_id": BRAND})
    # Then there is nothing to do
    assert events == []


# --- malformed deliveries -------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [[], "text", 1, None, True, 1.5])
def test_non_object_body_is_invalid(payload: object) -> None:
    # Given a JSON value that is not an object / When parsed / Then it is rejected
    with pytest.raises(PayloadInvalid, match="not a JSON object"):
        parse_delivery(payload)


@pytest.mark.parametrize("payload", [{}, {"data": {}}, {"data": "x"}, {"entry": []}])
def test_object_that_is_no_x_envelope_is_invalid(payload: object) -> None:
    # Given an object that is neither an AAA nor an XAA envelope / When parsed / Then it is rejected
    with pytest.raises(PayloadInvalid, match="not an X delivery"):
        parse_delivery(payload)


@pytest.mark.parametrize(
    ("events", "path"),
    [
        (
            {"tweet_create_events": [{"text": "no id", "timestamp_ms": "1542759193153"}]},
            "tweet_create_events.0.id_str",
        ),
        ({"tweet_create_events": [tweet(), tweet(text=["not", "text"])]}, "tweet_create_events.1.text"),
        ({"tweet_create_events": [tweet(id_str=1.5e18)]}, "tweet_create_events.0.id_str"),
        ({"tweet_create_events": [tweet(timestamp_ms="soon")]}, "tweet_create_events.0.timestamp_ms"),
        ({"tweet_create_events": {"id_str": "1"}}, "tweet_create_events"),
        ({"direct_message_events": [{"type": "message_create", "id": "1"}]}, "direct_message_events.0"),
        (
            {"tweet_delete_events": [{"status": {}, "timestamp_ms": "1"}]},
            "tweet_delete_events.0.status.id_str",
        ),
        ({"favorite_events": "x"}, "favorite_events"),
    ],
)
def test_known_event_with_wrong_shape_names_the_failing_field(events: dict[str, Any], path: str) -> None:
    # Given a known event that breaks its documented shape
    # When parsed
    with pytest.raises(PayloadInvalid) as raised:
        parse_delivery(aaa(**events))
    # Then the reason names the failing field path and no input value
    assert raised.value.reason.startswith(path)
    assert "Traceback" not in raised.value.reason


def test_tweets_without_for_user_id_are_invalid() -> None:
    # Given tweets in an envelope that cannot tell the brand (so outbound detection is impossible)
    payload = {"user_event": {}, "tweet_create_events": [tweet()]}
    # When parsed / Then it is rejected
    with pytest.raises(PayloadInvalid, match="for_user_id"):
        parse_delivery(payload)


# --- X Activity API (v2) --------------------------------------------------------------------------


def test_xaa_mention_is_a_post_with_author_from_includes() -> None:
    # Given a post.mention.create with the author in includes.users
    payload = xaa("post.mention.create", post(), {"users": [v2_user(), v2_user(BRAND)]})
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is a POST rooted at its conversation, authored from includes
    assert isinstance(event, MentionReceived)
    mention = event.mention
    assert mention.kind is MentionKind.POST
    assert mention.external_id == "2080765813578191303"
    assert mention.thread_root_id == "2080765813578191303"
    assert mention.brand_account == BRAND
    assert (mention.author.id, mention.author.handle, mention.author.name) == (
        CUSTOMER,
        "OtherUser",
        "Other User",
    )
    assert (mention.author.followers, mention.author.verified) == (97, True)
    assert (mention.engagement.likes, mention.engagement.reposts, mention.engagement.quotes) == (4, 1, 2)
    assert mention.permalink == "https://x.com/OtherUser/status/2080765813578191303"
    assert mention.created_at == datetime(2026, 7, 24, 21, 23, 23, tzinfo=UTC)


def test_xaa_mention_that_replies_is_a_reply() -> None:
    # Given a mention that is also a reply to another post
    body = post(
        conversation_id="2080761390344937796", referenced_tweets=[{"type": "replied_to", "id": "208"}]
    )
    # When parsed
    mention = only(parse_delivery(xaa("post.mention.create", body))).mention
    # Then it is a REPLY to that post, in its conversation
    assert mention.kind is MentionKind.REPLY
    assert mention.parent_id == "208"
    assert mention.thread_root_id == "2080761390344937796"


def test_xaa_reply_uses_replied_to_and_conversation_id() -> None:
    # Given a post.reply.create
    body = post(
        "2090000000000000001",
        conversation_id="2080761390344937796",
        in_reply_to_user_id=BRAND,
        referenced_tweets=[{"type": "replied_to", "id": "2080761390344937796"}],
    )
    # When parsed
    mention = only(parse_delivery(xaa("post.reply.create", body))).mention
    # Then parent and root come from the referenced post and the conversation
    assert mention.kind is MentionKind.REPLY
    assert mention.parent_id == "2080761390344937796"
    assert mention.thread_root_id == "2080761390344937796"
    assert mention.author.id == CUSTOMER
    assert mention.permalink == "https://x.com/i/web/status/2090000000000000001"


def test_xaa_quote_names_the_quoted_post() -> None:
    # Given a post.quote.create
    body = post("2090000000000000002", referenced_tweets=[{"type": "quoted", "id": "2080761390344937796"}])
    # When parsed
    mention = only(parse_delivery(xaa("post.quote.create", body))).mention
    # Then it is a QUOTE of that post
    assert mention.kind is MentionKind.QUOTE
    assert mention.quoted_id == "2080761390344937796"
    assert mention.thread_root_id == "2090000000000000002"


def test_xaa_post_by_the_brand_is_outbound() -> None:
    # Given an XAA post whose author is the filtered (brand) user
    payload = xaa("post.reply.create", post(author_id=BRAND))
    # When parsed
    event = only(parse_delivery(payload))
    # Then it is the brand's own message
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.direction is Direction.OUTBOUND


def test_xaa_dm_received_is_a_direct_message_with_author_from_users_map() -> None:
    # Given a dm.received with the v2 users map ({"id": {"data": user}})
    body = {
        "direct_message_events": [dm(CUSTOMER, BRAND, "2080765901528535096")],
        "users": {CUSTOMER: {"data": v2_user()}},
    }
    # When parsed
    event = only(parse_delivery(xaa("dm.received", body)))
    # Then it is an inbound DM in the customer's thread
    assert isinstance(event, MentionReceived)
    assert event.mention.kind is MentionKind.DIRECT_MESSAGE
    assert event.mention.external_id == "2080765901528535096"
    assert event.mention.thread_root_id == f"dm:{CUSTOMER}"
    assert (event.mention.author.handle, event.mention.author.followers) == ("OtherUser", 97)


def test_xaa_dm_sent_is_outbound() -> None:
    # Given a dm.sent
    body = {"direct_message_events": [dm(BRAND, CUSTOMER, "2080765901528535097")]}
    # When parsed
    event = only(parse_delivery(xaa("dm.sent", body)))
    # Then it is the brand's message in the customer's thread
    assert isinstance(event, OutboundMessageSeen)
    assert event.message.thread_root_id == f"dm:{CUSTOMER}"


def test_xaa_post_delete_becomes_mention_deleted_at_receipt_time() -> None:
    # Given a post.delete (which carries no deletion time)
    before = datetime.now(UTC)
    # When parsed
    event = only(parse_delivery(xaa("post.delete", {"id": "2080761269309813134", "author_id": CUSTOMER})))
    # Then the post is to be tombstoned, dated when it was received
    assert isinstance(event, MentionDeleted)
    assert (event.external_id, event.author_id) == ("2080761269309813134", CUSTOMER)
    assert before <= event.deleted_at <= datetime.now(UTC)


def test_xaa_unknown_event_type_is_ignored() -> None:
    # Given an event type SocialDesk does not handle
    # When parsed
    event = only(parse_delivery(xaa("follow.follow", {"anything": 1})))
    # Then it is ignored, naming the type
    assert isinstance(event, EventIgnored)
    assert event.reason == "unknown_event:follow.follow"


def test_xaa_post_without_created_at_names_the_field() -> None:
    # Given a mention whose post lacks created_at
    body = post()
    del body["created_at"]
    # When parsed / Then the reason names the field path
    with pytest.raises(PayloadInvalid, match=r"^data\.payload\.created_at"):
        parse_delivery(xaa("post.mention.create", body))


# --- robustness -----------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=25,
)
_KEYS = st.sampled_from(
    [
        "for_user_id",
        "tweet_create_events",
        "direct_message_events",
        "users",
        "tweet_delete_events",
        "user_event",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=_JSON | st.dictionaries(_KEYS, _JSON, max_size=4))
def test_any_json_gives_events_or_payload_invalid(payload: object) -> None:
    # Given any JSON value (biased towards X envelope keys)
    # When parsed
    try:
        events = parse_delivery(payload)
    except PayloadInvalid:
        return
    # Then it is a list of events, never another exception
    assert isinstance(events, list)


def test_user_revoke_with_a_source_user_asks_to_erase_that_persons_content() -> None:
    # Given the documented revoke event naming the person who revoked access
    payload = {
        "user_event": {
            "revoke": {
                "date_time": "2018-05-24T09:48:12+00:00",
                "target": {"app_id": "1"},
                "source": {"user_id": "63046977"},
            }
        }
    }
    # When parsed
    event = only(parse_delivery(payload))
    # Then it asks for that person's content to be erased on X
    assert event.type == "person_erasure_requested"
    assert (event.author_id, event.channels, event.reason) == ("63046977", (Channel.X,), "x_user_revoke")
