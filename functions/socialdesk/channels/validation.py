"""Turn validation errors into one short, safe reason for a 400 body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

_MAX_ERRORS = 3


def describe(error: ValidationError, prefix: str = "") -> str:
    """Name the failing field paths (under ``prefix``, the item's path) and messages, never the input."""
    return describe_errors(error.errors(include_url=False, include_input=False), prefix)


def describe_errors(errors: Iterable[Mapping[str, Any]], prefix: str = "", skip: int = 0) -> str:
    """The same reason for pydantic-shaped error dicts (``loc``, ``msg``); ``skip`` drops leading parts."""
    details = list(errors)
    parts = []
    for detail in details[:_MAX_ERRORS]:
        location = tuple(detail.get("loc") or ())[skip:]
        path = ".".join(str(part) for part in (prefix, *location) if part != "") or "body"
        parts.append(f"{path}: {detail.get('msg', 'invalid')}")
    more = len(details) - _MAX_ERRORS
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
