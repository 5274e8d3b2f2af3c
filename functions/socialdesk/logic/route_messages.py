"""Use case: route a batch of stored messages — each to its customer's conversation, on its own merits.

Routing acts on four kinds of stream record: a customer's message (opens, joins or reopens the
customer's ticket, or is context on another customer's), backup (likes, reposts, reactions on a
customer's message raise its ticket), a deletion (the message leaves its ticket; a ticket whose
customer messages are all gone is withdrawn) and the brand's own message on the platform (it stops
the clock). Every step is idempotent: a batch may be routed twice, concurrently, and ends the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Literal

from pydantic import ConfigDict

from socialdesk.dal.ports import IncidentRepository, MentionRepository, SurgeCounter, TicketRepository
from socialdesk.domain.classification import Classification
from socialdesk.domain.conversation import ConversationKey, Customer
from socialdesk.domain.errors import DomainError
from socialdesk.domain.incident import Incident
from socialdesk.domain.mention import Mention, MentionKind, StoredMention
from socialdesk.domain.model import Model
from socialdesk.domain.outreach import csat_rating
from socialdesk.domain.routing import RoutingDecision, RoutingFacts, RoutingPolicy
from socialdesk.domain.ticket import (
    ConversationTickets,
    InboundMessage,
    MessageRole,
    Ticket,
    TicketChange,
    TicketStatus,
)
from socialdesk.logic.conflicts import retry_on_conflict
from socialdesk.logic.conversations import conversation_tickets, follow_merges
from socialdesk.logic.transient import TRANSIENT, TransientRetry

#: how far up a reply chain threading looks for the conversation's root
MAX_PARENT_HOPS = 10


class RouteItem(Model):
    """One stream record routing acts on (built by dispatch from the stream image; no re-read)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["mention", "backup", "deletion", "brand_message"]
    ref: str
    mention: Mention | None = None
    received_at: datetime | None = None
    #: backup: the message backed up, what it was, how many
    target: str | None = None
    backup_kind: str | None = None
    count: int = 1
    at: datetime | None = None
    #: deletion: the ticket the message was on (from the stream's image)
    ticket_id: str | None = None


class RouteOutcome(Model):
    """What routing did with one item."""

    ref: str
    action: str
    ticket_id: str | None = None
    team: str | None = None
    priority: str | None = None
    rule: str | None = None
    incident_id: str | None = None


class FailedItem(Model):
    """An item routing could not handle (it goes to triage)."""

    item: RouteItem
    error: str
    cause: str


class BatchRouted(Model):
    """The Route step's output."""

    outcomes: list[RouteOutcome]
    failed: list[FailedItem] = []
    #: what the state machine's Choice reads (a count is always present; an empty list's [0] is not)
    failed_count: int = 0


@dataclass
class Router:
    """Routes items against the ports (in-memory fakes in tests, DynamoDB adapters in Lambda)."""

    tickets: TicketRepository
    mentions: MentionRepository
    surge: SurgeCounter
    incidents: IncidentRepository
    policy: RoutingPolicy

    def classify(self, mention: Mention) -> Classification:
        """The Classify step: ``mention`` as the policy reads the model (VIPs, decision thresholds)."""
        return self.policy.classify(mention)

    # -- the batch ----------------------------------------------------------------------------------
    def route_batch(
        self, items: list[RouteItem], classifications: dict[str, Classification] | None = None
    ) -> BatchRouted:
        """Route every item in order; a storage fault is retried for its item, then propagates (the whole
        step retries, idempotently)."""
        found = classifications or {}
        outcomes: list[RouteOutcome] = []
        failed: list[FailedItem] = []
        retry = TransientRetry()  # a fault retries its item, not the items already routed
        for item in items:
            try:
                outcomes.append(retry.run(partial(self.route, item, found.get(item.ref))))
            except TRANSIENT:
                raise
            except (DomainError, ValueError) as error:
                failed.append(FailedItem(item=item, error=type(error).__name__, cause=str(error)[:500]))
        return BatchRouted(outcomes=outcomes, failed=failed, failed_count=len(failed))

    def route(self, item: RouteItem, classification: Classification | None = None) -> RouteOutcome:
        """Route one item."""
        if item.kind == "mention":
            if item.mention is None:
                raise ValueError("a mention item carries its mention")
            return self.route_message(item.mention, item.received_at, classification)
        if item.kind == "backup":
            return self.route_backup(item)
        if item.kind == "deletion":
            return self.route_deletion(item)
        if item.mention is None:
            raise ValueError("a brand message item carries its message")
        return self.route_brand_message(item.mention)

    # -- a customer's message -------------------------------------------------------------------------
    def route_message(
        self, mention: Mention, received_at: datetime | None, classification: Classification | None = None
    ) -> RouteOutcome:
        """Open, join or reopen the author's ticket; or add the message as context on another's."""
        c = classification or self.classify(mention)
        received = received_at or mention.created_at
        quoted = self._other_customers_message(mention, mention.quoted_id)
        if mention.kind is MentionKind.QUOTE and quoted is not None and quoted.ticket_id:
            return self._quote_as_backup(mention, quoted)
        root, parent = self.thread_root(mention)
        conversation = ConversationKey.of(mention, root)
        message = InboundMessage(
            ref=mention.ref,
            created_at=mention.created_at,
            received_at=received,
            customer=Customer.of(mention),
            private=conversation.private,
        )
        found = self._conversation(conversation)
        existing = found.current
        replying_to = self._other_customers(mention, parent)
        decision = self._decide(mention, c, existing.ticket_id if existing else found.next_ticket_id)
        if existing is None and replying_to is not None and not decision.needs_response:
            outcome = self._context_only(mention, replying_to)
        else:
            rating = (
                csat_rating(mention.text)
                if conversation.private or mention.channel.value == "generic"
                else None
            )
            outcome = self._customer_message(conversation, message, found, decision, rating)
        if replying_to is not None and replying_to.ticket_id and replying_to.ticket_id != outcome.ticket_id:
            self._context_and_backup(replying_to.ticket_id, mention.ref, mention.created_at, "reply")
        return outcome

    def thread_root(self, mention: Mention) -> tuple[str | None, StoredMention | None]:
        """The public thread's root id and the stored parent message (walking stored parents)."""
        channel = mention.channel.value
        parent = self._message(channel, mention.parent_id) if mention.parent_id else None
        if mention.thread_root_id:
            return mention.thread_root_id, parent
        current, hops = parent, 0
        last_id = mention.parent_id
        while current is not None and hops < MAX_PARENT_HOPS:
            if current.mention.thread_root_id:
                return current.mention.thread_root_id, parent
            if not current.mention.parent_id:
                return current.mention.external_id, parent
            last_id = current.mention.parent_id
            current = self._message(channel, last_id)
            hops += 1
        return last_id or mention.external_id, parent

    def _customer_message(
        self,
        conversation: ConversationKey,
        message: InboundMessage,
        found: ConversationTickets,
        decision: RoutingDecision,
        rating: int | None = None,
    ) -> RouteOutcome:
        within = self.policy.csat.answer_within_hours
        looked_up = [found]  # the first attempt acts on the lookup routing decided with; a retry looks again

        def attempt() -> RouteOutcome:
            state = looked_up.pop() if looked_up else self._conversation(conversation)
            current = state.current
            if current is not None and current.holds(message.ref):
                return self._outcome(message.ref, "already_routed", current)
            if current is not None and rating is not None and current.awaits_csat(message.created_at, within):
                change = current.answer_csat(message, rating)  # the survey's answer: stored, nothing reopens
                self.tickets.save(change)
                return self._outcome(message.ref, "csat_answered", change.ticket)
            if current is not None and self._continues(current, message.created_at):
                change = current.add_customer_message(message, decision, self.policy)
                self.tickets.save(change)
                action = "reopened" if current.status is TicketStatus.RESOLVED else "joined"
                return self._outcome(message.ref, action, change.ticket, decision)
            # a new ticket (or the successor of one that ended) under the conversation's next id: the
            # put is conditional on no such item, so of racing messages one opens it and the others'
            # retry (Conflict) finds it and joins
            previous = current.ticket_id if current is not None else None
            change = Ticket.open(
                state.next_ticket_id,
                conversation,
                message,
                decision,
                self.policy,
                previous_ticket_id=previous,
            )
            self.tickets.save(change)
            return self._outcome(
                message.ref, "closed_as_spam" if decision.spam else "opened", change.ticket, decision
            )

        outcome = retry_on_conflict(attempt, what="threading")
        if outcome.ticket_id:
            self.mentions.attach(message.ref, outcome.ticket_id, MessageRole.CUSTOMER.value)
        if decision.incident_id and outcome.ticket_id:
            self._join_earlier(decision, outcome.ticket_id, message.created_at)
        return outcome

    def _continues(self, ticket: Ticket, at: datetime) -> bool:
        """Whether a new message belongs on this ticket (else the conversation gets a successor)."""
        if ticket.is_active:
            return True
        if ticket.status is TicketStatus.RESOLVED and ticket.resolved_at is not None:
            return at - ticket.resolved_at <= timedelta(days=self.policy.reopen_within_days)
        return False

    def _context_only(self, mention: Mention, replying_to: StoredMention) -> RouteOutcome:
        """A reply to another customer that needs no answer of its own: context on their ticket."""
        assert replying_to.ticket_id is not None
        ticket = self._context_and_backup(replying_to.ticket_id, mention.ref, mention.created_at, "reply")
        self.mentions.attach(mention.ref, replying_to.ticket_id, MessageRole.CONTEXT.value)
        return self._outcome(mention.ref, "context", ticket)

    def _quote_as_backup(self, mention: Mention, quoted: StoredMention) -> RouteOutcome:
        """A quote of another customer's message is their backup, shown as context; never a ticket."""
        assert quoted.ticket_id is not None
        ticket = self._context_and_backup(quoted.ticket_id, mention.ref, mention.created_at, "quote")
        self.mentions.attach(mention.ref, quoted.ticket_id, MessageRole.CONTEXT.value)
        return self._outcome(mention.ref, "backup", ticket)

    def _context_and_backup(self, ticket_id: str, ref: str, at: datetime, kind: str) -> Ticket | None:
        def attempt() -> Ticket | None:
            ticket = self._follow(self.tickets.get(ticket_id))
            if ticket is None or ticket.holds(ref):
                return ticket
            with_context = ticket.add_context(ref, at)
            backed = with_context.ticket.add_backup(
                1, kind, at, self._reevaluated(with_context.ticket, 1), self.policy
            )
            change = TicketChange(
                ticket=backed.ticket.model_copy(update={"version": ticket.version + 1}),
                events=(*with_context.events, *backed.events),
                expected_version=ticket.version,
            )
            self.tickets.save(change)
            return change.ticket

        return retry_on_conflict(attempt, what="backup")

    # -- backup, deletions, the brand's own messages ------------------------------------------------
    def route_backup(self, item: RouteItem) -> RouteOutcome:
        """Likes, reposts and reactions on a customer's message raise its ticket."""
        channel, _, external_id = (item.target or "").partition("#")
        target = self.mentions.get(channel, external_id) if item.target else None
        if target is None or not target.ticket_id or target.role != MessageRole.CUSTOMER.value:
            return RouteOutcome(ref=item.ref, action="backup_ignored")
        at = item.at or target.mention.created_at
        ticket_id = target.ticket_id

        def attempt() -> RouteOutcome:
            ticket = self._follow(self.tickets.get(ticket_id))
            if ticket is None:
                return RouteOutcome(ref=item.ref, action="backup_ignored")
            change = ticket.add_backup(
                item.count,
                item.backup_kind or "like",
                at,
                self._reevaluated(ticket, item.count),
                self.policy,
                ref=item.ref,
            )
            self.tickets.save(change)
            return self._outcome(item.ref, "backup", change.ticket)

        return retry_on_conflict(attempt, what="backup")

    def route_deletion(self, item: RouteItem) -> RouteOutcome:
        """A message was deleted: it leaves its ticket (withdrawn when no customer message remains)."""
        if not item.ticket_id:
            return RouteOutcome(ref=item.ref, action="deleted_unrouted")
        ticket_id = item.ticket_id
        at = item.at or datetime.now().astimezone()

        def attempt() -> RouteOutcome:
            ticket = self._follow(self.tickets.get(ticket_id))
            if ticket is None:
                return RouteOutcome(ref=item.ref, action="deleted_unrouted")
            change = ticket.message_deleted(item.ref, at, self.policy)
            if change.changed:
                self.tickets.save(change)
            withdrawn = (
                change.ticket.status is TicketStatus.CLOSED and ticket.status is not TicketStatus.CLOSED
            )
            return self._outcome(item.ref, "withdrawn" if withdrawn else "message_deleted", change.ticket)

        return retry_on_conflict(attempt, what="deletion")

    def route_brand_message(self, message: Mention) -> RouteOutcome:
        """The brand answered on the platform itself: the customer's ticket records it, the clock stops."""
        find = self._brand_message_ticket(message)
        if find is None:
            return RouteOutcome(ref=message.ref, action="brand_message_unmatched")

        def attempt() -> RouteOutcome:
            ticket = find()
            if ticket is None:
                return RouteOutcome(ref=message.ref, action="brand_message_unmatched")
            change = ticket.brand_replied(message.ref, message.created_at, self.policy)
            if change.changed:
                self.tickets.save(change)
            return self._outcome(message.ref, "brand_replied", change.ticket)

        return retry_on_conflict(attempt, what="brand reply")

    def _brand_message_ticket(self, message: Mention) -> Callable[[], Ticket | None] | None:
        """How to read the ticket the brand's message answers (each attempt reads it again), or None."""
        if message.kind is MentionKind.DIRECT_MESSAGE:
            customer = dm_customer(message)
            if customer is None:
                return None
            key = ConversationKey(
                channel=message.channel.value,
                brand_account=message.brand_account or "default",
                customer=customer,
            )
            return lambda: self._conversation(key).current
        parent = self.mentions.get(message.channel.value, message.parent_id) if message.parent_id else None
        if parent is None or parent.role != MessageRole.CUSTOMER.value or not parent.ticket_id:
            return None
        ticket_id = parent.ticket_id
        return lambda: self._follow(self.tickets.get(ticket_id))

    # -- surges ---------------------------------------------------------------------------------------
    def _decide(self, mention: Mention, c: Classification, ticket_id: str) -> RoutingDecision:
        facts = RoutingFacts.of(mention, c)
        surge = self.policy.surge
        if not (c.is_complaint and c.topic):
            return self.policy.decide(facts)
        active = self.incidents.active(c.topic)
        if (
            active is not None
            and active.status.value == "open"
            and not active.is_quiet(mention.created_at, surge.incident_quiet_minutes)
        ):  # the surge is an incident already: the complaint joins it, and counting it would add nothing
            self.incidents.join(active, ticket_id, mention.created_at)
            return self.policy.decide(
                facts.model_copy(update={"surge": True}), incident_id=active.incident_id
            )
        count, members = self.surge.count(c.topic, ticket_id, mention.created_at, surge.window_minutes)
        if count < surge.threshold:
            return self.policy.decide(facts)
        incident = self._incident(c.topic, mention.created_at, [*members, ticket_id])
        return self.policy.decide(facts.model_copy(update={"surge": True}), incident_id=incident.incident_id)

    def _incident(self, topic: str, at: datetime, members: list[str]) -> Incident:
        surge = self.policy.surge

        def attempt() -> Incident:
            active = self.incidents.active(topic)
            if (
                active is not None
                and active.status.value == "open"
                and not active.is_quiet(at, surge.incident_quiet_minutes)
            ):
                self.incidents.join(active, members[-1], at)
                return active
            opened = Incident.open(
                topic, surge.crisis_team, at, members, surge.threshold, surge.window_minutes
            )
            self.incidents.open(opened, replaces=active.incident_id if active else None)
            return opened.incident

        return retry_on_conflict(attempt, what="incident")

    def _join_earlier(self, decision: RoutingDecision, current_ticket: str, at: datetime) -> None:
        """When a surge opens an incident, the complaints counted before the threshold join it too.

        Done once per incident, recorded on it (``earlier_joined``): every later message is routed with
        the incident already, so re-reading the incident's tickets per message would make a viral
        complaint quadratic; and an execution that failed midway leaves the flag unset, so its retry
        (or the next message) finishes the joins.
        """
        incident = self.incidents.get(decision.incident_id or "")
        if incident is None or incident.earlier_joined:
            return
        for ticket_id in incident.tickets:
            if ticket_id == current_ticket:
                continue

            def attempt(ticket_id: str = ticket_id) -> None:
                ticket = self._follow(self.tickets.get(ticket_id))
                if ticket is None or ticket.incident_id == incident.incident_id or not ticket.is_active:
                    return
                latest = self._latest_mention(ticket)
                if latest is None:
                    return
                facts = RoutingFacts.of(latest, self.classify(latest), surge=True, backup=ticket.backup)
                surged = self.policy.decide(facts, incident_id=incident.incident_id)
                change = ticket.join_incident(incident.incident_id, surged, at, self.policy)
                if change.changed:
                    self.tickets.save(change)

            retry_on_conflict(attempt, what="incident join")

        def mark() -> None:
            current = self.incidents.get(incident.incident_id)
            if current is not None and not current.earlier_joined:
                self.incidents.save(current.earlier_members_joined())

        retry_on_conflict(mark, what="incident join")

    # -- triage ---------------------------------------------------------------------------------------
    def triage(self, item: RouteItem, error: str, cause: str) -> RouteOutcome:
        """Routing failed for real: the conversation's ticket (opened if needed) waits in triage.

        The ticket is the conversation's, found the way routing finds it, so a triaged message never
        splits a conversation into two tickets.
        """
        if item.kind != "mention" or item.mention is None:
            # a deletion, backup or brand message changes a ticket that is already routed: nothing
            # waits in triage, so the change is applied again (its first try ran out of retries)
            try:
                return self.route(item)
            except TRANSIENT:
                raise
            except (DomainError, ValueError):
                return RouteOutcome(ref=item.ref, action="not_triaged")
        mention = item.mention
        try:
            root, _ = self.thread_root(mention)
        except (DomainError, ValueError):
            root = mention.thread_root_id
        conversation = ConversationKey.of(mention, root)
        recorded = f"{error}: {cause}"[:500]
        message = InboundMessage(
            ref=mention.ref,
            created_at=mention.created_at,
            received_at=item.received_at or mention.created_at,
            customer=Customer.of(mention),
            private=conversation.private,
        )
        decision = RoutingDecision(
            rule="triage",
            team=self.policy.triage_team,
            priority=self.policy.triage_priority,
            sla=self.policy.default_sla,
        )

        def attempt() -> RouteOutcome:
            found = self._conversation(conversation)
            current = found.current
            if current is None:
                opened = Ticket.open(found.next_ticket_id, conversation, message, decision, self.policy)
                self.tickets.save(opened)
                current = opened.ticket
            elif current.holds(mention.ref):  # the message was routed before the failure: keep it there
                return self._outcome(mention.ref, "already_routed", current)
            else:
                change = current.add_customer_message(message, decision, self.policy)
                self.tickets.save(change)
                current = change.ticket
            change = current.triage(recorded, mention.created_at, self.policy)
            self.tickets.save(change)
            return self._outcome(mention.ref, "triaged", change.ticket)

        outcome = retry_on_conflict(attempt, what="triage")
        if outcome.ticket_id:
            self.mentions.attach(mention.ref, outcome.ticket_id, MessageRole.CUSTOMER.value)
        return outcome

    # -- helpers --------------------------------------------------------------------------------------
    def _reevaluated(self, ticket: Ticket, more_backup: int) -> RoutingDecision | None:
        """The ticket's latest customer message routed again with the backup it now has."""
        latest = self._latest_mention(ticket)
        if latest is None:
            return None
        facts = RoutingFacts.of(latest, self.classify(latest), backup=ticket.backup + more_backup)
        return self.policy.decide(facts, incident_id=ticket.incident_id)

    def _latest_mention(self, ticket: Ticket) -> Mention | None:
        latest = ticket.latest_customer_message()
        if latest is None:
            return None
        channel, _, external_id = latest.ref.partition("#")
        stored = self.mentions.get(channel, external_id)
        return stored.mention if stored is not None and not stored.deleted else None

    def _conversation(self, conversation: ConversationKey) -> ConversationTickets:
        return conversation_tickets(self.tickets, conversation.digest)

    def _follow(self, ticket: Ticket | None) -> Ticket | None:
        return follow_merges(self.tickets, ticket)

    def _message(self, channel: str, external_id: str | None) -> StoredMention | None:
        if not external_id:
            return None
        return self.mentions.get(channel, external_id) or self.mentions.brand_message(channel, external_id)

    def _other_customers_message(self, mention: Mention, external_id: str | None) -> StoredMention | None:
        if not external_id:
            return None
        return self._other_customers(mention, self.mentions.get(mention.channel.value, external_id))

    @staticmethod
    def _other_customers(mention: Mention, stored: StoredMention | None) -> StoredMention | None:
        """``stored`` when it is another customer's inbound message (not the brand's, not the author's)."""
        if stored is None or stored.mention.direction.value != "inbound":
            return None
        mine, theirs = Customer.of(mention).key, Customer.of(stored.mention).key
        return stored if theirs is not None and theirs != mine else None

    @staticmethod
    def _outcome(
        ref: str, action: str, ticket: Ticket | None, decision: RoutingDecision | None = None
    ) -> RouteOutcome:
        return RouteOutcome(
            ref=ref,
            action=action,
            ticket_id=ticket.ticket_id if ticket else None,
            team=ticket.team if ticket else None,
            priority=ticket.priority.value if ticket else None,
            rule=decision.rule if decision else None,
            incident_id=ticket.incident_id if ticket else None,
        )


def dm_customer(message: Mention) -> str | None:
    """The customer of a brand's DM: parsers name the conversation ``dm:<customer id>``."""
    root = message.thread_root_id or ""
    for prefix in ("dm:", "wa:"):
        if root.startswith(prefix):
            return root[len(prefix) :] or None
    return None
