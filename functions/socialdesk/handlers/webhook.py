"""Webhook entrypoint for X, Meta and generic sources: verify on raw bytes, parse, store once, ack."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from socialdesk.bootstrap import Services, services
from socialdesk.common.observability import entrypoint, logger, metrics
from socialdesk.dal.ports import WriteOutcome
from socialdesk.dal.secrets import inbound
from socialdesk.domain.errors import DomainError, PayloadInvalid, PayloadTooLarge, StorageUnavailable
from socialdesk.handlers.http import error_response, internal_error, json_response, text_response

#: SSM parameter names under the secrets prefix (names, not secrets); the webhook reads inbound/ only
X_SECRET = inbound("x/consumer-secret")
META_SECRET = inbound("meta/app-secret")
META_VERIFY_TOKEN = inbound("meta/verify-token")
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: metrics of the outcomes that are not routine; a stored mention is counted once per stream batch by
#: dispatch (MentionsStored), and requests by API Gateway's own Count metric: a routine delivery
#: writes no metric line (an EMF line per delivery was a third of the webhook's log bytes)
_METRIC_BY_OUTCOME = {
    WriteOutcome.DUPLICATE: "DuplicatesSuppressed",
    WriteOutcome.UPDATED: "MentionsEdited",
    WriteOutcome.TOMBSTONED: "MentionsTombstoned",
    WriteOutcome.OUTBOUND: "OutboundRecorded",
    WriteOutcome.BACKUP: "BackupRecorded",
    WriteOutcome.IGNORED: "EventsIgnored",
    WriteOutcome.ERASURE_REQUESTED: "ErasureRequests",
}

Route = Callable[[APIGatewayProxyEventV2, Services], dict[str, Any]]


def secret(svc: Services, name: str) -> str:
    """A configured webhook secret; a missing one is an operator error the platform should retry past."""
    value = svc.secrets.get(name)
    if not value:
        raise StorageUnavailable(f"secret {name} is not configured")
    return value


def raw_body(event: APIGatewayProxyEventV2, limit: int) -> bytes:
    """The exact bytes the platform sent (base64-decoded when API Gateway encoded them), size-checked."""
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise PayloadInvalid("body must be a string")
    encoded_limit = limit * 4 // 3 + 4 if event.is_base64_encoded else limit
    if len(body) > encoded_limit:
        raise PayloadTooLarge(f"body exceeds {limit} bytes")
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise PayloadInvalid("body is not valid base64") from None
    else:
        data = body.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise PayloadTooLarge(f"body exceeds {limit} bytes")
    return data


def decode_json(data: bytes) -> object:
    """Parse JSON strictly (no NaN/Infinity); anything unparsable is a 400."""

    def reject_constant(name: str) -> object:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(data, parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else type(error).__name__
        raise PayloadInvalid(f"body is not valid JSON: {reason}") from None


def headers_of(event: APIGatewayProxyEventV2) -> dict[str, str]:
    """Headers with lower-cased names (API Gateway HTTP APIs already lower-case; sam events may not)."""
    return {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}


def query(event: APIGatewayProxyEventV2, name: str) -> str | None:
    """One query-string parameter (extra parameters are ignored)."""
    return (event.get("queryStringParameters") or {}).get(name)


def x_crc(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``GET /webhooks/x?crc_token=…`` → ``{"response_token": "sha256=…"}``."""
    from socialdesk.channels.x import checked_crc_token, crc_response_token

    token = checked_crc_token(query(event, "crc_token"))  # before the secret: junk costs no SSM call
    return json_response(200, {"response_token": crc_response_token(secret(svc, X_SECRET), token)})


def x_events(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``POST /webhooks/x``: Account Activity v1.1 and X Activity API v2 deliveries."""
    from socialdesk.channels import x

    body = raw_body(event, svc.settings.max_body_bytes)
    x.verify_signature(secret(svc, X_SECRET), body, headers_of(event).get(x.SIGNATURE_HEADER))
    return _ingest("x", body, x.parse_delivery(decode_json(body)), svc)


def meta_verify(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``GET /webhooks/meta?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`` → the challenge."""
    from socialdesk.channels.meta import answer_challenge

    challenge = answer_challenge(
        query(event, "hub.mode"),
        query(event, "hub.verify_token"),
        query(event, "hub.challenge"),
        expected=secret(svc, META_VERIFY_TOKEN),
    )
    return text_response(200, challenge)


def meta_events(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``POST /webhooks/meta``: Page feed, Messenger, Instagram and WhatsApp deliveries."""
    from socialdesk.channels import meta

    body = raw_body(event, svc.settings.max_body_bytes)
    meta.verify_signature(secret(svc, META_SECRET), body, headers_of(event).get(meta.SIGNATURE_HEADER))
    return _ingest("meta", body, meta.parse_delivery(decode_json(body)), svc)


def generic_events(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``POST /webhooks/generic/{source}``: the documented mention schema, signed per source."""
    from socialdesk.channels import generic
    from socialdesk.domain.errors import SignatureInvalid

    source = (event.get("pathParameters") or {}).get("source") or ""
    if not _SOURCE.match(source):
        raise PayloadInvalid("source must be 1-40 characters of a-z, 0-9, '-' or '_'")
    if source not in svc.settings.generic_sources:  # before any secret lookup: unknown sources cost nothing
        raise SignatureInvalid(f"unknown source {source}")
    body = raw_body(event, svc.settings.max_body_bytes)
    source_secret = svc.secrets.get(inbound(f"generic/{source}/secret"))
    if not source_secret:
        raise SignatureInvalid(f"no secret is configured for source {source}")
    header = headers_of(event).get(generic.SIGNATURE_HEADER)
    generic.verify_signature(source_secret, body, header, now=time.time())
    return _ingest(f"generic-{source}", body, generic.parse_delivery(decode_json(body), source=source), svc)


def _ingest(webhook: str, body: bytes, events: list[Any], svc: Services) -> dict[str, Any]:
    from socialdesk.logic.ingest_mention import ingest_delivery

    report = ingest_delivery(
        events,
        channel=webhook,
        body=body,
        mentions=svc.mentions,
        archive=svc.archive,
        erasures=svc.erasures,
        workers=svc.settings.ingest_workers,
    )
    counts = Counter(item.outcome for item in report.items)
    for outcome, total in counts.items():
        if outcome in _METRIC_BY_OUTCOME:
            metrics.add_metric(name=_METRIC_BY_OUTCOME[outcome], unit="Count", value=total)
    ignored = Counter(item.reason for item in report.items if item.outcome is WriteOutcome.IGNORED)
    unknown = sum(n for reason, n in ignored.items() if reason and reason.startswith("unknown_"))
    if unknown:
        metrics.add_metric(name="UnknownEventTypes", unit="Count", value=unknown)
    logger.info(
        "delivery ingested",
        extra={"items": len(report.items), "outcomes": dict(counts), "ignored_reasons": dict(ignored)},
    )
    items = [
        item.model_dump(include={"outcome", "channel", "external_id", "kind", "reason"}, exclude_none=True)
        for item in report.items
    ]
    summary = {outcome.value: n for outcome, n in counts.items()}
    return json_response(200, {"received": len(report.items), **summary, "items": items})


def meta_data_deletion(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``POST /webhooks/meta/data-deletion``: Meta's user data-deletion callback.

    Verifies ``signed_request`` with the app secret, records the erasure (carried out from the
    stream) and answers as Meta requires: ``{"url": <status page>, "confirmation_code": <code>}``.
    """
    from urllib.parse import parse_qs

    from socialdesk.channels.meta.deletion import verify_signed_request
    from socialdesk.domain.mention import Channel
    from socialdesk.domain.timeutil import to_utc
    from socialdesk.domain.webhook import PersonErasureRequested
    from socialdesk.logic.ingest_mention import erasure_id

    body = raw_body(event, 64 * 1024)
    fields = parse_qs(body.decode("utf-8", "replace"))
    signed = (fields.get("signed_request") or [""])[0]
    from socialdesk.bootstrap import now

    payload = verify_signed_request(signed, secret(svc, META_SECRET), now=now().timestamp())

    issued = payload.get("issued_at")
    request = PersonErasureRequested(
        channels=(Channel.FACEBOOK, Channel.MESSENGER, Channel.INSTAGRAM),
        author_id=str(payload["user_id"]),
        reason="meta_data_deletion",
        requested_at=to_utc(issued) if isinstance(issued, int) else to_utc(time.time()),
    )
    code = erasure_id(request)
    svc.erasures.request(
        code, [c.value for c in request.channels], request.author_id, request.reason, request.requested_at
    )
    metrics.add_metric(name="ErasureRequests", unit="Count", value=1)
    domain = (event.get("requestContext") or {}).get("domainName") or "localhost"
    return json_response(200, {"url": f"https://{domain}/privacy/deletion/{code}", "confirmation_code": code})


def deletion_status(event: APIGatewayProxyEventV2, svc: Services) -> dict[str, Any]:
    """``GET /privacy/deletion/{code}``: the status page a person reaches from Meta (no personal data)."""
    code = (event.get("pathParameters") or {}).get("code") or ""
    found = svc.erasures.get(code) if re.fullmatch(r"[0-9a-f]{24}", code) else None
    if not found:
        return json_response(404, {"error": "not_found", "reason": "no deletion request has this code"})
    return json_response(
        200,
        {
            "confirmation_code": code,
            "status": found.get("status"),
            "requested_at": found.get("requested_at"),
            "completed_at": found.get("completed_at"),
            "erased": found.get("summary")
            or ({"messages": found["erased"]} if found.get("erased") is not None else None),
            "what_is_erased": "the text, attachments and identity of every message you sent, their archived "
            "payloads, your name on your conversations, and the replies sent to you",
        },
    )


ROUTES: dict[str, Route] = {
    "GET /webhooks/x": x_crc,
    "POST /webhooks/x": x_events,
    "GET /webhooks/meta": meta_verify,
    "POST /webhooks/meta": meta_events,
    "POST /webhooks/generic/{source}": generic_events,
    "POST /webhooks/meta/data-deletion": meta_data_deletion,
    "GET /privacy/deletion/{code}": deletion_status,
}


@entrypoint
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entrypoint for every ``/webhooks/*`` route."""
    request = APIGatewayProxyEventV2(event)
    route_key = request.get("routeKey") or ""
    route = ROUTES.get(route_key)
    metrics.add_dimension(
        name="webhook", value=route_key.split("/")[2] if route and route_key.count("/") > 1 else "none"
    )
    if route is None:
        return json_response(404, {"error": "not_found", "reason": f"no route {route_key}"})
    try:
        return route(request, services())
    except DomainError as error:
        metrics.add_metric(name="DeliveriesRejected", unit="Count", value=1)
        logger.warning(
            "delivery rejected", extra={"route": route_key, "error": error.code, "reason": error.reason}
        )
        return error_response(error)
    except Exception:
        logger.exception("delivery failed", extra={"route": route_key})
        return internal_error()
