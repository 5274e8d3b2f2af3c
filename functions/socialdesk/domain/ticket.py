"""The Ticket aggregate: one customer's conversation with the brand, its queue, priority and SLA clocks.

A ticket changes state only through its methods. Each method returns a :class:`TicketChange`: the
new state (version + 1) and the events to audit, some of which are notifications (the outbox).
Nothing outside this module computes ticket state; repositories store a change with one
conditional write (the expected version), and the table's stream delivers its events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from socialdesk.domain.conversation import ERASED, ConversationKey, Customer
from socialdesk.domain.model import Model
from socialdesk.domain.priority import Priority
from socialdesk.domain.routing import RoutingDecision, RoutingPolicy
from socialdesk.domain.sla import ClockKind, EscalationLevel

__all__ = [
    "CloseReason",
    "ConversationTickets",
    "Csat",
    "Customer",
    "InboundMessage",
    "MessageRole",
    "Priority",
    "ResolutionClock",
    "ResponseClock",
    "Ticket",
    "TicketChange",
    "TicketEvent",
    "TicketMessage",
    "TicketStatus",
    "conversation_ticket_id",
    "ticket_id_for",
]

#: how many delivered reply ids a ticket remembers (a redelivered "delivered" event is a no-op)
_REMEMBERED_REPLIES = 50
#: the backups a ticket remembers, so that routing one twice (a retried step) counts it once
_REMEMBERED_BACKUPS = 200
SYSTEM = "system:route-mention"


class TicketStatus(StrEnum):
    """Where a ticket is in its life."""

    OPEN = "open"  # the customer waits for the brand
    PENDING = "pending"  # the brand answered; waiting on the customer
    RESOLVED = "resolved"
    CLOSED = "closed"  # closed without an answer: spam, withdrawn, merged


class CloseReason(StrEnum):
    """Why a ticket was closed without an answer."""

    SPAM = "spam"
    WITHDRAWN = "withdrawn"  # every customer message was deleted
    MERGED = "merged"  # merged into another ticket of the same customer


class MessageRole(StrEnum):
    """A message's part in the ticket: the customer's own, someone else's (context), the brand's."""

    CUSTOMER = "customer"
    CONTEXT = "context"
    BRAND = "brand"


class TicketMessage(Model):
    """A message on the ticket, by reference (``<channel>#<external id>``)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    at: datetime
    role: MessageRole
    deleted: bool = False


class InboundMessage(Model):
    """A customer message as routing hands it to the ticket."""

    model_config = ConfigDict(frozen=True)

    ref: str
    created_at: datetime
    received_at: datetime
    customer: Customer
    private: bool = False

    def clock_start(self, late_after_minutes: int) -> tuple[datetime, int | None]:
        """When the customer started waiting, and by how many minutes the message arrived late.

        A message delivered more than ``late_after_minutes`` after it was written (a late delivery,
        a replay after an outage) starts its clock on arrival: the desk could not have answered
        before it saw the message, and a replay must not fire every escalation level at once.
        """
        late = (self.received_at - self.created_at).total_seconds() / 60
        if late > late_after_minutes:
            return self.received_at, int(late)
        return self.created_at, None


class TicketEvent(Model):
    """One audited change: what, when, by whom; ``notify`` events also go to the ticket-events topic."""

    model_config = ConfigDict(frozen=True)

    type: str
    at: datetime
    actor: str
    details: dict[str, Any] = Field(default_factory=dict)
    notify: bool = False


class ResponseClock(Model):
    """The running first- or next-response clock: target, deadline, escalation levels fired."""

    model_config = ConfigDict(frozen=True)

    kind: ClockKind
    started_at: datetime
    target_minutes: int
    deadline: datetime
    level: int = Field(default=0, ge=0)
    late_by_minutes: int | None = None


class ResolutionClock(Model):
    """The resolution target: from the first customer message until the ticket is resolved."""

    model_config = ConfigDict(frozen=True)

    started_at: datetime
    target_minutes: int
    deadline: datetime
    breached: bool = False


def ticket_id_for(first_ref: str) -> str:
    """The id earlier versions gave a ticket: derived from the message that opened it.

    Tickets opened now take :func:`conversation_ticket_id`; these ids stay valid for theirs.
    """
    return f"T-{hashlib.sha256(first_ref.encode()).hexdigest()[:20]}"


def conversation_ticket_id(conversation: str, generation: int) -> str:
    """The id of a conversation's ticket of ``generation`` (0: its first; a successor: the next).

    Derived rather than stored, so a conversation's tickets are found by reading them in turn, and
    its next one is opened by one conditional put ("no such item yet"): of two racing messages one
    opens it, and the other, refused, joins it.
    """
    return f"T-{hashlib.sha256(f'{conversation}#{generation}'.encode()).hexdigest()[:20]}"


class TicketChange(Model):
    """What one method call did: the new state and its events (no events = nothing to store)."""

    model_config = ConfigDict(frozen=True)

    ticket: Ticket
    events: tuple[TicketEvent, ...] = ()
    #: the version the store must still hold (None: the ticket is new)
    expected_version: int | None = None

    @property
    def changed(self) -> bool:
        """Whether there is anything to store."""
        return bool(self.events)

    def then(self, step: Callable[[Ticket], TicketChange]) -> TicketChange:
        """This change followed by ``step`` on its result, as ONE change (one write, one version)."""
        following = step(self.ticket)
        if not following.changed:
            return self
        if not self.changed:
            return following.model_copy(update={"expected_version": self.expected_version})
        return TicketChange(
            ticket=following.ticket.model_copy(update={"version": self.ticket.version}),
            events=(*self.events, *following.events),
            expected_version=self.expected_version,
        )


class Csat(Model):
    """The satisfaction survey sent after resolution, and the customer's answer."""

    model_config = ConfigDict(frozen=True)

    requested_at: datetime
    reply_id: str
    score: int | None = Field(default=None, ge=1, le=5)
    answered_at: datetime | None = None
    answer: str | None = None  # the ref of the customer's answering message


class Ticket(Model):
    """One customer's conversation with one brand account: the unit of work an agent sees."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    version: int = Field(default=1, ge=1)
    status: TicketStatus
    close_reason: CloseReason | None = None
    team: str
    priority: Priority
    sla_policy: str
    channel: str
    brand_account: str
    conversation: str  # ConversationKey.digest
    private: bool = False
    #: the public thread's root message id (None for a private conversation)
    thread_root: str | None = None
    customer: Customer = Field(default_factory=Customer)
    customer_tier: str = "standard"
    messages: tuple[TicketMessage, ...] = ()
    intent: str | None = None
    topic: str | None = None
    language: str | None = None
    sentiment: float | None = None
    reach: str | None = None
    engagement: int = 0
    backup: int = 0
    rule: str | None = None
    why: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    incident_id: str | None = None
    previous_ticket_id: str | None = None
    merged_into: str | None = None
    #: tickets merged into this one (their replies and audit trails are shown here)
    merged_from: tuple[str, ...] = ()
    assignee: str | None = None
    response: ResponseClock | None = None
    resolution_clock: ResolutionClock | None = None
    due_at: datetime | None = None
    #: where the due index files the ticket: its due time when its clocks last changed. An escalation
    #: keeps it (the next level's time is ``due_at``, which the run filters on), so escalating moves no
    #: index key. Always at or before ``due_at``.
    due_from: datetime | None = None
    first_response_due: datetime | None = None
    first_response_at: datetime | None = None
    #: who gave the first response (an agent's subject; the per-agent SLA figures count it)
    first_response_by: str | None = None
    last_response_at: datetime | None = None
    last_customer_message_at: datetime | None = None
    warned: bool = False
    breached: bool = False
    max_escalation_level: int = 0
    delivered_replies: tuple[str, ...] = ()
    #: the latest backups counted (their message refs): a retried or duplicated routing is a no-op
    backed_by: tuple[str, ...] = ()
    triage_error: str | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    notes: int = 0
    csat: Csat | None = None
    #: why the brand started this conversation (proactive follow-up), if it did
    outreach: str | None = None

    # -- reads --------------------------------------------------------------------------------------
    @property
    def awaiting(self) -> str | None:
        """Which response the customer waits for (``first_response`` / ``next_response``), if any."""
        return self.response.kind.value if self.response else None

    @property
    def deadline(self) -> datetime | None:
        """When the awaited response is due."""
        return self.response.deadline if self.response else None

    @property
    def customer_messages(self) -> tuple[TicketMessage, ...]:
        """The customer's own messages, oldest first (deleted ones included, marked)."""
        return tuple(m for m in self.messages if m.role is MessageRole.CUSTOMER)

    @property
    def erased(self) -> bool:
        """Whether the customer was erased from the ticket (it is no longer anyone's conversation)."""
        return self.customer == ERASED

    @property
    def is_active(self) -> bool:
        """Open or pending: the conversation is still going."""
        return self.status in (TicketStatus.OPEN, TicketStatus.PENDING)

    def awaits_csat(self, at: datetime, within_hours: int) -> bool:
        """Whether a survey was sent and its answer is still expected at ``at``."""
        survey = self.csat
        return (
            survey is not None
            and survey.score is None
            and survey.requested_at <= at <= survey.requested_at + timedelta(hours=within_hours)
        )

    def holds(self, ref: str) -> bool:
        """Whether the message ``ref`` is already on the ticket."""
        return any(m.ref == ref for m in self.messages)

    def latest_customer_message(self) -> TicketMessage | None:
        """The customer's most recent message that still exists."""
        live = [m for m in self.customer_messages if not m.deleted]
        return max(live, key=lambda m: m.at) if live else None

    # -- creation -----------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        ticket_id: str,
        conversation: ConversationKey,
        message: InboundMessage,
        decision: RoutingDecision,
        policy: RoutingPolicy,
        *,
        previous_ticket_id: str | None = None,
    ) -> TicketChange:
        """Open the conversation's ticket with its first customer message, routed by ``decision``."""
        at = message.created_at
        base = cls(
            ticket_id=ticket_id,
            status=TicketStatus.OPEN,
            team=decision.team,
            priority=decision.priority,
            sla_policy=decision.sla,
            **_conversation_fields(conversation),
            customer=message.customer,
            messages=(TicketMessage(ref=message.ref, at=at, role=MessageRole.CUSTOMER),),
            previous_ticket_id=previous_ticket_id,
            last_customer_message_at=at,
            created_at=at,
            updated_at=max(at, message.received_at),
        )._classified(decision)
        opened = TicketEvent(
            type="TicketOpened",
            at=at,
            actor=SYSTEM,
            details={"message": message.ref, "previous_ticket_id": previous_ticket_id},
        )
        if decision.spam:
            closed = base.model_copy(update={"status": TicketStatus.CLOSED, "close_reason": CloseReason.SPAM})
            return TicketChange(
                ticket=closed, events=(opened, TicketEvent(type="TicketClosedAsSpam", at=at, actor=SYSTEM))
            )
        start, late = message.clock_start(policy.late_after_minutes)
        ticket = base._start_response(ClockKind.FIRST_RESPONSE, start, policy, late)._start_resolution(
            start, policy
        )
        routed = TicketEvent(
            type="TicketRouted",
            at=at,
            actor=SYSTEM,
            details=ticket._routing_details(decision) | ({"late_by_minutes": late} if late else {}),
            notify=True,
        )
        return TicketChange(ticket=ticket._with_due(policy), events=(opened, routed))

    @classmethod
    def start_outreach(
        cls,
        ticket_id: str,
        conversation: ConversationKey,
        customer: Customer,
        *,
        team: str,
        sla_policy: str,
        reason: str,
        actor: str,
        at: datetime,
        previous_ticket_id: str | None = None,
    ) -> TicketChange:
        """The brand starts a conversation (a follow-up after a sale, an incident fixed): the ticket waits
        on the customer, without a clock, until they answer."""
        ticket = cls(
            ticket_id=ticket_id,
            status=TicketStatus.PENDING,
            team=team,
            priority=Priority.NORMAL,
            sla_policy=sla_policy,
            **_conversation_fields(conversation),
            customer=customer,
            tags=("proactive",),
            outreach=reason,
            previous_ticket_id=previous_ticket_id,
            created_at=at,
            updated_at=at,
        )
        return TicketChange(
            ticket=ticket,
            events=(
                TicketEvent(
                    type="OutreachStarted",
                    at=at,
                    actor=actor,
                    details={"reason": reason, "team": team, "previous_ticket_id": previous_ticket_id},
                    notify=True,
                ),
            ),
        )

    # -- the customer and others write ----------------------------------------------------------------
    def add_customer_message(
        self, message: InboundMessage, decision: RoutingDecision, policy: RoutingPolicy
    ) -> TicketChange:
        """The customer wrote again: the message joins, and is routed on its own merits.

        A more urgent message raises the priority (never lowers it) and may move the ticket; a
        message needing an answer takes the ticket out of a queue without an SLA; a message on a
        resolved ticket reopens it; an answered ticket's clock restarts as a next-response clock.
        A spam message is kept and changes nothing else.
        """
        if self.holds(message.ref):
            return self._unchanged()
        at = message.created_at
        joined = self._evolved(
            at,
            messages=(*self.messages, TicketMessage(ref=message.ref, at=at, role=MessageRole.CUSTOMER)),
            last_customer_message_at=max(self.last_customer_message_at or at, at),
        )
        events = [TicketEvent(type="MessageAdded", at=at, actor=SYSTEM, details={"message": message.ref})]
        if decision.spam:
            return self._change(joined, events)
        ticket = joined
        start, late = message.clock_start(policy.late_after_minutes)
        if ticket.status is TicketStatus.RESOLVED:
            ticket = ticket.model_copy(
                update={"status": TicketStatus.OPEN, "resolved_at": None, "resolution": None}
            )._start_resolution(start, policy)
            events.append(TicketEvent(type="TicketReopened", at=at, actor=SYSTEM, notify=True))
        ticket, moved = ticket._rerouted(decision, at, policy, reason="new customer message")
        events.extend(moved)
        if ticket.response is None:  # the brand had answered: the customer waits again
            ticket = ticket.model_copy(update={"status": TicketStatus.OPEN})._start_response(
                ClockKind.NEXT_RESPONSE, start, policy, late
            )
            events.append(
                TicketEvent(type="ClockStarted", at=at, actor=SYSTEM, details={"kind": "next_response"})
            )
        return self._change(ticket._with_due(policy), events)

    def add_context(self, ref: str, at: datetime) -> TicketChange:
        """Someone else's message in the customer's thread: shown on the ticket, never a reply target."""
        if self.holds(ref):
            return self._unchanged()
        ticket = self._evolved(
            at, messages=(*self.messages, TicketMessage(ref=ref, at=at, role=MessageRole.CONTEXT))
        )
        return self._change(
            ticket, [TicketEvent(type="ContextAdded", at=at, actor=SYSTEM, details={"message": ref})]
        )

    def add_backup(
        self,
        count: int,
        kind: str,
        at: datetime,
        decision: RoutingDecision | None,
        policy: RoutingPolicy,
        ref: str | None = None,
    ) -> TicketChange:
        """Other customers back the complaint up (likes, reposts, replies, quotes): more urgent, maybe moved.

        ``decision`` is the routing of the customer's latest message re-evaluated with the new
        engagement (None when nothing is left to route, e.g. every message was deleted). ``ref``, the
        backing message, is counted once however often it is routed.
        """
        if ref is not None and ref in self.backed_by:
            return self._unchanged()
        remembered = (*self.backed_by, ref)[-_REMEMBERED_BACKUPS:] if ref else self.backed_by
        ticket = self._evolved(
            at, engagement=self.engagement + count, backup=self.backup + count, backed_by=remembered
        )
        events = [
            TicketEvent(
                type="BackupAdded",
                at=at,
                actor=SYSTEM,
                details={"kind": kind, "count": count, "engagement": ticket.engagement},
            )
        ]
        if decision is not None and self.is_active and not decision.spam:
            ticket, moved = ticket._rerouted(decision, at, policy, reason=f"backup: {kind}")
            events.extend(moved)
        return self._change(ticket._with_due(policy), events)

    def brand_replied(self, ref: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """The brand answered on the platform itself: the message joins and the clock stops."""
        if self.holds(ref):
            return self._unchanged()
        ticket = self._evolved(
            at, messages=(*self.messages, TicketMessage(ref=ref, at=at, role=MessageRole.BRAND))
        )._answered(at)
        return self._change(
            ticket._with_due(policy),
            [
                TicketEvent(
                    type="BrandRepliedOnPlatform", at=at, actor="brand:platform", details={"message": ref}
                )
            ],
        )

    def message_deleted(self, ref: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """A message was deleted by its author; with none of the customer's left, the ticket is withdrawn."""
        target = next((m for m in self.messages if m.ref == ref), None)
        if target is None or target.deleted:
            return self._unchanged()
        messages = tuple(m.model_copy(update={"deleted": True}) if m.ref == ref else m for m in self.messages)
        ticket = self._evolved(at, messages=messages)
        events = [
            TicketEvent(type="MessageDeleted", at=at, actor="customer:platform", details={"message": ref})
        ]
        withdrawn = target.role is MessageRole.CUSTOMER and all(m.deleted for m in ticket.customer_messages)
        if withdrawn and ticket.status is not TicketStatus.CLOSED:
            ticket = ticket.model_copy(
                update={
                    "status": TicketStatus.CLOSED,
                    "close_reason": CloseReason.WITHDRAWN,
                    "response": None,
                    "resolution_clock": None,
                    "resolved_at": at,
                }
            )
            events.append(TicketEvent(type="TicketWithdrawn", at=at, actor=SYSTEM, notify=True))
        return self._change(ticket._with_due(policy), events)

    # -- the desk works it ----------------------------------------------------------------------------
    def reply_delivered(self, reply_id: str, at: datetime, actor: str, policy: RoutingPolicy) -> TicketChange:
        """An agent's reply reached the customer: the response clock stops (once per reply)."""
        if reply_id in self.delivered_replies:
            return self._unchanged()
        person = actor if not actor.startswith("system:") else None
        ticket = self._evolved(
            at,
            delivered_replies=(*self.delivered_replies, reply_id)[-_REMEMBERED_REPLIES:],
            assignee=self.assignee or person,
        )._answered(at, by=person)
        return self._change(
            ticket._with_due(policy),
            [TicketEvent(type="ReplyDelivered", at=at, actor=actor, details={"reply_id": reply_id})],
        )

    def assign(self, assignee: str | None, actor: str, at: datetime, reason: str = "") -> TicketChange:
        """Give the ticket to an agent (None: unassign); ``reason`` says why (round robin, agent away)."""
        if assignee == self.assignee:
            return self._unchanged()
        details: dict[str, Any] = {"assignee": assignee, "from": self.assignee}
        if reason:
            details["reason"] = reason
        return self._change(
            self._evolved(at, assignee=assignee),
            [TicketEvent(type="TicketAssigned", at=at, actor=actor, details=details)],
        )

    def move(
        self, team: str, actor: str, at: datetime, policy: RoutingPolicy, reason: str = ""
    ) -> TicketChange:
        """Hand the ticket to another team; the clock runs on."""
        if team == self.team:
            return self._unchanged()
        ticket = self._evolved(at, team=team, assignee=None)
        details = {"from_team": self.team, "to_team": team, "reason": reason}
        return self._announced(ticket._with_due(policy), "TicketMoved", at, actor, details)

    def resolve(self, resolution: str, actor: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """Resolve: both clocks stop and the ticket leaves the due index."""
        if self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise TicketStateError(f"the ticket is already {self.status.value}")
        met = self.resolution_clock is not None and at <= self.resolution_clock.deadline
        ticket = self._evolved(
            at,
            status=TicketStatus.RESOLVED,
            resolved_at=at,
            resolution=resolution,
            response=None,
            resolution_clock=self.resolution_clock,
        )
        details: dict[str, Any] = {"resolution": resolution}
        if self.resolution_clock is not None:
            details["resolution_target_met"] = met
        return self._change(
            ticket._with_due(policy),
            [TicketEvent(type="TicketResolved", at=at, actor=actor, details=details, notify=True)],
        )

    def reopen(self, actor: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """Reopen a resolved or closed ticket: the next-response clock runs again."""
        if self.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or self.merged_into:
            raise TicketStateError("only a resolved or closed ticket can be reopened")
        team = policy.triage_team if self.close_reason is CloseReason.SPAM else self.team
        ticket = (
            self._evolved(
                at,
                status=TicketStatus.OPEN,
                close_reason=None,
                resolved_at=None,
                resolution=None,
                team=team,
            )
            ._start_response(ClockKind.NEXT_RESPONSE, at, policy, None)
            ._start_resolution(at, policy)
        )
        return self._change(
            ticket._with_due(policy), [TicketEvent(type="TicketReopened", at=at, actor=actor, notify=True)]
        )

    def add_note(self, note_id: str, text: str, actor: str, at: datetime) -> TicketChange:
        """An internal note for the desk: audited with its text, never sent to anyone."""
        if not text.strip():
            raise TicketStateError("a note needs text")
        return self._change(
            self._evolved(at, notes=self.notes + 1),
            [TicketEvent(type="NoteAdded", at=at, actor=actor, details={"note_id": note_id, "text": text})],
        )

    # -- customer satisfaction ----------------------------------------------------------------------
    def request_csat(self, reply_id: str, at: datetime) -> TicketChange:
        """A survey goes out (as reply ``reply_id``) after resolution; its answer is awaited."""
        if self.status is not TicketStatus.RESOLVED:
            raise TicketStateError("a survey follows a resolution")
        if self.csat is not None and self.csat.reply_id == reply_id:
            return self._unchanged()
        return self._change(
            self._evolved(at, csat=Csat(requested_at=at, reply_id=reply_id)),
            [TicketEvent(type="CsatRequested", at=at, actor="system:csat", details={"reply_id": reply_id})],
        )

    def answer_csat(self, message: InboundMessage, score: int) -> TicketChange:
        """The customer rated the desk: the answer joins the ticket and is stored; nothing reopens."""
        if self.holds(message.ref):
            return self._unchanged()
        if self.csat is None:
            raise TicketStateError("no survey was sent")
        at = message.created_at
        ticket = self._evolved(
            at,
            messages=(*self.messages, TicketMessage(ref=message.ref, at=at, role=MessageRole.CUSTOMER)),
            last_customer_message_at=max(self.last_customer_message_at or at, at),
            csat=self.csat.model_copy(update={"score": score, "answered_at": at, "answer": message.ref}),
        )
        return self._change(
            ticket,
            [
                TicketEvent(
                    type="CsatAnswered",
                    at=at,
                    actor="customer:platform",
                    details={"score": score, "message": message.ref},
                    notify=True,
                )
            ],
        )

    # -- merging two tickets of one customer ----------------------------------------------------------
    def merge_into(self, winner: Ticket, actor: str, at: datetime) -> TicketChange:
        """This ticket joins ``winner`` (same customer, same channel): it closes and redirects there."""
        if winner.ticket_id == self.ticket_id:
            raise TicketStateError("a ticket cannot be merged into itself")
        if self.merged_into or winner.merged_into:
            raise TicketStateError("a merged ticket redirects; merge into the ticket it points at")
        ticket = self._evolved(
            at,
            status=TicketStatus.CLOSED,
            close_reason=CloseReason.MERGED,
            merged_into=winner.ticket_id,
            response=None,
            resolution_clock=None,
            due_at=None,
        )
        details = {"into": winner.ticket_id, "messages": len(self.messages)}
        return self._announced(ticket, "TicketMergedInto", at, actor, details)

    def absorb(self, loser: Ticket, actor: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """Take in ``loser``'s conversation: messages, replies and audit (shown here), clocks combined.

        The customer has waited since the earlier of the two running clocks; the earlier deadlines
        and first response stand; priority is the more urgent; counts add up.
        """
        by_ref = {m.ref: m for m in (*self.messages, *loser.messages)}
        messages = tuple(sorted(by_ref.values(), key=lambda m: (m.at, m.ref)))
        clocks = [c for c in (self.response, loser.response) if c is not None]
        response = min(clocks, key=lambda c: (c.started_at, c.deadline)) if clocks else None
        resolutions = [c for c in (self.resolution_clock, loser.resolution_clock) if c is not None]
        resolution = min(resolutions, key=lambda c: c.started_at) if resolutions else None
        if resolution is not None and any(c.breached for c in resolutions):
            resolution = resolution.model_copy(update={"breached": True})
        firsts = [(t.first_response_at, t.first_response_by) for t in (self, loser) if t.first_response_at]
        first_at, first_by = min(firsts, key=lambda f: f[0]) if firsts else (None, None)
        status = self.status
        if response is not None:
            status = TicketStatus.OPEN
        elif status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and loser.is_active:
            status = TicketStatus.PENDING
        ticket = self._evolved(
            at,
            status=status,
            close_reason=None if status is not self.status else self.close_reason,
            resolved_at=None if status is not self.status else self.resolved_at,
            messages=messages,
            priority=Priority.most_urgent(self.priority, loser.priority),
            engagement=self.engagement + loser.engagement,
            backup=self.backup + loser.backup,
            tags=tuple(sorted({*self.tags, *loser.tags})),
            incident_id=self.incident_id or loser.incident_id,
            assignee=self.assignee or loser.assignee,
            merged_from=tuple(dict.fromkeys((*self.merged_from, loser.ticket_id, *loser.merged_from))),
            response=response,
            resolution_clock=resolution,
            first_response_due=_earliest(self.first_response_due, loser.first_response_due),
            first_response_at=first_at,
            first_response_by=first_by,
            last_response_at=_latest(self.last_response_at, loser.last_response_at),
            last_customer_message_at=_latest(self.last_customer_message_at, loser.last_customer_message_at),
            created_at=min(self.created_at, loser.created_at),
            warned=self.warned or loser.warned,
            breached=self.breached or loser.breached,
            max_escalation_level=max(self.max_escalation_level, loser.max_escalation_level),
            delivered_replies=(*self.delivered_replies, *loser.delivered_replies)[-_REMEMBERED_REPLIES:],
            notes=self.notes + loser.notes,
        )
        details = {"from": loser.ticket_id, "messages": len(loser.messages)}
        return self._announced(ticket._with_due(policy), "TicketMerged", at, actor, details)

    def triage(self, error: str, at: datetime, policy: RoutingPolicy) -> TicketChange:
        """Routing failed for real: the ticket waits in the triage queue with the error recorded."""
        ticket = self._evolved(at, team=policy.triage_team, triage_error=error[:500])
        if ticket.response is None and ticket.status is TicketStatus.OPEN:
            ticket = ticket._start_response(ClockKind.FIRST_RESPONSE, self.created_at, policy, None)
        return self._change(
            ticket._with_due(policy),
            [
                TicketEvent(
                    type="TicketTriaged", at=at, actor=SYSTEM, details={"error": error[:500]}, notify=True
                )
            ],
        )

    def join_incident(
        self, incident_id: str, decision: RoutingDecision, at: datetime, policy: RoutingPolicy
    ) -> TicketChange:
        """The complaint is part of a surge: it joins the incident and is routed as such."""
        if self.incident_id == incident_id or not self.is_active:
            return self._unchanged()
        ticket = self._evolved(at, incident_id=incident_id, tags=tuple(sorted({*self.tags, "surge"})))
        ticket, moved = ticket._rerouted(decision, at, policy, reason="surge")
        events = [
            TicketEvent(type="IncidentJoined", at=at, actor=SYSTEM, details={"incident_id": incident_id}),
            *moved,
        ]
        return self._change(ticket._with_due(policy), events)

    def erase_customer(self, request_id: str, at: datetime) -> TicketChange:
        """The customer asked to be forgotten: their identity leaves the ticket."""
        if self.customer == ERASED:
            return self._unchanged()
        return self._change(
            self._evolved(at, customer=ERASED),
            [
                TicketEvent(
                    type="CustomerErased", at=at, actor="system:privacy", details={"request": request_id}
                )
            ],
        )

    # -- escalation ---------------------------------------------------------------------------------
    def level_times(self, policy: RoutingPolicy) -> list[tuple[int, EscalationLevel, datetime]]:
        """Every escalation level of the running response clock and when it fires (1-based)."""
        escalation = policy.escalation_policy(self.sla_policy)
        clock = self.response
        if escalation is None or clock is None:
            return []
        calendar = policy.calendar(self.sla_policy)
        return [
            (
                n,
                level,
                escalation.fires_at(level, clock.started_at, clock.target_minutes, clock.deadline, calendar),
            )
            for n, level in enumerate(escalation.levels, start=1)
        ]

    def _due_levels(
        self, now: datetime, policy: RoutingPolicy
    ) -> list[tuple[int, EscalationLevel, datetime]]:
        clock = self.response
        if clock is None or self.status is not TicketStatus.OPEN:
            return []
        return [
            (n, level, fires)
            for n, level, fires in self.level_times(policy)
            if n > clock.level and fires <= now
        ]

    def reassignment_due(self, now: datetime, policy: RoutingPolicy) -> str | None:
        """The team a due "reassign" level hands the ticket to (its own team for ``reassign_to: agent``),
        so the escalation run can choose an agent there before it escalates; None when none is due."""
        team = None
        for _, level, _ in self._due_levels(now, policy):
            if level.reassign_to:
                team = self._reassigned_team(level.reassign_to, policy, team or self.team)
        return team

    def escalate(self, now: datetime, policy: RoutingPolicy, *, assignee: str | None = None) -> TicketChange:
        """Apply what has come due by ``now``: at most the highest due level of the response clock, once,
        and the resolution breach, once.

        Levels passed over (a run that was late, a clock that jumped) take effect — breached, priority
        raised, reassigned — but only the highest is announced, so a ticket never fires several
        notifications at once.
        """
        ticket, events = self, []
        due = self._due_levels(now, policy)
        if due:
            ticket, event = ticket._escalated(due, now, policy, assignee)
            events.append(event)
        resolution = ticket.resolution_clock
        if (
            resolution is not None
            and not resolution.breached
            and ticket.is_active
            and resolution.deadline <= now
        ):
            ticket = ticket.model_copy(
                update={"resolution_clock": resolution.model_copy(update={"breached": True})}
            )
            events.append(
                TicketEvent(
                    type="ResolutionBreached",
                    at=resolution.deadline,
                    actor="system:escalation",
                    details={
                        "deadline": resolution.deadline.isoformat(),
                        "audience": ["lead"],
                        "lag_seconds": (now - resolution.deadline).total_seconds(),
                    },
                    notify=True,
                )
            )
        if not events:
            return self._unchanged()
        escalated = ticket._evolved(now)._with_due(policy)
        if self.due_from is not None and escalated.due_at is not None and self.due_from <= escalated.due_at:
            escalated = escalated.model_copy(update={"due_from": self.due_from})
        return self._change(escalated, events)

    def _reassigned_team(self, reassign_to: str, policy: RoutingPolicy, current: str) -> str:
        if reassign_to == "agent":  # another agent of the same team
            return current
        return policy.escalation_team if reassign_to == "escalations" else reassign_to

    def _escalated(
        self,
        due: list[tuple[int, EscalationLevel, datetime]],
        now: datetime,
        policy: RoutingPolicy,
        chosen: str | None,
    ) -> tuple[Ticket, TicketEvent]:
        assert self.response is not None
        number, level, fires = due[-1]
        team, priority = self.team, self.priority
        breached, warned = self.breached, self.warned
        reassigned = False
        for _, passed, _ in due:
            breached = breached or passed.is_breach
            warned = warned or not passed.is_breach
            if passed.raise_priority:
                priority = priority.raised()
            if passed.reassign_to:
                reassigned = True
                team = self._reassigned_team(passed.reassign_to, policy, team)
        assignee = self.assignee
        if reassigned:  # the agent the team's assignment chose; else the queue (or the same agent)
            assignee = chosen or (None if team != self.team else self.assignee)
        ticket = self.model_copy(
            update={
                "response": self.response.model_copy(update={"level": number}),
                "max_escalation_level": max(self.max_escalation_level, number),
                "breached": breached,
                "warned": warned,
                "priority": priority,
                "team": team,
                "assignee": assignee,
            }
        )
        event = TicketEvent(
            type="TicketEscalated",
            at=fires,
            actor="system:escalation",
            details={
                "level": number,
                "name": level.name,
                "breach": level.is_breach,
                "skipped": [passed.name for n, passed, _ in due[:-1]],
                "audience": list(level.notify),
                "team": team,
                "from_team": self.team,
                "assignee": assignee,
                "priority": priority.value,
                "deadline": self.response.deadline.isoformat(),
                "clock_started_at": self.response.started_at.isoformat(),
                "lag_seconds": (now - fires).total_seconds(),
            },
            notify=True,
        )
        return ticket, event

    # -- internals ----------------------------------------------------------------------------------
    def _unchanged(self) -> TicketChange:
        return TicketChange(ticket=self, events=(), expected_version=self.version)

    def _announced(
        self, ticket: Ticket, event_type: str, at: datetime, actor: str, details: dict[str, Any]
    ) -> TicketChange:
        """A change with one audited event that is also a notification."""
        return self._change(
            ticket, [TicketEvent(type=event_type, at=at, actor=actor, details=details, notify=True)]
        )

    def _change(self, ticket: Ticket, events: list[TicketEvent]) -> TicketChange:
        return TicketChange(
            ticket=ticket.model_copy(update={"version": self.version + 1}),
            events=tuple(events),
            expected_version=self.version,
        )

    def _evolved(self, at: datetime, **changes: Any) -> Ticket:
        return self.model_copy(update={**changes, "updated_at": max(self.updated_at, at)})

    def _classified(self, decision: RoutingDecision) -> Ticket:
        return self.model_copy(
            update={
                "intent": decision.intent,
                "topic": decision.topic,
                "language": decision.language,
                "sentiment": decision.sentiment,
                "reach": decision.reach,
                "engagement": max(self.engagement, decision.engagement),
                "customer_tier": decision.customer_tier,
                "rule": decision.rule,
                "why": decision.why,
                "tags": tuple(sorted({*self.tags, *decision.tags})),
                "incident_id": decision.incident_id or self.incident_id,
                "triage_error": None,
            }
        )

    def _routing_details(self, decision: RoutingDecision) -> dict[str, Any]:
        return {
            "rule": decision.rule,
            "team": self.team,
            "priority": self.priority.value,
            "sla": self.sla_policy,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "intent": decision.intent,
            "topic": decision.topic,
            "incident_id": self.incident_id,
            "why": list(decision.why),
        }

    def _should_move(self, decision: RoutingDecision, policy: RoutingPolicy) -> bool:
        """Whether a newly routed message takes the ticket to the decision's team."""
        if decision.team == self.team:
            return False
        if decision.priority.above(self.priority):
            return True
        if self.team == policy.triage_team:
            return True
        no_sla_here = policy.escalation_policy(self.sla_policy) is None
        if no_sla_here and decision.needs_response and policy.escalation_policy(decision.sla) is not None:
            return True
        untouched = self.assignee is None and self.first_response_at is None
        return untouched and not self.priority.above(decision.priority)

    def _rerouted(
        self, decision: RoutingDecision, at: datetime, policy: RoutingPolicy, *, reason: str
    ) -> tuple[Ticket, list[TicketEvent]]:
        """Apply a new routing decision: priority only rises; the team and SLA move when warranted."""
        moving = self._should_move(decision, policy)
        priority = Priority.most_urgent(self.priority, decision.priority)
        ticket = (
            self._classified(decision)
            if moving
            else self.model_copy(
                update={
                    "engagement": max(self.engagement, decision.engagement),
                    "tags": tuple(sorted({*self.tags, *decision.tags})),
                    "incident_id": decision.incident_id or self.incident_id,
                }
            )
        )
        events: list[TicketEvent] = []
        if moving:
            ticket = ticket.model_copy(
                update={
                    "team": decision.team,
                    "sla_policy": decision.sla,
                    "priority": priority,
                    "assignee": None,
                }
            )
        elif priority != self.priority:
            ticket = ticket.model_copy(update={"priority": priority})
        if ticket.response is not None and (moving or priority != self.priority):
            ticket = ticket._restarted_deadline(policy, keep_earlier=not moving)
        if moving:
            events.append(
                TicketEvent(
                    type="TicketMoved",
                    at=at,
                    actor=SYSTEM,
                    details={
                        "from_team": self.team,
                        "to_team": ticket.team,
                        "from_priority": self.priority.value,
                        "priority": ticket.priority.value,
                        "rule": decision.rule,
                        "reason": reason,
                    },
                    notify=True,
                )
            )
        elif priority != self.priority:
            events.append(
                TicketEvent(
                    type="PriorityRaised",
                    at=at,
                    actor=SYSTEM,
                    details={
                        "from": self.priority.value,
                        "to": priority.value,
                        "rule": decision.rule,
                        "reason": reason,
                    },
                    notify=True,
                )
            )
        return ticket, events

    def _start_response(
        self, kind: ClockKind, start: datetime, policy: RoutingPolicy, late: int | None
    ) -> Ticket:
        target = policy.sla_policy(self.sla_policy).target(kind, self.priority)
        deadline = policy.calendar(self.sla_policy).add(start, target)
        clock = ResponseClock(
            kind=kind, started_at=start, target_minutes=target, deadline=deadline, late_by_minutes=late
        )
        first_due = deadline if kind is ClockKind.FIRST_RESPONSE else self.first_response_due
        return self.model_copy(update={"response": clock, "first_response_due": first_due})

    def _restarted_deadline(self, policy: RoutingPolicy, *, keep_earlier: bool) -> Ticket:
        """The running clock re-targeted for the ticket's current SLA policy and priority."""
        clock = self.response
        assert clock is not None
        target = policy.sla_policy(self.sla_policy).target(clock.kind, self.priority)
        deadline = policy.calendar(self.sla_policy).add(clock.started_at, target)
        if keep_earlier and deadline >= clock.deadline:
            return self
        updated = clock.model_copy(update={"target_minutes": target, "deadline": deadline})
        first_due = deadline if clock.kind is ClockKind.FIRST_RESPONSE else self.first_response_due
        return self.model_copy(update={"response": updated, "first_response_due": first_due})

    def _start_resolution(self, start: datetime, policy: RoutingPolicy) -> Ticket:
        target = policy.sla_policy(self.sla_policy).resolution_target(self.priority)
        if target is None:
            return self.model_copy(update={"resolution_clock": None})
        deadline = policy.calendar(self.sla_policy).add(start, target)
        return self.model_copy(
            update={
                "resolution_clock": ResolutionClock(
                    started_at=start, target_minutes=target, deadline=deadline
                )
            }
        )

    def _answered(self, at: datetime, by: str | None = None) -> Ticket:
        if self.response is None:
            return self.model_copy(update={"last_response_at": max(self.last_response_at or at, at)})
        first = self.first_response_at is None
        return self.model_copy(
            update={
                "status": TicketStatus.PENDING if self.status is TicketStatus.OPEN else self.status,
                "response": None,
                "first_response_at": self.first_response_at or at,
                "first_response_by": by if first else self.first_response_by,
                "last_response_at": at,
            }
        )

    def _with_due(self, policy: RoutingPolicy) -> Ticket:
        """The next moment the escalation run must look at this ticket (None: never)."""
        candidates: list[datetime] = []
        if self.response is not None and self.status is TicketStatus.OPEN:
            candidates.extend(fires for n, _, fires in self.level_times(policy) if n > self.response.level)
            candidates = candidates[:1]
        resolution = self.resolution_clock
        if resolution is not None and not resolution.breached and self.is_active:
            candidates.append(resolution.deadline)
        due = min(candidates) if candidates else None
        return self.model_copy(update={"due_at": due, "due_from": due})


class TicketStateError(ValueError):
    """The ticket is not in a state that allows this (the API answers 409)."""


class ConversationTickets(Model):
    """Where a conversation stands: the ticket it continues on, and the id its next ticket opens under."""

    model_config = ConfigDict(frozen=True)

    #: its latest ticket (merges followed); None when it has none, or the customer was erased from it
    current: Ticket | None = None
    next_ticket_id: str

    @classmethod
    def of(cls, latest: Ticket | None, followed: Ticket | None, next_ticket_id: str) -> ConversationTickets:
        """The conversation whose latest ticket is ``latest`` (``followed``: where its merges lead).

        A ticket the customer was erased from ends the conversation it was: what the person writes
        next opens a ticket of its own, linked to nothing before it.
        """
        ended = latest is None or followed is None or latest.erased or followed.erased
        return cls(current=None if ended else followed, next_ticket_id=next_ticket_id)


def _conversation_fields(conversation: ConversationKey) -> dict[str, Any]:
    """What a ticket records of the conversation it is."""
    return {
        "channel": conversation.channel,
        "brand_account": conversation.brand_account,
        "conversation": conversation.digest,
        "private": conversation.private,
        "thread_root": conversation.thread,
    }


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def after(moment: datetime, minutes: float) -> datetime:
    """``moment`` plus ``minutes`` (a helper for tests and policies)."""
    return moment + timedelta(minutes=minutes)
