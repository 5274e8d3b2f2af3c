"""Send a reply on X (API v2, OAuth 2.0 user-context bearer token of the brand account).

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
* Both take ``Authorization: Bearer <token>`` and ``Content-Type: application/json``. Errors are
  RFC 7807 problem details (``title``, ``detail``, ``type``); 429 = rate limit, 5xx = retry.
  Source: docs.x.com/x-api/fundamentals/response-codes-and-errors.

User and post ids match ``^[0-9]{1,19}$`` in the API reference, so anything else is refused
before a request is made.
"""

from __future__ import annotations

import re

from socialdesk.channels.outbound import (
    Delivered,
    DeliveryFailed,
    OutboundReply,
    OutboundSettings,
    json_body,
    post,
    require,
    string_id,
)

_ID = re.compile(r"^[0-9]{1,19}$")


def send(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """A DM when ``reply.private``, else a public reply post."""
    if reply.private:
        return send_dm(reply, token=token, settings=settings)
    return send_reply_post(reply, token=token, settings=settings)


def send_reply_post(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Post ``reply.text`` as a reply to the post ``reply.in_reply_to``; the new post id is returned."""
    tweet_id = _x_id(require(reply.in_reply_to, "in_reply_to (the post answered)"), "in_reply_to")
    result = post(
        f"{settings.x_api_base_url}/2/tweets",
        what="X create post",
        body=json_body({"text": reply.text, "reply": {"in_reply_to_tweet_id": tweet_id}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        timeout=settings.timeout_seconds,
        redact=(token, reply.text),
    )
    return Delivered(external_id=_data_field(result.body, "id"), endpoint=result.endpoint)


def send_dm(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Send ``reply.text`` as a one-to-one DM to the user ``reply.recipient``; the DM event id is returned."""
    user_id = _x_id(require(reply.recipient, "recipient (the customer's X user id)"), "recipient")
    result = post(
        f"{settings.x_api_base_url}/2/dm_conversations/with/{user_id}/messages",
        what="X send DM",
        body=json_body({"text": reply.text}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        timeout=settings.timeout_seconds,
        redact=(token, reply.text),
    )
    return Delivered(external_id=_data_field(result.body, "dm_event_id"), endpoint=result.endpoint)


def _x_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise DeliveryFailed(f"{what} must be an X id of 1-19 digits", retryable=False)
    return value


def _data_field(body: object, name: str) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    return string_id(data.get(name)) if isinstance(data, dict) else None
