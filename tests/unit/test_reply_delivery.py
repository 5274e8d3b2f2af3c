"""A delivered reply's follow-ups (the ticket's clock stops, the sent message is remembered) survive a
fault between them: any later attempt completes them, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialdesk.channels.outbound import Delivered, OutboundReply
from socialdesk.domain.access import Principal, Role
from socialdesk.domain.errors import StorageUnavailable
from socialdesk.domain.ticket import TicketStatus
from socialdesk.logic.respond import ReplyRequest, deliver_reply, record_reply
from tests.support.fakes import NOW
from tests.unit.test_conversations import COMPLAINT, Desk, tweet

AGENT = Principal(subject="agent-1", teams=frozenset(), role=Role.ADMIN)


def test_a_clock_stop_that_failed_after_the_reply_was_recorded_sent_is_completed_by_the_retry() -> None:
    desk = Desk()
    complaint = tweet(COMPLAINT, handle="nia")
    desk.receive(complaint)
    ticket = desk.ticket_of(complaint)
    assert ticket.response is not None
    reply = record_reply(
        AGENT,
        ticket.ticket_id,
        ReplyRequest(text="So sorry Nia, on it"),
        "R-1",
        NOW,
        tickets=desk.tickets,
        replies=desk.tickets,
        mentions=desk.mentions,
    )
    posts: list[OutboundReply] = []

    def send(outbound: OutboundReply) -> Delivered:
        posts.append(outbound)
        return Delivered(external_id="999", endpoint="POST https://api.x.com/2/tweets")

    def throttled(_: str) -> None:
        raise StorageUnavailable("ticket store: ThrottlingException")

    at = NOW + timedelta(minutes=4)
    desk.tickets.before_write = throttled  # the ticket write after "sent" is recorded fails
    with pytest.raises(StorageUnavailable):
        deliver_reply(reply, at, send=send, tickets=desk.tickets, replies=desk.tickets, policy=desk.policy)
    assert desk.tickets.reply(ticket.ticket_id, "R-1")["status"] == "sent"  # type: ignore[index]
    assert desk.tickets.get(ticket.ticket_id).response is not None  # type: ignore[union-attr]

    desk.tickets.before_write = None
    stored = desk.tickets.reply(ticket.ticket_id, "R-1")
    assert stored is not None
    for _ in range(2):  # the agent's retry, then the sweep: each completes, neither resends
        outcome = deliver_reply(
            stored,
            at + timedelta(minutes=1),
            send=send,
            tickets=desk.tickets,
            replies=desk.tickets,
            policy=desk.policy,
        )
        assert outcome.status == "sent"
    answered = desk.tickets.get(ticket.ticket_id)
    assert answered is not None and answered.response is None
    assert answered.first_response_at == at and answered.status is TicketStatus.PENDING
    assert len(posts) == 1 and len(desk.tickets.sent_messages) == 1
    assert desk.tickets.types(ticket.ticket_id).count("ReplyDelivered") == 1
