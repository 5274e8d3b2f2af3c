"""Use case: route a stored mention — classify, thread into a ticket, assign by the rules, triage on failure.

Each step is one Step Functions task and is idempotent: the stream delivers at least once, and a
step may be retried after a partial success.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from socialdesk.domain.classification import Classification, classify
from socialdesk.domain.clock import reprioritise, start_clock
from socialdesk.domain.errors import Conflict, MentionNotReady
from socialdesk.domain.mention import Mention, MentionStatus
from socialdesk.domain.routing import RoutingFacts, RoutingPolicy
from socialdesk.domain.sla import ClockKind
from socialdesk.domain.ticket import Priority, ThreadAction, Ticket, TicketStatus, ticket_id_for

if TYPE_CHECKING:
    from socialdesk.dal.surge import DynamoSurgeCounter
    from socialdesk.dal.tickets import DynamoTicketRepository

#: how far up a reply chain threading looks for the conversation's root
MAX_PARENT_HOPS = 10
_ATTEMPTS = 4


class MentionRef(BaseModel):
    """Which mention a routing execution is about."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(min_length=1)
    external_id: str = Field(min_length=1)

    @property
    def ref(self) -> str:
        """``<channel>#<external id>``, the mention's identity inside ticket items."""
        return f"{self.channel}#{self.external_id}"


class Classified(BaseModel):
    """Output of the Classify step."""

    skip: bool = False
    reason: str | None = None
    classification: Classification | None = None
    kind: str | None = None
    created_at: datetime | None = None
    author: str | None = None


class Threaded(BaseModel):
    """Output of the Thread step."""

    ticket_id: str
    action: ThreadAction
    thread: str
    previous_ticket_id: str | None = None


class Assigned(BaseModel):
    """Output of the Assign step (what the Notify states publish)."""

    ticket_id: str
    team: str
    priority: Priority
    sla: str
    deadline: datetime | None
    rule: str
    tags: tuple[str, ...] = ()
    incident_id: str | None = None
    incident_opened: bool = False
    notification: str
    crisis_notification: str | None = None


class Triaged(BaseModel):
    """Output of the Triage step."""

    ticket_id: str
    team: str
    error: str


def load_mention(tickets: DynamoTicketRepository, ref: MentionRef) -> tuple[Mention, dict[str, Any]]:
    """The stored mention and its raw item; MentionNotReady when it cannot be read (yet)."""
    item = tickets.mention_item(ref.channel, ref.external_id)
    if not item or item.get("entity") != "mention":
        raise MentionNotReady(f"mention {ref.ref} is not stored")
    return Mention.model_validate({k: v for k, v in item.items() if k in Mention.model_fields}), item


def classify_mention(
    ref: MentionRef, *, tickets: DynamoTicketRepository, policy: RoutingPolicy
) -> Classified:
    """Classify the mention (intent, sentiment, topic, spam, language, reach, engagement, tier)."""
    mention, item = load_mention(tickets, ref)
    if item.get("status") == MentionStatus.DELETED.value:
        return Classified(skip=True, reason="deleted before routing")
    return Classified(
        classification=classify(mention, vip=policy.vip),
        kind=mention.kind.value,
        created_at=mention.created_at,
        author=mention.author.handle or mention.author.name or mention.author.id,
    )


def resolve_thread(tickets: DynamoTicketRepository, mention: Mention) -> str:
    """``<channel>#<root id>``: the conversation key, walking stored parents when the root is not given."""
    channel = mention.channel.value
    if mention.thread_root_id:
        return f"{channel}#{mention.thread_root_id}"
    parent = mention.parent_id
    for _ in range(MAX_PARENT_HOPS):
        if parent is None:
            break
        item = tickets.message_item(channel, parent)
        if item is None:
            return f"{channel}#{parent}"
        if item.get("thread_key"):
            return str(item["thread_key"])
        if item.get("thread_root_id"):
            return f"{channel}#{item['thread_root_id']}"
        if not item.get("parent_id"):
            return f"{channel}#{parent}"
        parent = str(item["parent_id"])
    return f"{channel}#{parent or mention.external_id}"


def thread_mention(ref: MentionRef, *, tickets: DynamoTicketRepository, policy: RoutingPolicy) -> Threaded:
    """Join the conversation's open ticket, reopen a recent one, or open a new ticket (race-safe)."""
    for _ in range(_ATTEMPTS):
        mention, item = load_mention(tickets, ref)
        if item.get("ticket_id"):  # a repeated step: the mention is already on its ticket
            return Threaded(
                ticket_id=item["ticket_id"], action=item["thread_action"], thread=item["thread_key"]
            )
        thread = resolve_thread(tickets, mention)
        at = mention.created_at
        try:
            return _thread_once(tickets, policy, mention, ref, thread, at)
        except Conflict:
            continue  # another mention of the thread won the race: re-read and join it
    raise Conflict(f"threading {ref.ref} kept racing; the step will be retried")


def _thread_once(
    tickets: DynamoTicketRepository,
    policy: RoutingPolicy,
    mention: Mention,
    ref: MentionRef,
    thread: str,
    at: datetime,
) -> Threaded:
    linked = tickets.thread_ticket(thread)
    current = tickets.get(linked) if linked else None
    if current is None:
        ticket = _new_ticket(mention, thread, at)
        tickets.open_ticket(ticket, thread, ref.ref, at)
        return Threaded(ticket_id=ticket.ticket_id, action=ThreadAction.OPENED, thread=thread)
    if current.status in (TicketStatus.OPEN, TicketStatus.PENDING):
        tickets.join_ticket(current, thread, ref.ref, at, reopen=False)
        return Threaded(ticket_id=current.ticket_id, action=ThreadAction.JOINED, thread=thread)
    recent = current.resolved_at and at - current.resolved_at <= timedelta(days=policy.reopen_within_days)
    if current.status is TicketStatus.RESOLVED and recent:
        tickets.join_ticket(current, thread, ref.ref, at, reopen=True)
        return Threaded(ticket_id=current.ticket_id, action=ThreadAction.REOPENED, thread=thread)
    ticket = _new_ticket(mention, thread, at, previous=current.ticket_id)
    tickets.open_ticket(ticket, thread, ref.ref, at, replaces=current.ticket_id)
    return Threaded(
        ticket_id=ticket.ticket_id,
        action=ThreadAction.SUCCEEDED,
        thread=thread,
        previous_ticket_id=current.ticket_id,
    )


def _new_ticket(mention: Mention, thread: str, at: datetime, previous: str | None = None) -> Ticket:
    return Ticket(
        ticket_id=ticket_id_for(*mention.key),
        status=TicketStatus.OPEN,
        team="",
        priority=Priority.NORMAL,
        channel=mention.channel.value,
        thread_key=thread,
        first_mention=f"{mention.channel.value}#{mention.external_id}",
        created_at=at,
        updated_at=at,
        customer=mention.author.handle or mention.author.name or mention.author.id,
        previous_ticket_id=previous,
    )


def assign_ticket(
    ref: MentionRef,
    classification: Classification,
    threaded: Threaded,
    *,
    tickets: DynamoTicketRepository,
    surge: DynamoSurgeCounter,
    policy: RoutingPolicy,
) -> Assigned:
    """Apply the routing rules (first match wins), surge grouping and the SLA deadline to the ticket."""
    mention, _ = load_mention(tickets, ref)
    at = mention.created_at
    surging, incident_id, incident_opened = False, None, False
    if classification.is_complaint and classification.topic:
        count = surge.record(classification.topic, ref.ref, at, policy.surge.window_minutes)
        if count >= policy.surge.threshold:
            surging = True
            incident_id, incident_opened = surge.incident(
                classification.topic, at, policy.surge.incident_quiet_minutes
            )
    facts = RoutingFacts.of(mention, classification, surge=surging)
    rule = policy.match(facts)
    for _ in range(_ATTEMPTS):
        ticket = tickets.get(threaded.ticket_id)
        if ticket is None:
            raise MentionNotReady(f"ticket {threaded.ticket_id} is not stored")
        updated = _routed(
            ticket,
            rule.name,
            rule.then,
            policy,
            classification,
            threaded,
            at,
            surging=surging,
            incident_id=incident_id,
        )
        try:
            tickets.save(
                updated,
                ticket.version,
                "TicketRouted",
                ref.ref,
                at,
                {
                    "rule": rule.name,
                    "team": updated.team,
                    "priority": updated.priority.value,
                    "why": list(updated.why),
                },
            )
        except Conflict:
            continue
        break
    else:
        raise Conflict(f"assigning {threaded.ticket_id} kept racing; the step will be retried")
    return Assigned(
        ticket_id=updated.ticket_id,
        team=updated.team,
        priority=updated.priority,
        sla=updated.sla_policy or "",
        deadline=updated.deadline,
        rule=rule.name,
        tags=updated.tags,
        incident_id=incident_id,
        incident_opened=incident_opened,
        notification=_notification("TicketRouted", updated, threaded, ref, classification),
        crisis_notification=_crisis(policy, classification, incident_id, updated)
        if incident_opened
        else None,
    )


def _routed(
    ticket: Ticket,
    rule: str,
    action: Any,
    policy: RoutingPolicy,
    c: Classification,
    threaded: Threaded,
    at: datetime,
    *,
    surging: bool,
    incident_id: str | None,
) -> Ticket:
    priority = Priority.most_urgent(action.priority, policy.surge.raise_to) if surging else action.priority
    keeps_team = threaded.action is ThreadAction.JOINED and ticket.team not in ("", policy.triage_team)
    base = ticket.model_copy(
        update={
            "intent": c.intent.value,
            "topic": c.topic,
            "language": c.language,
            "sentiment": c.sentiment,
            "reach": c.reach,
            "engagement": max(ticket.engagement, c.engagement),
            "customer_tier": c.customer_tier,
            "tags": tuple(sorted(set(ticket.tags) | set(action.tags) | ({"surge"} if surging else set()))),
            "rule": rule,
            "why": (f"rule:{rule}", *c.signals),
            "incident_id": incident_id or ticket.incident_id,
            "updated_at": max(ticket.updated_at, at),
            "version": ticket.version + 1,
            "triage_error": None,
        }
    )
    if keeps_team:
        priority = Priority.most_urgent(ticket.priority, priority)
        if ticket.awaiting is None:  # the brand had answered: the customer's new message restarts the clock
            return start_clock(
                base.model_copy(update={"priority": priority}), ClockKind.NEXT_RESPONSE, at, policy
            )
        return reprioritise(base, priority, policy)
    kind = ClockKind.NEXT_RESPONSE if ticket.first_response_at else ClockKind.FIRST_RESPONSE
    assigned = base.model_copy(update={"team": action.team, "priority": priority, "sla_policy": action.sla})
    return start_clock(assigned, kind, at, policy)


def _notification(event: str, ticket: Ticket, threaded: Threaded, ref: MentionRef, c: Classification) -> str:
    who = ticket.customer or "a customer"
    due = ticket.deadline.astimezone(UTC).strftime("%H:%M UTC") if ticket.deadline else "no deadline"
    summary = (
        f"[{ticket.priority.value}] {who} on {ticket.channel}: {c.intent.value}"
        f"{' about ' + c.topic if c.topic else ''} → {ticket.team} (rule {ticket.rule}), due {due}"
    )
    return json.dumps(
        {
            "event": event,
            "ticket_id": ticket.ticket_id,
            "team": ticket.team,
            "priority": ticket.priority.value,
            "deadline": ticket.deadline.isoformat() if ticket.deadline else None,
            "channel": ticket.channel,
            "thread_action": threaded.action.value,
            "intent": c.intent.value,
            "topic": c.topic,
            "reach": c.reach,
            "rule": ticket.rule,
            "incident_id": ticket.incident_id,
            "summary": summary,
            "idempotency_key": f"{event}:{ticket.ticket_id}:{ref.ref}",
        }
    )


def _crisis(policy: RoutingPolicy, c: Classification, incident_id: str | None, ticket: Ticket) -> str:
    return json.dumps(
        {
            "event": "IncidentOpened",
            "incident_id": incident_id,
            "team": policy.surge.crisis_team,
            "topic": c.topic,
            "first_ticket_id": ticket.ticket_id,
            "summary": f"Surge: at least {policy.surge.threshold} '{c.topic}' complaints within "
            f"{policy.surge.window_minutes} min; tickets raised to {policy.surge.raise_to.value}",
            "idempotency_key": f"IncidentOpened:{incident_id}",
        }
    )


def triage_ticket(
    ref: MentionRef, error: str, cause: str, *, tickets: DynamoTicketRepository, policy: RoutingPolicy
) -> Triaged:
    """Put the mention's ticket in the triage queue with the error recorded (creating it if needed)."""
    mention, item = load_mention(tickets, ref)
    ticket_id = item.get("ticket_id")
    if not ticket_id:
        try:
            ticket_id = thread_mention(ref, tickets=tickets, policy=policy).ticket_id
        except Exception:
            thread = f"{mention.channel.value}#{mention.external_id}"
            ticket = _new_ticket(mention, thread, mention.created_at)
            with contextlib.suppress(Conflict):  # a concurrent triage opened it
                tickets.open_ticket(ticket, thread, ref.ref, mention.created_at)
            ticket_id = ticket.ticket_id
    recorded = f"{error}: {cause}"[:500]
    sla = "standard" if "standard" in policy.sla else next(iter(policy.sla))
    for _ in range(_ATTEMPTS):
        current = tickets.get(ticket_id)
        if current is None:
            raise MentionNotReady(f"ticket {ticket_id} is not stored")
        ticket = current
        updated = ticket.model_copy(
            update={
                "team": policy.triage_team,
                "triage_error": recorded,
                "version": ticket.version + 1,
                "sla_policy": ticket.sla_policy or sla,
            }
        )
        if not updated.awaiting and updated.status is TicketStatus.OPEN:  # the customer is waiting meanwhile
            updated = start_clock(updated, ClockKind.FIRST_RESPONSE, mention.created_at, policy)
        try:
            tickets.save(
                updated, ticket.version, "TicketTriaged", ref.ref, mention.created_at, {"error": recorded}
            )
        except Conflict:
            continue
        return Triaged(ticket_id=ticket_id, team=updated.team, error=recorded)
    raise Conflict(f"triaging {ticket_id} kept racing; the step will be retried")
