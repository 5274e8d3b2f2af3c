"""AWS clients, created lazily on first use (never at import time) and reused across invocations."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config


def _config() -> Config:
    from botocore.config import Config

    # Platforms retry a delivery that is not acknowledged within seconds: fail fast and let them.
    return Config(
        connect_timeout=2,
        read_timeout=5,
        retries={"mode": "standard", "total_max_attempts": 3},
    )


@cache
def client(service: str) -> Any:
    """Return the shared boto3 client for ``service`` (created on first call)."""
    import boto3

    return boto3.client(service, config=_config())


def reset() -> None:
    """Forget every client (tests call this when they start a fresh moto backend)."""
    client.cache_clear()
