"""A conversation's tickets have derived ids, one per generation: found by reading them, opened by one
conditional put, no link item — and conversations an earlier version linked (``CONV#``) still work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from socialdesk.dal.config import packaged_policy
from socialdesk.domain.conversation import ConversationKey
from socialdesk.domain.mention import Mention
from socialdesk.domain.ticket import Ticket, TicketStatus, conversation_ticket_id, ticket_id_for
from socialdesk.logic.conversations import conversation_tickets
from socialdesk.logic.outreach import OutreachRequest, start_outreach
from tests.support.fakes import NOW, FakeTickets
from tests.unit.test_conversations import COMPLAINT, Desk, dm, tweet
from tests.unit.test_desk_features import ANN

LATER = NOW + timedelta(days=30)  # past the reopen window: the conversation gets a successor


def digest(mention: Mention, root: Mention | None = None) -> str:
    return ConversationKey.of(mention, (root or mention).external_id).digest


def resolve(desk: Desk, ticket_id: str, at: Any = NOW + timedelta(hours=1)) -> None:
    ticket = desk.tickets.get(ticket_id)
    assert ticket is not None
    desk.tickets.save(ticket.resolve("answered", "agent", at, desk.policy))


def as_an_earlier_version_left_it(desk: Desk, first: Mention) -> str:
    """Re-file the conversation's ticket as earlier versions stored it: under an id from its first
    message, pointed at by a link item."""
    ticket = desk.ticket_of(first)
    old = ticket.model_copy(update={"ticket_id": ticket_id_for(first.ref)})
    del desk.tickets.tickets[ticket.ticket_id]
    desk.tickets.tickets[old.ticket_id] = old
    desk.tickets.links[ticket.conversation] = old.ticket_id
    stored = desk.mentions.stored[first.ref]
    desk.mentions.stored[first.ref] = stored.model_copy(update={"ticket_id": old.ticket_id})
    return old.ticket_id


class CountingTickets(FakeTickets):
    """The fake ticket store, counting the items read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, ticket_id: str) -> Ticket | None:
        self.reads.append(ticket_id)
        return super().get(ticket_id)

    def conversation_start(self, digest: str) -> tuple[Ticket | None, str | None]:
        self.reads.append(f"[{conversation_ticket_id(digest, 0)} CONV#{digest}]")  # one request
        return super().get(conversation_ticket_id(digest, 0)), self.links.get(digest)


def test_a_conversations_tickets_are_its_generations_and_no_link_is_written() -> None:
    # Given Vic's complaint: its ticket is the conversation's first generation
    desk = Desk()
    first = tweet(COMPLAINT, handle="vic")
    opened = desk.receive(first)
    conversation = digest(first)
    assert opened.ticket_id == conversation_ticket_id(conversation, 0)
    # When the conversation goes on twice after its ticket was resolved long before
    resolve(desk, opened.ticket_id)
    second = tweet("@brand it happened again!", handle="vic", parent=first, at=LATER)
    successor = desk.receive(second)
    resolve(desk, successor.ticket_id, LATER + timedelta(hours=1))
    third = tweet("@brand and again", handle="vic", parent=first, at=LATER + timedelta(days=30))
    last = desk.receive(third)
    # Then each successor is the next generation, linked to the one before; no link item exists
    assert (successor.action, last.action) == ("opened", "opened")
    assert [successor.ticket_id, last.ticket_id] == [conversation_ticket_id(conversation, g) for g in (1, 2)]
    chain = [desk.tickets.get(t) for t in (successor.ticket_id, last.ticket_id)]
    assert [t.previous_ticket_id for t in chain if t] == [opened.ticket_id, successor.ticket_id]
    assert desk.tickets.links == {}
    # And a message soon after joins the latest
    joined = desk.receive(tweet("@brand hello?", handle="vic", parent=third, at=third.created_at))
    assert (joined.action, joined.ticket_id) == ("joined", last.ticket_id)


def test_an_earlier_ticket_reopened_by_an_agent_leaves_the_conversation_on_its_latest() -> None:
    desk = Desk()
    first = tweet(COMPLAINT, handle="wes")
    old = desk.receive(first).ticket_id
    resolve(desk, old)
    latest = desk.receive(tweet("@brand again!", handle="wes", parent=first, at=LATER)).ticket_id
    reopened = desk.tickets.get(old)
    assert reopened is not None
    desk.tickets.save(reopened.reopen("agent", LATER, desk.policy))
    outcome = desk.receive(tweet("@brand hello?", handle="wes", parent=first, at=LATER + timedelta(hours=1)))
    assert (outcome.action, outcome.ticket_id) == ("joined", latest)


def test_a_conversation_an_earlier_version_linked_goes_on_on_its_ticket_then_on_generation_0() -> None:
    # Given a conversation stored by an earlier version: its ticket id from its first message, a link
    desk = Desk()
    first = tweet(COMPLAINT, handle="olga")
    desk.receive(first)
    old = as_an_earlier_version_left_it(desk, first)
    # When Olga writes again: her message joins the linked ticket
    again = desk.receive(
        tweet("@brand still nothing", handle="olga", parent=first, at=NOW + timedelta(hours=1))
    )
    assert (again.action, again.ticket_id) == ("joined", old)
    # When her ticket was resolved long ago: the successor is generation 0, linked to the old ticket
    resolve(desk, old, NOW + timedelta(hours=2))
    later = desk.receive(tweet("@brand it broke again", handle="olga", parent=first, at=LATER))
    conversation = digest(first)
    assert (later.action, later.ticket_id) == ("opened", conversation_ticket_id(conversation, 0))
    successor = desk.tickets.get(later.ticket_id)
    assert successor is not None and successor.previous_ticket_id == old
    # Then the conversation goes on there (the link is no longer what finds it, nor rewritten)
    joined = desk.receive(tweet("@brand hi?", handle="olga", parent=first, at=LATER + timedelta(minutes=5)))
    assert (joined.action, joined.ticket_id) == ("joined", later.ticket_id)
    assert desk.tickets.links == {conversation: old}


def test_a_link_an_earlier_version_wrote_to_a_ticket_it_never_stored_opens_generation_0() -> None:
    # Given a link an earlier version wrote before it crashed (it wrote the link, then the ticket)
    desk = Desk()
    first = tweet(COMPLAINT, handle="rex")
    desk.tickets.links[digest(first)] = ticket_id_for("x#0")
    # When the conversation's message is routed, it opens the conversation's first generation
    outcome = desk.receive(first)
    assert (outcome.action, outcome.ticket_id) == ("opened", conversation_ticket_id(digest(first), 0))
    assert list(desk.tickets.tickets) == [outcome.ticket_id]


def test_after_erasure_the_persons_next_message_opens_a_ticket_linked_to_nothing() -> None:
    desk = Desk()
    for linked_by_an_earlier_version in (False, True):
        handle = f"pia{int(linked_by_an_earlier_version)}"
        # Given the person's open ticket (linked, or found by its derived id), erased with the person
        first = tweet(COMPLAINT, handle=handle)
        erased = desk.receive(first).ticket_id
        if linked_by_an_earlier_version:
            erased = as_an_earlier_version_left_it(desk, first)
        ticket = desk.tickets.get(erased)
        assert ticket is not None and ticket.status is TicketStatus.OPEN
        desk.tickets.save(ticket.erase_customer("erasure-1", NOW + timedelta(minutes=1)))
        desk.tickets.unlink_conversation(ticket.conversation)
        # When they write in the same conversation again
        at = NOW + timedelta(minutes=2)
        outcome = desk.receive(tweet("@brand hello again", handle=handle, parent=first, at=at))
        # Then it is a new ticket that points at nothing, and the erased one is untouched
        fresh = desk.tickets.get(outcome.ticket_id)
        assert outcome.action == "opened" and fresh is not None and outcome.ticket_id != erased
        assert fresh.previous_ticket_id is None and fresh.customer.handle == handle
        assert [m.ref for m in desk.tickets.get(erased).messages] == [first.ref]  # type: ignore[union-attr]


def test_a_follow_up_racing_the_customers_message_ends_on_one_ticket() -> None:
    # Given Dora's DM ticket, resolved two days ago (past a one-day reopen window)
    desk = Desk(packaged_policy("default").model_copy(update={"reopen_within_days": 1}))
    old = desk.receive(dm("where is my parcel", handle="dora")).ticket_id
    resolve(desk, old)
    at = NOW + timedelta(days=2)
    answer = dm("hello? my parcel is still not here", handle="dora", at=at)
    request = OutreachRequest(
        channel=answer.channel,
        customer_id="u-dora",
        brand_account="brand-1",
        team="customer-care",
        reason="order_delivered",
        text="Your order 1234 was delivered — all good?",
    )
    raced = {"done": False}

    def interleave(ticket_id: str) -> None:  # Dora's message is routed as the follow-up is about to open
        if not raced["done"]:
            raced["done"] = True
            desk.receive(answer)

    # When the follow-up and Dora's new message both find the conversation's ticket ended
    desk.tickets.before_write = interleave
    outcome = start_outreach(ANN, request, at, tickets=desk.tickets, replies=desk.tickets, policy=desk.policy)
    desk.tickets.before_write = None
    # Then her message opened the successor, and the follow-up, refused its own, went onto it
    assert raced["done"]
    successor = desk.ticket_of(answer)
    assert outcome.ticket_id == successor.ticket_id and not outcome.new_ticket
    assert successor.previous_ticket_id == old and len(desk.tickets.tickets) == 2
    assert [r["kind"] for r in desk.tickets.replies(successor.ticket_id)] == ["outreach"]


def test_finding_a_conversations_ticket_reads_what_its_link_and_ticket_did_in_fewer_requests() -> None:
    # Given the desk counting the requests it reads with
    desk = Desk()
    desk.tickets = desk.router.tickets = CountingTickets()
    first = tweet(COMPLAINT, handle="quin")
    conversation = digest(first)
    start = f"[{conversation_ticket_id(conversation, 0)} CONV#{conversation}]"
    # When a message opens a conversation: its first generation and an earlier link (both absent), in
    # one request
    desk.receive(first)
    assert desk.tickets.reads == [start]
    # When the next joins it: that request, then the absent next generation (once for the routing)
    desk.tickets.reads.clear()
    desk.receive(tweet("@brand hello?", handle="quin", parent=first, at=NOW + timedelta(minutes=5)))
    assert desk.tickets.reads == [start, conversation_ticket_id(conversation, 1)]
    # And a conversation with no ticket opens its first generation
    found = conversation_tickets(desk.tickets, "a-conversation-with-none")
    assert found.current is None and found.next_ticket_id == conversation_ticket_id(
        "a-conversation-with-none", 0
    )
