"""Regenerate events/: scenario-named payload-2.0 events, signed with the documented dev secrets.

Run ``python -m local.make_events`` (``make events``). Every file is byte-identical on every run:
the payloads are hand-made fiction about the airline "SkyHigh Air", timestamps are fixed (the
requests all arrive at 2026-11-23T09:00:00Z) and the gateway's volatile fields are overwritten.
Each event is built by :func:`local.gateway.build_event` for its template route, so it works with
``sam local invoke WebhookFunction -e events/<file>`` and with the in-process local runtime.
``events/env.json`` holds the functions' environment for ``sam local invoke --env-vars``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.devsecrets import DEFAULTS
from local.gateway import build_event
from local.stack import HttpRoute
from local.template import ROOT, load, resources
from socialdesk.channels import generic, meta, x

EVENTS_DIR = ROOT / "events"
FUNCTION = "WebhookFunction"

#: every request "arrives" at 2026-11-23T09:00:00Z; the payloads happened shortly before
ARRIVED_AT = 1795424400
#: the t= of the generic signatures. The demo re-signs generic events with the current time before
#: replaying them, because the receiver rejects a t more than 300 s from now (replay window).
GENERIC_SIGNED_AT = ARRIVED_AT
#: generic-stale is signed 10 minutes before the others; the demo keeps it stale (t = now - 600)
GENERIC_STALE_SIGNED_AT = ARRIVED_AT - 600
_REQUEST_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://socialdesk.example/events/")

X_SECRET = DEFAULTS["X_CONSUMER_SECRET"]
META_SECRET = DEFAULTS["META_APP_SECRET"]
META_VERIFY_TOKEN = DEFAULTS["META_VERIFY_TOKEN"]
GENERIC_SECRET = DEFAULTS["GENERIC_WEBHOOK_SECRET"]
#: what the *-bad-signature events are signed with instead of the dev secrets
WRONG_SECRET = "not-the-configured-secret"

# --- the brand --------------------------------------------------------------------------------
BRAND_X_ID = "1500000000000000001"
BRAND_X_HANDLE = "SkyHighAir"
BRAND_NAME = "SkyHigh Air"
PAGE_ID = "104000000000001"
IG_ACCOUNT_ID = "17841400000000001"
WABA_ID = "108800000000001"
WA_PHONE_NUMBER_ID = "109900000000001"
WA_DISPLAY_NUMBER = "15550100200"

#: X's epoch for snowflake ids (ms)
_TWEPOCH_MS = 1288834974657
#: plain-text t.co links are 23 characters; a truncated text ends in "… " + the link
_TCO_LENGTH = 23
_CONTENT_TYPE = {"content-type": "application/json"}
_IPHONE = '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>'
_ANDROID = '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>'
_SPRINKLR = '<a href="https://www.sprinklr.com" rel="nofollow">Sprinklr</a>'
_META_UA = {"user-agent": "facebookexternalua"}


# --- small helpers ----------------------------------------------------------------------------


def _at(minutes_before: int, seconds: int = 0) -> int:
    """Unix seconds ``minutes_before`` minutes (plus ``seconds``) before the requests arrive."""
    return ARRIVED_AT - minutes_before * 60 + seconds


def _ms(ts: int, millis: int = 0) -> int:
    return ts * 1000 + millis


def _twitter_time(ts: int) -> str:
    return time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(ts))


def _iso(ts: int, *, millis: bool = False) -> str:
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    return f"{text}.000Z" if millis else f"{text}Z"


def _snowflake(ts: int, millis: int, worker: int, sequence: int = 0) -> int:
    """A 19-digit X id (> 2^53) minted at ``ts``, the way X builds them."""
    return (_ms(ts, millis) - _TWEPOCH_MS) << 22 | (worker & 0x3FF) << 12 | (sequence & 0xFFF)


def _token(label: str, length: int = 40) -> str:
    """A deterministic, opaque alphanumeric string (message ids, crc tokens, t.co codes)."""
    digest = b"".join(hashlib.sha256(f"socialdesk-events:{label}:{n}".encode()).digest() for n in range(4))
    return "".join(c for c in base64.b64encode(digest).decode("ascii") if c.isalnum())[:length]


def _compact(payload: Any, *, ascii_only: bool = False) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=ascii_only).encode("utf-8")


def _meta_bytes(payload: Any) -> bytes:
    """Meta's bytes: compact, ``\\u``-escaped (emoji as surrogate pairs) and ``/`` as ``\\/``.

    ``/`` only occurs inside strings in JSON text, so escaping every one keeps the JSON equal.
    """
    return _compact(payload, ascii_only=True).replace(b"/", b"\\/")


def _event(
    name: str,
    method: str,
    route_path: str,
    *,
    path: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    """A payload-2.0 event for the template route, with the volatile gateway fields fixed."""
    route = HttpRoute(method, route_path, FUNCTION, None)
    all_headers = {"host": "127.0.0.1", **(headers or {})}
    if body is not None:
        all_headers["content-length"] = str(len(body))
    event = build_event(
        route,
        path=path or route_path,
        path_parameters=path_parameters or {},
        query=query,
        headers=all_headers,
        body=body,
    )
    context = event["requestContext"]
    context["requestId"] = str(uuid.uuid5(_REQUEST_IDS, f"{name}.json"))
    context["time"] = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(ARRIVED_AT))
    context["timeEpoch"] = ARRIVED_AT * 1000
    return event


def _x_post(name: str, body: bytes, *, secret: str = X_SECRET) -> dict[str, Any]:
    headers = {**_CONTENT_TYPE, x.SIGNATURE_HEADER: x.sign(secret, body)}
    return _event(name, "POST", "/webhooks/x", headers=headers, body=body)


def _meta_post(name: str, body: bytes, *, secret: str = META_SECRET) -> dict[str, Any]:
    legacy = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    headers = {
        **_CONTENT_TYPE,
        **_META_UA,
        "x-hub-signature": legacy,
        meta.SIGNATURE_HEADER: meta.sign(secret, body),
    }
    return _event(name, "POST", "/webhooks/meta", headers=headers, body=body)


def _generic_post(
    name: str,
    source: str,
    body: bytes,
    *,
    user_agent: str,
    signed_at: int = GENERIC_SIGNED_AT,
    secret: str = GENERIC_SECRET,
) -> dict[str, Any]:
    headers = {
        **_CONTENT_TYPE,
        "user-agent": user_agent,
        generic.SIGNATURE_HEADER: generic.sign(secret, body, signed_at),
    }
    return _event(
        name,
        "POST",
        "/webhooks/generic/{source}",
        path=f"/webhooks/generic/{source}",
        path_parameters={"source": source},
        headers=headers,
        body=body,
    )


# --- X: Account Activity API (v1.1) and X Activity API (v2) ----------------------------------

_BRAND_V1 = {
    "id": int(BRAND_X_ID),
    "id_str": BRAND_X_ID,
    "name": BRAND_NAME,
    "screen_name": BRAND_X_HANDLE,
    "location": "Denver, CO",
    "description": "Official SkyHigh Air. Our care team is here 24/7 — DM us your booking reference.",
    "protected": False,
    "verified": True,
    "followers_count": 284113,
    "friends_count": 1021,
    "statuses_count": 48230,
    "created_at": "Tue Mar 02 15:04:11 +0000 2010",
}
_DANA = {
    "id": 2847561930,
    "id_str": "2847561930",
    "name": "Dana Whitfield",
    "screen_name": "danaflies",
    "location": "Boulder, CO",
    "description": "Product designer. Usually somewhere between DEN and SFO.",
    "protected": False,
    "verified": False,
    "followers_count": 1342,
    "friends_count": 611,
    "statuses_count": 9120,
    "created_at": "Fri Oct 17 19:22:40 +0000 2014",
}
_MARCUS = {
    "id": 1429983017264353281,
    "id_str": "1429983017264353281",
    "name": "Marcus Oyelaran",
    "screen_name": "marcus_oye",
    "location": "Newark, NJ",
    "description": "Civil engineer, amateur baker.",
    "protected": False,
    "verified": False,
    "followers_count": 87,
    "friends_count": 203,
    "statuses_count": 415,
    "created_at": "Mon Aug 23 23:40:01 +0000 2021",
}
_LENA = {
    "id": 918273645,
    "id_str": "918273645",
    "name": "Lena Kowalczyk",
    "screen_name": "lenakowal",
    "location": "Chicago, IL",
    "description": "Translator. Coffee first.",
    "protected": False,
    "verified": False,
    "followers_count": 2210,
    "friends_count": 845,
    "statuses_count": 30117,
    "created_at": "Wed Oct 20 08:12:55 +0000 2012",
}
_ROB = {
    "id": 3310458826,
    "id_str": "3310458826",
    "name": "Rob Gentry",
    "screen_name": "robgentry_",
    "location": "",
    "description": "",
    "protected": False,
    "verified": False,
    "followers_count": 56,
    "friends_count": 140,
    "statuses_count": 733,
    "created_at": "Sat Aug 08 11:09:30 +0000 2015",
}
_TOMAS_ID = "3390012847"
_TOMAS_DM_USER = {
    "id": _TOMAS_ID,
    "created_timestamp": "1438251966000",
    "name": "Tomás Herrera",
    "screen_name": "tomasherrera",
    "location": "Austin, TX",
    "description": "Dad, runner, frequent flyer (SkyHigh Gold).",
    "protected": False,
    "verified": False,
    "followers_count": 318,
    "friends_count": 402,
    "statuses_count": 2094,
}
_BRAND_DM_USER = {
    "id": BRAND_X_ID,
    "created_timestamp": "1267542251000",
    "name": BRAND_NAME,
    "screen_name": BRAND_X_HANDLE,
    "location": "Denver, CO",
    "description": _BRAND_V1["description"],
    "protected": False,
    "verified": True,
    "followers_count": 284113,
    "friends_count": 1021,
    "statuses_count": 48230,
}

# tweet and DM ids, minted at their creation times
_MENTION_TS = _at(18, 7)
_MENTION_ID = _snowflake(_MENTION_TS, 412, 371, 0)
_BRAND_REPLY_TS = _at(6, 41)
_BRAND_REPLY_ID = _snowflake(_BRAND_REPLY_TS, 88, 119, 0)
_BAGGAGE_TWEET_TS = _at(184, 2)
_BAGGAGE_TWEET_ID = _snowflake(_BAGGAGE_TWEET_TS, 905, 523, 0)
_LONG_REPLY_TS = _at(23, 50)
_LONG_REPLY_ID = _snowflake(_LONG_REPLY_TS, 301, 37, 1)
_ROUTE_TWEET_TS = _at(1460, 0)
_ROUTE_TWEET_ID = _snowflake(_ROUTE_TWEET_TS, 0, 611, 0)
_QUOTE_TS = _at(41, 12)
_QUOTE_ID = _snowflake(_QUOTE_TS, 647, 902, 0)
_DM_IN_TS = _at(12, 30)
_DM_IN_ID = _snowflake(_DM_IN_TS, 219, 12, 0)
_DM_OUT_TS = _at(4, 5)
_DM_OUT_ID = _snowflake(_DM_OUT_TS, 774, 12, 2)
_XAA_TS = _at(9, 26)
_XAA_ID = _snowflake(_XAA_TS, 530, 288, 0)
_WIFI_TS = _at(2, 17)
_WIFI_ID = _snowflake(_WIFI_TS, 160, 455, 0)


def _mention_to_brand(start: int, name: str = BRAND_X_HANDLE) -> dict[str, Any]:
    return {
        "screen_name": name,
        "name": BRAND_NAME,
        "id": int(BRAND_X_ID),
        "id_str": BRAND_X_ID,
        "indices": [start, start + len(name) + 1],
    }


def _tweet(
    tweet_id: int,
    ts: int,
    text: str,
    user: dict[str, Any],
    *,
    mentions: list[dict[str, Any]],
    reply_to: tuple[int, str, str] | None = None,
    source: str = _IPHONE,
    counts: tuple[int, int, int, int] = (0, 0, 0, 0),
    **extra: Any,
) -> dict[str, Any]:
    """A v1.1 Tweet object; ``reply_to`` is (status id, user id, screen name)."""
    replied_id, replied_user, replied_name = reply_to or (None, None, None)
    quotes, replies, retweets, likes = counts
    tweet: dict[str, Any] = {
        "created_at": _twitter_time(ts),
        "id": tweet_id,
        "id_str": str(tweet_id),
        "text": text,
        "source": source,
        "truncated": False,
        "in_reply_to_status_id": replied_id,
        "in_reply_to_status_id_str": str(replied_id) if replied_id else None,
        "in_reply_to_user_id": int(replied_user) if replied_user else None,
        "in_reply_to_user_id_str": replied_user,
        "in_reply_to_screen_name": replied_name,
        "user": user,
        "geo": None,
        "coordinates": None,
        "place": None,
        "contributors": None,
        "is_quote_status": False,
        "quote_count": quotes,
        "reply_count": replies,
        "retweet_count": retweets,
        "favorite_count": likes,
        "entities": {"hashtags": [], "urls": [], "user_mentions": mentions, "symbols": []},
        "favorited": False,
        "retweeted": False,
        "filter_level": "low",
        "lang": "en",
        "timestamp_ms": str((tweet_id >> 22) + _TWEPOCH_MS),
    }
    tweet.update(extra)
    return tweet


def _x_mention_payload() -> dict[str, Any]:
    text = (
        "@SkyHighAir SH 214 from Denver has been sitting at gate B32 for two hours. No updates on the "
        "app, nobody at the desk. Are we flying today or not?"
    )
    tweet = _tweet(_MENTION_ID, _MENTION_TS, text, _DANA, mentions=[_mention_to_brand(0)])
    return {"for_user_id": BRAND_X_ID, "user_has_blocked": False, "tweet_create_events": [tweet]}


def _x_reply_extended_payload() -> dict[str, Any]:
    full_text = (
        "@SkyHighAir Following your baggage update: my suitcase never came off SH 1190 from Newark last "
        "night. File EWRSH48213, navy hard case with a yellow strap. The tracker says it is still in "
        "Newark. I have a job interview tomorrow and my suit is in that bag. Please call me back."
    )
    prefix = full_text[: 140 - _TCO_LENGTH - 2].rstrip()
    link = "https://t.co/" + _token("reply-extended-link", 10)
    tweet = _tweet(
        _LONG_REPLY_ID,
        _LONG_REPLY_TS,
        f"{prefix}… {link}",
        _MARCUS,
        mentions=[_mention_to_brand(0)],
        reply_to=(_BAGGAGE_TWEET_ID, BRAND_X_ID, BRAND_X_HANDLE),
        source=_ANDROID,
        display_text_range=[12, 140],
    )
    tweet["truncated"] = True
    tweet["entities"]["urls"] = [
        {
            "url": link,
            "expanded_url": f"https://twitter.com/i/web/status/{_LONG_REPLY_ID}",
            "display_url": f"twitter.com/i/web/status/{str(_LONG_REPLY_ID)[0]}…",
            "indices": [len(prefix) + 2, len(prefix) + 2 + _TCO_LENGTH],
        }
    ]
    tweet["extended_tweet"] = {
        "full_text": full_text,
        "display_text_range": [12, len(full_text)],
        "entities": {"hashtags": [], "urls": [], "user_mentions": [_mention_to_brand(0)], "symbols": []},
    }
    return {"for_user_id": BRAND_X_ID, "user_has_blocked": False, "tweet_create_events": [tweet]}


def _x_quote_payload() -> dict[str, Any]:
    route_text = (
        "New for summer 2027: nonstop Chicago to Lisbon, four times a week from June 3. "
        "Fares from $489 one way."
    )
    quoted = _tweet(
        _ROUTE_TWEET_ID,
        _ROUTE_TWEET_TS,
        route_text,
        _BRAND_V1,
        mentions=[],
        source=_SPRINKLR,
        counts=(212, 96, 1840, 7311),
    )
    del quoted["filter_level"], quoted["timestamp_ms"]
    text = (
        "Lovely. Maybe sort out the refund I have been waiting nine weeks for before launching new "
        "routes, @SkyHighAir? Case SH-4471203."
    )
    permalink = "https://t.co/" + _token("quote-permalink", 10)
    tweet = _tweet(_QUOTE_ID, _QUOTE_TS, text, _LENA, mentions=[_mention_to_brand(text.index("@"))])
    tweet.update(
        {
            "quoted_status_id": _ROUTE_TWEET_ID,
            "quoted_status_id_str": str(_ROUTE_TWEET_ID),
            "quoted_status": quoted,
            "quoted_status_permalink": {
                "url": permalink,
                "expanded": f"https://twitter.com/{BRAND_X_HANDLE}/status/{_ROUTE_TWEET_ID}",
                "display": f"twitter.com/{BRAND_X_HANDLE}/…",
            },
            "is_quote_status": True,
        }
    )
    return {"for_user_id": BRAND_X_ID, "user_has_blocked": False, "tweet_create_events": [tweet]}


def _x_brand_own_payload() -> dict[str, Any]:
    text = (
        "@danaflies We're so sorry, Dana. SH 214 is waiting for a replacement crew member who lands "
        "at 9:35; boarding should start around 9:50. We'll post updates at the gate. ^MK"
    )
    mention = {
        "screen_name": "danaflies",
        "name": "Dana Whitfield",
        "id": _DANA["id"],
        "id_str": _DANA["id_str"],
        "indices": [0, 10],
    }
    tweet = _tweet(
        _BRAND_REPLY_ID,
        _BRAND_REPLY_TS,
        text,
        _BRAND_V1,
        mentions=[mention],
        reply_to=(_MENTION_ID, _DANA["id_str"], "danaflies"),
        source=_SPRINKLR,
        display_text_range=[11, len(text)],
    )
    return {"for_user_id": BRAND_X_ID, "tweet_create_events": [tweet]}


def _dm(event_id: int, ts: int, millis: int, *, sender: str, recipient: str, text: str) -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": str(event_id),
        "created_timestamp": str(_ms(ts, millis)),
        "message_create": {
            "target": {"recipient_id": recipient},
            "sender_id": sender,
            "message_data": {
                "text": text,
                "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            },
        },
    }


def _x_dm_inbound_payload() -> dict[str, Any]:
    text = (
        "Hi, I just got a text saying my SkyHigh miles expire tonight unless I follow a link and "
        "confirm my card number. The link goes to skyhigh-rewards-verify.top. Is this really from "
        "you? I have not clicked it."
    )
    return {
        "for_user_id": BRAND_X_ID,
        "direct_message_events": [
            _dm(_DM_IN_ID, _DM_IN_TS, 219, sender=_TOMAS_ID, recipient=BRAND_X_ID, text=text)
        ],
        "users": {_TOMAS_ID: _TOMAS_DM_USER, BRAND_X_ID: _BRAND_DM_USER},
    }


def _x_dm_brand_echo_payload() -> dict[str, Any]:
    text = (
        "Thanks for checking with us, Tomás, and well done for not clicking. That message is not from "
        "SkyHigh Air: your miles do not expire and we never ask for card details by text. Please "
        "forward it to 7726 and delete it. ^RL"
    )
    dm = _dm(_DM_OUT_ID, _DM_OUT_TS, 774, sender=BRAND_X_ID, recipient=_TOMAS_ID, text=text)
    dm["message_create"]["source_app_id"] = "3033300"
    return {
        "for_user_id": BRAND_X_ID,
        "direct_message_events": [dm],
        "apps": {"3033300": {"id": "3033300", "name": "Sprinklr", "url": "https://www.sprinklr.com"}},
        "users": {BRAND_X_ID: _BRAND_DM_USER, _TOMAS_ID: _TOMAS_DM_USER},
    }


def _x_tweet_delete_payload() -> dict[str, Any]:
    # Lena deletes her quote tweet (x-tweet-quote) a few minutes later
    status = {"id": str(_QUOTE_ID), "user_id": _LENA["id_str"]}
    return {
        "for_user_id": BRAND_X_ID,
        "tweet_delete_events": [{"status": status, "timestamp_ms": str(_ms(_at(3, 48), 512))}],
    }


def _x_typing_payload() -> dict[str, Any]:
    typing = {
        "created_timestamp": str(_ms(_at(1, 2), 66)),
        "sender_id": _TOMAS_ID,
        "target": {"recipient_id": BRAND_X_ID},
    }
    return {
        "for_user_id": BRAND_X_ID,
        "direct_message_indicate_typing_events": [typing],
        "users": {_TOMAS_ID: _TOMAS_DM_USER, BRAND_X_ID: _BRAND_DM_USER},
    }


def _v2_metrics(**counts: int) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for name, value in counts.items():
        metrics[name] = value
        metrics[f"{name}_str"] = str(value)
    return metrics


def _x_xaa_mention_payload() -> dict[str, Any]:
    text = (
        "Huge thanks to the @SkyHighAir crew on SH 88 to Osaka who found my daughter's stuffed rabbit "
        "under row 31 and ran it to the gate before we left 🐰✈️ You made a six-year-old very happy."
    )
    post_id = str(_XAA_ID)
    start = text.index("@")
    author = {
        "id": "1722334455667788990",
        "username": "aiko_t",
        "name": "Aiko Tanaka",
        "created_at": "2023-11-08T02:14:47.000Z",
        "description": "Illustrator in Seattle. Mostly cats.",
        "protected": False,
        "verified": False,
        "is_identity_verified": False,
        "verified_type": "none",
        "public_metrics": _v2_metrics(
            followers_count=4127, following_count=388, tweet_count=2611, listed_count=19
        ),
    }
    brand = {
        "id": BRAND_X_ID,
        "username": BRAND_X_HANDLE,
        "name": BRAND_NAME,
        "created_at": "2010-03-02T15:04:11.000Z",
        "description": _BRAND_V1["description"],
        "protected": False,
        "verified": True,
        "is_identity_verified": True,
        "verified_type": "business",
        "public_metrics": _v2_metrics(
            followers_count=284113, following_count=1021, tweet_count=48230, listed_count=902
        ),
    }
    return {
        "data": {
            "event_uuid": str(_snowflake(_XAA_TS + 1, 4, 700, 0)),
            "filter": {"user_id": BRAND_X_ID},
            "event_type": "post.mention.create",
            "tag": "skyhigh-mentions",
            "payload": {
                "id": post_id,
                "text": text,
                "author_id": author["id"],
                "conversation_id": post_id,
                "created_at": _iso(_XAA_TS, millis=True),
                "edit_history_tweet_ids": [post_id],
                "display_text_range": [0, len(text)],
                "entities": {
                    "mentions": [
                        {
                            "start": start,
                            "start_str": str(start),
                            "end": start + len(BRAND_X_HANDLE) + 1,
                            "end_str": str(start + len(BRAND_X_HANDLE) + 1),
                            "username": BRAND_X_HANDLE,
                            "id": BRAND_X_ID,
                        }
                    ]
                },
                "lang": "en",
                "possibly_sensitive": False,
                "public_metrics": _v2_metrics(
                    retweet_count=3, reply_count=1, like_count=42, quote_count=0, bookmark_count=2
                ),
                "reply_settings": "everyone",
            },
            "includes": {"users": [author, brand]},
        }
    }


def _x_wifi_payload() -> dict[str, Any]:
    text = "@SkyHighAir the wifi on SH 502 charged my card twice for the same day pass. Can one be refunded?"
    tweet = _tweet(_WIFI_ID, _WIFI_TS, text, _ROB, mentions=[_mention_to_brand(0)])
    return {"for_user_id": BRAND_X_ID, "user_has_blocked": False, "tweet_create_events": [tweet]}


def _x_events() -> dict[str, dict[str, Any]]:
    crc = f"crc_token={_token('x-crc-token', 43)}&nonce={_token('x-crc-nonce', 24)}"
    mention = _compact(_x_mention_payload())
    # a body cut off mid-delivery: invalid JSON, yet correctly signed over the bytes that arrived
    broken = _compact(_x_wifi_payload())[:180]
    return {
        "x-crc": _event("x-crc", "GET", "/webhooks/x", query=crc, headers={"accept-encoding": "gzip"}),
        "x-tweet-mention": _x_post("x-tweet-mention", mention),
        # a redelivery: the same bytes and signature again
        "x-tweet-mention-duplicate": _x_post("x-tweet-mention-duplicate", mention),
        "x-tweet-reply-extended": _x_post("x-tweet-reply-extended", _compact(_x_reply_extended_payload())),
        "x-tweet-quote": _x_post("x-tweet-quote", _compact(_x_quote_payload())),
        "x-tweet-brand-own": _x_post("x-tweet-brand-own", _compact(_x_brand_own_payload())),
        "x-dm-inbound": _x_post("x-dm-inbound", _compact(_x_dm_inbound_payload())),
        "x-dm-brand-echo": _x_post("x-dm-brand-echo", _compact(_x_dm_brand_echo_payload())),
        "x-tweet-delete": _x_post("x-tweet-delete", _compact(_x_tweet_delete_payload())),
        "x-typing": _x_post("x-typing", _compact(_x_typing_payload())),
        "x-xaa-mention": _x_post("x-xaa-mention", _compact(_x_xaa_mention_payload())),
        "x-bad-signature": _x_post("x-bad-signature", _compact(_x_wifi_payload()), secret=WRONG_SECRET),
        "x-malformed": _x_post("x-malformed", broken),
    }


# --- Meta: Page feed, Messenger, Instagram, WhatsApp -----------------------------------------

_POST_ID = f"{PAGE_ID}_1187654321098765"
_GRACE = {"id": "6029384756102938", "name": "Grace Adeyemi"}
_GRACE_COMMENT_ID = "1187654321098765_930217364518274"
_PAGE_REPLY_COMMENT_ID = "1187654321098765_2093847561029384"
_PSID_MARCUS = "7120938475610293"
_PSID_NADIA = "6648201937465501"
_PSID_ELLIS = "5590381726450912"
_IGSID_JULES = "6754102938475610"
_WA_CUSTOMER = "447700900321"
_WINTER_POST = {
    "status_type": "added_photos",
    "is_published": True,
    "updated_time": "2026-11-23T08:39:02+0000",
    "permalink_url": f"https://www.facebook.com/SkyHighAir/posts/pfbid{_token('winter-post', 30)}",
    "promotion_status": "inactive",
    "id": _POST_ID,
}


def _page(changes: list[dict[str, Any]] | None = None, **entry: Any) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE_ID, **entry, "changes": changes or []}]}


def _feed_comment(
    comment_id: str, author: dict[str, str], message: str, ts: int, *, verb: str = "add", parent: str = ""
) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "from": author,
            "post": _WINTER_POST,
            "message": message,
            "post_id": _POST_ID,
            "comment_id": comment_id,
            "created_time": ts,
            "item": "comment",
            "parent_id": parent or _POST_ID,
            "verb": verb,
        },
    }


_GRACE_TEXT = (
    "I was told the refund for my cancelled SH 733 would take 7 days. It has been 5 weeks. Booking "
    "ref QX7PLM. Who can actually help with this?"
)


def _meta_feed_comment() -> dict[str, Any]:
    ts = _at(16, 44)
    return _page([_feed_comment(_GRACE_COMMENT_ID, _GRACE, _GRACE_TEXT, ts)], time=ts)


def _meta_feed_comment_edited() -> dict[str, Any]:
    ts = _at(11, 3)
    text = _GRACE_TEXT.replace("5 weeks.", "5 weeks and three phone calls.")
    return _page([_feed_comment(_GRACE_COMMENT_ID, _GRACE, text, ts, verb="edited")], time=ts)


def _meta_feed_page_own_reply() -> dict[str, Any]:
    ts = _at(5, 20)
    text = (
        "Grace, we're sorry for the wait. Please send us a private message with booking QX7PLM and "
        "our refunds team will chase this today. ^NK"
    )
    change = _feed_comment(
        _PAGE_REPLY_COMMENT_ID, {"id": PAGE_ID, "name": BRAND_NAME}, text, ts, parent=_GRACE_COMMENT_ID
    )
    return _page([change], time=ts)


def _meta_feed_visitor_post() -> dict[str, Any]:
    ts = _at(27, 51)
    value = {
        "from": {"id": "5129384710293847", "name": "Oliver Brandt"},
        "message": (
            "Can I bring my guitar on board as cabin baggage on the Boston to Reykjavik flight? The "
            "website only talks about violins and the call centre queue is 40 minutes."
        ),
        "post_id": f"{PAGE_ID}_1190283746501928",
        "created_time": ts,
        "item": "post",
        "is_hidden": False,
        "published": 1,
        "verb": "add",
    }
    return _page([{"field": "feed", "value": value}], time=ts)


def _meta_mention_post() -> dict[str, Any]:
    ts = _at(33, 9)
    value = {
        "message": (
            "Three hours on the tarmac in Chicago and not one cup of water handed out. Not impressed, "
            "SkyHigh Air."
        ),
        "post_id": "100081234567890_1204958372615049",
        "created_time": ts - 6,
        "item": "post",
        "verb": "add",
    }
    return _page([{"field": "mention", "value": value}], time=ts)


def _messaging(sender: str, recipient: str, ts: int, millis: int, **item: Any) -> dict[str, Any]:
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": _ms(ts, millis), **item}


def _page_dm(item: dict[str, Any], ts: int) -> dict[str, Any]:
    return {"object": "page", "entry": [{"time": _ms(ts, 977), "id": PAGE_ID, "messaging": [item]}]}


def _mid(label: str) -> str:
    return "m_" + _token(f"mid:{label}", 86)


def _meta_messenger_text() -> dict[str, Any]:
    ts = _at(21, 15)
    text = (
        "Hi, my bag didn't arrive on SH 1190 from Newark last night. The file reference is EWRSH48213. "
        "Is there any update? I need it by tomorrow morning."
    )
    message = {"mid": _mid("messenger-text"), "text": text}
    return _page_dm(_messaging(_PSID_MARCUS, PAGE_ID, ts, 402, message=message), ts)


def _meta_messenger_image() -> dict[str, Any]:
    ts = _at(20, 2)
    url = (
        f"https://scontent.xx.fbcdn.net/v/t1.15752-9/{_token('image-path', 24)}_n.jpg"
        f"?_nc_cat=100&ccb=1-7&_nc_sid=fc17b8&oh={_token('image-oh', 32)}&oe=6772A1B0"
    )
    message = {
        "mid": _mid("messenger-image"),
        "attachments": [{"type": "image", "payload": {"url": url}}],
    }
    return _page_dm(_messaging(_PSID_MARCUS, PAGE_ID, ts, 118, message=message), ts)


def _meta_messenger_echo() -> dict[str, Any]:
    ts = _at(8, 37)
    text = (
        "Thanks, Marcus. I can see file EWRSH48213: your bag was found in Newark and is on tonight's "
        "flight. Our courier will deliver it to your address by 8am tomorrow. Sorry for the hassle! ^JS"
    )
    message = {"mid": _mid("messenger-echo"), "is_echo": True, "app_id": 263902037430900, "text": text}
    return _page_dm(_messaging(PAGE_ID, _PSID_MARCUS, ts, 640, message=message), ts)


def _meta_messenger_read() -> dict[str, Any]:
    ts = _at(7, 58)
    read = {"watermark": _ms(_at(8, 37), 640)}
    return _page_dm(_messaging(_PSID_MARCUS, PAGE_ID, ts, 231, read=read), ts)


def _meta_instagram_comment() -> dict[str, Any]:
    ts = _at(14, 22)
    value = {
        "from": {"id": "17841455512340987", "username": "jetsetjules", "self_ig_scoped_id": _IGSID_JULES},
        "media": {"id": "18047261938475610", "media_product_type": "REELS"},
        "id": "18093847561029384",
        "text": "Booked the Lisbon launch fare but the app crashes every time I pick a seat 😩 anyone else?",
    }
    entry = {"id": IG_ACCOUNT_ID, "time": ts, "changes": [{"field": "comments", "value": value}]}
    return {"object": "instagram", "entry": [entry]}


def _meta_instagram_dm() -> dict[str, Any]:
    ts = _at(10, 48)
    mid = base64.b64encode(
        f"ig_message_item:1:IGMessageThread:{IG_ACCOUNT_ID}:{_token('ig-dm', 36)}".encode()
    )
    text = (
        "Hi! I misspelled my surname on my booking (Kowalsky → Kowalski), flight SH 61 on 2 December. "
        "Can you correct it without a change fee?"
    )
    item = _messaging(_IGSID_JULES, IG_ACCOUNT_ID, ts, 305, message={"mid": mid.decode(), "text": text})
    return {
        "object": "instagram",
        "entry": [{"time": _ms(ts, 811), "id": IG_ACCOUNT_ID, "messaging": [item]}],
    }


def _wamid(label: str) -> str:
    return "wamid." + base64.b64encode(f"HBgM{_WA_CUSTOMER}FQIAEhgg{_token(label, 32)}".encode()).decode()


def _whatsapp(value: dict[str, Any]) -> dict[str, Any]:
    full = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": WA_DISPLAY_NUMBER, "phone_number_id": WA_PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": full, "field": "messages"}]}],
    }


def _meta_whatsapp_text() -> dict[str, Any]:
    body = (
        "Hello, I need to add wheelchair assistance to booking HJ3K9Q for my father, he flies "
        "Saturday from Manchester. Can you help?"
    )
    return _whatsapp(
        {
            "contacts": [{"profile": {"name": "Ravi Menon"}, "wa_id": _WA_CUSTOMER}],
            "messages": [
                {
                    "from": _WA_CUSTOMER,
                    "id": _wamid("wa-text"),
                    "timestamp": str(_at(13, 9)),
                    "text": {"body": body},
                    "type": "text",
                }
            ],
        }
    )


def _meta_whatsapp_status() -> dict[str, Any]:
    status = {
        "id": _wamid("wa-brand-answer"),
        "status": "delivered",
        "timestamp": str(_at(3, 2)),
        "recipient_id": _WA_CUSTOMER,
        "conversation": {"id": _token("wa-conversation", 32), "origin": {"type": "service"}},
        "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"},
    }
    return _whatsapp({"statuses": [status]})


def _meta_test_delivery() -> dict[str, Any]:
    # what the App Dashboard's "Test" button sends: entry id "0" and sample values
    value = {
        "from": {"id": "0", "name": "Test User"},
        "message": "Test delivery from the App Dashboard.",
        "post_id": "0_0",
        "created_time": _at(0, -30),
        "item": "status",
        "published": 1,
        "verb": "add",
    }
    return {
        "object": "page",
        "entry": [{"id": "0", "time": _at(0, -30), "changes": [{"field": "feed", "value": value}]}],
    }


def _meta_batch() -> dict[str, Any]:
    first_ts, second_ts, third_ts = _at(3, 11), _at(2, 40), _at(2, 5)
    hannah = _feed_comment(
        "1187654321098765_1029384756019283",
        {"id": "7301928374650192", "name": "Hannah Moore"},
        "Any news on the Frankfurt ground staff strike? Are tomorrow's morning flights still going?",
        first_ts,
    )
    diego = _feed_comment(
        "1187654321098765_847561029384756",
        {"id": "4918273650019283", "name": "Diego Ramírez"},
        "Best cabin crew I've flown with. SH 61 from Madrid on Saturday was a delight, thank you Elena "
        "and team!",
        second_ts,
    )
    question = {
        "mid": _mid("batch-messenger"),
        "text": "Can I bring my cat in the cabin on a domestic flight? She's 4 kg with the carrier.",
    }
    return {
        "object": "page",
        "entry": [
            {"id": PAGE_ID, "time": first_ts, "changes": [hannah]},
            {"id": PAGE_ID, "time": second_ts, "changes": [diego]},
            {
                "time": _ms(third_ts, 554),
                "id": PAGE_ID,
                "messaging": [_messaging(_PSID_ELLIS, PAGE_ID, third_ts, 301, message=question)],
            },
        ],
    }


def _meta_unknown_object() -> dict[str, Any]:
    ts = _at(30)
    value = {"verb": "granted", "target_ids": [PAGE_ID]}
    entry = {"id": "1029384756102934", "time": ts, "uid": "1029384756102934"}
    return {
        "object": "permissions",
        "entry": [{**entry, "changes": [{"field": "pages_messaging", "value": value}]}],
    }


def _meta_nadia_text() -> dict[str, Any]:
    ts = _at(1, 40)
    text = "Do you still serve the free snack box on flights under 2 hours? Asking before I pack."
    message = {"mid": _mid("messenger-nadia"), "text": text}
    return _page_dm(_messaging(_PSID_NADIA, PAGE_ID, ts, 93, message=message), ts)


def _meta_events() -> dict[str, dict[str, Any]]:
    def verify(name: str, token: str) -> dict[str, Any]:
        query = f"hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        return _event(name, "GET", "/webhooks/meta", query=query, headers={**_META_UA, "accept": "*/*"})

    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "meta-feed-comment": _meta_feed_comment,
        "meta-feed-comment-edited": _meta_feed_comment_edited,
        "meta-feed-page-own-reply": _meta_feed_page_own_reply,
        "meta-feed-visitor-post": _meta_feed_visitor_post,
        "meta-mention-post": _meta_mention_post,
        "meta-messenger-text": _meta_messenger_text,
        "meta-messenger-image": _meta_messenger_image,
        "meta-messenger-echo": _meta_messenger_echo,
        "meta-messenger-read": _meta_messenger_read,
        "meta-instagram-comment": _meta_instagram_comment,
        "meta-instagram-dm": _meta_instagram_dm,
        "meta-whatsapp-text": _meta_whatsapp_text,
        "meta-whatsapp-status": _meta_whatsapp_status,
        "meta-test-delivery": _meta_test_delivery,
        "meta-batch": _meta_batch,
        "meta-unknown-object": _meta_unknown_object,
    }
    events = {name: _meta_post(name, _meta_bytes(build())) for name, build in builders.items()}
    # a redelivery: the same bytes and signature again
    events["meta-feed-comment-duplicate"] = _meta_post(
        "meta-feed-comment-duplicate", _meta_bytes(_meta_feed_comment())
    )
    events["meta-verify"] = verify("meta-verify", META_VERIFY_TOKEN)
    events["meta-verify-wrong-token"] = verify("meta-verify-wrong-token", "not-the-verify-token")
    events["meta-bad-signature"] = _meta_post(
        "meta-bad-signature", _meta_bytes(_meta_nadia_text()), secret=WRONG_SECRET
    )
    # invalid JSON (cut off), correctly signed over the bytes that arrived
    events["meta-malformed"] = _meta_post("meta-malformed", _meta_bytes(_meta_nadia_text())[:150])
    return events


# --- generic signed sources -------------------------------------------------------------------

_BLOG_UA = "WordPress/6.7; https://blog.skyhighair.example"
_REVIEWS_UA = "ReviewHub-Webhooks/2.3"
_FORMS_UA = "SkyHigh-Forms/1.4 (+https://www.skyhighair.example/contact)"


def _blog_comment() -> dict[str, Any]:
    return {
        "id": "comment-88412",
        "event": "created",
        "kind": "comment",
        "text": (
            "Will the new Chicago to Lisbon flights have the lie-flat seats in business, or the older "
            "recliners? Planning a 40th birthday trip and it matters for an overnight flight."
        ),
        "created_at": _iso(_at(26, 31)),
        "author": {"id": "1093", "handle": "hsolberg", "name": "Henrik Solberg"},
        "thread_id": "post-2291",
        "url": "https://blog.skyhighair.example/2026/11/chicago-lisbon-nonstop/#comment-88412",
        "language": "en",
        "brand_account": "blog.skyhighair.example",
    }


def _review(review_id: str, rating: int, *, title: str, text: str, name: str, ts: int) -> dict[str, Any]:
    return {
        "id": review_id,
        "event": "created",
        "kind": "review",
        "title": title,
        "text": text,
        "rating": rating,
        "created_at": _iso(ts),
        "author": {"id": f"reviewer-{_token(name, 8).lower()}", "name": name},
        "url": f"https://reviews.example/airlines/skyhigh-air/reviews/{review_id}",
        "language": "en",
        "brand_account": "skyhigh-air",
    }


def _generic_review() -> dict[str, Any]:
    return _review(
        "rv-5f2a9c10",
        1,
        title="Lost bag, and nobody ever calls back",
        text="My suitcase went missing on SH 1190 from Newark. Five days, four calls and two emails later I "
        "still have no idea where it is. Every agent promises a callback that never happens.",
        name="Priya N.",
        ts=_at(35, 18),
    )


def _generic_form() -> dict[str, Any]:
    return {
        "id": "form-20261123-0412",
        "kind": "direct_message",
        "title": "Refund request: cancelled flight",
        "text": (
            "Booking ref T8WQ2D. SH 733 Denver to Phoenix on 14 October was cancelled and I took the "
            "bus instead. I chose a refund to my card, not a voucher, but I was sent a voucher. Please "
            "refund $212.40 to the original card."
        ),
        "created_at": _iso(_at(19, 56)),
        "author": {"id": "cust-7781203", "name": "Walter Brooks"},
        "thread_id": "form-20261123-0412",
        "language": "en",
        "brand_account": "www.skyhighair.example/contact",
    }


def _generic_batch() -> dict[str, Any]:
    praise = _review(
        "rv-6b01d7e3",
        5,
        title="Rebooked before I even landed",
        text="Missed my connection in Denver because of weather and the app had already rebooked me on the "
        "next flight with a meal voucher. Friendly gate staff too. Five stars.",
        name="James O.",
        ts=_at(29, 4),
    )
    meh = _review(
        "rv-6b01e2a8",
        2,
        title="Fine flight, awful boarding",
        text="The flight itself was fine, but boarding in Boston was chaos: no group announcements and the "
        "overhead bins were full by group 3.",
        name="Carmen V.",
        ts=_at(28, 47),
    )
    return {"mentions": [praise, meh]}


def _generic_events() -> dict[str, dict[str, Any]]:
    malformed = _review(
        "rv-6b02a911",
        3,
        title="Average",
        text="Seats were OK, snacks were not.",
        name="Sam K.",
        ts=_at(7),
    )
    del malformed["created_at"]  # required by the generic schema
    stale = _generic_form() | {
        "id": "form-20261123-0398",
        "thread_id": "form-20261123-0398",
        "title": "Seat upgrade question",
        "text": "Can I use my miles to upgrade a basic economy ticket? Booking 7KD2LA.",
        "created_at": _iso(_at(11, 40)),
        "author": {"id": "cust-6610457", "name": "Ines Duarte"},
    }
    bad = _blog_comment() | {
        "id": "comment-88419",
        "text": "Great article! Does the new route also earn double miles in the launch month?",
        "created_at": _iso(_at(3, 2)),
        "author": {"id": "1187", "handle": "maya_r", "name": "Maya Rahman"},
        "url": "https://blog.skyhighair.example/2026/11/chicago-lisbon-nonstop/#comment-88419",
    }
    return {
        "generic-blog-comment": _generic_post(
            "generic-blog-comment", "blog", _compact(_blog_comment()), user_agent=_BLOG_UA
        ),
        "generic-review": _generic_post(
            "generic-review", "reviews", _compact(_generic_review()), user_agent=_REVIEWS_UA
        ),
        "generic-form": _generic_post(
            "generic-form", "forms", _compact(_generic_form()), user_agent=_FORMS_UA
        ),
        "generic-batch": _generic_post(
            "generic-batch", "reviews", _compact(_generic_batch()), user_agent=_REVIEWS_UA
        ),
        "generic-bad-signature": _generic_post(
            "generic-bad-signature", "blog", _compact(bad), user_agent=_BLOG_UA, secret=WRONG_SECRET
        ),
        "generic-stale": _generic_post(
            "generic-stale",
            "forms",
            _compact(stale),
            user_agent=_FORMS_UA,
            signed_at=GENERIC_STALE_SIGNED_AT,
        ),
        "generic-malformed": _generic_post(
            "generic-malformed", "reviews", _compact(malformed), user_agent=_REVIEWS_UA
        ),
    }


# --- env.json ---------------------------------------------------------------------------------

#: plausible deployed values of the template's environment variables (stage "dev")
ENV_VALUES = {
    "TABLE_NAME": "socialdesk-dev-table",
    "RAW_PAYLOAD_BUCKET": "socialdesk-dev-raw-payloads",
    "RAW_PAYLOAD_RETENTION_DAYS": "30",
    "MODEL_BUCKET": "socialdesk-dev-models",
    "SECRETS_PREFIX": "/socialdesk/dev",
    "MAX_BODY_BYTES": "4194304",
    "POWERTOOLS_SERVICE_NAME": "socialdesk",
    "POWERTOOLS_METRICS_NAMESPACE": "SocialDesk",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    # TracingEnabled defaults to "false"
    "POWERTOOLS_TRACE_DISABLED": "true",
    "ROUTING_POLICY_SEED": "default",
    # the generic sources events/ are signed for (the GenericSources parameter, deployed)
    "GENERIC_SOURCES": "blog,reviews,forms",
    "TICKET_EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:socialdesk-dev-TicketEventsTopic",
    "X_API_BASE_URL": "https://api.x.com",
    "META_GRAPH_BASE_URL": "https://graph.facebook.com/v21.0",
    "OUTBOUND_RETRY_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/socialdesk-dev-OutboundRetryQueue",
    "SWEEP_PASS_HOURS": "24",
    "ROUTE_STATE_MACHINE_ARN": (
        "arn:aws:states:us-east-1:123456789012:stateMachine:socialdesk-route-mention-dev"
    ),
}


def environment() -> dict[str, dict[str, str]]:
    """``sam local invoke --env-vars`` content: each function's template variables, with dev values.

    Raises
    ------
    KeyError
        When the template declares a variable :data:`ENV_VALUES` has no value for.
    """
    template = load()
    globals_ = template.get("Globals", {}).get("Function", {})
    base = (globals_.get("Environment") or {}).get("Variables", {})
    env = {}
    for logical_id, resource in sorted(resources(template, "AWS::Serverless::Function").items()):
        own = (resource["Properties"].get("Environment") or {}).get("Variables", {})
        env[logical_id] = {name: ENV_VALUES[name] for name in {**base, **own}}
    return env


# --- output -----------------------------------------------------------------------------------


def events() -> dict[str, dict[str, Any]]:
    """File stem → payload-2.0 event, for every scenario."""
    return {**_x_events(), **_meta_events(), **_generic_events()}


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_all(target_dir: Path) -> list[Path]:
    """Write every event and ``env.json`` into ``target_dir``; return the paths, sorted."""
    target_dir.mkdir(parents=True, exist_ok=True)
    contents = {f"{name}.json": _dump(event) for name, event in events().items()}
    contents["env.json"] = _dump(environment())
    written = []
    for file_name in sorted(contents):
        path = target_dir / file_name
        path.write_text(contents[file_name], encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """``python -m local.make_events [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=EVENTS_DIR, help="target directory (default: events/)")
    args = parser.parse_args(argv)
    paths = write_all(args.out)
    print(f"wrote {len(paths)} files to {args.out}")


if __name__ == "__main__":
    main()
