"""Send a reply to a generic source: a signed JSON POST to the source's configured callback URL.

The request mirrors the inbound scheme (:mod:`socialdesk.channels.generic.signature`) with the
reply purpose prefix, so a signed reply can never pass as an inbound delivery::

    POST <outbound/generic/<source>/callback-url>
    Content-Type: application/json
    X-SocialDesk-Reply-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "reply.<t>.<body>")>

    {"reply_id": ..., "ticket_id": ..., "in_reply_to": "<the source's own id>" | null,
     "recipient": "<the customer's id at the source>" | null, "text": ...}

A message the desk starts (a proactive follow-up) has ``in_reply_to: null`` and names its
``recipient``.

``in_reply_to`` is the source's id without SocialDesk's ``<source>:`` namespace. A 2xx answer may
carry ``{"id": "<the source's id for the reply>"}``. The receiver verifies the signature as
SocialDesk does inbound (300 s window) and should dedupe on ``reply_id``: a timed-out request may
be sent again.
"""

from __future__ import annotations

import re
import time

from socialdesk.channels.generic.signature import REPLY, sign
from socialdesk.channels.outbound import (
    Delivered,
    DeliveryFailed,
    OutboundReply,
    OutboundSettings,
    json_body,
    post,
    string_id,
)
from socialdesk.dal.secrets import outbound

SIGNATURE_HEADER_NAME = "X-SocialDesk-Reply-Signature"
#: the same source names the inbound route accepts (``/webhooks/generic/{source}``)
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def callback_url_secret(source: str) -> str:
    """The SSM name (relative to the stack prefix) of the source's callback URL."""
    return outbound("generic", source, "callback-url")


def signing_secret(source: str) -> str:
    """The SSM name of the HMAC secret replies to the source are signed with.

    It is the outbound secret, not the inbound one (``inbound/generic/<source>/secret``): the
    senders cannot read inbound secrets, so a leaked outbound secret cannot forge mentions.
    """
    return outbound("generic", source, "secret")


def require_source(reply: OutboundReply) -> str:
    """``reply.source``, checked like an inbound source name."""
    if not reply.source or not _SOURCE.match(reply.source):
        raise DeliveryFailed("source must be 1-40 characters of a-z, 0-9, '-' or '_'", retryable=False)
    return reply.source


def send(
    reply: OutboundReply,
    *,
    callback_url: str,
    secret: str,
    settings: OutboundSettings,
    now: float | None = None,
) -> Delivered:
    """POST the signed reply to ``callback_url``; the source's id for it comes from ``{"id": ...}``."""
    source = require_source(reply)
    body = json_body(
        {
            "reply_id": reply.reply_id,
            "ticket_id": reply.ticket_id,
            "in_reply_to": _source_id(reply.in_reply_to, source),
            "recipient": reply.recipient,
            "text": reply.text,
        }
    )
    stamp = int(time.time() if now is None else now)
    result = post(
        callback_url.strip(),
        what=f"generic callback ({source})",
        body=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER_NAME: sign(secret, body, stamp, purpose=REPLY)},
        timeout=settings.timeout_seconds,
        redact=(secret, reply.text, callback_url),
    )
    external_id = string_id(result.body.get("id")) if isinstance(result.body, dict) else None
    return Delivered(external_id=external_id, endpoint=result.endpoint)


def _source_id(in_reply_to: str | None, source: str) -> str | None:
    if in_reply_to is None:
        return None
    prefix = f"{source}:"
    if not in_reply_to.startswith(prefix) or len(in_reply_to) == len(prefix):
        raise DeliveryFailed(f"in_reply_to must be '{source}:<id>' for source {source}", retryable=False)
    return in_reply_to[len(prefix) :]
