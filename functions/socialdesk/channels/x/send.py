"""Send a reply on X (API v2, OAuth 1.0a user context of the brand account: tokens that do not expire).

Documented endpoints (checked against X's docs):

* Public reply — ``POST https://api.x.com/2/tweets``, JSON
  ``{"text": ..., "reply": {"in_reply_to_tweet_id": "<post id>"}}``; the answer is
  ``201 {"data": {"id": "<new post id>", "text": ...}}``.
  Source: docs.x.com/x-api/posts/creation-of-a-post ("Create or Edit Post").
* Direct message — ``POST https://api.x.com/2/dm_conversations/with/{participant_id}/messages``,
  JSON ``{"text": ...}`` (up to 10,000 characters); the answer is
  ``{"data": {"dm_conversation_id": ..., "dm_event_id": "<new DM event id>"}}``. It creates the
  one-to-one conversation or adds to the existing one.
  Sources: developer.x.com/en/docs/x-api/direct-messages/manage/api-reference/
  post-dm_conversations-with-participant_id-messages; docs.x.com/x-api/direct-messages/
  send-a-new-message-to-a-user.
* Both take user-context auth and ``Content-Type: application/json``. SocialDesk signs each request
  with OAuth 1.0a (:mod:`socialdesk.channels.x.oauth1`: consumer key and secret of the app, access
  token and secret of the brand account; a fresh nonce and timestamp per attempt). OAuth 2.0 user
  tokens would expire after two hours and need a refresh flow; 1.0a tokens do not expire
  (docs/decisions/0004-x-oauth1.md). Errors are RFC 7807 problem details (``title``, ``detail``,
  ``type``); 429 = rate limit, 5xx = retry.
  Source: docs.x.com/x-api/fundamentals/response-codes-and-errors.

User and post ids match ``^[0-9]{1,19}$`` in the API reference, so anything else is refused
before a request is made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from socialdesk.channels.outbound import (
    Delivered,
    DeliveryFailed,
    HttpResult,
    OutboundReply,
    OutboundSettings,
    json_body,
    post,
    require,
    string_id,
)
from socialdesk.channels.x.oauth1 import OAuth1Credentials, authorization_header

_ID = re.compile(r"^[0-9]{1,19}$")


def send(
    reply: OutboundReply,
    *,
    credentials: OAuth1Credentials,
    settings: OutboundSettings,
    now: float | None = None,
) -> Delivered:
    """A DM when ``reply.private``, else a public reply post (``now``: the signature's clock, for tests)."""
    if reply.private:
        return send_dm(reply, credentials=credentials, settings=settings, now=now)
    return send_reply_post(reply, credentials=credentials, settings=settings, now=now)


def send_reply_post(
    reply: OutboundReply,
    *,
    credentials: OAuth1Credentials,
    settings: OutboundSettings,
    now: float | None = None,
) -> Delivered:
    """Post ``reply.text`` as a reply to the post ``reply.in_reply_to``; the new post id is returned."""
    tweet_id = _x_id(require(reply.in_reply_to, "in_reply_to (the post answered)"), "in_reply_to")
    body = {"text": reply.text, "reply": {"in_reply_to_tweet_id": tweet_id}}
    result = _post(
        f"{settings.x_api_base_url}/2/tweets", "X create post", body, reply, credentials, settings, now
    )
    return Delivered(external_id=_data_field(result.body, "id"), endpoint=result.endpoint)


def send_dm(
    reply: OutboundReply,
    *,
    credentials: OAuth1Credentials,
    settings: OutboundSettings,
    now: float | None = None,
) -> Delivered:
    """Send ``reply.text`` as a one-to-one DM to the user ``reply.recipient``; the DM event id is returned."""
    user_id = _x_id(require(reply.recipient, "recipient (the customer's X user id)"), "recipient")
    url = f"{settings.x_api_base_url}/2/dm_conversations/with/{user_id}/messages"
    result = _post(url, "X send DM", {"text": reply.text}, reply, credentials, settings, now)
    return Delivered(external_id=_data_field(result.body, "dm_event_id"), endpoint=result.endpoint)


def _post(
    url: str,
    what: str,
    body: Mapping[str, Any],
    reply: OutboundReply,
    credentials: OAuth1Credentials,
    settings: OutboundSettings,
    now: float | None,
) -> HttpResult:
    """One signed JSON POST (the JSON body is not part of an OAuth 1.0a signature)."""
    timestamp = None if now is None else int(now)
    return post(
        url,
        what=what,
        body=json_body(body),
        content_type="application/json",
        headers={"Authorization": authorization_header("POST", url, credentials, timestamp=timestamp)},
        timeout=settings.timeout_seconds,
        redact=(*credentials.secret_values(), reply.text),
    )


def find_sent(
    reply: OutboundReply,
    *,
    credentials: OAuth1Credentials,
    settings: OutboundSettings,
    now: float | None = None,
) -> Delivered | None:
    """Look for ``reply`` among the brand's recent posts (public) or the DM conversation (private)."""
    from socialdesk.channels.outbound import get, same_text

    if reply.private:
        user_id = _x_id(require(reply.recipient, "recipient"), "recipient")
        url = f"{settings.x_api_base_url}/2/dm_conversations/with/{user_id}/dm_events"
        query = {"max_results": "50", "dm_event.fields": "text,sender_id"}
    else:
        brand = _x_id(require(reply.brand_account, "brand_account (the brand's X user id)"), "brand_account")
        url = f"{settings.x_api_base_url}/2/users/{brand}/tweets"
        query = {"max_results": "50", "tweet.fields": "referenced_tweets"}
    import urllib.parse

    timestamp = None if now is None else int(now)
    url = f"{url}?{urllib.parse.urlencode(query)}"  # the query is part of the OAuth 1.0a signature
    header = authorization_header("GET", url, credentials, timestamp=timestamp)
    result = get(
        url,
        what="X lookup",
        headers={"Authorization": header},
        timeout=settings.timeout_seconds,
        redact=credentials.secret_values(),
    )
    items = result.body.get("data") if isinstance(result.body, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not same_text(item.get("text"), reply.text):
            continue
        replied = {r.get("id") for r in item.get("referenced_tweets") or [] if r.get("type") == "replied_to"}
        if reply.private or reply.in_reply_to in replied:
            return Delivered(external_id=string_id(item.get("id")), endpoint=result.endpoint)
    return None


def _x_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise DeliveryFailed(f"{what} must be an X id of 1-19 digits", retryable=False)
    return value


def _data_field(body: object, name: str) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    return string_id(data.get(name)) if isinstance(data, dict) else None
