"""HTTP shaping shared by the API handlers: JSON and text responses, domain errors → status codes."""

from __future__ import annotations

import json
from typing import Any

from socialdesk.domain import access, errors

#: one place that maps every domain error to its HTTP status
STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.PayloadInvalid: 400,
    errors.SignatureInvalid: 401,
    access.NotAuthenticated: 401,
    access.Forbidden: 403,
    errors.VerificationFailed: 403,
    errors.MentionNotFound: 404,
    errors.Conflict: 409,
    errors.StateConflict: 409,
    errors.Unprocessable: 422,
    errors.PayloadTooLarge: 413,
    errors.StorageUnavailable: 503,
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
