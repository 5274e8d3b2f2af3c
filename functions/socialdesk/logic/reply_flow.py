"""The reply flow as the API runs it: once per Idempotency-Key, record, send, and queue a retry on failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialdesk.domain.access import Principal
from socialdesk.logic.respond import ReplyRequest, Sender, deliver_reply, new_reply_id, record_reply

if TYPE_CHECKING:
    from socialdesk.dal.ports import MentionRepository
    from socialdesk.dal.tickets import DynamoTicketRepository

#: wraps a function of one dict so that the same dict (same key) runs once and replays its result
Once = Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Callable[[dict[str, Any]], dict[str, Any]]]


@dataclass
class ReplyService:
    """Reply use case with its collaborators injected by the composition root."""

    tickets: DynamoTicketRepository
    mentions: MentionRepository
    send: Sender
    enqueue_retry: Callable[[str, str], None]
    clock: Callable[[], datetime]
    once: Once

    def reply(
        self, principal: Principal, ticket_id: str, request: ReplyRequest, key: str | None
    ) -> dict[str, Any]:
        """Record, send, report. With an idempotency key a retried click never posts twice."""
        command = {
            "ticket_id": ticket_id,
            "subject": principal.subject,
            "key": key,
            "text": request.text,
            "private": request.private,
            "teams": sorted(principal.teams),
            "role": principal.role.value,
        }
        run = self._run if key is None else self.once(self._run)
        return run(command)

    def _run(self, command: dict[str, Any]) -> dict[str, Any]:
        principal = Principal(
            subject=command["subject"], teams=frozenset(command["teams"]), role=command["role"]
        )
        request = ReplyRequest(text=command["text"], private=command["private"])
        reply_id = new_reply_id(command["ticket_id"], command["key"], principal.subject)
        reply = record_reply(
            principal,
            command["ticket_id"],
            request,
            reply_id,
            self.clock(),
            tickets=self.tickets,
            mentions=self.mentions,
        )
        outcome = deliver_reply(reply, self.clock(), send=self.send, tickets=self.tickets)
        if outcome.retrying:
            self.enqueue_retry(outcome.ticket_id, outcome.reply_id)
        return outcome.model_dump(mode="json")

    def retry(self, ticket_id: str, reply_id: str) -> dict[str, Any]:
        """Send a stored reply again (the retry queue's consumer); raises when it should be retried later."""
        reply = self.tickets.reply(ticket_id, reply_id)
        if reply is None:
            return {"reply_id": reply_id, "status": "missing"}
        outcome = deliver_reply(reply, self.clock(), send=self.send, tickets=self.tickets)
        if outcome.retrying:
            raise RetryLater(f"reply {reply_id}: {outcome.error}")
        return outcome.model_dump(mode="json")


class RetryLater(Exception):
    """Delivery failed with a retryable error: leave the message on the queue."""
