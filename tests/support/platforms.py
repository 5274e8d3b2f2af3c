"""Sign and send webhook requests the way X, Meta and a generic source do."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from local import devsecrets
from local.gateway import HttpResponse, LocalGateway
from socialdesk.channels import generic, meta, x

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "platforms" / "samples"


def body_of(payload: Any) -> bytes:
    """Compact JSON bytes, as platforms send them."""
    return payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()


def post_x(gateway: LocalGateway, payload: Any, *, signature: str | None = None) -> HttpResponse:
    """POST /webhooks/x signed with the dev consumer secret (or ``signature`` when given)."""
    body = body_of(payload)
    header = signature if signature is not None else x.sign(devsecrets.value("X_CONSUMER_SECRET"), body)
    return gateway.request(
        "POST",
        "/webhooks/x",
        {"content-type": "application/json", "x-twitter-webhooks-signature": header},
        body,
    )


def post_meta(gateway: LocalGateway, payload: Any, *, signature: str | None = None) -> HttpResponse:
    """POST /webhooks/meta signed with the dev app secret (or ``signature`` when given)."""
    body = body_of(payload)
    header = signature if signature is not None else meta.sign(devsecrets.value("META_APP_SECRET"), body)
    return gateway.request(
        "POST", "/webhooks/meta", {"content-type": "application/json", "X-Hub-Signature-256": header}, body
    )


def post_generic(
    gateway: LocalGateway, source: str, payload: Any, *, at: float | None = None, secret: str | None = None
) -> HttpResponse:
    """POST /webhooks/generic/{source} signed at ``at`` (default now) with the dev generic secret."""
    body = body_of(payload)
    stamp = int(time.time() if at is None else at)
    header = generic.sign(secret or devsecrets.value("GENERIC_WEBHOOK_SECRET"), body, stamp)
    return gateway.request(
        "POST",
        f"/webhooks/generic/{source}",
        {"content-type": "application/json", "x-socialdesk-signature": header},
        body,
    )
