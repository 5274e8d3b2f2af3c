"""The reply flow as the API and the outbox run it: once per Idempotency-Key, record, deliver, retry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialdesk.dal.ports import MentionRepository, ReplyStore, TicketRepository
from socialdesk.domain.access import Principal
from socialdesk.domain.routing import RoutingPolicy
from socialdesk.logic.respond import (
    Lookup,
    ReplyOutcome,
    ReplyRequest,
    Sender,
    deliver_reply,
    new_reply_id,
    record_reply,
)

#: wraps a function of one dict so that the same dict (same key) runs once and replays its result
Once = Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Callable[[dict[str, Any]], dict[str, Any]]]


@dataclass
class ReplyService:
    """Reply use case with its collaborators injected by the composition root."""

    tickets: TicketRepository
    replies: ReplyStore
    mentions: MentionRepository
    send: Sender
    enqueue_retry: Callable[[str, str], None]
    clock: Callable[[], datetime]
    once: Once
    policy: Callable[[], RoutingPolicy]
    lookup: Lookup | None = None
    #: sees every delivery outcome (the composition root counts the ones nobody can verify)
    observe: Callable[[ReplyOutcome], None] = lambda _: None

    def reply(
        self, principal: Principal, ticket_id: str, request: ReplyRequest, key: str | None
    ) -> dict[str, Any]:
        """Record, deliver, report. With an idempotency key a retried click never posts twice.

        The key makes the reply id deterministic, so even a retry after a failure midway (the
        idempotency record is dropped on an error) finds the stored reply and delivers only what
        was not delivered yet.
        """
        command = {
            "ticket_id": ticket_id,
            "subject": principal.subject,
            "key": key,
            "text": request.text,
            "private": request.private,
            "in_reply_to": request.in_reply_to,
            "teams": sorted(principal.teams),
            "role": principal.role.value,
        }
        run = self._run if key is None else self.once(self._run)
        return run(command)

    def _run(self, command: dict[str, Any]) -> dict[str, Any]:
        principal = Principal(
            subject=command["subject"], teams=frozenset(command["teams"]), role=command["role"]
        )
        request = ReplyRequest(
            text=command["text"], private=command["private"], in_reply_to=command["in_reply_to"]
        )
        reply_id = new_reply_id(command["ticket_id"], command["key"], principal.subject)
        reply = record_reply(
            principal,
            command["ticket_id"],
            request,
            reply_id,
            self.clock(),
            tickets=self.tickets,
            replies=self.replies,
            mentions=self.mentions,
            inline=True,
        )
        return self._deliver(reply).model_dump(mode="json")

    def _deliver(self, reply: dict[str, Any]) -> ReplyOutcome:
        outcome = deliver_reply(
            reply,
            self.clock(),
            send=self.send,
            tickets=self.tickets,
            replies=self.replies,
            policy=self.policy(),
            lookup=self.lookup,
        )
        self.observe(outcome)
        if outcome.retrying:
            self.enqueue_retry(outcome.ticket_id, outcome.reply_id)
        return outcome

    def recorded(self, reply: dict[str, Any]) -> None:
        """The outbox saw a reply recorded: deliver it, or, when its caller delivers it inline, check on
        it after the retry queue's delay (a caller that died midway is covered; a live one is not raced)."""
        if reply.get("inline"):
            self.enqueue_retry(str(reply["ticket_id"]), str(reply["reply_id"]))
        else:
            self.retry(str(reply["ticket_id"]), str(reply["reply_id"]), from_queue=False)

    def retry(self, ticket_id: str, reply_id: str, *, from_queue: bool = True) -> dict[str, Any]:
        """Deliver a stored reply that is still queued or failed retryably.

        From the retry queue a retryable failure raises :class:`RetryLater` (SQS redelivers the
        message, then its dead-letter queue); from the outbox or the sweep it queues a retry.
        """
        reply = self.replies.reply(ticket_id, reply_id)
        if reply is None:
            return {"reply_id": reply_id, "status": "missing"}
        outcome = deliver_reply(
            reply,
            self.clock(),
            send=self.send,
            tickets=self.tickets,
            replies=self.replies,
            policy=self.policy(),
            lookup=self.lookup,
        )
        self.observe(outcome)
        if outcome.retrying:
            if from_queue:
                raise RetryLater(f"reply {reply_id}: {outcome.error}")
            self.enqueue_retry(outcome.ticket_id, outcome.reply_id)
        return outcome.model_dump(mode="json")


class RetryLater(Exception):
    """Delivery failed with a retryable error: leave the message on the queue."""
