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


#: outbound credentials of the local stack's ``default`` accounts (replies go to XApiBaseUrl and
#: MetaGraphBaseUrl, which the tests and the demo point at local/platforms.py)
OUTBOUND_DEFAULTS = {
    "X_CONSUMER_KEY": "dev-x-consumer-key",
    "X_ACCESS_TOKEN": "dev-x-access-token",
    "X_ACCESS_TOKEN_SECRET": "dev-x-access-token-secret",
    "META_PAGE_ACCESS_TOKEN": "dev-meta-page-access-token",
    "WHATSAPP_ACCESS_TOKEN": "dev-whatsapp-access-token",
}


def outbound_value(name: str) -> str:
    """An outbound credential from the environment, else its dev default."""
    return os.environ.get(name) or OUTBOUND_DEFAULTS[name]


def ssm_values() -> dict[str, str]:
    """Parameter name (relative to the secrets prefix) → value, as the deployed stack expects them."""
    values = {
        "inbound/x/consumer-secret": value("X_CONSUMER_SECRET"),
        "inbound/meta/app-secret": value("META_APP_SECRET"),
        "inbound/meta/verify-token": value("META_VERIFY_TOKEN"),
        # outbound credentials of the default accounts (OAuth 1.0a for X: the app's key pair, the
        # brand account's access token pair)
        "outbound/x/default/consumer-key": outbound_value("X_CONSUMER_KEY"),
        "outbound/x/default/consumer-secret": value("X_CONSUMER_SECRET"),
        "outbound/x/default/access-token": outbound_value("X_ACCESS_TOKEN"),
        "outbound/x/default/access-token-secret": outbound_value("X_ACCESS_TOKEN_SECRET"),
        "outbound/meta/default/page-access-token": outbound_value("META_PAGE_ACCESS_TOKEN"),
        "outbound/whatsapp/default/access-token": outbound_value("WHATSAPP_ACCESS_TOKEN"),
    }
    for source in generic_sources():
        values[f"inbound/generic/{source}/secret"] = value("GENERIC_WEBHOOK_SECRET")
    return values
