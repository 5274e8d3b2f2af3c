"""What each platform lets a brand send first: proactive messages, and CSAT surveys after resolution.

The rules (checked against the platforms' documentation, as of the Graph API v21 and X API v2):

- WhatsApp: free-form text only within 24 hours of the customer's last message (the customer
  service window); outside it, only an approved template message.
- Messenger and Instagram DMs: within 24 hours of the customer's last message (``UPDATE`` /
  no messaging type), up to 7 days with the ``HUMAN_AGENT`` tag, never after.
- X DMs: only to someone the brand already has a DM conversation with (X refuses DMs to people
  who do not accept them; a prior conversation is the only thing the desk can know).
- Facebook and Instagram comments: never — a comment answers a post; it cannot start a conversation.
- Generic sources: always (the source's callback decides what to do with it).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import ConfigDict, Field

from socialdesk.domain.model import Model

__all__ = ["CsatPolicy", "OutboundTemplate", "Permission", "csat_rating", "may_start"]

WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
_STARS = re.compile(r"^\s*(⭐️?\s*){1,5}$")
_DIGIT = re.compile(r"^\s*([1-5])(\s*/\s*5)?\s*(stars?)?[.!]?\s*$", re.IGNORECASE)


class OutboundTemplate(Model):
    """An approved WhatsApp template: its name, language and the body's parameters, in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(default="en_US", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    parameters: tuple[str, ...] = Field(default=(), max_length=10)


class Permission(Model):
    """Whether a first message may go out, how, and why not when it may not."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    reason: str = ""
    #: Messenger's messaging type (``RESPONSE``, ``UPDATE``, ``MESSAGE_TAG``) and tag, where they apply
    messaging_type: str | None = None
    tag: str | None = None
    #: the message must be a template (WhatsApp outside the window)
    template_only: bool = False


def may_start(
    channel: str,
    *,
    now: datetime,
    last_customer_message_at: datetime | None,
    has_dm_conversation: bool,
    template: OutboundTemplate | None,
    survey: bool = False,
) -> Permission:
    """Whether the brand may message the customer first on ``channel`` now (pure).

    ``survey`` is the CSAT question after resolution: the same rules, and never a template.
    """
    since = now - last_customer_message_at if last_customer_message_at else None
    in_window = since is not None and since <= WINDOW
    if channel == "facebook":
        return Permission(
            allowed=False,
            reason="a Facebook or Instagram comment answers a post; it cannot start a conversation",
        )
    if channel == "whatsapp":
        if in_window and template is None:
            return Permission(allowed=True)
        if template is not None and not survey:
            return Permission(allowed=True, template_only=True)
        return Permission(
            allowed=False,
            reason="WhatsApp allows only approved template messages outside the 24-hour customer service "
            "window (the customer's last message was "
            + ("never" if since is None else f"{_hours(since)} ago")
            + "); give a template",
        )
    if template is not None:
        return Permission(allowed=False, reason=f"templates are WhatsApp's; {channel} takes text")
    if channel in ("messenger", "instagram"):
        if in_window:
            return Permission(allowed=True, messaging_type="UPDATE" if channel == "messenger" else None)
        if since is not None and since <= HUMAN_AGENT_WINDOW and not survey:
            return Permission(allowed=True, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        return Permission(
            allowed=False,
            reason=f"{channel.title()} allows a message only within 24 hours of the customer's last message "
            "(7 days with the human agent tag); it was "
            + ("never" if since is None else f"{_hours(since)} ago"),
        )
    if channel == "x":
        if has_dm_conversation:
            return Permission(allowed=True)
        return Permission(
            allowed=False,
            reason="X delivers a DM only to someone who accepts it; there is no DM conversation with this "
            "customer yet",
        )
    if channel == "generic":
        return Permission(allowed=True)
    return Permission(allowed=False, reason=f"no outbound messages on {channel}")


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


class CsatPolicy(Model):
    """The customer-satisfaction survey sent after a ticket is resolved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    text: str = Field(
        default="Thanks for talking to us! How did we do? Reply with a number from 1 (poor) to 5 (great).",
        min_length=1,
        max_length=1000,
    )
    #: an answer counts within this many hours of the survey; later, a message is a new message
    answer_within_hours: int = Field(default=72, ge=1, le=24 * 30)
    #: channels a survey may go out on (each still under its platform's rules)
    channels: tuple[str, ...] = ("x", "messenger", "instagram", "whatsapp", "generic")


def csat_rating(text: str | None) -> int | None:
    """A survey answer's score (1-5): "4", "4/5", "5 stars", or 1-5 star emoji; else None."""
    if not text:
        return None
    digit = _DIGIT.match(text)
    if digit:
        return int(digit.group(1))
    if _STARS.match(text):
        return text.count("⭐")
    return None
