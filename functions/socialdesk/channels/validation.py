"""Turn a pydantic ValidationError into one short, safe reason for a 400 body."""

from __future__ import annotations

from pydantic import ValidationError

_MAX_ERRORS = 3


def describe(error: ValidationError, prefix: str = "") -> str:
    """Name the failing field paths (under ``prefix``, the item's path) and messages, never the input."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False)[:_MAX_ERRORS]:
        path = ".".join(str(part) for part in (prefix, *detail["loc"]) if part != "") or "body"
        parts.append(f"{path}: {detail['msg']}")
    more = error.error_count() - _MAX_ERRORS
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
