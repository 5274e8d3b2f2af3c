"""Use case: erase a person's content — their mentions' text and identity, archived payloads, and the
customer name on their tickets — when they revoke access or ask Meta for deletion."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialdesk.domain.errors import Conflict

if TYPE_CHECKING:
    from socialdesk.dal.erasures import DynamoErasureRequests
    from socialdesk.dal.ports import MentionRepository, RawPayloadArchive
    from socialdesk.dal.tickets import DynamoTicketRepository

ERASED = "[erased]"


def erase_person(
    request: dict[str, Any],
    now: datetime,
    *,
    mentions: MentionRepository,
    archive: RawPayloadArchive,
    tickets: DynamoTicketRepository,
    erasures: DynamoErasureRequests,
) -> int:
    """Carry out one recorded erasure request; idempotent (erasing twice erases nothing more).

    Returns how many messages were erased.
    """
    if request.get("status") == "completed":
        return 0
    erased = 0
    touched_tickets: set[str] = set()
    for channel in request["channels"]:
        for item in mentions.by_author(channel, request["author_id"]):
            if item.get("raw_ref"):
                archive.delete(item["raw_ref"])
            mentions.erase({"PK": item["PK"], "SK": item["SK"]}, now)
            erased += 1
            if item.get("ticket_id"):
                touched_tickets.add(str(item["ticket_id"]))
    for ticket_id in sorted(touched_tickets):
        _scrub_ticket(ticket_id, request["request_id"], now, tickets)
    erasures.complete(request["request_id"], erased, now)
    return erased


def _scrub_ticket(ticket_id: str, request_id: str, now: datetime, tickets: DynamoTicketRepository) -> None:
    for _ in range(4):
        ticket = tickets.get(ticket_id)
        if ticket is None or ticket.customer == ERASED:
            return
        scrubbed = ticket.model_copy(update={"customer": ERASED, "version": ticket.version + 1})
        try:
            tickets.save(
                scrubbed,
                ticket.version,
                "CustomerErased",
                request_id,
                now,
                {"request": request_id},
                actor="system:privacy",
            )
        except Conflict:
            continue
        return
