"""Reading a team's queues whole (assignment counts, reports): the queue index, page by page."""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.dal.ports import TicketRepository
from socialdesk.domain.ticket import Ticket, TicketStatus


def team_tickets(tickets: TicketRepository, team: str, statuses: Iterable[TicketStatus]) -> list[Ticket]:
    """Every ticket of ``team`` in ``statuses`` (no scan: one query per status and page)."""
    found: list[Ticket] = []
    for status in statuses:
        cursor = None
        while True:
            page, cursor = tickets.queue(team, status, 100, cursor)
            found.extend(page)
            if not cursor:
                break
    return found
