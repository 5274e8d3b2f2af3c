"""Use case: proactive follow-up — the desk starts a conversation where the customer's platform allows it.

A follow-up after a sale (a generic source's "order delivered" event, say) or when an incident is
fixed goes out as a DM on the customer's channel, under that platform's rules
(:func:`socialdesk.domain.outreach.may_start`); it is refused with the reason where the platform
does not allow it. It lands on the customer's DM conversation: their current ticket when it is
still going, else a new ticket that waits on them. The customer's answer joins that ticket.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from socialdesk.dal.ports import ReplyStore, TicketRepository
from socialdesk.domain.access import Forbidden, Principal
from socialdesk.domain.conversation import ConversationKey, Customer
from socialdesk.domain.errors import Unprocessable
from socialdesk.domain.mention import Channel
from socialdesk.domain.model import Model
from socialdesk.domain.outreach import OutboundTemplate, may_start
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.domain.ticket import Ticket
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.conversations import conversation_tickets


class OutreachRefused(Unprocessable):
    """The platform does not let the brand start this conversation now (HTTP 422, with the reason)."""

    code = "outreach_refused"


class OutreachRequest(Model):
    """``POST /outreach`` body: whom to message, where, what, and why."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    customer_id: str = Field(
        min_length=1,
        max_length=256,
        description="The customer's id on the channel: X user id, PSID, Instagram-scoped id, wa_id, "
        "or the generic source's customer id.",
    )
    customer_name: str | None = Field(default=None, max_length=200)
    customer_handle: str | None = Field(default=None, max_length=100)
    brand_account: str | None = Field(
        default=None,
        max_length=128,
        description="The brand account that writes: X user id, Page id, Instagram account id, WhatsApp "
        "phone number id (generic: the source's brand_account, optional).",
    )
    source: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", description="Generic: the source's name."
    )
    team: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="The team that owns the conversation."
    )
    reason: str = Field(
        default="follow_up",
        pattern=r"^[a-z0-9_]{1,40}$",
        description="Why: order_delivered, incident_fixed, follow_up, ...",
    )
    text: str | None = Field(default=None, min_length=1, max_length=2_000)
    template: OutboundTemplate | None = Field(
        default=None, description="WhatsApp: an approved template (required outside the 24-hour window)."
    )
    incident_id: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _something_to_send(self) -> OutreachRequest:
        if self.text is None and self.template is None:
            raise ValueError("give text, or a WhatsApp template")
        if self.channel is Channel.GENERIC and not self.source:
            raise ValueError("a generic follow-up names its source")
        if self.channel is not Channel.GENERIC and not self.brand_account:
            raise ValueError("name the brand account that writes (the customer's conversation is with it)")
        return self


class OutreachOutcome(Model):
    """What the follow-up did: the ticket it is on, the message queued (sent from the stream)."""

    ticket_id: str
    reply_id: str
    new_ticket: bool
    status: Literal["queued"] = "queued"
    messaging_type: str | None = None
    tag: str | None = None
    template: str | None = None


def start_outreach(
    principal: Principal,
    request: OutreachRequest,
    now: datetime,
    *,
    tickets: TicketRepository,
    replies: ReplyStore,
    policy: RoutingPolicy,
) -> OutreachOutcome:
    """Message a customer first, where their platform allows it; refused (422) with the reason otherwise."""
    if not principal.can_see_team(request.team):
        raise Forbidden(f"the token does not include team {request.team}")
    account = request.brand_account or "default"
    conversation = ConversationKey(
        channel=request.channel.value, brand_account=account, customer=request.customer_id
    )

    def attempt() -> tuple[Ticket, bool, str | None, str | None]:
        found = conversation_tickets(tickets, conversation.digest)
        current = found.current
        permission = may_start(
            request.channel.value,
            now=now,
            last_customer_message_at=current.last_customer_message_at if current else None,
            has_dm_conversation=current is not None,
            template=request.template,
        )
        if not permission.allowed:
            raise OutreachRefused(permission.reason)
        if current is not None and current.is_active:
            return current, False, permission.messaging_type, permission.tag
        # the conversation's next ticket, opened by a conditional put: a customer's message routed at
        # the same moment opens it or joins it, never a second one
        change = Ticket.start_outreach(
            found.next_ticket_id,
            conversation,
            Customer(id=request.customer_id, handle=request.customer_handle, name=request.customer_name),
            team=request.team,
            sla_policy=policy.default_sla,
            reason=request.reason,
            actor=principal.subject,
            at=now,
            previous_ticket_id=current.ticket_id if current else None,
        )
        tickets.save(change)
        return change.ticket, True, permission.messaging_type, permission.tag

    ticket, new, messaging_type, tag = retry_on_conflict(attempt, what="outreach")
    reply_id = f"R-{uuid.uuid4().hex[:20]}"
    template = request.template
    text = request.text or f"[template {template.name}] {' · '.join(template.parameters)}".strip()  # type: ignore[union-attr]
    replies.add_reply(
        {
            "reply_id": reply_id,
            "ticket_id": ticket.ticket_id,
            "author": principal.subject,
            "text": text,
            "channel": request.channel.value,
            "private": True,
            "in_reply_to": None,
            "recipient": request.customer_id,
            "recipient_label": ticket.customer.label,
            "brand_account": request.brand_account,
            "source": request.source,
            "thread_root": None,
            "template": template.model_dump(mode="json") if template else None,
            "messaging_type": messaging_type,
            "tag": tag,
            "status": "queued",
            "attempts": 0,
            "created_at": now.isoformat(),
            "kind": "outreach",
            "reason": request.reason,
            "incident_id": request.incident_id,
        }
    )
    return OutreachOutcome(
        ticket_id=ticket.ticket_id,
        reply_id=reply_id,
        new_ticket=new,
        messaging_type=messaging_type,
        tag=tag,
        template=template.name if template else None,
    )
