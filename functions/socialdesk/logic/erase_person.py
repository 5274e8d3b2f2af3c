"""Use case: erase a person completely when they revoke access or ask Meta for deletion.

Everything SocialDesk keeps that names them goes: their messages' text, attachments and identity;
the archived raw payloads of their messages and of every message on their tickets (other people's
payloads quote them: ``in_reply_to_screen_name``, ids); their handle or name inside other people's
messages on those tickets; their identity on their tickets (a ticket erased ends its conversation:
what the person writes next opens a ticket linked to nothing before), the conversation links earlier
versions wrote, the text and recipient of the replies sent to them, the brand's messages to them.
Ids of messages, ticket states and the audit trail stay, so the desk's figures still add up.
Idempotent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from socialdesk.dal.learning_ports import CorrectionStore
from socialdesk.dal.ports import MentionRepository, RawPayloadArchive, ReplyStore, TicketRepository
from socialdesk.domain.ticket import MessageRole, Ticket
from socialdesk.logic.conflicts import retry_on_conflict

ERASED_TEXT = "[erased]"


class ErasureLog(Protocol):
    """Where erasure requests are recorded and completed."""

    def complete(
        self, request_id: str, erased: int, at: datetime, summary: dict[str, int] | None = None
    ) -> None:
        """Mark the request done with what was erased (the person's id is dropped from the record)."""
        ...


def erase_person(
    request: dict[str, Any],
    now: datetime,
    *,
    mentions: MentionRepository,
    archive: RawPayloadArchive,
    tickets: TicketRepository,
    replies: ReplyStore,
    erasures: ErasureLog,
    corrections: CorrectionStore | None = None,
) -> int:
    """Carry out one recorded erasure request; returns how many of the person's messages were erased."""
    if request.get("status") == "completed" or not request.get("author_id"):
        return 0
    author_id = str(request["author_id"])
    request_id = str(request["request_id"])
    found: list[dict[str, Any]] = []
    names: set[str] = set()
    for channel in request["channels"]:
        for item in mentions.by_author(channel, author_id):
            stored = mentions.get(str(item["channel"]), str(item["external_id"]))
            if stored is not None:
                names.update(n for n in (stored.mention.author.handle, stored.mention.author.name) if n)
            found.append(item)
    touched = {str(i["ticket_id"]) for i in found if i.get("ticket_id")}
    payloads = 0
    for item in found:
        for raw in mentions.raw_refs(f"{item['channel']}#{item['external_id']}"):
            archive.delete(raw)
            payloads += 1
        mentions.erase({"PK": item["PK"], "SK": item["SK"]}, now)
    identities = {author_id, *(f"@{n.lower()}" for n in names if n)}
    terms = sorted({author_id, *names, *(f"@{n}" for n in names)}, key=len, reverse=True)
    tickets_erased = 0
    for ticket_id in sorted(touched):
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        mine = {f"{i['channel']}#{i['external_id']}" for i in found}
        payloads += _scrub_thread(ticket, mine, terms, mentions, archive)
        if ticket.customer.key in identities or ticket.customer.key is None:
            tickets_erased += _forget_customer(ticket, request_id, now, tickets, replies, mentions, archive)
            if corrections is not None:  # labelled examples hold the customer's message text
                corrections.forget_ticket(ticket.ticket_id)

    erasures.complete(
        request_id, len(found), now, {"messages": len(found), "tickets": tickets_erased, "payloads": payloads}
    )
    return len(found)


def _scrub_thread(
    ticket: Ticket, mine: set[str], terms: list[str], mentions: MentionRepository, archive: RawPayloadArchive
) -> int:
    """Other people's messages on the ticket: their payloads go, the person's name leaves their text."""
    dropped = 0
    refs = [m.ref for m in ticket.messages if m.role is not MessageRole.BRAND and m.ref not in mine]
    for ref, stored in mentions.get_many(refs).items():
        payloads = mentions.raw_refs(ref)
        for raw in payloads:
            archive.delete(raw)
        dropped += len(payloads)
        if stored.mention.text and _mentions_any(stored.mention.text, terms):
            mentions.redact(ref, terms, ERASED_TEXT)
        elif payloads:
            channel, _, external_id = ref.partition("#")
            mentions.forget_payloads(channel, external_id)
    return dropped


def _forget_customer(
    ticket: Ticket,
    request_id: str,
    now: datetime,
    tickets: TicketRepository,
    replies: ReplyStore,
    mentions: MentionRepository,
    archive: RawPayloadArchive,
) -> int:
    def attempt() -> None:
        current = tickets.get(ticket.ticket_id)
        if current is not None:
            tickets.save(current.erase_customer(request_id, now))

    retry_on_conflict(attempt, what="erasure")
    tickets.unlink_conversation(ticket.conversation)  # a link an earlier version wrote, if any
    for reply in replies.replies(ticket.ticket_id):
        replies.update_reply(
            ticket.ticket_id,
            reply["reply_id"],
            {"text": ERASED_TEXT, "recipient": None, "recipient_label": None, "endpoint": None},
        )
    for message in ticket.messages:
        if message.role is MessageRole.BRAND:
            channel, _, external_id = message.ref.partition("#")
            brand = mentions.brand_message(channel, external_id)
            for raw in [brand.mention.raw_ref] if brand and brand.mention.raw_ref else []:
                archive.delete(raw)
            mentions.erase({"PK": f"OUTBOUND#{channel}#{external_id}", "SK": "MESSAGE"}, now)

    for reply in replies.replies(ticket.ticket_id):
        if reply.get("external_id"):
            mentions.erase(
                {"PK": f"OUTBOUND#{reply['channel']}#{reply['external_id']}", "SK": "MESSAGE"}, now
            )
    return 1


def _mentions_any(text: str, terms: list[str]) -> bool:
    lowered = text.lower()
    return any(term.lower() in lowered for term in terms if term)


def redacted(text: str, terms: list[str], replacement: str) -> str:
    """``text`` with every term (case-insensitive) replaced."""
    for term in terms:
        if term:
            text = re.sub(re.escape(term), replacement, text, flags=re.IGNORECASE)
    return text
