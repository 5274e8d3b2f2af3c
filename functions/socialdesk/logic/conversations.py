"""Finding a conversation's current ticket: its tickets' derived ids read in turn, no link item."""

from __future__ import annotations

from socialdesk.dal.ports import TicketRepository
from socialdesk.domain.ticket import ConversationTickets, Ticket, conversation_ticket_id

__all__ = ["conversation_tickets", "follow_merges"]

#: how many merges a lookup follows at most
MAX_MERGE_HOPS = 5


def conversation_tickets(tickets: TicketRepository, conversation: str) -> ConversationTickets:
    """The conversation's current ticket and the id its next one opens under.

    A conversation's tickets have derived ids, one per generation (:func:`conversation_ticket_id`).
    Generation g + 1 is opened only by a writer that read g, and tickets are never deleted, so they
    are generations 0 to n - 1 with none missing: the lookup reads them in turn until one is absent,
    and the last present is the current one. Generation 0 is read with the link an earlier version
    may have written, in one request: a new conversation costs one request, one with one ticket two
    (the absent next generation), each successor one more.

    Parameters
    ----------
    tickets
        The ticket store.
    conversation
        The conversation's digest (:attr:`ConversationKey.digest`).

    Notes
    -----
    A conversation none of whose tickets has a derived id may have been linked by an earlier version
    (a ``CONV#`` item, no longer written): that link's ticket is then its latest, and its next ticket
    is generation 0, which every later lookup finds first.
    """
    first, linked = tickets.conversation_start(conversation)
    generation, latest, found = 0, None, first
    while found is not None:
        latest, generation = found, generation + 1
        found = tickets.get(conversation_ticket_id(conversation, generation))
    if latest is None:
        latest = tickets.get(linked) if linked else None
    return ConversationTickets.of(
        latest, follow_merges(tickets, latest), conversation_ticket_id(conversation, generation)
    )


def follow_merges(tickets: TicketRepository, ticket: Ticket | None) -> Ticket | None:
    """A merged ticket redirects to the one it was merged into (a few hops at most)."""
    hops = 0
    while ticket is not None and ticket.merged_into and hops < MAX_MERGE_HOPS:
        ticket = tickets.get(ticket.merged_into)
        hops += 1
    return ticket
