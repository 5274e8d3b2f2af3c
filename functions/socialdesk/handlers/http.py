"""HTTP shaping shared by the API handlers: JSON and text responses, domain errors → status codes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from socialdesk.domain import access, errors
from socialdesk.domain.model import Model

#: one place that maps every domain error to its HTTP status
STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.PayloadInvalid: 400,
    errors.SignatureInvalid: 401,
    access.NotAuthenticated: 401,
    access.Forbidden: 403,
    errors.VerificationFailed: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.StateConflict: 409,
    errors.Unprocessable: 422,
    errors.KeyReused: 422,
    errors.InProgress: 409,
    errors.PayloadTooLarge: 413,
    errors.StorageUnavailable: 503,
}


class ErrorBody(Model):
    """Every error the APIs answer: a machine-readable code and a reason for people (never a trace)."""

    error: str = Field(description="A short code: invalid_payload, unauthorized, forbidden, not_found, ...")
    reason: str = Field(description="What was wrong, in words; names field paths, never echoes input.")


#: what each error status means on the agent API (the OpenAPI document's responses)
ERROR_MEANINGS: dict[int, str] = {
    400: "Malformed: the body is not JSON, or a body field, query or header parameter is invalid.",
    401: "No valid bearer token (API Gateway's JWT authorizer answers before the function runs).",
    403: "The token's role or teams do not allow this.",
    404: "No such resource, or not one of the caller's teams (the API does not tell which).",
    409: "The resource's state does not allow this now, or it changed underneath (read it again).",
    422: "Well-formed, but it cannot be done as asked (the reason says why).",
    503: "Storage unavailable or throttled; retry after the retry-after header.",
}


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI response objects for ``statuses``, each with the :class:`ErrorBody` schema."""
    return {
        status: {
            "description": ERROR_MEANINGS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in statuses
    }


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway (payload 2.0) response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }


def text_response(status: int, body: str) -> dict[str, Any]:
    """An API Gateway response with a plain-text body (Meta's challenge echo)."""
    return {
        "statusCode": status,
        "headers": {"content-type": "text/plain; charset=utf-8"},
        "body": body,
        "isBase64Encoded": False,
    }


def error_response(error: errors.DomainError) -> dict[str, Any]:
    """The status and ``{"error": code, "reason": ...}`` body for a domain error (no stack trace)."""
    status = next(
        (code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)),
        500,
    )
    headers = {"retry-after": "5"} if status == 503 else None
    return json_response(status, {"error": error.code, "reason": error.reason}, headers)


def internal_error() -> dict[str, Any]:
    """The answer to an unexpected failure: 500, no details (they are in the logs)."""
    return json_response(500, {"error": "internal_error", "reason": "unexpected error; it has been logged"})
