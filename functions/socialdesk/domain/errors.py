"""Typed domain errors; the HTTP layer maps each to a status code in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every SocialDesk domain error."""

    #: short machine-readable code put in API error bodies
    code = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureInvalid(DomainError):
    """The request's signature is missing, malformed, stale or does not match (HTTP 401)."""

    code = "invalid_signature"


class VerificationFailed(DomainError):
    """A subscription handshake carried the wrong verify token or mode (HTTP 403)."""

    code = "verification_failed"


class PayloadInvalid(DomainError):
    """The body is not JSON or does not match the platform's documented shape (HTTP 400)."""

    code = "invalid_payload"


class PayloadTooLarge(DomainError):
    """The body exceeds the configured size limit (HTTP 413)."""

    code = "payload_too_large"


class NotFound(DomainError):
    """What the request names does not exist, or is not the caller's to see (HTTP 404).

    Each kind of thing has its own subclass (a mention, a ticket, an incident, a canned response,
    an API route), so a caller can tell what was missing without parsing the reason.
    """

    code = "not_found"


class MentionNotFound(NotFound):
    """No stored mention has this channel and external id (HTTP 404)."""


class StorageUnavailable(DomainError):
    """The store failed or throttled; the platform must redeliver (HTTP 503)."""

    code = "storage_unavailable"


class Conflict(DomainError):
    """A conditional write lost a race or the state changed underneath (HTTP 409; steps retry)."""

    code = "conflict"

    def __init__(self, reason: str, failed: tuple[int, ...] = ()) -> None:
        super().__init__(reason)
        #: indexes of the transaction operations whose condition failed
        self.failed = failed


class MentionNotReady(DomainError):
    """The mention to route is not readable yet (a stream record ahead of a consistent read)."""

    code = "mention_not_ready"


class Unprocessable(DomainError):
    """The request is well-formed but cannot be done as asked (HTTP 422): e.g. a reply to someone else."""

    code = "unprocessable"


class StateConflict(DomainError):
    """The resource's state does not allow this now (HTTP 409): a closed ticket, a deleted message.

    Unlike :class:`Conflict` it is not a lost race: retrying does not help.
    """

    code = "state_conflict"


class KeyReused(DomainError):
    """An idempotency key already answered a different request (HTTP 422): a new key is needed."""

    code = "idempotency_key_reused"


class InProgress(DomainError):
    """The same request (same idempotency key) is still running (HTTP 409): retry shortly.

    Not a :class:`Conflict`: nothing lost a race, and the first request's outcome is replayed on retry.
    """

    code = "in_progress"
