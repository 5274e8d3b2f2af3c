"""Send a reply through Meta's Graph API: Facebook Page comments, Messenger, Instagram, WhatsApp.

Documented endpoints (checked against Meta's docs; ``{graph}`` = ``https://graph.facebook.com/vNN.0``):

* Facebook comment reply — ``POST {graph}/{comment-id}/comments`` with ``message`` and the Page
  access token; the answer is ``{"id": "<new comment id>"}``. A comment's own ``/comments`` edge
  holds its replies. Sources: developers.facebook.com/docs/graph-api/reference/object/comments;
  developers.facebook.com/docs/pages/publishing ("reply to a post or comment ... as the Page").
  Sent form-encoded, the token in the body rather than the URL.
* Messenger — ``POST {graph}/me/messages`` (``/me`` is the Page for a Page token; the reference
  writes ``/PAGE-ID/messages``) with ``recipient={"id": PSID}``, ``messaging_type=RESPONSE``,
  ``message={"text": ...}``, ``access_token`` in the query; the answer is
  ``{"recipient_id": ..., "message_id": ...}``.
  Source: developers.facebook.com/docs/messenger-platform/reference/send-api.
* Facebook private reply — the same Send API with ``recipient={"comment_id": ...}`` answers a
  comment with a message in the commenter's inbox (one per comment). Source:
  developers.facebook.com/docs/pages/guides/messaging ("Send a Private Message as a Page").
* Instagram comment reply — ``POST {graph}/{ig-comment-id}/replies`` with ``message``; the answer
  is ``{"id": ...}``. Only top-level comments take replies (a reply to a reply lands on the
  top-level comment). Source: developers.facebook.com/docs/instagram-platform/
  instagram-graph-api/reference/ig-comment/replies; .../instagram-api/guides/comment-moderation.
* Instagram DM (Messenger Platform, Facebook Login, Page token with
  ``instagram_manage_messages``) — ``POST {graph}/me/messages?access_token=...`` with
  ``recipient={"id": IGSID}`` and ``message={"text": ...}``; the answer is
  ``{"recipient_id": ..., "message_id": ...}``. The Instagram page documents no
  ``messaging_type``, so none is sent; text must be at most 1000 bytes of UTF-8. Source:
  developers.facebook.com/docs/messenger-platform/instagram/features/send-message.
* WhatsApp template message (the only first message allowed outside the 24-hour customer service
  window) — the same endpoint with ``"type": "template", "template": {"name", "language": {"code"},
  "components": [{"type": "body", "parameters": [{"type": "text", "text": ...}]}]}``. Source:
  developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates.
* Messenger first messages — ``messaging_type: UPDATE`` within 24 hours of the person's last message;
  ``MESSAGE_TAG`` with ``tag: HUMAN_AGENT`` up to 7 days after it. Source: developers.facebook.com/
  docs/messenger-platform/send-messages/message-tags.
* WhatsApp Cloud API — ``POST {graph}/{phone-number-id}/messages``, ``Authorization: Bearer``,
  JSON ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to": ...,
  "type": "text", "text": {"body": ...}}`` plus ``"context": {"message_id": wamid}`` for a
  contextual reply; body at most 4096 characters; the answer is
  ``{"messaging_product", "contacts": [...], "messages": [{"id": "wamid..."}]}``. Sources:
  developers.facebook.com/docs/whatsapp/cloud-api/reference/messages; .../whatsapp/cloud-api/
  messages/text-messages; .../business-messaging/whatsapp/messages/contextual-replies.
* Errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``; codes 1,
  2, 4, 17 and 341 are documented as temporary. Source:
  developers.facebook.com/docs/graph-api/guides/error-handling.
"""

from __future__ import annotations

import re
from typing import Any

from socialdesk.channels.outbound import (
    Delivered,
    DeliveryFailed,
    OutboundReply,
    OutboundSettings,
    form_body,
    json_body,
    path_segment,
    post,
    require,
    string_id,
)

#: Graph node ids: digits, sometimes joined by '_' (``{post-id}_{comment-id}``)
_NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: documented text limits checked before sending (the request would fail anyway)
INSTAGRAM_DM_MAX_BYTES = 1000
WHATSAPP_MAX_BODY = 4096


def reply_to_facebook_comment(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Reply publicly under the Facebook comment (or post) ``reply.in_reply_to`` as the Page."""
    node = _node(require(reply.in_reply_to, "in_reply_to (the Facebook comment answered)"), "in_reply_to")
    return _publish_text(
        reply,
        f"{settings.meta_graph_base_url}/{node}/comments",
        "Facebook comment reply",
        token=token,
        settings=settings,
    )


def reply_to_instagram_comment(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Reply publicly under the Instagram comment ``reply.in_reply_to``."""
    node = _node(require(reply.in_reply_to, "in_reply_to (the Instagram comment answered)"), "in_reply_to")
    return _publish_text(
        reply,
        f"{settings.meta_graph_base_url}/{node}/replies",
        "Instagram comment reply",
        token=token,
        settings=settings,
    )


def send_messenger(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Message the Messenger user ``reply.recipient`` (a PSID): a RESPONSE in their conversation, or a
    first message (``UPDATE`` within 24 hours, ``MESSAGE_TAG`` + ``HUMAN_AGENT`` up to 7 days)."""
    psid = require(reply.recipient, "recipient (the customer's Messenger PSID)")
    return _send_api(
        reply,
        {"id": psid},
        "Messenger send",
        messaging_type=reply.messaging_type or "RESPONSE",
        token=token,
        settings=settings,
    )


def send_facebook_private(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Answer a Facebook comment privately: a private reply to ``in_reply_to``, else a message to a PSID."""
    if reply.in_reply_to:
        recipient = {"comment_id": reply.in_reply_to}
    else:
        recipient = {"id": require(reply.recipient, "in_reply_to (comment id) or recipient (PSID)")}
    return _send_api(
        reply, recipient, "Facebook private reply", messaging_type="RESPONSE", token=token, settings=settings
    )


def send_instagram_dm(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Message the Instagram user ``reply.recipient`` (an Instagram-scoped id)."""
    igsid = require(reply.recipient, "recipient (the customer's Instagram-scoped id)")
    if len(reply.text.encode("utf-8")) > INSTAGRAM_DM_MAX_BYTES:
        raise DeliveryFailed(
            f"Instagram DM text must be at most {INSTAGRAM_DM_MAX_BYTES} bytes of UTF-8", retryable=False
        )
    return _send_api(
        reply,
        {"id": igsid},
        "Instagram send",
        messaging_type=reply.messaging_type,
        token=token,
        settings=settings,
    )


def send_whatsapp(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered:
    """Send a text message from the business number ``brand_account`` to ``recipient``.

    ``in_reply_to`` (a wamid) makes it a contextual reply quoting the customer's message.
    """
    phone_number_id = _node(
        require(reply.brand_account, "brand_account (the WhatsApp phone_number_id)"), "brand_account"
    )
    to = require(reply.recipient, "recipient (the customer's WhatsApp id)")
    if len(reply.text) > WHATSAPP_MAX_BODY:
        raise DeliveryFailed(f"WhatsApp text must be at most {WHATSAPP_MAX_BODY} characters", retryable=False)
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if reply.template is not None:  # a first message outside the customer service window
        template: dict[str, Any] = {
            "name": reply.template.name,
            "language": {"code": reply.template.language},
        }
        if reply.template.parameters:
            template["components"] = [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in reply.template.parameters],
                }
            ]
        payload.update({"type": "template", "template": template})
    else:
        payload.update({"type": "text", "text": {"body": reply.text}})
    if reply.in_reply_to:
        payload["context"] = {"message_id": reply.in_reply_to}
    result = post(
        f"{settings.meta_graph_base_url}/{phone_number_id}/messages",
        what="WhatsApp send",
        body=json_body(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
        timeout=settings.timeout_seconds,
        redact=(token, reply.text),
    )
    messages = result.body.get("messages") if isinstance(result.body, dict) else None
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    return Delivered(external_id=string_id(first.get("id")), endpoint=result.endpoint)


def _publish_text(
    reply: OutboundReply, url: str, what: str, *, token: str, settings: OutboundSettings
) -> Delivered:
    result = post(
        url,
        what=what,
        body=form_body({"message": reply.text, "access_token": token}),
        content_type="application/x-www-form-urlencoded",
        timeout=settings.timeout_seconds,
        redact=(token, reply.text),
    )
    return Delivered(external_id=_field(result.body, "id"), endpoint=result.endpoint)


def _send_api(
    reply: OutboundReply,
    recipient: dict[str, str],
    what: str,
    *,
    messaging_type: str | None,
    token: str,
    settings: OutboundSettings,
) -> Delivered:
    payload: dict[str, Any] = {"recipient": recipient}
    if messaging_type:
        payload["messaging_type"] = messaging_type
    if messaging_type == "MESSAGE_TAG":
        payload["tag"] = require(reply.tag, "tag (a MESSAGE_TAG message names its tag)")
    payload["message"] = {"text": reply.text}
    result = post(
        f"{settings.meta_graph_base_url}/me/messages",
        what=what,
        body=json_body(payload),
        content_type="application/json",
        query={"access_token": token},
        timeout=settings.timeout_seconds,
        redact=(token, reply.text),
    )
    return Delivered(external_id=_field(result.body, "message_id"), endpoint=result.endpoint)


def _node(value: str, what: str) -> str:
    if not _NODE_ID.match(value):
        raise DeliveryFailed(f"{what} is not a Graph API id", retryable=False)
    return path_segment(value, what)


def _field(body: object, name: str) -> str | None:
    return string_id(body.get(name)) if isinstance(body, dict) else None


def find_comment_reply(reply: OutboundReply, *, token: str, settings: OutboundSettings) -> Delivered | None:
    """Look for ``reply`` among the replies to its comment (``GET /{comment-id}/comments`` on Facebook,
    ``/{comment-id}/replies`` on Instagram), posted by the Page with the same text."""
    from socialdesk.channels.outbound import get, same_text

    node = _node(require(reply.in_reply_to, "in_reply_to (the comment answered)"), "in_reply_to")
    instagram = reply.channel.value == "instagram"
    edge, text_field = ("replies", "text") if instagram else ("comments", "message")
    result = get(
        f"{settings.meta_graph_base_url}/{node}/{edge}",
        what="Graph comment lookup",
        query={"fields": f"id,{text_field},from", "access_token": token, "limit": "50"},
        timeout=settings.timeout_seconds,
        redact=(token,),
    )
    items = result.body.get("data") if isinstance(result.body, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not same_text(item.get(text_field), reply.text):
            continue
        author = item.get("from") if isinstance(item.get("from"), dict) else {}
        if not author or not reply.brand_account or str(author.get("id")) == reply.brand_account or instagram:
            return Delivered(external_id=string_id(item.get("id")), endpoint=result.endpoint)
    return None
