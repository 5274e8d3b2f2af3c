"""Documented development secrets: used locally and to sign events/ — never for a deployed stack."""

from __future__ import annotations

import os

#: environment variable → default used when it is unset (part of `make serve`'s contract)
DEFAULTS = {
    "X_CONSUMER_SECRET": "dev-x-consumer-secret",
    "META_APP_SECRET": "dev-meta-app-secret",
    "META_VERIFY_TOKEN": "dev-meta-verify-token",
    "GENERIC_WEBHOOK_SECRET": "dev-generic-webhook-secret",
}
#: generic sources the local stack knows (each gets GENERIC_WEBHOOK_SECRET)
GENERIC_SOURCES_DEFAULT = "blog,reviews,forms,wordpress,trustpilot"
#: HS256 key of local agent tokens (the local gateway verifies them like API Gateway's authorizer)
JWT_DEV_KEY = "socialdesk-local-dev-jwt-signing-key-not-for-production"


def value(name: str) -> str:
    """The secret from the environment, else its documented dev default."""
    return os.environ.get(name) or DEFAULTS[name]


def generic_sources() -> list[str]:
    """Source names from ``GENERIC_SOURCES`` (comma-separated), else the defaults."""
    raw = os.environ.get("GENERIC_SOURCES") or GENERIC_SOURCES_DEFAULT
    return [s.strip() for s in raw.split(",") if s.strip()]


def ssm_values() -> dict[str, str]:
    """Parameter name (relative to the secrets prefix) → value, as the deployed stack expects them."""
    values = {
        "x/consumer-secret": value("X_CONSUMER_SECRET"),
        "meta/app-secret": value("META_APP_SECRET"),
        "meta/verify-token": value("META_VERIFY_TOKEN"),
        # outbound credentials: placeholders locally (replies go to the URL in XApiBaseUrl/MetaGraphBaseUrl)
        "x/user-access-token": os.environ.get("X_USER_ACCESS_TOKEN") or "dev-x-user-access-token",
        "meta/page-access-token": os.environ.get("META_PAGE_ACCESS_TOKEN") or "dev-meta-page-access-token",
        "whatsapp/access-token": os.environ.get("WHATSAPP_ACCESS_TOKEN") or "dev-whatsapp-access-token",
    }
    for source in generic_sources():
        values[f"generic/{source}/secret"] = value("GENERIC_WEBHOOK_SECRET")
    return values
