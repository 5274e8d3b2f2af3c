"""Use case: an admin records a person's erasure request received by other means (email, a form)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from socialdesk.dal.ports import ErasureRequests
from socialdesk.domain.access import Forbidden, Principal, Role
from socialdesk.domain.mention import Channel
from socialdesk.domain.model import Model


class ErasureRequest(Model):
    """``POST /privacy/erasures`` body: who, on which channels (all channels when omitted)."""

    model_config = ConfigDict(extra="forbid")

    author_id: str = Field(min_length=1, max_length=256, description="The person's id on the channel(s).")
    channels: tuple[Channel, ...] = Field(default=tuple(Channel), min_length=1)
    reason: str = Field(default="request_to_the_brand", pattern=r"^[a-z0-9_]{1,40}$")


class ErasureRecorded(Model):
    """What the API answers: the confirmation code and where its status page is."""

    confirmation_code: str
    status_path: str


def request_erasure(
    principal: Principal, request: ErasureRequest, now: datetime, *, erasures: ErasureRequests
) -> ErasureRecorded:
    """Admins only: record the request; the stream carries it out like a platform's own request."""
    from socialdesk.domain.webhook import PersonErasureRequested  # the webhook's models: not at API init
    from socialdesk.logic.ingest_mention import erasure_id

    if principal.role is not Role.ADMIN:
        raise Forbidden("only admins record erasure requests")
    event = PersonErasureRequested(
        channels=request.channels, author_id=request.author_id, reason=request.reason, requested_at=now
    )
    code = erasure_id(event)
    erasures.request(code, [c.value for c in event.channels], event.author_id, event.reason, now)
    return ErasureRecorded(confirmation_code=code, status_path=f"/privacy/deletion/{code}")
